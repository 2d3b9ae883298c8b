"""A new values-only worksheet part, written whole (the summary's sheet): no parsing, no patching —
the part-level editor for existing sheets is `xlsx.worksheet`."""

from __future__ import annotations

import datetime as dt
import math

from spso_xl.xlsx.refs import column_letters, excel_serial, number_text
from spso_xl.xlsx.xml import MAIN, REL, text_element


def sheet_xml(rows: list[list], styles: dict[tuple[int, int], int], widths: list[float],
              heights: dict[int, float] | None = None, date1904: bool = False, landscape: bool = True) -> bytes:
    """A values-only worksheet: strings inline (the shared strings stay as they are), numbers, dates as
    serials; `styles` maps (row, col), 0-based, to a cellXfs index. Printed landscape on A4, a page wide."""
    heights = heights or {}
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
           '<sheetViews><sheetView showGridLines="0" workbookViewId="0"/></sheetViews>'
           '<sheetFormatPr defaultRowHeight="15"/>']
    if widths:
        out.append("<cols>" + "".join(f'<col min="{c}" max="{c}" width="{w:g}" customWidth="1"/>'
                                      for c, w in enumerate(widths, start=1)) + "</cols>")
    out.append("<sheetData>")
    for r, row in enumerate(rows):
        cells = []
        for c, v in enumerate(row):
            s = styles.get((r, c), 0)
            ref = f"{column_letters(c + 1)}{r + 1}"
            attrs = f' r="{ref}"' + (f' s="{s}"' if s else "")
            if v is None or (isinstance(v, float) and math.isnan(v)):
                if s:
                    cells.append(f"<c{attrs}/>")
            elif isinstance(v, bool):
                cells.append(f'<c{attrs} t="b"><v>{int(v)}</v></c>')
            elif isinstance(v, (int, float)):
                cells.append(f"<c{attrs}><v>{number_text(v)}</v></c>")
            elif isinstance(v, (dt.date, dt.datetime)):
                cells.append(f"<c{attrs}><v>{number_text(excel_serial(v, date1904))}</v></c>")
            else:
                cells.append(f'<c{attrs} t="inlineStr"><is>{text_element(str(v))}</is></c>')
        height = f' ht="{heights[r]:g}" customHeight="1"' if r in heights else ""
        if cells or height:
            out.append(f'<row r="{r + 1}"{height}>' + "".join(cells) + "</row>")
    out.append("</sheetData>")
    out.append('<pageMargins left="0.5" right="0.5" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>')
    out.append(f'<pageSetup paperSize="9" orientation="{"landscape" if landscape else "portrait"}" '
               f'fitToWidth="1" fitToHeight="0"/>')
    out.append("</worksheet>")
    return "".join(out).encode()

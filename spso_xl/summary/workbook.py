"""The summary as Excel sheets: a sheet added to the tracker's package (`put_sheet`, through the
part-level writer) and the standalone workbook a manager forwards (`write_standalone`, openpyxl,
with native charts and A4 print settings).

Both take the one `summary.layout` grid, as the xlwings button's sheet does (grid + pictures),
so they hold the same cells.
Cells are values only: text that looks like a formula (`=...`) is written as text.
"""

from __future__ import annotations

import datetime as dt
import os
from copy import copy
from pathlib import Path

import openpyxl
from openpyxl.chart import BarChart, Reference, ScatterChart, Series
from openpyxl.chart.legend import LegendEntry
from openpyxl.chart.marker import Marker
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, TwoCellAnchor
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.units import cm_to_EMU
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break

from spso_xl.outputs.cell_text import neutralise
from spso_xl.summary.layout import PRINT_TITLE_ROWS, Layout, PlacedChart
from spso_xl.xlsx.newsheet import sheet_xml
from spso_xl.xlsx.package import Package
from spso_xl.xlsx.refs import cell_position, column_letters
from spso_xl.xlsx.styles import Styles, fonts_in_schema_order

NAVY, GREY, RED, AMBER = "1F4E79", "595959", "C00000", "ED7D31"
LEVEL_COLOURS = ("9DC3E6", "2E75B6", "FFC000", "ED7D31", "C00000", "7B0000", "A6A6A6")
FLAG_COLOURS = {"Abnormally high": RED, "High": AMBER, "Low": "70AD47", "Within limits": "2E75B6"}
FONT = "Calibri"  # every cell names it: a style without a font name prints in a serif fallback
_FONTS = {"title": Font(FONT, bold=True, size=16, color=NAVY), "subtitle": Font(FONT, italic=True, color=GREY),
          "section": Font(FONT, bold=True, size=12, color=NAVY), "header": Font(FONT, bold=True, color="FFFFFF"),
          "note": Font(FONT, italic=True, color="9C0006"), "text": Font(FONT, color="262626")}
_HEADER_FILL = PatternFill("solid", fgColor=NAVY)
_ALIGN = {  # made once: openpyxl compares and hashes every style object it is given
    "header": Alignment(wrap_text=True, vertical="top"), "header number": Alignment(wrap_text=True, vertical="top",
                                                                                     horizontal="center"),
    "figure": Alignment(horizontal="left", vertical="top"), "wrap": Alignment(wrap_text=True, vertical="top"),
    "number": Alignment(horizontal="center", vertical="top"), "text": Alignment(vertical="top"),
}
_BOLD = Font(FONT, bold=True)


def level_colour(series: str) -> str:
    """A level's colour, light to dark as the level rises; grey for 'Level not recorded'."""
    return LEVEL_COLOURS[min(int(series.split()[-1]), 6) - 1] if series[-1].isdigit() else LEVEL_COLOURS[-1]


# --- the sheet --------------------------------------------------------------------------------


def _text(value: str) -> str:
    return neutralise(value, parsed=False)


def write_layout(ws, lay: Layout, charts: bool = True) -> None:
    """Fill an empty openpyxl worksheet with the layout: values, styles, widths and native charts.
    Each distinct look is built once and copied to the cells that share it (openpyxl compares and
    hashes every style object it is given, which is most of the time on a long summary)."""
    looks: dict[tuple, object] = {}
    for r, row in enumerate(lay.rows, start=1):
        style = lay.styles.get(r - 1)
        below = lay.rows[r] if r < len(lay.rows) else []
        for c, v in enumerate(row, start=1):
            if v is None:
                continue
            cell = ws.cell(r, c)
            if isinstance(v, str):
                cell.value = _text(v)
                cell.data_type = "s"  # never a formula or an error code, whatever it looks like
            else:
                cell.value = v
            fmt = lay.formats.get((r - 1, c - 1)) or ("dd/mm/yyyy" if isinstance(v, dt.date) else None)
            if style == "header":
                numeric = c <= len(below) and isinstance(below[c - 1], (int, float, dt.date))
                look = ("header", numeric)
            elif style == "figure" and c == 2:
                look = ("figure",)
            elif style in _FONTS:
                look = (style,)
            elif (r - 1, c - 1) in lay.wrap:
                look = ("wrap",)
            elif style is None:
                look = ("plain", "number" if isinstance(v, (int, float, dt.date)) else "text")
            else:
                look = ()
            key = (look, fmt)
            if key in looks:
                cell._style = copy(looks[key])
                continue
            if fmt:
                cell.number_format = fmt
            if look[:1] == ("header",):
                cell.font, cell.fill = _FONTS["header"], _HEADER_FILL
                cell.alignment = _ALIGN["header number" if look[1] else "header"]
            elif look == ("figure",):
                cell.font, cell.alignment = _BOLD, _ALIGN["figure"]
            elif look and look[0] in _FONTS:
                cell.font = _FONTS[look[0]]
            elif look == ("wrap",):
                cell.alignment = _ALIGN["wrap"]
            elif look[:1] == ("plain",):
                cell.alignment = _ALIGN[look[1]]
            looks[key] = copy(cell._style)
        if r - 1 in lay.heights:
            ws.row_dimensions[r].height = lay.heights[r - 1]
    for c, w in enumerate(lay.widths, start=1):
        ws.column_dimensions[column_letters(c)].width = w
    ws.sheet_view.showGridLines = False
    print_setup(ws, lay)
    if charts:
        for placed in lay.charts:
            chart = _CHARTS[placed.key](ws, lay)
            chart.title = placed.title
            chart.legend.position = "b"
            for axis in (chart.x_axis, chart.y_axis):
                axis.delete = False  # openpyxl 3.1 hides axes unless told otherwise
            ws.add_chart(chart, _anchor(placed))


def print_setup(ws, lay: Layout) -> None:
    """A4 landscape at full size (11 pt text, never shrunk to fit a width): the title and the period's dates
    on every page, column A repeated on pages a wide table runs on to, a page break between sections, each
    row band printed across before the next, and the quarter's dates and page number in the footer."""
    ws.sheet_format.defaultRowHeight, ws.sheet_format.customHeight = 15, True  # as the page breaks reckon
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.pageOrder = "overThenDown"
    ws.page_setup.scale = 100
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6, header=0.3, footer=0.3)
    ws.print_title_rows = f"1:{PRINT_TITLE_ROWS}"
    ws.print_title_cols = "A:A"
    for r in lay.breaks:
        ws.row_breaks.append(Break(id=r))  # after the r-th row (1-based): before the 0-based row r
    ws.oddFooter.left.text = lay.header.replace("&", "&&")
    ws.oddFooter.right.text = "Page &P of &N"
    ws.oddFooter.left.size = ws.oddFooter.right.size = 10


def _anchor(placed: PlacedChart) -> TwoCellAnchor:
    """The chart stretched from its anchor cell to its end cell, each at its offset (so it is the width the
    layout chose and ends before the printed page does)."""
    (r0, c0), (r1, c1) = cell_position(placed.anchor), cell_position(placed.end)
    return TwoCellAnchor(_from=AnchorMarker(col=c0 - 1, colOff=cm_to_EMU(placed.left_cm), row=r0 - 1),
                         to=AnchorMarker(col=c1 - 1, colOff=cm_to_EMU(placed.right_cm), row=r1 - 1))


def _ref(ws, lay: Layout, key: str, column: str, header: bool = False, rows: tuple[int, int] | None = None):
    b = lay.blocks[key]
    col = b.columns.index(column) + 1
    first, last = rows or (b.header_row + 1, b.last_row)
    return Reference(ws, min_col=col, max_col=col, min_row=(b.header_row if header else first) + 1, max_row=last + 1)


def _bars(ws, lay: Layout, key: str, series: list[str], horizontal: bool) -> BarChart:
    chart = BarChart()
    chart.type, chart.grouping, chart.overlap = ("bar" if horizontal else "col"), "stacked", 100
    for name in series:
        s = Series(_ref(ws, lay, key, name), title=name)
        s.graphicalProperties.solidFill = s.graphicalProperties.line.solidFill = level_colour(name)
        chart.series.append(s)
    chart.set_categories(_ref(ws, lay, key, lay.blocks[key].columns[0]))
    chart.x_axis.tickLblSkip = 1  # every category named
    if horizontal:
        chart.x_axis.scaling.orientation = "maxMin"  # biggest at the top, as the table reads
    chart.y_axis.title = "Actions"
    chart.y_axis.majorGridlines = None
    return chart


def _used(lay: Layout, key: str) -> list[str]:
    """A table's count columns that are not all zero (no legend entries for levels never used)."""
    b = lay.blocks[key]
    return [name for c, name in enumerate(b.columns) if c and any(lay.rows[r][c] for r in range(b.header_row + 1,
                                                                                             b.last_row + 1))]


def _levels_by_month(ws, lay):
    return _bars(ws, lay, "levels_by_month", _used(lay, "levels_by_month"), False)


def _level12_by_trigger(ws, lay):
    return _bars(ws, lay, "level12_trigger", ["Level 1", "Level 2"], True)


def _funnel(ws, lay) -> ScatterChart:
    """Organisations as points (coloured by where they fall), the limits as lines."""
    chart = ScatterChart(scatterStyle="lineMarker")  # straight lines: LibreOffice smooths when none is given
    chart.style = 13
    chart.x_axis.axPos = "b"
    b = lay.blocks["funnel"]
    flag_col = b.columns.index("Funnel")
    groups: list[tuple[str, int, int]] = []
    for r in range(b.header_row + 1, b.last_row + 1):
        name = str(lay.rows[r][flag_col]).split(" (")[0]
        if groups and groups[-1][0] == name:
            groups[-1] = (name, groups[-1][1], r)
        else:
            groups.append((name, r, r))
    for name, first, last in groups:
        colour = FLAG_COLOURS.get(name, GREY)
        s = Series(_ref(ws, lay, "funnel", "Uphold rate", rows=(first, last)),
                   _ref(ws, lay, "funnel", "Decisions", rows=(first, last)), title=name)
        s.marker = Marker("circle", size=7, spPr=GraphicalProperties(solidFill=colour))
        s.marker.graphicalProperties.line.solidFill = colour
        s.graphicalProperties = GraphicalProperties()
        s.graphicalProperties.line.noFill = True
        s.smooth = False  # LibreOffice takes smoothing for the whole chart from the first series
        chart.series.append(s)
    curve = lay.blocks.get("funnel_curve")
    if curve:
        for name in curve.columns[1:]:
            if "lower" in name:  # one legend entry per limit
                chart.legend.legendEntry.append(LegendEntry(idx=len(chart.series), delete=True))
            s = Series(_ref(ws, lay, "funnel_curve", name), _ref(ws, lay, "funnel_curve", "Decisions"),
                       title=name.replace(" upper", " limits"))
            s.marker = Marker("none")
            s.smooth = False
            colour = GREY if name == "Sector rate" else RED if name.startswith(_outer(curve)) else AMBER
            s.graphicalProperties.line.solidFill = colour
            s.graphicalProperties.line.width = 15875
            if name != "Sector rate":
                s.graphicalProperties.line.dashStyle = "dash"
            chart.series.append(s)
    chart.x_axis.title, chart.y_axis.title = "Casework decisions", "Uphold rate"
    chart.y_axis.number_format = "0%"
    chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 1
    chart.x_axis.scaling.min = 0
    chart.x_axis.majorGridlines = chart.y_axis.majorGridlines = None
    return chart


def _outer(curve) -> str:
    """The outer limit's column prefix, e.g. '99.8%' (the later of the two limits)."""
    return curve.columns[3].split()[0]


_CHARTS = {"levels_by_month": _levels_by_month, "level12_by_trigger": _level12_by_trigger, "funnel": _funnel}


# The tracker's copy: values, headings and formats only, written as one new part (DESIGN §13: a
# chart in the tracker would need a drawing, a chart part and their relationships per quarter; the
# charts live in the standalone workbook and the PNGs).
_XF = {  # row style -> cell format, as Styles.xf arguments
    "title": dict(bold=True, size=16, color=NAVY), "subtitle": dict(italic=True, color=GREY),
    "section": dict(bold=True, size=12, color=NAVY), "note": dict(italic=True, color="9C0006"),
    "text": dict(color="262626"),
}


def put_sheet(package, lay: Layout, after: str = "Summary") -> str:
    """Add the summary sheet to a tracker package (`xlsx.package.Package`), replacing one of the same name."""
    styles = package.styles
    cache: dict[tuple, int] = {}

    def xf(**kw) -> int:
        key = tuple(sorted(kw.items()))
        if key not in cache:
            cache[key] = styles.xf(**kw)
        return cache[key]

    cells = {}
    for r, row in enumerate(lay.rows):
        style = lay.styles.get(r)
        below = lay.rows[r + 1] if r + 1 < len(lay.rows) else []
        for c, v in enumerate(row):
            if v is None:
                continue
            fmt = lay.formats.get((r, c)) or ("dd/mm/yyyy" if isinstance(v, dt.date) else None)
            if style == "header":
                numeric = c < len(below) and isinstance(below[c], (int, float, dt.date))
                kw = dict(bold=True, color="FFFFFF", fill=NAVY, wrap=True, vertical="top",
                          horizontal="center" if numeric else None)
            elif style == "figure" and c == 1:
                kw = dict(bold=True, horizontal="left")
            elif style in _XF:
                kw = dict(_XF[style])
            elif (r, c) in lay.wrap:
                kw = dict(wrap=True, vertical="top")
            elif style is None:
                kw = dict(horizontal="center" if isinstance(v, (int, float, dt.date)) else None, vertical="top")
            else:
                kw = {}
            cells[(r, c)] = xf(num_fmt=fmt, **kw)
    rows = [[_text(v) if isinstance(v, str) else v for v in row] for row in lay.rows]
    return package.add_sheet(lay.sheet_name, sheet_xml(rows, cells, lay.widths, lay.heights, package.date1904),
                             after=after)


def write_standalone(lay: Layout, path: Path) -> None:
    """A values-only workbook holding just the summary sheet (with its charts)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = lay.sheet_name
    write_layout(ws, lay)
    wb.properties.title = lay.sheet_name.replace("Summary", "Support and Intervention summary")
    wb.properties.creator = "spso-xl"
    wb.save(path)
    _fonts_in_order(path)


def _fonts_in_order(path: Path) -> None:
    """openpyxl's fonts put in the schema's order (xlsx.styles.fonts_in_schema_order), so the workbook
    passes the Open XML SDK's validator as the tracker does."""
    with Package(path) as package:
        xml = package.read(Styles.PART)
        fixed = fonts_in_schema_order(xml)
        if fixed == xml:
            return
        package.write(Styles.PART, fixed)
        tmp = path.with_name(path.name + ".fonts")
        package.save(tmp)
    os.replace(tmp, path)


# --- PNG charts -------------------------------------------------------------------------------


# --- the command line's one call ----------------------------------------------------------------



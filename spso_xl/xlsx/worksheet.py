"""Worksheet parts: the cells a change sets, patched into the sheet's XML, and a whole sheet
written from scratch.

A worksheet is patched around the rows a change touches: rows are found by their `r`
attribute, each touched row is rewritten cell by cell, and every other byte of the part is kept
(a 50,000-row sheet costs a scan, not a tree). A cell keeps its style, and a formula its array
flag and dynamic-array metadata (`cm`), from the cell it replaces; storing the cached value of
every formula in some columns is one regex pass over the sheet. `sheet_xml` writes the
values-only sheet that the quarterly summary adds to a tracker.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from spso_xl.errors import PackageError
from spso_xl.xlsx.refs import column_letters, column_number, excel_serial, range_bounds
from spso_xl.xlsx.xml import MAIN, REL, attr, insert_before_close, rename_column_refs, set_attr, text_element, xml_text

if TYPE_CHECKING:
    from spso_xl.xlsx.package import Package

# Worksheet children that come after <hyperlinks>, in the schema's order (CT_Worksheet).
_AFTER_HYPERLINKS = ("printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks",
                     "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing",
                     "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
                     "webPublishItems", "tableParts", "extLst")


@dataclass(frozen=True)
class Formula:
    """A formula cell: its text (without '=') and the cached value to store with it. `array`: a one-cell
    array formula; `cm`: its cell-metadata index (a dynamic-array formula, as in the row above)."""
    text: str
    value: object = None
    array: bool = False
    cm: str | None = None

    @classmethod
    def like(cls, cell: bytes | None, text: str) -> "Formula":
        """The formula `text` written the way `cell` (the same column's cell in the row above) writes its own."""
        if cell is None:
            return cls(text)
        f = re.search(rb"<(?:\w+:)?f\b[^>]*>", cell)
        array = f is not None and attr(f.group(0), "t") == "array"
        return cls(text, array=array, cm=attr(cell[:cell.index(b">") + 1], "cm") if array else None)


@dataclass(frozen=True)
class CellXml:
    """A cell element of this sheet written at another address, as it is (a Total Row moving down)."""
    xml: bytes


@dataclass(frozen=True)
class Hyperlink:
    """A hyperlink cell: shows `text`, opens `target` (already in relationship form)."""
    target: str
    text: str


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x))


_CELL = re.compile(rb"<(?:\w+:)?c\b[^>]*?(?:/>|>.*?</(?:\w+:)?c>)", re.S)
_ROW_START = re.compile(rb"<(?:\w+:)?row\b[^>]*>")
_REF = re.compile(rb'\sr="([A-Z]+)(\d+)"')


@dataclass
class SheetEdit:
    """Changes queued for one worksheet, applied in one pass over its XML by `finish()`."""
    package: Package
    part: str
    cells: dict[int, dict[int, object]] = field(default_factory=dict)  # row -> col -> value
    styles: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> s for new cells
    cached: dict[int, dict[int, object]] = field(default_factory=dict)  # row -> col -> cached value
    array_refs: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> an array formula's ref
    links: list[tuple[str, str]] = field(default_factory=list)  # (cell ref, rId)
    rename_refs: dict[str, str] = field(default_factory=dict)
    _xml: bytes | None = None

    @property
    def xml(self) -> bytes:
        if self._xml is None:
            self._xml = self.package.read(self.part)
        return self._xml

    def set(self, row: int, col: int, value) -> None:
        self.cells.setdefault(row, {})[col] = value

    def set_cached(self, row: int, col: int, value) -> None:
        """Store `value` as the cached value of the formula in (row, col), if it holds one."""
        self.cached.setdefault(row, {})[col] = value

    # reading rows (for finding a table's last used row and template styles)

    def row_xml(self, r: int) -> bytes | None:
        span = _find_row(self.xml, r, 0)
        return None if span is None else self.xml[span[0]:span[1]]

    def row_cells(self, r: int) -> dict[int, bytes]:
        row = self.row_xml(r)
        return {} if row is None else _cells(row)

    def last_row(self, first_col: int, last_col: int, top: int, bottom: int, keep) -> int:
        """The last row numbered from `top` + 1 to `bottom` with a cell in the columns `first_col` to `last_col`
        for which `keep(cell xml)` holds; `top` when none. Rows are visited from the sheet's end backwards,
        so a table whose ref runs to row 1,048,576 costs the rows the sheet holds, not the ref's."""
        xml = self.xml
        hi = xml.rfind(b"sheetData>")
        hi = len(xml) if hi < 0 else hi
        while hi > 0:
            lo = max(0, hi - 65536)
            starts = list(_ROW_START.finditer(xml, lo, hi))
            for m in reversed(starts):
                n = _REF_ROW.search(m.group(0))
                r = int(n.group(1)) if n else 0
                if r <= top:
                    return top
                if r > bottom or m.group(0).endswith(b"/>"):
                    continue
                span = _find_row(xml, r, m.start())
                cells = _cells(xml[span[0]:span[1]]) if span else {}
                if any(keep(cell) for c, cell in cells.items() if first_col <= c <= last_col):
                    return r
            if lo == 0:
                break
            hi = starts[0].start() if starts else lo + 2048  # a tag cut at `lo` is read whole next time
        return top

    def col_styles(self) -> dict[int, str]:
        out = {}
        for tag in re.findall(rb"<(?:\w+:)?col\b[^>]*>", self.xml):
            lo, hi, s = attr(tag, "min"), attr(tag, "max"), attr(tag, "style")
            if s and lo and hi:
                for c in range(int(lo), min(int(hi), 16384) + 1):
                    out[c] = s
        return out

    def finish(self) -> None:
        if not (self.cells or self.cached or self.links or self.rename_refs or self.array_refs):
            return
        for r, row in self.cached.items():  # a formula being written takes its cached value with it
            for c, value in list(row.items()):
                f = self.cells.get(r, {}).get(c)
                if isinstance(f, Formula):
                    self.cells[r][c] = Formula(f.text, value, f.array, f.cm)
        xml = self.xml
        sd = re.search(rb"<(\w+:)?sheetData\b[^>]*?(/?)>", xml)
        if sd is None:
            raise PackageError(f"{self.part} has no sheetData")
        prefix = (sd.group(1) or b"").decode()
        if sd.group(2):  # <sheetData/>
            xml = xml[:sd.start()] + sd.group(0)[:-2] + b">" + f"</{prefix}sheetData>".encode() + xml[sd.end():]
        start = sd.end() if not sd.group(2) else sd.end() - 1
        per_row = set(self.cells) | {r for r, _ in self.array_refs}
        bulk = {r: row for r, row in self.cached.items() if r not in per_row}
        if bulk and not prefix:
            xml = self._cached_in_bulk(xml, bulk)
        else:
            per_row |= set(bulk)
        end = xml.index(f"</{prefix}sheetData>".encode(), start)
        out, pos = [xml[:start]], start
        sst = self.package.shared_strings
        for r in sorted(per_row):
            span = _find_row(xml, r, pos, end)
            if span is None:  # a new row: before the first row after it
                at = _next_row_at(xml, r, pos, end)
                out.append(xml[pos:at])
                if r in self.cells:
                    out.append(self._new_row(r, prefix, sst))
                pos = at
            else:
                out.append(xml[pos:span[0]])
                out.append(self._patch_row(xml[span[0]:span[1]], r, prefix, sst))
                pos = span[1]
        out.append(xml[pos:])
        xml = b"".join(out)
        if self.rename_refs:
            for old, new in self.rename_refs.items():
                xml = rename_column_refs(xml, old, new)
        if self.cells:
            xml = self._dimension(xml)
        if self.links:
            xml = self._add_links(xml, prefix)
        self.package.write(self.part, xml)
        self._xml = xml
        self.cells, self.cached, self.links, self.rename_refs, self.array_refs = {}, {}, [], {}, {}

    def _cached_in_bulk(self, xml: bytes, cached: dict[int, dict[int, object]]) -> bytes:
        """Cached values for many formula cells in one regex pass over the sheet (a refresh of every
        row): only cells in the columns concerned are visited, each rewritten in place. The common
        shape, <c ...><f ...>...</f><v>...</v></c>, is rebuilt from the match's groups."""
        letters = {column_letters(c): c for row in cached.values() for c in row}
        pattern = re.compile(rb'<c r="(' + b"|".join(sorted((k.encode() for k in letters), key=len, reverse=True))
                             + rb')(\d+)"([^>]*?)(?:/>|>(<f\b[^>]*?(?:/>|>[^<]*</f>))(?:<v>[^<]*</v>|<v/>)?</c>'
                               rb'|>.*?</c>)', re.S)
        date1904 = self.package.date1904
        memo: dict = {}
        keys = {c: column_letters(c).encode() for c in letters.values()}
        enc: dict[bytes, dict[bytes, tuple]] = {}
        for r, row in cached.items():
            out = enc[str(r).encode()] = {}
            for c, value in row.items():
                key = (type(value), value)
                try:
                    vt = memo[key]
                except KeyError:
                    v, t = _cached_xml(value, date1904, "")
                    vt = memo[key] = (v.encode(), t.encode(), value)
                except TypeError:
                    v, t = _cached_xml(value, date1904, "")
                    vt = (v.encode(), t.encode(), value)
                out[keys[c]] = vt

        def sub(m):
            row = enc.get(m.group(2))
            if row is None:
                return m.group(0)
            vt = row.get(m.group(1))
            if vt is None:
                return m.group(0)
            f = m.group(4)
            if f is None:
                return _with_cached(m.group(0), vt[2], date1904)
            attrs = m.group(3)
            if b' t="' in attrs:
                attrs = _T_ATTR.sub(b"", attrs, count=1)
            return b"".join((b'<c r="', m.group(1), m.group(2), b'"', attrs, vt[1], b">", f, vt[0], b"</c>"))

        return pattern.sub(sub, xml)

    def _new_row(self, r: int, prefix: str, sst) -> bytes:
        cols = sorted(self.cells[r])
        body = b"".join(self._cell(r, c, None, self.cells[r][c], prefix, sst) for c in cols)
        return f'<{prefix}row r="{r}">'.encode() + body + f"</{prefix}row>".encode()

    def _patch_row(self, row: bytes, r: int, prefix: str, sst) -> bytes:
        start = _ROW_START.match(row).group(0)
        if start.endswith(b"/>"):
            cells, start = {}, start[:-2] + b">"
        else:
            cells = _cells(row)
        for c, value in self.cells.get(r, {}).items():
            cells[c] = self._cell(r, c, cells.get(c), value, prefix, sst)
        for c, value in self.cached.get(r, {}).items():
            if c in cells and c not in self.cells.get(r, {}):
                cells[c] = _with_cached(cells[c], value, self.package.date1904, self.array_refs.get((r, c)))
        for (ar, c), ref in self.array_refs.items():
            if ar == r and c in cells and c not in self.cached.get(r, {}):
                cells[c] = _with_array_ref(cells[c], ref)
        spans = attr(start, "spans")
        if spans and ":" in spans and cells:
            lo, hi = (int(x) for x in spans.split(":"))
            start = set_attr(start, "spans", f"{min(lo, min(cells))}:{max(hi, max(cells))}")
        return start + b"".join(cells[c] for c in sorted(cells)) + f"</{prefix}row>".encode()

    def _cell(self, r: int, c: int, old: bytes | None, value, prefix: str, sst) -> bytes:
        ref = f"{column_letters(c)}{r}"
        if isinstance(value, CellXml):
            return _REF.sub(f' r="{ref}"'.encode(), value.xml, count=1)
        s = self.styles.get((r, c)) or (attr(old[:old.index(b">") + 1], "s") if old else None)
        attrs = f' r="{ref}"' + (f' s="{s}"' if s not in (None, "0") else "")
        p = prefix
        if isinstance(value, Hyperlink):
            value = value.text
        if isinstance(value, Formula) and old is not None and not value.array:
            value = Formula(value.text, value.value, *_astuple(Formula.like(old, value.text))[2:])
        if isinstance(value, Formula):
            inner, t = _cached_xml(value.value, self.package.date1904, p)
            cm = f' cm="{value.cm}"' if value.cm else ""
            f = f'<{p}f t="array" ref="{ref}">' if value.array else f"<{p}f>"
            return f"<{p}c{attrs}{t}{cm}>{f}{xml_text(value.text)}</{p}f>{inner}</{p}c>".encode()
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is _NAT:
            return f"<{p}c{attrs}/>".encode()
        if isinstance(value, bool):
            return f'<{p}c{attrs} t="b"><{p}v>{int(value)}</{p}v></{p}c>'.encode()
        if isinstance(value, (int, float)):
            return f"<{p}c{attrs}><{p}v>{_number(value)}</{p}v></{p}c>".encode()
        if isinstance(value, (dt.date, dt.datetime)):
            if _is_nat(value):
                return f"<{p}c{attrs}/>".encode()
            serial = excel_serial(value if not hasattr(value, "to_pydatetime") else value.to_pydatetime(),
                                  self.package.date1904)
            return f"<{p}c{attrs}><{p}v>{_number(serial)}</{p}v></{p}c>".encode()
        text = str(value)
        if sst is not None:
            return f'<{p}c{attrs} t="s"><{p}v>{sst.index(text)}</{p}v></{p}c>'.encode()
        t = text_element(text).replace("<t", f"<{p}t").replace("</t>", f"</{p}t>")
        return f'<{p}c{attrs} t="inlineStr"><{p}is>{t}</{p}is></{p}c>'.encode()

    def _dimension(self, xml: bytes) -> bytes:
        m = re.search(rb"<(?:\w+:)?dimension\b[^>]*?\sref=\"([^\"]*)\"", xml)
        if not m:
            return xml
        try:
            c1, r1, c2, r2 = range_bounds(m.group(1).decode())
        except ValueError:
            return xml
        rows = list(self.cells)
        cols = [c for row in self.cells.values() for c in row]
        c1, r1 = min([c1 or 1] + cols), min([r1 or 1] + rows)
        c2, r2 = max([c2 or 1] + cols), max([r2 or 1] + rows)
        ref = f"{column_letters(c1)}{r1}:{column_letters(c2)}{r2}".encode()
        return xml[:m.start(1)] + ref + xml[m.end(1):]

    def _add_links(self, xml: bytes, prefix: str) -> bytes:
        p = prefix
        tags = "".join(f'<{p}hyperlink ref="{ref}" r:id="{rid}"/>' for ref, rid in self.links).encode()
        if re.search(rb"<(?:\w+:)?hyperlinks\b[^>]*/>", xml):
            return insert_before_close(xml, f"{p}hyperlinks".encode(), tags)
        if f"</{p}hyperlinks>".encode() in xml:
            return insert_before_close(xml, f"{p}hyperlinks".encode(), tags)
        block = f"<{p}hyperlinks>".encode() + tags + f"</{p}hyperlinks>".encode()
        for name in _AFTER_HYPERLINKS:
            m = re.search(rb"<" + f"{p}{name}".encode() + rb"[\s>/]", xml)
            if m:
                return xml[:m.start()] + block + xml[m.start():]
        i = xml.rindex(f"</{p}worksheet>".encode())
        return xml[:i] + block + xml[i:]


def _astuple(f: Formula) -> tuple:
    return f.text, f.value, f.array, f.cm


def _is_nat(value) -> bool:
    try:
        return value != value  # NaT and NaN are not equal to themselves
    except Exception:
        return False


class _NaTSentinel:
    pass


_NAT = _NaTSentinel()


def _cells(row: bytes) -> dict[int, bytes]:
    """Column number -> cell XML of a row element."""
    out, last = {}, 0
    body_start = _ROW_START.match(row).end()
    for m in _CELL.finditer(row, body_start):
        cell = m.group(0)
        ref = _REF.search(cell[:cell.index(b">") + 1])
        last = column_number(ref.group(1).decode()) if ref else last + 1
        out[last] = cell
    return out


def _find_row(xml: bytes, r: int, pos: int = 0, end: int | None = None) -> tuple[int, int] | None:
    """(start, end) of the row element numbered r, searching from `pos`."""
    end = len(xml) if end is None else end
    i = xml.find(b'<row r="%d"' % r, pos, end)
    if i < 0:
        if xml.find(b'<row r="', pos, end) >= 0:
            return None  # rows are written the usual way (r first), and this one is not there
        m = re.compile(rb'<(?:\w+:)?row\b[^>]*?\sr="%d"' % r).search(xml, pos, end)
        if not m:
            return None
        i = m.start()
    tag_end = xml.index(b">", i) + 1
    if xml[tag_end - 2:tag_end] == b"/>":
        return i, tag_end
    close = re.compile(rb"</(?:\w+:)?row>").search(xml, tag_end)
    return i, close.end()


def _next_row_at(xml: bytes, r: int, pos: int, end: int) -> int:
    """Where a new row r goes: at the first row numbered above r after `pos`, else at the end."""
    for m in _ROW_START.finditer(xml, pos, end):
        n = _REF_ROW.search(m.group(0))
        if n and int(n.group(1)) > r:
            return m.start()
    return end


_REF_ROW = re.compile(rb'\sr="(\d+)"')


def _cached_xml(value, date1904: bool, p: str) -> tuple[str, str]:
    """(the <v> element, the t attribute) for a formula's cached value."""
    if value is None or _is_nat(value) or value == "":
        return f"<{p}v></{p}v>", ' t="str"'
    if isinstance(value, bool):
        return f"<{p}v>{int(value)}</{p}v>", ' t="b"'
    if isinstance(value, (int, float)):
        return f"<{p}v>{_number(value)}</{p}v>", ""
    if isinstance(value, (dt.date, dt.datetime)):
        v = value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
        return f"<{p}v>{_number(excel_serial(v, date1904))}</{p}v>", ""
    if hasattr(value, "item"):  # numpy scalars
        return _cached_xml(value.item(), date1904, p)
    return f"<{p}v>{xml_text(str(value))}</{p}v>", ' t="str"'


_HAS_F = re.compile(rb"<(?:\w+:)?f[\s>/]")
_T_ATTR = re.compile(rb'\st="[^"]*"')
_V_ELEM = re.compile(rb"<(?:\w+:)?v\b[^>]*?(?:/>|>[^<]*</(?:\w+:)?v>)")


def _with_cached(cell: bytes, value, date1904: bool, array_ref: str | None = None) -> bytes:
    """A formula cell with its cached value replaced (and an array formula's ref, when given); a cell
    without a formula is left as it is. The formula element and every attribute but `t` (the cached
    value's type) are kept: `cm` ties a dynamic array to xl/metadata.xml."""
    tag_end = cell.index(b">") + 1
    if cell[tag_end - 2] == 47 or not _HAS_F.search(cell, tag_end):  # 47: "/", an empty cell
        return cell
    prefix = "" if cell.startswith(b"<c ") else (re.match(rb"<(\w+:)?c\b", cell).group(1) or b"").decode()
    v, t = _cached_xml(value, date1904, prefix)
    start = _T_ATTR.sub(b"", cell[:tag_end - 1], count=1) + t.encode() + b">"
    body = cell[tag_end:]
    if array_ref:
        body = _with_array_ref(body, array_ref)
    body = _V_ELEM.sub(b"", body, count=1)
    close = body.rindex(b"</")
    return start + body[:close] + v.encode() + body[close:]


def _with_array_ref(xml: bytes, ref: str) -> bytes:
    """An array formula's spill range (the `ref` of its <f>) set to `ref`."""
    f = re.search(rb"<(?:\w+:)?f\b[^>]*>", xml)
    return xml if f is None else xml[:f.start()] + set_attr(f.group(0), "ref", ref) + xml[f.end():]


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
                cells.append(f"<c{attrs}><v>{_number(v)}</v></c>")
            elif isinstance(v, (dt.date, dt.datetime)):
                cells.append(f"<c{attrs}><v>{_number(excel_serial(v, date1904))}</v></c>")
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

"""Worksheet parts: the cells a change sets, patched into the sheet's XML, and a whole sheet
written from scratch.

A worksheet is patched around the rows a change touches: rows are found by their `r` attribute
(outside comments, whatever the quoting and spacing), each touched row is parsed and written by lxml
in the namespaces in scope where it sits, what is around the rows (dimension, hyperlinks) likewise,
and every other byte of the part is kept (a 50,000-row sheet costs a scan, not a tree). A cell keeps
its style, and a formula its array flag and dynamic-array metadata (`cm`), from the cell it
replaces; a new cell takes its row's or column's style, as the blank one showed. Storing the cached
value of every formula in some columns is one regex pass over a sheet written in the common shape
(`<c r="..."`, no prefix, no comments; any cell in another shape is parsed by lxml), else row by
row. `sheet_xml` writes the values-only sheet that the quarterly summary adds to a tracker.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from lxml import etree

from spso_xl.errors import PackageError
from spso_xl.xlsx.refs import column_letters, column_number, excel_serial, number_text, range_bounds
from spso_xl.xlsx.xml import (
    MAIN,
    REL,
    Fragment,
    attr,
    declarations,
    find_row,
    in_comment,
    parse,
    rename_column_refs,
    serialize,
    start_tag,
    text_child,
    unescape,
    xml_text,
)

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
    def like(cls, cell, text: str) -> "Formula":
        """The formula `text` written the way `cell` (the same column's cell in the row above: its XML,
        or its element) writes its own."""
        if cell is None:
            return cls(text)
        if isinstance(cell, (bytes, bytearray)):
            cell = Fragment(bytes(cell), {}).root[0]
        f = next((e for e in cell if _local(e) == "f"), None)
        array = f is not None and f.get("t") == "array"
        return cls(text, array=array, cm=cell.get("cm") if array else None)


@dataclass(frozen=True)
class CellXml:
    """A cell element of this sheet written at another address, as it is (a Total Row moving down)."""
    xml: bytes


@dataclass(frozen=True)
class Hyperlink:
    """A hyperlink cell: shows `text`, opens `target` (already in relationship form)."""
    target: str
    text: str




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
    touched: set[int] = field(default_factory=set)  # the rows written so far (for the write gate)
    original: bytes | None = None  # the part as the file held it (the gate parses only what changed)
    _xml: bytes | None = None

    @property
    def xml(self) -> bytes:
        if self._xml is None:
            self._xml = self.package.read(self.part)
            if self.part not in self.package.changed:
                self.original = self._xml
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
        if row is None:
            return {}
        return _cells(row, self._scope())

    def _scope(self) -> dict:
        """The namespaces declared around the rows (on worksheet and sheetData), to parse a row cut out."""
        return declarations(*(m.group(0) for m in (start_tag(self.xml, "worksheet"), start_tag(self.xml, "sheetData"))
                              if m is not None))

    def last_row(self, first_col: int, last_col: int, top: int, bottom: int, keep) -> int:
        """The last row numbered from `top` + 1 to `bottom` with a cell in the columns `first_col` to `last_col`
        for which `keep(cell xml)` holds; `top` when none. Rows are visited from the sheet's end backwards,
        so a table whose ref runs to row 1,048,576 costs the rows the sheet holds, not the ref's."""
        xml, scope = self.xml, self._scope()
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
                cells = _cells(xml[span[0]:span[1]], scope) if span else {}
                if any(keep(cell) for c, cell in cells.items() if first_col <= c <= last_col):
                    return r
            if lo == 0:
                break
            hi = starts[0].start() if starts else lo + 2048  # a tag cut at `lo` is read whole next time
        return top

    def col_styles(self) -> dict[int, str]:
        """Column -> the style a column's blank cells show (from <cols>, which comes before the rows)."""
        out = {}
        sd = start_tag(self.xml, "sheetData")
        for tag in re.findall(rb"<(?:[\w.\-]+:)?col(?=[\s/>])[^>]*>", self.xml[:sd.start() if sd else len(self.xml)]):
            lo, hi, s = attr(tag, "min"), attr(tag, "max"), attr(tag, "style")
            if s and lo and hi:
                for c in range(int(lo), min(int(hi), 16384) + 1):
                    out[c] = s
        return out

    @cached_property
    def _col_styles(self) -> dict[int, str]:
        return self.col_styles()

    def finish(self) -> None:
        if not (self.cells or self.cached or self.links or self.rename_refs or self.array_refs):
            return
        for r, row in self.cached.items():  # a formula being written takes its cached value with it
            for c, value in list(row.items()):
                f = self.cells.get(r, {}).get(c)
                if isinstance(f, Formula):
                    self.cells[r][c] = Formula(f.text, value, f.array, f.cm)
        xml = self.xml
        sd = start_tag(xml, "sheetData")
        if sd is None:
            raise PackageError(f"{self.part} has no sheetData")
        scope = self._scope()
        prefix = (re.match(rb"<([\w.\-]+:)?", sd.group(0)).group(1) or b"").decode()
        ns = scope.get(b"xmlns" + (b":" + prefix[:-1].encode() if prefix else b""), MAIN.encode()).decode()
        if sd.group(0).endswith(b"/>"):
            head, body, tail = xml[:sd.start()], b"", xml[sd.end():]
            open_tag, close_tag = sd.group(0)[:-2].rstrip() + b">", f"</{prefix}sheetData>".encode()
        else:
            close = _last_close(xml, sd.end(), "sheetData")
            head, body, tail = xml[:sd.start()], xml[sd.end():close.start()], xml[close.end():]
            open_tag, close_tag = sd.group(0), close.group(0)
        per_row = set(self.cells) | {r for r, _ in self.array_refs}
        bulk = {r: row for r, row in self.cached.items() if r not in per_row}
        if bulk and not prefix and not _OTHER_SHAPES.search(body):
            body = self._cached_in_bulk(body, bulk, scope)
        else:
            per_row |= set(bulk)
        # the rows the gate looks into: those written here (the bulk pass only swaps cached values of
        # formula cells in the one shape it reads; the gate's parse of the whole part covers it)
        self.touched |= per_row
        out, pos = [], 0
        sst = self.package.shared_strings
        comments = b"<!--" in body
        if len(per_row) > MANY_ROWS:  # one parse of all the rows beats one per row
            body = self._patch_all(body, sorted(per_row), ns, scope, sst)
            per_row = set()
        for r in sorted(per_row):
            span = _find_row(body, r, pos, None, comments)
            if span is None:  # a new row: before the first row after it
                at = _next_row_at(body, r, pos, len(body), comments)
                out.append(body[pos:at])
                if r in self.cells:
                    out.append(self._new_row(r, ns, scope, sst))
                pos = at
            else:
                out.append(body[pos:span[0]])
                out.append(self._patch_row(body[span[0]:span[1]], r, scope, sst))
                pos = span[1]
        out.append(body[pos:])
        body = b"".join(out)
        if self.rename_refs:
            for old, new in self.rename_refs.items():
                body = rename_column_refs(body, old, new)
                head, tail = rename_column_refs(head, old, new), rename_column_refs(tail, old, new)
        if self.cells or self.links:
            xml = self._edit_around(head + open_tag, body, close_tag + tail)
        else:
            xml = head + open_tag + body + close_tag + tail
        self.package.write(self.part, xml)
        self._xml = xml
        self.cells, self.cached, self.links, self.rename_refs, self.array_refs = {}, {}, [], {}, {}

    def _edit_around(self, before: bytes, body: bytes, after: bytes) -> bytes:
        """The sheet with its dimension and hyperlinks set: what is around the rows (small, whatever the
        sheet's size) is parsed and written by lxml, the rows spliced back in as they are."""
        root = parse(before + after)
        ns = etree.QName(root).namespace or MAIN
        data = next(e for e in root.iter(f"{{{ns}}}sheetData"))
        dim = root.find(f"{{{ns}}}dimension")
        if dim is not None and self.cells and dim.get("ref"):
            try:
                c1, r1, c2, r2 = range_bounds(dim.get("ref"))
                rows, cols = list(self.cells), [c for row in self.cells.values() for c in row]
                dim.set("ref", f"{column_letters(min([c1 or 1] + cols))}{min([r1 or 1] + rows)}:"
                               f"{column_letters(max([c2 or 1] + cols))}{max([r2 or 1] + rows)}")
            except ValueError:
                pass
        if self.links:
            block = root.find(f"{{{ns}}}hyperlinks")
            if block is None:
                block = etree.Element(f"{{{ns}}}hyperlinks")
                later = next((e for e in root if isinstance(e.tag, str) and etree.QName(e).localname in
                              _AFTER_HYPERLINKS), None)
                if later is not None:
                    later.addprevious(block)
                else:
                    root.append(block)
            rel = next((u for u in root.nsmap.values() if u == REL), None)
            for ref, rid in self.links:
                link = etree.SubElement(block, f"{{{ns}}}hyperlink", nsmap=None if rel else {"r": REL})
                link.set("ref", ref)
                link.set(f"{{{REL}}}id", rid)
        marker = "spso-xl-rows-go-here"
        data.text = marker
        written = serialize(root, before)
        i = written.index(marker.encode())
        return written[:i] + body + written[i + len(marker):]

    def _cached_in_bulk(self, xml: bytes, cached: dict[int, dict[int, object]], scope: dict) -> bytes:
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
            if f is None:  # another shape: this one cell parsed and written by lxml
                frag = Fragment(m.group(0), scope)
                _set_cached(frag.root[0], vt[2], date1904)
                return bytes(frag)
            attrs = m.group(3)
            if b' t="' in attrs:
                attrs = _T_ATTR.sub(b"", attrs, count=1)
            return b"".join((b'<c r="', m.group(1), m.group(2), b'"', attrs, vt[1], b">", f, vt[0], b"</c>"))

        return pattern.sub(sub, xml)

    def _new_row(self, r: int, ns: str, scope: dict, sst) -> bytes:
        frag = Fragment(b"", scope)
        row = etree.SubElement(frag.root, _q(ns, "row"))
        row.set("r", str(r))
        for c in sorted(self.cells[r]):
            self._cell(row, r, c, None, self.cells[r][c], sst)
        return bytes(frag)

    def _patch_all(self, body: bytes, rows: list[int], ns: str, scope: dict, sst) -> bytes:
        """Many rows (a refresh of a whole spill): the rows parsed and written back by lxml at once."""
        frag = Fragment(body, scope)
        found = {}
        for e in frag.root:
            if _local(e) == "row" and (e.get("r") or "").isdigit():
                found[int(e.get("r"))] = e
        numbers = sorted(found)
        for r in rows:
            if r in found:
                self._patch_row_element(found[r], r, sst)
            elif r in self.cells:
                row = etree.SubElement(frag.root, _q(ns, "row"))
                row.set("r", str(r))
                for c in sorted(self.cells[r]):
                    self._cell(row, r, c, None, self.cells[r][c], sst)
                later = next((n for n in numbers if n > r), None)  # numbers: the rows the sheet had
                if later is not None:
                    found[later].addprevious(row)
        return bytes(frag)

    def _patch_row(self, xml: bytes, r: int, scope: dict, sst) -> bytes:
        """One row parsed and written back by lxml: the cells set replaced or inserted in column order,
        cached values and array refs stored; comments and every other cell kept."""
        frag = Fragment(xml, scope)
        self._patch_row_element(next(e for e in frag.root if _local(e) == "row"), r, sst)
        return bytes(frag)

    def _patch_row_element(self, row, r: int, sst) -> None:
        cells = _cell_elements(row)
        for c, value in self.cells.get(r, {}).items():
            old = cells.get(c)
            new = self._cell(row, r, c, old, value, sst)
            if old is not None:
                row.replace(old, new)
            else:
                later = [k for k in cells if k > c]
                ext = next((e for e in row if _local(e) == "extLst"), None)
                anchor = cells[min(later)] if later else ext
                if anchor is not None:
                    anchor.addprevious(new)
            cells[c] = new
        for c, value in self.cached.get(r, {}).items():
            if c in cells and c not in self.cells.get(r, {}):
                _set_cached(cells[c], value, self.package.date1904, self.array_refs.get((r, c)))
        for (ar, c), ref in self.array_refs.items():
            if ar == r and c in cells and c not in self.cached.get(r, {}):
                _set_array_ref(cells[c], ref)
        spans = row.get("spans")
        if spans and ":" in spans and cells and " " not in spans:
            lo, hi = (int(x) for x in spans.split(":"))
            row.set("spans", f"{min(lo, min(cells))}:{max(hi, max(cells))}")

    def _cell(self, row, r: int, c: int, old, value, sst):
        """The cell (r, c) holding `value`, made as the last child of `row` (the caller moves it): the
        style of the cell it replaces, a formula written as that cell wrote its own."""
        ns = etree.QName(row).namespace or ""
        ref = f"{column_letters(c)}{r}"
        if isinstance(value, CellXml):  # a cell of this sheet moving as it is (a Total Row moving down)
            cell = etree.fromstring(value.xml)
            cell.set("r", ref)
            row.append(cell)
            return cell
        # an explicit style first; else a new cell shows as the blank one did: the replaced cell's style,
        # its row's when the row has one, else its column's
        s = self.styles.get((r, c)) or (old.get("s") if old is not None else None) or (
            row.get("s") if row.get("customFormat") in ("1", "true") else self._col_styles.get(c))
        cell = etree.SubElement(row, _q(ns, "c"))
        cell.set("r", ref)
        if s not in (None, "0"):
            cell.set("s", s)
        if isinstance(value, Hyperlink):
            value = value.text
        if isinstance(value, Formula) and old is not None and not value.array:
            value = Formula(value.text, value.value, *_astuple(Formula.like(old, value.text))[2:])
        if isinstance(value, Formula):
            if value.cm:
                cell.set("cm", value.cm)
            f = etree.SubElement(cell, _q(ns, "f"))
            if value.array:
                f.set("t", "array")
                f.set("ref", ref)
            f.text = value.text
            _put_value(cell, value.value, self.package.date1904)
            return cell
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is _NAT or \
                (isinstance(value, (dt.date, dt.datetime)) and _is_nat(value)):
            return cell
        v = None
        if isinstance(value, bool):
            cell.set("t", "b")
            v = str(int(value))
        elif isinstance(value, (int, float)):
            v = number_text(value)
        elif isinstance(value, (dt.date, dt.datetime)):
            v = number_text(excel_serial(value if not hasattr(value, "to_pydatetime") else value.to_pydatetime(),
                                     self.package.date1904))
        elif sst is not None:
            cell.set("t", "s")
            v = str(sst.index(str(value)))
        else:
            cell.set("t", "inlineStr")
            text_child(etree.SubElement(cell, _q(ns, "is")), str(value))
        if v is not None:
            etree.SubElement(cell, _q(ns, "v")).text = v
        return cell


def _q(ns: str, local: str) -> str:
    return f"{{{ns}}}{local}" if ns else local


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _cell_elements(row) -> dict:
    """Column number -> cell element of a row (a cell without an address follows the one before)."""
    out, last = {}, 0
    for e in row:
        if _local(e) != "c":
            continue
        m = _ADDR.match(e.get("r") or "")
        last = column_number(m.group(1)) if m else last + 1
        out[last] = e
    return out


def _put_value(cell, value, date1904: bool) -> None:
    """A formula cell's cached value: its <v> (replacing any) and its t attribute."""
    ns = etree.QName(cell).namespace or ""
    v_xml, t = _cached_xml(value, date1904, "")
    for old in [e for e in cell if _local(e) == "v"]:
        cell.remove(old)
    if "t" in cell.attrib:
        del cell.attrib["t"]
    if t:
        cell.set("t", t.split('"')[1])
    v = etree.Element(_q(ns, "v"))
    v.text = unescape(v_xml[3:-4]) if v_xml != "<v></v>" else ""
    f = next((e for e in cell if _local(e) == "f"), None)
    is_ = next((e for e in cell if _local(e) == "is"), None)
    after = f if f is not None else is_
    if after is not None:
        after.addnext(v)
    else:
        cell.insert(0, v)


def _set_cached(cell, value, date1904: bool, array_ref: str | None = None) -> None:
    """A formula cell's cached value replaced (and an array formula's ref, when given); a cell without
    a formula is left as it is. `cm` (dynamic-array metadata) and every other attribute kept."""
    if not any(_local(e) == "f" for e in cell):
        return
    if array_ref:
        _set_array_ref(cell, array_ref)
    _put_value(cell, value, date1904)


def _set_array_ref(cell, ref: str) -> None:
    f = next((e for e in cell if _local(e) == "f"), None)
    if f is not None:
        f.set("ref", ref)


_ADDR = re.compile(r"([A-Z]{1,3})(\d+)$")


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


def _cells(row: bytes, scope: dict | None = None) -> dict[int, bytes]:
    """Column number -> cell XML of a row element (each cell written with the declarations it needs;
    `scope`: the namespaces declared around the row, none needed for an unprefixed sheet's)."""
    frag = Fragment(row, scope or {b"xmlns": MAIN.encode()})
    row_element = next(e for e in frag.root if _local(e) == "row")
    return {c: etree.tostring(e, with_tail=False) for c, e in _cell_elements(row_element).items()}


_find_row = find_row  # the names this module's callers know
_in_comment = in_comment


def _next_row_at(xml: bytes, r: int, pos: int, end: int, comments: bool = True) -> int:
    """Where a new row r goes: at the first row numbered above r after `pos`, else at the end."""
    tail = max(pos, end - 65536)  # a row appended below the last (a log line): the sheet's end is enough
    last = [m for m in _ROW_NUMBER.finditer(xml, tail, end) if not _in_comment(xml, m.start(), comments)]
    if last and tail > pos and int(last[-1].group(1)) < r:
        return end
    for m in _ROW_NUMBER.finditer(xml, pos, end):
        if int(m.group(1)) > r and not _in_comment(xml, m.start(), comments):
            return m.start()
    return end


def _last_close(xml: bytes, pos: int, local: str) -> re.Match:
    """The last end tag `</local>` (any prefix) after `pos`."""
    pattern = re.compile(rb"</(?:[\w.\-]+:)?" + local.encode() + rb"\s*>")
    found = None
    for found in pattern.finditer(xml, max(pos, len(xml) - 1_000_000)):
        pass
    found = found or pattern.search(xml, pos)
    if found is None:
        raise PackageError(f"<{local}> is not closed")
    return found


_ROW_START = re.compile(rb"<(?:[\w.\-]+:)?row(?=[\s/>])[^>]*>")
_REF_ROW = re.compile(rb"""\sr\s*=\s*["'](\d+)["']""")
_REF = re.compile(rb"""\sr\s*=\s*["']([A-Z]+)(\d+)["']""")
_ROW_NUMBER = re.compile(rb"""<(?:[\w.\-]+:)?row(?=[\s/>])[^>]*?\sr\s*=\s*["'](\d+)["']""")
_OTHER_SHAPES = re.compile(rb'<c(?:\s(?!r=")|>|/)|<!--')  # cells or comments the bulk pattern does not read


def _cached_xml(value, date1904: bool, p: str) -> tuple[str, str]:
    """(the <v> element, the t attribute) for a formula's cached value."""
    if value is None or _is_nat(value) or value == "":
        return f"<{p}v></{p}v>", ' t="str"'
    if isinstance(value, bool):
        return f"<{p}v>{int(value)}</{p}v>", ' t="b"'
    if isinstance(value, (int, float)):
        return f"<{p}v>{number_text(value)}</{p}v>", ""
    if isinstance(value, (dt.date, dt.datetime)):
        v = value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
        return f"<{p}v>{number_text(excel_serial(v, date1904))}</{p}v>", ""
    if hasattr(value, "item"):  # numpy scalars
        return _cached_xml(value.item(), date1904, p)
    return f"<{p}v>{xml_text(str(value))}</{p}v>", ' t="str"'


_T_ATTR = re.compile(rb'\st="[^"]*"')
MANY_ROWS = 200  # more rows touched than this in one sheet: all its rows parsed at once

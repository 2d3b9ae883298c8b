"""Reading the cells of a workbook's Excel Tables, and nothing a hostile file can make costly:
the one safe reader, and the only module that hands a workbook to python-calamine.

calamine reads a whole sheet into one dense grid from A1 to its farthest cell, so one stray
value at XFD1048576 asks for 512 GB; it reads every part it is given in full, and it turns
error values (#DIV/0!, #REF!, #N/A) into blanks. So before calamine sees a sheet:
- the zip's directory is checked against `LIMITS` (part sizes, shared strings);
- each table's `ref` is read from its table part, and the sheet is cut to the rows from 1 to
  `ROWS_BELOW` rows under the table (rows typed just below a table are still read) and to the
  table's columns: cells elsewhere are never handed to calamine;
- error values inside that box are found in the XML and returned as `CellError`.
A table is found by its name wherever its sheet is (`table_named`: ignoring case, two of one name
refused), its Total Row is never read as a record, and a ref drawn down to row 1,048,576 costs
the rows the sheet holds (calamine reads cells, not the ref). Headers are matched by `clean_header`.
The common case (no far cells, no errors) costs two scans of the sheet's XML; only a sheet
that needs cutting is rewritten, in memory. A plain range that is not a Table (the xlwings.conf
sheet's keys, the headers above a spill) is read the same way (`read_range`), cut to its box.
Where calamine cannot be installed (xlwings Lite runs Pyodide, which has no wheel for it),
openpyxl, pure Python, reads the same cut package, bounded to the same rows and columns.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from spso_xl.errors import InputError
from spso_xl.xlsx.refs import MAX_COLUMN, MAX_ROW, column_letters, column_number, range_bounds

MB = 1 << 20
LIMITS = {
    "part": 512 * MB,  # one part, uncompressed (a 50,000-case Cases sheet is about 85 MB)
    "total": 1024 * MB,  # every part together
    "shared strings": 256 * MB,  # xl/sharedStrings.xml (calamine holds every string in memory)
    "ratio": 1000,  # uncompressed / compressed, for any part over 1 MB (a zip bomb)
}
ROWS_BELOW = 1000  # rows under a table still read (typed below it rather than into it)
COLUMNS_RIGHT = 26  # columns right of a table still read (a user's own column typed beside it)
TABLELESS_COLUMNS = 80  # a sheet without its table: columns read from A
TABLELESS_ROWS = 100_000  # ... and rows
MAX_TEXT = 32_767  # the most characters a cell holds
EMPTY_SHEET = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns='
               b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>')
_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
_REL = "{%s}id" % _NS["r"]


class CellError(str):
    """An error value stored in a cell (`#DIV/0!`, `#REF!`, `#N/A`, ...), as Excel shows it."""

    def __repr__(self):
        return f"CellError({str.__repr__(self)})"


ERROR_VALUES = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                          "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!", "#DATA!",
                          "#PYTHON!"))


def error_or_value(value):
    """A value read through Excel (xlwings with err_to_str): its error values as `CellError`."""
    return CellError(value) if isinstance(value, str) and value in ERROR_VALUES else value


@dataclass(frozen=True)
class Box:
    """Where a table's cells are: its sheet and part, and the rows and columns read (1-based)."""

    table: str
    sheet: str
    part: str
    first_col: int
    last_col: int
    last_row: int  # the table's last row of data (above its Total Row, if it has one)
    read_to: int  # the last row read (below the table by up to ROWS_BELOW)
    totals: int = 0  # the Total Row (0 or 1 rows, under last_row): never read as data


def clean_header(text) -> str:
    """A header as spso-xl matches it: without the spaces a user typed around it (`Chasers ` is
    `Chasers`). The one rule the reader, the writer and `check` use."""
    return text.strip() if isinstance(text, str) else ""


def table_named(tables, name: str):
    """The one table called `name` among `tables` ((table name, sheet, thing) triples), matched as Excel
    matches table names, ignoring case; None when there is none. Two tables of that name (a hidden
    copy, a file Excel would have to repair) are refused by name: which one is the tracker's is not
    for spso-xl to guess, and reading one while writing the other changes the wrong rows."""
    hits = [(sheet, thing) for key, sheet, thing in tables if key and key.casefold() == name.casefold()]
    if len(hits) > 1:
        where = " and ".join(f"'{sheet}'" for sheet, _ in hits)
        raise InputError("TABLE", f"two tables are named {name} (on the sheets {where}), so spso-xl cannot tell "
                                  f"which one to use: rename or delete the other one in Excel (Table Design > "
                                  f"Table Name); nothing was read or changed")
    return hits[0][1] if hits else None


def _refuse(path: Path, what: str) -> InputError:
    return InputError("FILE", f"{path.name}: {what}; spso-xl does not read it (open and save it in Excel, "
                              f"or check where it came from)", str(path))


def check_sizes(z: zipfile.ZipFile, path: Path) -> None:
    """Refuse a workbook whose parts would make a reader allocate more than `LIMITS` allow."""
    total = 0
    for info in z.infolist():
        total += info.file_size
        if info.file_size > LIMITS["part"]:
            raise _refuse(path, f"its part {info.filename} unpacks to {info.file_size // MB:,} MB "
                                f"(the limit is {LIMITS['part'] // MB} MB)")
        if info.filename.lower() == "xl/sharedstrings.xml" and info.file_size > LIMITS["shared strings"]:
            raise _refuse(path, f"its shared strings unpack to {info.file_size // MB:,} MB "
                                f"(the limit is {LIMITS['shared strings'] // MB} MB)")
        if info.file_size > MB and info.file_size > LIMITS["ratio"] * max(info.compress_size, 1):
            raise _refuse(path, f"its part {info.filename} is compressed {info.file_size // max(info.compress_size, 1):,} "
                                f"to 1, as zip bombs are")
    if total > LIMITS["total"]:
        raise _refuse(path, f"it unpacks to {total // MB:,} MB (the limit is {LIMITS['total'] // MB} MB)")


def _xml(z: zipfile.ZipFile, name: str):
    return ElementTree.fromstring(z.read(name))


def _target(base: str, target: str) -> str:
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _rels(z: zipfile.ZipFile, part: str) -> dict[str, str]:
    name = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
    if name not in z.namelist():
        return {}
    return {r.get("Id"): _target(part, r.get("Target", "")) for r in _xml(z, name).iter("{%s}Relationship" % _NS["p"])
            if r.get("TargetMode") != "External"}


def _ref_box(ref: str) -> tuple[int, int, int, int]:
    """(first column, first row, last column, last row) of a cell or a range of cells; ValueError
    for anything else (whole columns or rows included)."""
    c1, r1, c2, r2 = range_bounds(ref.strip())
    if c1 is None or r1 is None:
        raise ValueError(ref)
    return min(c1, c2), min(r1, r2), max(c1, c2), max(r1, r2)


def sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """The workbook's sheets, in tab order: name -> part (None where the relationship is missing)."""
    book = _xml(z, "xl/workbook.xml")
    rels = _rels(z, "xl/workbook.xml")
    return {s.get("name"): rels.get(s.get(_REL)) for s in book.iter("{%s}sheet" % _NS["m"])}


def table_boxes(z: zipfile.ZipFile) -> tuple[dict[str, str], list[tuple[str, str, Box]]]:
    """The workbook's sheets (name -> part) and its tables ((name, sheet, Box), for `table_named`),
    from the package parts."""
    sheets = sheet_parts(z)
    boxes = []
    for sheet, part in sheets.items():
        if not part or part not in z.NameToInfo:
            continue
        for target in _rels(z, part).values():
            if not target.startswith("xl/tables/") or target not in z.NameToInfo:
                continue
            table = _xml(z, target)
            try:
                c1, _, c2, r2 = _ref_box(table.get("ref", ""))
            except ValueError:
                continue
            name = table.get("displayName") or table.get("name")
            totals = 1 if (table.get("totalsRowCount") or "0") not in ("0", "") else 0
            boxes.append((name, sheet, Box(name, sheet, part, c1, min(c2 + COLUMNS_RIGHT, MAX_COLUMN), r2 - totals,
                                           min(r2 + ROWS_BELOW, MAX_ROW), totals)))
    return sheets, boxes


def _beyond(col: int) -> bytes:
    """A regex for column letters after column `col`."""
    letters = column_letters(col)
    k = len(letters)
    alts = [f"[A-Za-z]{{{k + 1},}}"]
    for i, ch in enumerate(letters):
        if ch != "Z":
            up = f"{chr(ord(ch) + 1)}-Z{chr(ord(ch) + 33)}-z"
            alts.append(f"(?i:{letters[:i]})" * bool(i) + f"[{up}]" + (f"[A-Za-z]{{{k - i - 1}}}" if k - i - 1 else ""))
    return ("(?:" + "|".join(alts) + ")").encode()


def _row_at(data: bytes, pos: int, tag: bytes) -> tuple[int, int] | None:
    """The first row element at or after `pos`: (its offset, its row number)."""
    m = re.compile(tag + rb'\b[^>]*?\br="(\d+)"').search(data, pos)
    return (m.start(), int(m.group(1))) if m else None


def _cut_rows(data: bytes, tag: bytes, last: int) -> tuple[bytes, bytes]:
    """Split sheet XML before the first row numbered after `last` (Excel stores rows in order, so
    a binary search over byte offsets finds it): (the XML without those rows, the rows removed)."""
    end = data.rfind(b"</" + tag[1:].replace(b"row", b"sheetData"))
    if end < 0:
        return data, b""
    lo, hi = 0, end
    while lo < hi:  # the least offset whose next row is numbered after `last`
        mid = (lo + hi) // 2
        at = _row_at(data, mid, tag)
        if at is None or at[0] >= end or at[1] > last:
            hi = mid
        else:
            lo = at[0] + 1
    at = _row_at(data, lo, tag)
    kept, cut = (data, b"") if at is None or at[0] >= end else (data[:at[0]] + data[end:], data[at[0]:end])
    numbers = re.findall(re.escape(tag) + rb'\b[^>]*?\br="(\d+)"', kept)
    if any(int(n) > last for n in numbers):  # rows out of order: drop every row after `last`, one by one
        closing = b"</" + tag[1:] + b">"
        pattern = re.escape(tag) + rb'\b[^>]*?\br="(\d+)"[^>]*?(?:/>|>.*?' + re.escape(closing) + b")"
        removed = []
        kept = re.sub(pattern, lambda m: b"" if int(m.group(1)) > last and not removed.append(m.group(0)) else
                      m.group(0), kept, flags=re.S)
        cut = b"".join(removed) + cut
    return kept, cut


@dataclass
class SheetCells:
    rows: list[list]  # values from A1: rows[r - 1][c - 1]
    errors: dict[tuple[int, int], CellError]  # (row, column) -> the error value
    dropped_below: int | None  # the first row with values under the read rows, if any


def _prepare(data: bytes, box: Box, path: Path) -> tuple[bytes, dict, int | None]:
    """The sheet XML cut to the box, its error cells, and the first row of values cut below it."""
    m = re.search(rb"<(\w+:)?sheetData\b", data)
    if not m:
        return data, {}, None
    p = m.group(1) or b""
    row_tag, cell_tag = b"<" + p + b"row", b"<" + p + b"c"
    # Every row and cell must carry its address (Excel, LibreOffice and the Python writers all do)
    rows = data.count(row_tag + b" ") + data.count(row_tag + b">")
    cells = data.count(cell_tag + b" ") + data.count(cell_tag + b">")
    if rows != data.count(row_tag + b' r="') or cells != data.count(cell_tag + b' r="'):
        raise _refuse(path, f"the sheet '{box.sheet}' stores rows or cells without their addresses")
    data, below = _cut_rows(data, row_tag, box.read_to)
    dropped = None
    if below:
        cell = re.compile(re.escape(cell_tag) + rb' r="([A-Z]{1,3})(\d+)"[^>]*?(/?)>')
        for c in cell.finditer(below):
            if not c.group(3) and box.first_col <= column_number(c.group(1).decode()) <= box.last_col:
                dropped = int(c.group(2))
                break
    # cells right of the table, or with a row number longer than any row read (a cell's own
    # address is what calamine places it by)
    far = rb'(?:' + _beyond(box.last_col) + rb'\d+|[A-Za-z]+\d{%d,})"' % (len(str(box.read_to)) + 1)
    if re.search(re.escape(cell_tag) + rb' r="' + far, data):
        data = re.sub(re.escape(cell_tag) + rb' r="' + far + rb'[^>]*?(?:/>|>.*?</' + re.escape(p) + rb'c>)', b"",
                      data, flags=re.S)
    errors = {}
    if b't="e"' in data:  # taken out of what calamine sees: it reads them as blanks, or fails on newer ones (#SPILL!)
        def take(c):
            v = re.search(rb"<(?:\w+:)?v>([^<]*)<", c.group(3) or b"")
            col = column_number(c.group(1).decode())
            if box.first_col <= col <= box.last_col:
                errors[(int(c.group(2)), col)] = CellError(v.group(1).decode("utf-8", "replace") if v else "#N/A")
            return b""

        data = re.sub(re.escape(cell_tag) + rb' r="([A-Za-z]+)(\d+)"[^>]*?\bt="e"[^>]*?(?:/>|>(.*?)</' + re.escape(p)
                      + rb"c>)", take, data, flags=re.S)
    return data, errors, dropped


def _open(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise InputError("FILE", f"{path.name} could not be read as a workbook ({e}): it may be damaged; open it in "
                                 f"Excel to repair it, or restore it from the backups folder beside it", str(path)) from None


def _damaged(path: Path, e: Exception) -> InputError:
    return _refuse(path, f"its workbook part is damaged ({e})")


def sheet_names(path) -> list[str]:
    """The workbook's sheet names in tab order (from its workbook part: no sheet is read)."""
    path = Path(path)
    with _open(path) as z:
        try:
            return list(sheet_parts(z))
        except (KeyError, ElementTree.ParseError) as e:
            raise _damaged(path, e) from None


def read_boxes(path, wanted: list[str]) -> tuple[dict[str, SheetCells], dict[str, Box]]:
    """The cells of each wanted table (by table name, else the sheet of that name), as rows
    from A1 with only the table's columns filled; errors and cut rows reported beside them."""
    path = Path(path)
    with _open(path) as z:
        check_sizes(z, path)
        try:
            sheets, tables = table_boxes(z)
        except (KeyError, ElementTree.ParseError) as e:
            raise _damaged(path, e) from None
        boxes: dict[str, Box] = {}
        for name in wanted:
            box = table_named(tables, name)
            if box is None and sheets.get(name) in z.NameToInfo:
                box = Box(name, name, sheets[name], 1, TABLELESS_COLUMNS, TABLELESS_ROWS, TABLELESS_ROWS)
            if box is not None:
                boxes[name] = box
        return _read(path, z, sheets, boxes), boxes


def read_range(path, sheet: str, ref: str) -> list[list] | None:
    """The values of a plain range of `sheet` (cells that are not a Table, e.g. `A1:B500`), row by
    row from the range's first row; only the range's box reaches the reader, so a stray cell far
    from it costs nothing. Each row holds the range's columns ('' for a blank cell, `CellError` for
    an error value); rows after the last one with a value are left out. None when the workbook has
    no sheet of that name."""
    c1, r1, c2, r2 = _ref_box(ref)
    path = Path(path)
    with _open(path) as z:
        check_sizes(z, path)
        try:
            sheets = sheet_parts(z)
        except (KeyError, ElementTree.ParseError) as e:
            raise _damaged(path, e) from None
        part = sheets.get(sheet)
        if part is None or part not in z.NameToInfo:
            return None
        cells = _read(path, z, sheets, {sheet: Box(sheet, sheet, part, c1, c2, r2, r2)})[sheet]
    rows = [["" if v is None else v for v in row[c1 - 1:c2]] for row in cells.rows[r1 - 1:r2]]
    rows = [row + [""] * (c2 - c1 + 1 - len(row)) for row in rows]
    while rows and all(v == "" for v in rows[-1]):
        rows.pop()
    return rows


def _read(path: Path, z: zipfile.ZipFile, sheets: dict[str, str], boxes: dict[str, Box]) -> dict[str, SheetCells]:
    """The cells of each box: its sheet cut to the box (far cells and rows out, error values taken
    aside) and read from A1."""
    by_part: dict[str, Box] = {}
    for box in boxes.values():  # tables sharing a sheet: read the union of their boxes
        b = by_part.get(box.part)
        by_part[box.part] = box if b is None else Box(b.table, b.sheet, b.part, min(b.first_col, box.first_col),
                                                      max(b.last_col, box.last_col), max(b.last_row, box.last_row),
                                                      max(b.read_to, box.read_to))
    prepared, changed = {}, {}
    for part, box in by_part.items():
        data = z.read(part)
        cut, errors, dropped = _prepare(data, box, path)
        prepared[part] = (errors, dropped)
        if len(cut) != len(data):
            changed[part] = cut
    source = path
    if changed:
        source = io.BytesIO()
        with zipfile.ZipFile(source, "w", zipfile.ZIP_STORED) as out:
            for info in z.infolist():
                if info.filename in changed:
                    out.writestr(info.filename, changed[info.filename])
                elif info.filename in sheets.values() and info.filename not in by_part:
                    out.writestr(info.filename, EMPTY_SHEET)  # a sheet not read: the copy stays small
                else:
                    out.writestr(info.filename, z.read(info))
        source.seek(0)
    loaded = _load(source, by_part, path)
    out = {}
    for name, box in boxes.items():
        errors, dropped = prepared[box.part]
        rows = [list(row[box.first_col - 1:box.last_col]) for row in loaded[box.part][:box.read_to]]
        if box.first_col > 1:
            rows = [[""] * (box.first_col - 1) + row for row in rows]
        for r in range(box.last_row + 1, min(box.last_row + box.totals, len(rows)) + 1):
            rows[r - 1] = []  # the Total Row: Excel's sums, not a record
        for (r, c), err in errors.items():
            if box.last_row < r <= box.last_row + box.totals:
                continue
            if r <= box.read_to and c <= box.last_col:
                rows.extend([] for _ in range(r - len(rows)))
                row = rows[r - 1]
                row.extend([""] * (c - len(row)))
                row[c - 1] = err
        out[name] = SheetCells(rows, {k: v for k, v in errors.items() if box.first_col <= k[1] <= box.last_col},
                               dropped)
    return out


def _load(source, by_part: dict[str, Box], path: Path) -> dict[str, list[list]]:
    """Each part's cell values (cached values for formulas) from A1, up to its box: `source` is the
    workbook's path, or the cut copy in memory. python-calamine (Rust) is the fast reader; where it
    cannot be installed, openpyxl reads the same values."""
    try:
        from python_calamine import CalamineError, CalamineWorkbook
    except ImportError:  # xlwings Lite (Pyodide)
        import openpyxl

        wb = openpyxl.load_workbook(source, read_only=True, data_only=True)
        try:
            return {part: [list(r) for r in wb[box.sheet].iter_rows(min_row=1, max_row=box.read_to, min_col=1,
                                                                    max_col=box.last_col, values_only=True)]
                    for part, box in by_part.items()}
        finally:
            wb.close()
    try:
        book = CalamineWorkbook.from_filelike(source) if isinstance(source, io.BytesIO) else \
            CalamineWorkbook.from_path(str(source))
        return {part: book.get_sheet_by_name(box.sheet).to_python(skip_empty_area=False)
                for part, box in by_part.items()}
    except CalamineError as e:
        raise _refuse(path, f"a sheet cannot be read ({e})") from None

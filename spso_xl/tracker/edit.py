"""Edits to a tracker as plain data, and applying them to its package (DESIGN §13).

A `TrackerEdit` says what one write changes: cells of existing table rows by header, records
appended to tables, renamed and added columns. Every action decides a `TrackerEdit` and hands it
to a writer: `edit_tracker` for the file (the part-level writer, under the write discipline of
`tracker.write`), or the open workbook's writer in `macros` (through xlwings): the same edit, so
the button and the command line cannot drift. `apply_edit` queues an edit on a package, with the
cached values of the Cases rows it touches (`tracker.cached`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote
from xml.sax.saxutils import quoteattr

from spso_xl.errors import PackageError
from spso_xl.tracker.cached import CASES_TABLE, refresh_rows
from spso_xl.tracker.write import change_tracker
from spso_xl.xlsx.package import Package
from spso_xl.xlsx.refs import MAX_ROW, cell_ref
from spso_xl.xlsx.tables import clean_header
from spso_xl.xlsx.worksheet import CellXml, Formula, Hyperlink
from spso_xl.xlsx.xml import HYPERLINK, attr


@dataclass(frozen=True)
class Link:
    """A hyperlink cell: `target` (a path relative to the tracker's folder, an absolute path or a URL)
    shown as `text` (default: the target)."""
    target: str
    text: str | None = None


@dataclass
class TrackerEdit:
    """What one write changes, as plain data (DESIGN §13).

    cells:  (table name, Excel row number, column header) -> new value (None clears); the row is an
            existing row of that table (the reader's `_row`), wherever its sheet is and whatever the tab
            is called (the tracker's tables are named like the sheets the schema names: `Cases` ...).
    append: table name -> records by header, added at the table's end (a value may be a `Link`).
    rename: (table name, old header) -> new header.
    add_columns: table name -> new headers, added at the table's right end.
    """
    cells: dict[tuple[str, int, str], object] = field(default_factory=dict)
    append: dict[str, list[dict]] = field(default_factory=dict)
    rename: dict[tuple[str, str], str] = field(default_factory=dict)
    add_columns: dict[str, list[str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.cells or any(self.append.values()) or self.rename or any(self.add_columns.values()))


def case_cells(tracker, changes) -> tuple[dict[tuple[str, int, str], object], list[str]]:
    """`changes` ((Excel row, {header: value}) for Cases rows) as TrackerEdit.cells by the headers the file
    has (an old name where it still carries one, schema.RENAMED); and the headers it lacks, left out."""
    cells, missing = {}, set()
    for row, values in changes:
        for header, value in values.items():
            if ("Cases", header) in tracker.absent:
                missing.add(header)
            else:
                cells[("Cases", row, tracker.header("Cases", header))] = value
    return cells, sorted(missing)


def edit_tracker(path, edit: TrackerEdit, as_of: dt.date | None = None) -> Path:
    """Apply `edit` to the tracker at `path` safely; the backup's path. The rows it touches get their
    computed values as of `as_of` (default today), the date the command itself worked to."""
    return change_tracker(path, lambda package: apply_edit(package, edit, as_of))


def link_target(target: str) -> str:
    """A hyperlink's target as a relationship holds it: a URL as it is, a file URI for an absolute path,
    else the relative path URL-quoted."""
    if re.match(r"^[a-z][a-z0-9+.-]*://", target, re.I) or target.startswith("mailto:"):
        return target
    if Path(target).is_absolute() or re.match(r"^[A-Za-z]:[\\/]", target):
        return Path(target).as_uri() if Path(target).is_absolute() else "file:///" + target.replace("\\", "/")
    return quote(target.replace("\\", "/"), safe="/")


def apply_edit(package: Package, edit, as_of: dt.date | None = None) -> None:
    """Queue `edit` (a TrackerEdit) on `package`, with the cached values of the Cases rows it touches."""
    touched: dict[int, dict[str, object]] = {}  # Cases row -> header -> new value
    for (name, row, header), value in edit.cells.items():
        table = package.table(name)  # by its name, as the reader found it: never the tab called so
        col = table.col(header)
        if row <= table.bounds[1]:
            raise KeyError(f"row {row} is not a row of the {name} table (its header is row {table.bounds[1]})")
        if table.last_row < row <= table.bounds[3]:
            raise KeyError(f"row {row} is the {name} table's Total Row, not a record")
        package.sheet(table.sheet).set(row, col, _value(package, table, row, col, value))
        if table.name == CASES_TABLE:
            touched.setdefault(row, {})[header] = value
    for name, records in edit.append.items():
        if records:
            rows = append_rows(package, name, records)
            if name == CASES_TABLE:
                for r, record in zip(rows, records):
                    touched[r] = dict(record)
    for name, headers in edit.add_columns.items():
        add_columns(package, package.table(name), headers)
    for (name, old), new in edit.rename.items():
        package.rename_column(package.table(name), old, new)
    if touched:
        refresh_rows(package, touched, as_of or dt.date.today())


def _value(package: Package, table, row: int, col: int, value):
    """A TrackerEdit value as the writer takes it: a Link becomes a hyperlink with its relationship."""
    if isinstance(value, Link):
        rid = package.add_relationship(table.sheet_part, HYPERLINK, link_target(value.target), external=True)
        package.sheet(table.sheet).links.append((cell_ref(row, col), rid))
        return Hyperlink(link_target(value.target), value.text or value.target)
    if isinstance(value, str) and value.startswith("="):
        return value  # text, never a formula: the writer stores strings as strings
    return value


def _has_value(cell: bytes | None) -> bool:
    if cell is None or re.search(rb"<(?:\w+:)?f[\s>/]", cell):
        return False
    return bool(re.search(rb"<(?:\w+:)?v>[^<]+</|<(?:\w+:)?is>", cell))


def data_end(package: Package, table) -> int:
    """The table's last row holding a value (its header row when it has none): where its data ends,
    however far its ref runs (a ref to row 1,048,576 costs the rows the sheet holds)."""
    c1, r1, c2, _ = table.bounds
    return package.sheet(table.sheet).last_row(c1, c2, r1, table.last_row, _has_value)


def append_rows(package: Package, name: str, records: list[dict]) -> list[int]:
    """Append records (by header) to a table after its last row of data; the rows written.

    Blank rows at the table's end (a new tracker's placeholder, or a ref the user drew far past the
    data) are filled first, and the ref stays as it is while it covers the new rows; rows a user typed
    just below the table are kept and taken into it. A Total Row stays the table's last row: new rows
    go above it and it moves down. New cells take the style of the row above in their column (else the
    column's style), and calculated columns get their formula.
    """
    table = package.table(name)
    sheet = package.sheet(table.sheet)
    c1, r1, c2, r2 = table.bounds
    end = table.last_row  # the last row of the table's body
    records = [{table.column(h): v for h, v in record.items()} for record in records]  # unknown: refused now

    def blank(r):
        cells = sheet.row_cells(r)
        return not any(_has_value(cells.get(c)) for c in range(c1, c2 + 1))

    last = data_end(package, table)
    if not table.totals:
        below = r2
        while below < MAX_ROW and not blank(below + 1):
            below += 1
        if below > r2:
            last = below
    total_at = None  # the Total Row's new row, when the new rows reach it
    if table.totals and last + len(records) > end:
        total_at = last + len(records) + 1
        for r in range(r2 + 1, total_at + 1):
            if not blank(r):
                raise PackageError(f"{name}: row {r}, under the table's Total Row, holds values, so the Total Row "
                                   f"cannot move down to make room for {len(records)} new "
                                   f"{'row' if len(records) == 1 else 'rows'}: move them, then try again. "
                                   f"Nothing was changed.")
        totals_cells = sheet.row_cells(r2)
    template = sheet.row_cells(last) if last > r1 else {}
    col_styles = sheet.col_styles()
    styles = {}
    for c in range(c1, c2 + 1):
        cell = template.get(c)
        s = attr(cell[:cell.index(b">") + 1], "s") if cell else None
        styles[c] = s or col_styles.get(c)
    written = []
    for record in records:
        last += 1
        for i, header in enumerate(table.columns):
            c = c1 + i
            if styles[c]:
                sheet.styles[(last, c)] = styles[c]
            if header in record:
                sheet.set(last, c, _value(package, table, last, c, record[header]))
            elif header in table.formulas:
                sheet.set(last, c, Formula.like(template.get(c), table.formulas[header]))
            elif last > end and (styles[c] or last <= r2):
                sheet.set(last, c, None)  # an empty cell in the column's format, ready for typing
        written.append(last)
    if total_at is not None:
        for c, cell in totals_cells.items():
            if c1 <= c <= c2:
                sheet.set(total_at, c, CellXml(cell))
        package.set_table_ref(table, f"{cell_ref(r1, c1)}:{cell_ref(total_at, c2)}")
    elif last > r2:
        package.set_table_ref(table, f"{cell_ref(r1, c1)}:{cell_ref(last, c2)}")
    return written


def add_columns(package: Package, table, headers: list[str]) -> None:
    """Add columns at the table's right end: header cells, tableColumns, and the wider ref."""
    c1, r1, c2, r2 = table.bounds
    sheet = package.sheet(table.sheet)
    headers = [h for h in headers if clean_header(h) not in map(clean_header, table.columns)]
    if not headers:
        return
    for r in range(r1, r2 + 1) if r2 - r1 < 5000 else (r1,):
        cells = sheet.row_cells(r)
        for k in range(len(headers)):
            if _has_value(cells.get(c2 + 1 + k)):
                raise KeyError(f"cannot add the column {headers[k]} to {table.name}: the cells to its right "
                               f"hold data (row {r}); make room first")
    xml = package.read(table.part)
    ids = [int(i) for i in re.findall(rb"<(?:\w+:)?tableColumn\b[^>]*?\sid=\"(\d+)\"", xml)]
    prefix = (re.search(rb"<(\w+:)?tableColumns\b", xml).group(1) or b"").decode()
    new = "".join(f'<{prefix}tableColumn id="{max(ids) + 1 + k}" name={quoteattr(h)}/>' for k, h in enumerate(headers))
    xml = re.sub(rb"</(\w+:)?tableColumns>", lambda m: new.encode() + m.group(0), xml, count=1)
    xml = re.sub(rb"(<(?:\w+:)?tableColumns\b[^>]*?\scount=\")(\d+)",
                 lambda m: m.group(1) + str(int(m.group(2)) + len(headers)).encode(), xml, count=1)
    package.write(table.part, xml)
    header_cells = sheet.row_cells(r1)
    last_header = header_cells.get(c2)
    s = attr(last_header[:last_header.index(b">") + 1], "s") if last_header else None
    for k, h in enumerate(headers):
        if s:
            sheet.styles[(r1, c2 + 1 + k)] = s
        sheet.set(r1, c2 + 1 + k, h)
    table.columns += headers
    package.set_table_ref(table, f"{cell_ref(r1, c1)}:{cell_ref(r2, c2 + len(headers))}")

"""Cached values, so a tracker reads correctly without Python (DESIGN §8 "Readable without Python"),
and the tracker edits that keep them true.

A formula cell in the file carries the value it showed when last calculated. Excel stores it;
a file written by Python must store it too, or LibreOffice, a SharePoint or email preview,
pandas and any script reading the file show errors. `refresh` stores, for every formula cell in
a computed column of the Cases table (which cells: those holding a formula under a computed
header, as found in the sheet), the value the core computes for its row; `apply_edit` does the
same for the rows an edit touches. A formula cell outside those columns keeps what Excel stored.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from spso_xl.tracker import schema
from spso_xl.policy.cases import compute_cases
from spso_xl.xlsx.package import Package
from spso_xl.xlsx.refs import MAX_COLUMN, cell_ref, column_number, range_bounds
from spso_xl.xlsx.tables import read_range
from spso_xl.xlsx.worksheet import Formula, Hyperlink
from spso_xl.xlsx.xml import HYPERLINK, attr
from spso_xl.tracker.read import ROW, Tracker, parse_rows, read_tracker

CASES = schema.CASES.name


def refresh(path, as_of: dt.date | None = None):
    """Store the computed values of every Cases row as the formula cells' cached values, safely (with a
    backup); (the backup, the number of rows)."""
    from spso_xl.safewrite import change_tracker

    rows = []
    saved = change_tracker(path, lambda package: rows.append(refresh_package(package, as_of or dt.date.today())))
    return saved, rows[0]


def store_values(path, as_of: dt.date) -> None:
    """Refresh a file nobody else has yet (a tracker being built, still a temporary file), in place."""
    from pathlib import Path

    path = Path(path)
    out = path.with_name(path.name + ".cached")
    with Package(path) as package:
        refresh_package(package, as_of)
        package.save(out)
    out.replace(path)


def refresh_package(package: Package, as_of: dt.date, tracker: Tracker | None = None) -> int:
    """Queue the cached values of every Cases formula cell in `package`; the number of rows."""
    tracker = tracker or read_tracker(package.path)
    table = package.table(CASES)
    c1, r1, c2, r2 = table.bounds
    raw = tracker.raw[CASES]
    bad = {p.row: p for p in tracker.problems if p.sheet == CASES and p.row}
    values = _computed(tracker, tracker.cases, bad, as_of)
    blank = set(range(r1 + 1, r2 + 1)) - set(raw[ROW])
    if blank:  # table rows with nothing typed: their formulas show what a blank row computes
        empty = pd.DataFrame({ROW: sorted(blank)} | {h: [None] * len(blank) for h in raw.columns if h != ROW})
        parsed, _ = parse_rows(tracker, CASES, empty)
        values |= _computed(tracker, parsed, {}, as_of)
    _store(package, table, values)
    _store_spills(package, table, values)
    _no_full_calc_on_load(package)
    return len(values)


_SPILL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\sr="([A-Z]+)(\d+)"[^>]*>\s*<(?:\w+:)?f\b[^>]*?\bt="array"[^>]*>'
                    rb'[^<]*?\bSI_CASES\(')


def _store_spills(package: Package, table, values: dict[int, dict[str, object]], partial: bool = False) -> None:
    """The cached values of every `SI_CASES` spill (DESIGN §8: one call on a hidden sheet, one row per
    Cases row in table order): the anchor's value and array ref, and the spilled cells. Which columns:
    the headers in the row above the anchor when they name computed columns, else the computed order.
    `partial`: `values` holds only the rows an edit touched; the others keep what they hold."""
    c1, r1, c2, r2 = table.bounds
    numbers = list(range(r1 + 1, r2 + 1))
    rows = [values.get(r, {}) for r in numbers]
    for name, part in package.sheets.items():
        if part is None or not package.exists(part) or any(t.sheet_part == part for t in package.tables.values()):
            continue
        xml = package.read(part)
        if b"SI_CASES(" not in xml:
            continue
        for m in _SPILL.finditer(xml):
            col, row = column_number(m.group(1).decode()), int(m.group(2))
            headers = _headers_above(package, name, row, col) or list(schema.COMPUTED)
            sheet = package.sheet(name)
            styles = sheet.col_styles()
            end_row, end_col = row + max(len(rows), 1) - 1, col + len(headers) - 1
            sheet.array_refs[(row, col)] = f"{m.group(1).decode()}{row}:{cell_ref(end_row, end_col)}"
            old = re.search(rb'\sref="([^"]*)"', xml[m.start():m.end()])
            old_end = range_end(old.group(1).decode()) if old else (row, col)
            for i, record in enumerate(rows or [{}]):
                if partial and (not rows or numbers[i] not in values):
                    continue
                for j, h in enumerate(headers):
                    r, c = row + i, col + j
                    v = record.get(h, "") if rows else ""
                    if (r, c) == (row, col):
                        sheet.set_cached(r, c, v)
                    else:
                        if c in styles:
                            sheet.styles[(r, c)] = styles[c]
                        sheet.set(r, c, None if v == "" else v)
            for r in range(end_row + 1, old_end[0] + 1):  # a shorter spill than last time
                for c in range(col, max(end_col, old_end[1]) + 1):
                    sheet.set(r, c, None)


def range_end(ref: str) -> tuple[int, int]:
    """(last row, last column) of an A1 range."""
    c1, r1, c2, r2 = range_bounds(ref)
    return r2 or r1, c2 or c1


def _headers_above(package: Package, sheet: str, row: int, col: int) -> list[str]:
    """The computed headers in the row above a spill's anchor, from its column on (read through the
    safe reader, as wide as there are computed columns)."""
    if row < 2:
        return []
    last = min(col + len(schema.COMPUTED) - 1, MAX_COLUMN)
    try:
        cells = read_range(package.path, sheet, f"{cell_ref(row - 1, col)}:{cell_ref(row - 1, last)}")
    except Exception:
        return []
    above = cells[0] if cells else []
    headers = []
    for v in above:
        if v not in schema.COMPUTED:
            break
        headers.append(v)
    return headers


def _no_full_calc_on_load(package: Package) -> None:
    """Without `fullCalcOnLoad` a reader shows the stored values; Excel still recalculates on opening
    (the file's calcId is older than any Excel that runs the add-in) and on every change."""
    xml = package.read("xl/workbook.xml")
    m = re.search(rb"<(?:\w+:)?calcPr\b[^>]*\sfullCalcOnLoad=\"(?:1|true)\"[^>]*>", xml)
    if m:
        tag = re.sub(rb'\sfullCalcOnLoad="(?:1|true)"', b"", m.group(0))
        package.write("xl/workbook.xml", xml[:m.start()] + tag + xml[m.end():])


def _computed(tracker: Tracker, parsed: pd.DataFrame, bad: dict, as_of: dt.date) -> dict[int, dict[str, object]]:
    """Excel row -> computed header -> value; a row with a bad cell shows what to fix instead."""
    if parsed.empty:
        return {}
    frame = compute_cases(parsed, as_of, tracker.settings, tracker.calendar)
    columns = {h: _column(frame[h]) for h in schema.COMPUTED if h in frame}
    headers = list(columns)
    out = {int(r): dict(zip(headers, values)) for r, *values in zip(parsed[ROW].tolist(), *columns.values())}
    for r, p in bad.items():
        if r in out:
            text = f"#CHECK? {p.column}: {p.message}" if p.column else f"#CHECK? {p.message}"
            out[r] = {h: text for h in headers}
    return out


def _column(series: pd.Series) -> list:
    """A computed column as cells cache it: dates as dates, blanks as empty text, numbers as numbers."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return [d.date() if d == d else "" for d in series.dt.to_pydatetime()] if len(series) else []
    return [_cell(v) for v in series.tolist()]


def _cell(value):
    """A computed value as a cell caches it: dates as dates, blanks as empty text."""
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "item"):
        return value.item()
    return value


def _store(package: Package, table, values: dict[int, dict[str, object]]) -> None:
    sheet = package.sheet(table.sheet)
    cols = {h: table.col(h) for h in schema.COMPUTED if h in table.columns}
    for r, row in values.items():
        sheet.cached.setdefault(r, {}).update({cols[h]: v for h, v in row.items() if h in cols})


# --- applying a TrackerEdit ------------------------------------------------------------------------


def apply_edit(package: Package, edit, as_of: dt.date | None = None) -> None:
    """Queue `edit` (a safewrite.TrackerEdit) on `package`, with the cached values of the Cases rows it touches."""
    touched: dict[int, dict[str, object]] = {}  # Cases row -> header -> new value
    for (sheet_name, row, header), value in edit.cells.items():
        table = package.table_on(sheet_name)
        col = table.col(header)
        if row <= table.bounds[1]:
            raise KeyError(f"row {row} of {sheet_name} is not a row of its table (the header is row "
                           f"{table.bounds[1]})")
        package.sheet(table.sheet).set(row, col, _value(package, table, row, col, value))
        if table.name == CASES:
            touched.setdefault(row, {})[header] = value
    for name, records in edit.append.items():
        if records:
            rows = append_rows(package, name, records)
            if name == CASES:
                for r, record in zip(rows, records):
                    touched[r] = dict(record)
    for name, headers in edit.add_columns.items():
        add_columns(package, package.table(name), headers)
    for (name, old), new in edit.rename.items():
        package.rename_column(package.table(name), old, new)
    if touched:
        _refresh_rows(package, touched, as_of or dt.date.today())


def _refresh_rows(package: Package, touched: dict[int, dict], as_of: dt.date) -> None:
    tracker = read_tracker(package.path)
    raw = tracker.raw[CASES].set_index(ROW, drop=False)
    records = []
    for r, changes in touched.items():
        base = raw.loc[r].to_dict() if r in raw.index else {h: None for h in raw.columns}
        base.update({h: (v.text or v.target) if hasattr(v, "target") else v for h, v in changes.items()})
        base[ROW] = r
        records.append(base)
    frame = pd.DataFrame(records, columns=list(raw.columns), dtype=object)
    parsed, problems = parse_rows(tracker, CASES, frame)
    bad = {}
    for p in problems:
        bad.setdefault(p.row, p)
    values = _computed(tracker, parsed, bad, as_of)
    table = package.table(CASES)
    _store(package, table, values)
    _store_spills(package, table, values, partial=True)


def _value(package: Package, table, row: int, col: int, value):
    """A TrackerEdit value as the writer takes it: a Link becomes a hyperlink with its relationship."""
    from spso_xl.safewrite import Link, link_target

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


def append_rows(package: Package, name: str, records: list[dict]) -> list[int]:
    """Append records (by header) to a table, growing its ref; the rows written.

    A blank last row (a new tracker's placeholder) is filled first; rows a user typed just below
    the table are kept and taken into it. New cells take the style of the row above in their
    column (else the column's style), and calculated columns get their formula.
    """
    table = package.table(name)
    sheet = package.sheet(table.sheet)
    c1, r1, c2, r2 = table.bounds
    for record in records:
        for header in record:
            table.col(header)  # an unknown header is refused before anything is queued

    def blank(r):
        cells = sheet.row_cells(r)
        return not any(_has_value(cells.get(c)) for c in range(c1, c2 + 1))

    last = r2
    while last > r1 and blank(last):
        last -= 1
    below = r2
    while not blank(below + 1):
        below += 1
    if below > r2:
        last = below
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
            elif last > r2 and styles[c]:
                sheet.set(last, c, None)  # an empty cell in the column's format, ready for typing
        written.append(last)
    if last > r2:
        package.set_table_ref(table, f"{cell_ref(r1, c1)}:{cell_ref(last, c2)}")
    return written


def add_columns(package: Package, table, headers: list[str]) -> None:
    """Add columns at the table's right end: header cells, tableColumns, and the wider ref."""
    from xml.sax.saxutils import quoteattr

    c1, r1, c2, r2 = table.bounds
    sheet = package.sheet(table.sheet)
    headers = [h for h in headers if h not in table.columns]
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

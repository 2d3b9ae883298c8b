"""Cached values, so a tracker reads correctly without Python (DESIGN §8 "Readable without Python").

A formula cell in the file carries the value it showed when last calculated. Excel stores it;
a file written by Python must store it too, or LibreOffice, a SharePoint or email preview,
pandas and any script reading the file show errors. `refresh` stores, for every formula cell in
a computed column of the Cases table (which cells: those holding a formula under a computed
header, as found in the sheet), the value the core computes for its row; `refresh_rows` does the
same for the rows an edit touches (`tracker.edit`). A formula cell outside those columns keeps what Excel stored.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from spso_xl.policy.cases import compute_cases
from spso_xl.tracker import schema
from spso_xl.tracker.read import ROW, Tracker, parse_rows, read_tracker
from spso_xl.tracker.write import change_tracker
from spso_xl.xlsx.package import Package
from spso_xl.xlsx.refs import MAX_COLUMN, cell_ref, column_number, range_bounds
from spso_xl.xlsx.tables import read_range

CASES_TABLE = schema.CASES.name


def refresh(path, as_of: dt.date | None = None):
    """Store the computed values of every Cases row as the formula cells' cached values, safely (with a
    backup); (the backup, the number of rows)."""
    rows = []
    saved = change_tracker(path, lambda package: rows.append(refresh_package(package, as_of or dt.date.today())))
    return saved, rows[0]


def refresh_package(package: Package, as_of: dt.date, tracker: Tracker | None = None) -> int:
    """Queue the cached values of every Cases formula cell in `package`; the number of rows."""
    tracker = tracker or read_tracker(package.path)
    table = package.table(CASES_TABLE)
    c1, r1, c2, r2 = table.bounds
    raw = tracker.raw[CASES_TABLE]
    bad = {p.row: p for p in tracker.problems if p.sheet == CASES_TABLE and p.row}
    values = _computed(tracker, tracker.cases, bad, as_of)
    blank = set(range(r1 + 1, _rows_end(package, table) + 1)) - set(raw[ROW])
    if blank:  # table rows with nothing typed: their formulas show what a blank row computes
        empty = pd.DataFrame({ROW: sorted(blank)} | {h: [None] * len(blank) for h in raw.columns if h != ROW})
        parsed, _ = parse_rows(tracker, CASES_TABLE, empty)
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
    numbers = list(range(r1 + 1, min(max(_rows_end(package, table), max(values, default=r1)), table.last_row) + 1))
    rows = [values.get(r, {}) for r in numbers]
    for name, part in package.sheets.items():
        if part is None or not package.exists(part) or any(t.sheet_part == part for t in package.all_tables):
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


def _rows_end(package: Package, table) -> int:
    """The table's last row that the sheet holds a cell for (a typed value, a formula, a formatted blank):
    the rows whose formulas Excel calculates. A ref drawn to row 1,048,576 over 2,000 rows is 2,000 rows."""
    c1, r1, c2, _ = table.bounds
    return package.sheet(table.sheet).last_row(c1, c2, r1, table.last_row, lambda cell: True)


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


def refresh_rows(package: Package, touched: dict[int, dict], as_of: dt.date) -> None:
    tracker = read_tracker(package.path)
    raw = tracker.raw[CASES_TABLE].set_index(ROW, drop=False)
    records = []
    for r, changes in touched.items():
        base = raw.loc[r].to_dict() if r in raw.index else {h: None for h in raw.columns}
        base.update({h: (v.text or v.target) if hasattr(v, "target") else v for h, v in changes.items()})
        base[ROW] = r
        records.append(base)
    frame = pd.DataFrame(records, columns=list(raw.columns), dtype=object)
    parsed, problems = parse_rows(tracker, CASES_TABLE, frame)
    bad = {}
    for p in problems:
        bad.setdefault(p.row, p)
    values = _computed(tracker, parsed, bad, as_of)
    table = package.table(CASES_TABLE)
    _store(package, table, values)
    _store_spills(package, table, values, partial=True)



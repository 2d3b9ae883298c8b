"""The open workbook, through xlwings: reading it as a tracker, finding the chosen cases, and the
writer the buttons hand to the core's actions (DESIGN §9).

Everything here goes through the xlwings API only, so it runs the same in desktop Excel and on
xlwings' remote engine (how it is tested). What a button writes is the same `TrackerEdit` the
command line writes into the file: `write_edit` applies it to the Book.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from spso_xl.errors import SpsoError
from spso_xl.outputs.cell_text import TrustedFormula, neutralise
from spso_xl.policy.vocab import is_blank, norm
from spso_xl.tracker import schema
from spso_xl.tracker.edit import Link, TrackerEdit
from spso_xl.tracker.read import tracker_from_sheets
from spso_xl.xlsx.refs import range_bounds
from spso_xl.xlsx.tables import clean_header, error_or_value, table_named


class ButtonRefusal(SpsoError):
    """The action cannot run as asked; the message tells the user what to do instead."""


# --- reading ----------------------------------------------------------------------------------


def name_address(book, name: str) -> str:
    """The cell a workbook Name refers to, as 'B3'."""
    return book.names[name].refers_to.split("!")[-1].replace("$", "")


def _values(sheet) -> list[list]:
    """The sheet's values from A1, error values (#DIV/0!, #N/A ...) kept as errors, not blanks."""
    last = sheet.used_range.last_cell
    values = sheet.range((1, 1), (last.row, last.column)).options(ndim=2, err_to_str=True).value
    return [[error_or_value(v) for v in row] for row in values]


def find_table(book, name: str):
    """(sheet, table) of the table called `name` wherever its sheet is and whatever the tab is called
    (DESIGN §3), by the file reader's rule (`xlsx.tables.table_named`: ignoring case, two refused);
    (None, None) when there is none."""
    found = table_named(((t.name, s.name, (s, t)) for s in book.sheets for t in s.tables), name)
    return found or (None, None)


def _table_values(book, name: str) -> list[list] | None:
    """The values of the sheet holding the table `name` (else of the sheet called so, a tracker
    without its tables), its Total Row blanked: Excel's sums are not a record."""
    sheet, table = find_table(book, name)
    if sheet is None:
        return _values(book.sheets[name]) if name in {s.name for s in book.sheets} else None
    values = _values(sheet)
    if table.show_totals:
        r = table.range.last_cell.row
        if r <= len(values):
            values[r - 1] = [""] * len(values[r - 1])
    return values


def read_book(book):
    """The tracker as the open workbook holds it now, unsaved edits included; its path is the
    workbook's (what a summary names as its source, and what an output must never replace)."""
    values = {n: _table_values(book, n) for n in schema.SHEETS}
    return tracker_from_sheets({n: v for n, v in values.items() if v is not None}, Path(book.fullname))


def _filtered(table) -> bool:
    api = table.api
    if isinstance(api, dict):  # the remote engine: the client reports the table's state
        return bool(api.get("filtered"))
    try:
        return bool(api.AutoFilter is not None and api.AutoFilter.FilterMode)
    except Exception:  # an engine that cannot tell: assume not
        return False


def _selected_rows(address: str) -> list[int]:
    rows = set()
    for area in address.split(","):
        try:
            _, first, _, last = range_bounds(area.split("!")[-1].strip())
        except ValueError:
            continue
        if first is not None:  # whole columns name no row
            rows.update(range(min(first, last), max(first, last) + 1))
    return sorted(rows)


def chosen_refs(book, refs: list[str] | None = None) -> list[str]:
    """The Refs an action applies to: those given (each must be on Cases), else the selected rows'."""
    return refs_on_cases(book, refs) if refs else selected_refs(book)


def refs_on_cases(book, refs: list[str]) -> list[str]:
    """The Refs of the Cases rows with these Refs (any case); ButtonRefusal for an unknown one."""
    _, table = _cases(book)
    column = _headers(table).index("Ref")
    found = {}
    for i, row in enumerate(table.data_body_range.options(ndim=2).value):
        if not is_blank(row[column]):
            found.setdefault(norm(str(row[column])), []).append((i, str(row[column]).strip()))
    if missing := [r for r in refs if norm(r) not in found]:
        raise ButtonRefusal(f"No case with the Ref {missing[0]!r} in the Cases table.")
    return [ref for _, ref in sorted({pair for r in refs for pair in found[norm(r)]})]


def selected_refs(book) -> list[str]:
    """The Refs of the selected Cases rows; ButtonRefusal for anything else."""
    sheet, table = _cases(book)
    if _filtered(table):
        raise ButtonRefusal("The Cases table is filtered, so a selection can include rows you cannot see. "
                            "Clear the filter, select the rows, and try again.")
    selection = book.selection
    if selection is None or not selection.address or selection.sheet.name != sheet.name:
        raise ButtonRefusal("Select one or more case rows in the Cases table first.")
    body = table.data_body_range
    first, last = body.row, body.last_cell.row
    rows = _selected_rows(selection.address)
    if not rows or rows[0] < first or rows[-1] > last:
        raise ButtonRefusal(f"Select case rows inside the Cases table (rows {first}-{last}); "
                            f"the selection {selection.address.replace('$', '')} is not.")
    ref_col = _headers(table).index("Ref")
    refs = [sheet.range((r, body.column + ref_col)).value for r in rows]
    if blank := [r for r, ref in zip(rows, refs) if is_blank(ref)]:
        raise ButtonRefusal(f"Row {blank[0]} has no Ref: every case needs one before an action can be recorded.")
    return [str(r).strip() for r in refs]


def _cases(book):
    sheet, table = find_table(book, schema.CASES.name)
    if table is None:
        raise ButtonRefusal("This workbook has no table named Cases.")
    return sheet, table


def _headers(table) -> list[str]:
    """The table's headers as spso-xl matches them (`xlsx.tables.clean_header`)."""
    return [clean_header(h) for h in table.header_row_range.value]


# --- writing ----------------------------------------------------------------------------------


def cell_value(value):
    """A value as Excel takes it from xlwings: text Excel would read as a formula gets Excel's text
    prefix ('), as does text that starts with an apostrophe (Excel would take that one for the prefix
    and drop it); a Link becomes a HYPERLINK formula showing what the file's writer shows."""
    if isinstance(value, Link):
        target = value.target.replace('"', '""')  # file names have no quotes (safe_stem); a folder might
        text = (value.text or value.target).replace('"', '""')
        return TrustedFormula(f'=HYPERLINK("{target}","{text}")')
    if isinstance(value, str) and not isinstance(value, TrustedFormula) and value.startswith("'"):
        return "'" + neutralise(value)
    return neutralise(value)


def write_edit(book, edit: TrackerEdit) -> None:
    """Apply a TrackerEdit to the open workbook: the cells of table rows by header, then the appends.
    (Renaming or adding columns is the command line's `upgrade`, never a button's.)"""
    if edit.rename or any(edit.add_columns.values()):
        raise ValueError("a button never renames or adds columns: that is `spso-xl upgrade`")
    found = {name: find_table(book, name) for name in {n for n, _, _ in edit.cells} | set(edit.append)}
    if missing := [name for name, (sheet, _) in found.items() if sheet is None]:
        raise ButtonRefusal(f"This workbook has no table named {missing[0]}.")
    tops = {name: _append_at(*found[name], len(records)) for name, records in edit.append.items() if records}
    columns: dict[str, dict[str, int]] = {}
    for (name, row, header), value in edit.cells.items():
        sheet, table = found[name]
        if name not in columns:
            first = table.range.column
            columns[name] = {h: first + i for i, h in enumerate(_headers(table))}
        sheet.range((row, columns[name][clean_header(header)])).value = cell_value(value)
    for name, records in edit.append.items():
        if records:
            append_to_table(book, name, records, tops[name])


def _append_at(sheet, table, n: int) -> int:
    """The row new records start at: after the table's last row holding a value. A Total Row stays
    where it is while there are blank rows above it for them; when there are not, the write is refused
    before anything is changed (the file's writer moves a Total Row down: `spso-xl` does it)."""
    body = table.data_body_range
    values = body.options(ndim=2).value if body is not None else []
    used = max((i + 1 for i, row in enumerate(values) if any(not is_blank(v) for v in row)), default=0)
    top = table.header_row_range.row + 1 + used
    if table.show_totals and top + n - 1 >= table.range.last_cell.row:
        raise ButtonRefusal(f"The {table.name} table has a Total Row and no blank rows above it for the "
                            f"{n} new {'row' if n == 1 else 'rows'}: insert table rows above it (or use the "
                            f"spso-xl command with the workbook closed), then try again.")
    return top


def append_to_table(book, name: str, records: list[dict], top: int | None = None) -> None:
    """Add records (by header) below the last used row of a table, and grow the table."""
    sheet, table = find_table(book, name)
    headers = _headers(table)
    top = top or _append_at(sheet, table, len(records))
    records = [{clean_header(k): v for k, v in r.items()} for r in records]
    sheet.range((top, table.range.column)).value = [[cell_value(r.get(h)) for h in headers] for r in records]
    end = max(top + len(records) - 1, table.range.last_cell.row)
    table.resize(sheet.range((table.range.row, table.range.column), (end, table.range.last_cell.column)))


def put_summary_sheet(book, layout, summary) -> None:
    """The summary as a sheet of the open workbook (values, and the charts as pictures), after the
    Summary sheet, replacing one of the same name. The pictures are made before the sheet is touched."""
    from spso_xl.summary.pictures import chart_pngs  # matplotlib: only when a summary is built

    with tempfile.TemporaryDirectory(prefix="spso-summary-") as tmp:
        pngs = chart_pngs(summary, Path(tmp))
        if layout.sheet_name in [s.name for s in book.sheets]:
            sheet = book.sheets[layout.sheet_name]
            sheet.clear()
        else:
            sheet = book.sheets.add(layout.sheet_name, after=book.sheets[schema.SUMMARY_SHEET])
        sheet.range("A1").value = [[cell_value(v) for v in row] for row in layout.rows]
        for placed, png in zip(layout.charts, pngs):
            sheet.pictures.add(png, anchor=sheet.range(placed.anchor))

"""xlwings button handlers (DESIGN §9).

Every button in the tracker runs xlwings' `SampleCall` macro, which calls the entry
module's `main()`, which is this module's `main()`. It dispatches on the sheet the
button sits on (the active sheet) and, on Cases, the action chosen in the dropdown
beside the button. Handlers take an `xw.Book` and work through the xlwings API only, so
they run the same in desktop Excel and on xlwings' remote engine (how they are tested).
Every outcome is told to the user through an alert; a refusal changes nothing.
"""

from __future__ import annotations

import datetime as dt
import traceback
from pathlib import Path
from typing import Callable

import xlwings as xw

from spso_xl.tracker import schema
from spso_xl.calendar.dates import uk
from spso_xl.errors import InputError
from spso_xl.outputs.cell_text import neutralise
from spso_xl.safewrite import atomic_write
from spso_xl.tracker.read import tracker_from_sheets
from spso_xl.xlsx.refs import range_bounds
from spso_xl.xlsx.tables import error_or_value
from spso_xl.policy.vocab import is_blank, norm

TITLE = "SPSO S&I tracker"


class Refusal(Exception):
    """The action cannot run as asked; the message tells the user what to do instead."""


def main(book: xw.Book | None = None, today: dt.date | None = None) -> None:
    """The one entry point the workbook's buttons call."""
    book = book or xw.Book.caller()
    today = today or dt.date.today()

    def action() -> str:
        sheet = book.sheets.active.name
        if sheet == "Cases":
            chosen = str(book.sheets["Cases"].range(_name_address(book, schema.ACTION_CELL)).value or "").strip()
            handler = CASE_ACTIONS.get(norm(chosen))
            if handler is None:
                raise Refusal(f"Choose an action in the dropdown beside the button: {', '.join(schema.CASE_ACTIONS)}.")
        elif sheet == schema.SUMMARY_SHEET:
            handler = build_summary
        else:
            raise Refusal("The buttons work from the Cases and Summary sheets.")
        return handler(book, today)

    run_action(book, action)


def run_action(book, action: Callable[[], str]) -> None:
    """Run one button's action and tell the user how it went; a refusal changes nothing."""
    try:
        book.app.alert(action(), title=TITLE, buttons="ok", mode="info")
    except (Refusal, InputError) as e:
        book.app.alert(f"{e}\n\nNothing was changed.", title=TITLE, buttons="ok", mode="critical")
    except Exception as e:  # a bug: say so plainly, and leave the traceback to the log
        traceback.print_exc()
        book.app.alert(f"spso-xl could not finish: {type(e).__name__}: {e}", title=TITLE, buttons="ok",
                       mode="critical")


# --- reading the open workbook -----------------------------------------------------------


def _name_address(book, name: str) -> str:
    return book.names[name].refers_to.split("!")[-1].replace("$", "")


def _values(sheet) -> list[list]:
    """The sheet's values from A1, error values (#DIV/0!, #N/A ...) kept as errors, not blanks."""
    last = sheet.used_range.last_cell
    values = sheet.range((1, 1), (last.row, last.column)).options(ndim=2, err_to_str=True).value
    return [[error_or_value(v) for v in row] for row in values]


def read_book(book):
    """The tracker as the open workbook holds it now, unsaved edits included."""
    names = {s.name for s in book.sheets}
    return tracker_from_sheets({n: _values(book.sheets[n]) for n in schema.SHEETS if n in names})


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


def chosen_cases(book, refs: list[str] | None = None) -> tuple[list[int], list[str]]:
    """The cases an action applies to: those with the given Refs, else the selected rows."""
    return cases_by_ref(book, refs) if refs else selected_cases(book)


def cases_by_ref(book, refs: list[str]) -> tuple[list[int], list[str]]:
    """Excel rows and Refs of the Cases rows with these Refs (any case); Refusal for an unknown one."""
    table = book.sheets["Cases"].tables["Cases"]
    body = table.data_body_range
    column = table.header_row_range.value.index("Ref")
    found = {}
    for i, row in enumerate(body.options(ndim=2).value):
        if not is_blank(row[column]):
            found.setdefault(norm(str(row[column])), []).append((body.row + i, str(row[column]).strip()))
    if missing := [r for r in refs if norm(r) not in found]:
        raise Refusal(f"No case with the Ref {missing[0]!r} in the Cases table.")
    pairs = sorted({pair for r in refs for pair in found[norm(r)]})
    return [row for row, _ in pairs], [ref for _, ref in pairs]


def selected_cases(book) -> tuple[list[int], list[str]]:
    """Excel rows and Refs of the selected Cases rows; Refusal for anything else."""
    sheet = book.sheets["Cases"]
    table = sheet.tables["Cases"]
    if _filtered(table):
        raise Refusal("The Cases table is filtered, so a selection can include rows you cannot see. "
                      "Clear the filter, select the rows, and try again.")
    selection = book.selection
    if selection is None or not selection.address or selection.sheet.name != "Cases":
        raise Refusal("Select one or more case rows in the Cases table first.")
    body = table.data_body_range
    first, last = body.row, body.last_cell.row
    rows = _selected_rows(selection.address)
    if not rows or rows[0] < first or rows[-1] > last:
        raise Refusal(f"Select case rows inside the Cases table (rows {first}-{last}); "
                      f"the selection {selection.address.replace('$', '')} is not.")
    ref_col = table.header_row_range.value.index("Ref")
    refs = [sheet.range((r, body.column + ref_col)).value for r in rows]
    if blank := [r for r, ref in zip(rows, refs) if is_blank(ref)]:
        raise Refusal(f"Row {blank[0]} has no Ref: every case needs one before an action can be recorded.")
    return rows, [str(r).strip() for r in refs]


# --- writing through the Book --------------------------------------------------------------


def case_cells(book):
    """`cell(row, header)` for the Cases table, reading its header row once (each read is a round trip to Excel);
    a header the table lacks gives None. An old header (schema.RENAMED) stands for its new name."""
    sheet = book.sheets["Cases"]
    table = sheet.tables["Cases"]
    first = table.data_body_range.column
    columns = {h: first + i for i, h in enumerate(table.header_row_range.value)}
    for (name, old), new in schema.RENAMED.items():
        if name == "Cases" and new not in columns and old in columns:
            columns[new] = columns[old]
    return lambda row, header: sheet.range((row, columns[header])) if header in columns else None


def append_to_table(book, sheet_name: str, records: list[dict]) -> None:
    """Add records (by header) below the last used row of a table, and grow the table."""
    sheet = book.sheets[sheet_name]
    table = sheet.tables[sheet_name]
    headers = table.header_row_range.value
    body = table.data_body_range
    values = body.options(ndim=2).value if body is not None else []
    used = max((i + 1 for i, row in enumerate(values) if any(not is_blank(v) for v in row)), default=0)
    top = table.header_row_range.row + 1 + used
    sheet.range((top, table.range.column)).value = [[neutralise(r.get(h)) for h in headers] for r in records]
    end = max(top + len(records) - 1, table.range.last_cell.row)
    table.resize(sheet.range((table.range.row, table.range.column), (end, table.range.last_cell.column)))


def _apply(book, changes) -> str:
    """Write what `spso_xl.record` decided through the Book: the cells, then one append to Actions."""
    cell = case_cells(book)
    missing = set()
    for change in changes:
        for header, value in change.cells.items():
            target = cell(change.row, header)
            if target is None:
                missing.add(header)
            else:
                target.value = value
    logs = [c.log for c in changes if c.log]
    if logs:
        append_to_table(book, "Actions", logs)
    return (f"\nThis tracker has no {', '.join(sorted(missing))} column: add it to the Cases table to keep "
            f"that date." if missing else "")


def _record(book, today: dt.date, decide, refs: list[str] | None = None):
    from spso_xl.tracker.chase_escalate import NotRecorded

    rows, refs = chosen_cases(book, refs)
    try:
        return decide(read_book(book), refs, today)
    except NotRecorded as e:
        raise Refusal(f"{str(e)[0].upper()}{str(e)[1:]}.") from None


def record_chaser(book, today: dt.date, refs: list[str] | None = None) -> str:
    from spso_xl.tracker.chase_escalate import chasers

    changes = _record(book, today, chasers, refs)
    note = _apply(book, changes)
    done = ", ".join(f"{c.ref} (now {c.cells['Chasers']})" for c in changes)
    return f"Recorded a chaser sent on {uk(today)} for {done}, and logged it in Actions.{note}"


def record_escalation(book, today: dt.date, refs: list[str] | None = None) -> str:
    from spso_xl.tracker.chase_escalate import escalations

    changes = _record(book, today, escalations, refs)
    moved, stayed = [c for c in changes if c.done], [c for c in changes if not c.done]
    if not moved:
        raise Refusal("No selected case is due an escalation:\n" + "\n".join(c.message for c in stayed))
    note = _apply(book, moved)
    text = f"Escalated {', '.join(c.message for c in moved)}; Date notified set to {uk(today)} and logged in Actions."
    return text + ("\nNot escalated:\n" + "\n".join(c.message for c in stayed) if stayed else "") + note


def generate_letters(book, today: dt.date, refs: list[str] | None = None, folder: Path | None = None) -> str:
    """Letters for the chosen cases into the letters folder under `folder` (default: the workbook's)."""
    from spso_xl.letters import plan as letters

    rows, refs = chosen_cases(book, refs)
    tracker = read_book(book)
    folder = folder or Path(book.fullname).parent
    cell = case_cells(book)

    def set_cell(row, header, value):
        if (target := cell(row, header)) is not None:  # a column an older tracker lacks is left out
            target.value = value

    return letters.from_book(tracker, refs, today, folder, lambda table, records: append_to_table(book, table, records),
                             set_cell)


def build_summary(book, today: dt.date, quarter: str | None = None, folder: Path | None = None) -> str:
    """The quarter's summary (default: the one chosen on the Summary sheet) as a sheet in the open
    workbook (values, and the charts as pictures) and as a standalone workbook in `folder`
    (default: the workbook's)."""
    import tempfile

    from spso_xl.errors import InputError
    from spso_xl.summary.figures import build_summary as summarise, summary_layout
    from spso_xl.summary.workbook import chart_pngs, save_new, write_standalone

    quarter = quarter or book.sheets[schema.SUMMARY_SHEET].range(_name_address(book, schema.QUARTER_CELL)).value
    try:
        summary = summarise(read_book(book), quarter or None, today)
    except InputError as e:
        raise Refusal(f"{e}. Choose a quarter in the cell beside 'Quarter:'.") from None
    layout = summary_layout(summary)
    out = (folder or Path(book.fullname).parent) / summary.file_name
    with tempfile.TemporaryDirectory(prefix="spso-summary-") as tmp:
        pngs = chart_pngs(summary, Path(tmp))  # everything that can fail comes before the first write
        atomic_write(out, lambda p: write_standalone(layout, p))
        names = [s.name for s in book.sheets]
        if layout.sheet_name in names:
            sheet = book.sheets[layout.sheet_name]
            sheet.clear()
        else:
            sheet = book.sheets.add(layout.sheet_name, after=book.sheets[schema.SUMMARY_SHEET])
        sheet.range("A1").value = [[neutralise(v) for v in row] for row in layout.rows]
        for placed, png in zip(layout.charts, pngs):
            sheet.pictures.add(png, anchor=sheet.range(placed.anchor))
    out = save_new((folder or Path(book.fullname).parent) / summary.file_name, lambda p: write_standalone(layout, p))
    notes = f"\n{' '.join(summary.notes)}" if summary.notes else ""
    return f"Summary for {summary.quarter.label} written to the sheet '{layout.sheet_name}' and to {out}.{notes}"


def check_book(book, today: dt.date, shown: int = 15) -> str:
    """What `spso-xl check` says, for the open workbook: each cell the rules cannot read, and
    the cases by Status as of today. Changes nothing."""
    from collections import Counter

    from spso_xl.policy.cases import compute_cases

    tracker = read_book(book)
    statuses = Counter(compute_cases(tracker.cases, today, tracker.settings, tracker.calendar)["Status"])
    cases = len(tracker.cases)
    lines = [f"{cases} case{'s' * (cases != 1)} on {uk(today)}: " +
             (", ".join(f"{n} {s}" for s, n in statuses.most_common()) or "none yet") + "."]
    problems = tracker.problems
    if problems:
        lines += [f"{len(problems)} cell{'s' * (len(problems) != 1)} to fix:",
                  *(f"  {p.where}: {p.message}" for p in problems[:shown])]
        lines += [f"  ... and {len(problems) - shown} more (spso-xl check lists them all)"] * (len(problems) > shown)
    else:
        lines.append("Every cell reads correctly.")
    return "\n".join(lines)


CASE_ACTIONS = {norm(a): f for a, f in zip(schema.CASE_ACTIONS, (generate_letters, record_chaser, record_escalation))}

"""xlwings button handlers (DESIGN §9).

Every button in the tracker runs xlwings' `SampleCall` macro, which calls the entry
module's `main()`, which is this module's `main()`. It dispatches on the sheet the
button sits on (the active sheet) and, on Cases, the action chosen in the dropdown
beside the button. Each handler is a few lines over the same core action the command line
calls (`publish_letters`, `record`, `publish_summary`), reading the open workbook and writing
through it (`macros.book`), so it runs the same in desktop Excel and on xlwings' remote engine
(how it is tested). Every outcome is told to the user through an alert, made from what was
written; a refusal changes nothing.
"""

from __future__ import annotations

import datetime as dt
import traceback
from collections import Counter
from pathlib import Path
from typing import Callable

import xlwings as xw

from macros.book import (
    ButtonRefusal,
    chosen_refs,
    find_table,
    name_address,
    put_summary_sheet,
    read_book,
    write_edit,
)
from spso_xl.calendar.dates import uk
from spso_xl.errors import InputError, NotRecorded, plural
from spso_xl.policy.cases import compute_cases
from spso_xl.policy.vocab import norm
from spso_xl.tracker import schema
from spso_xl.tracker.chase_escalate import chasers, escalations, record

TITLE = "SPSO S&I tracker"


def main(book: xw.Book | None = None, today: dt.date | None = None) -> None:
    """The one entry point the workbook's buttons call."""
    book = book or xw.Book.caller()
    today = today or dt.date.today()

    def action() -> str:
        sheet = book.sheets.active.name
        cases, _ = find_table(book, schema.CASES.name)  # the Cases table's sheet, whatever its tab is called
        if cases is not None and sheet == cases.name:
            chosen = str(cases.range(name_address(book, schema.ACTION_CELL)).value or "").strip()
            handler = CASE_ACTIONS.get(norm(chosen))
            if handler is None:
                raise ButtonRefusal(f"Choose an action in the dropdown beside the button: "
                                    f"{', '.join(schema.CASE_ACTIONS)}.")
        elif sheet == schema.SUMMARY_SHEET:
            handler = build_summary
        else:
            raise ButtonRefusal("The buttons work from the Cases and Summary sheets.")
        return handler(book, today)

    run_action(book, action)


def run_action(book, action: Callable[[], str]) -> None:
    """Run one button's action and tell the user how it went; a refusal changes nothing."""
    try:
        book.app.alert(action(), title=TITLE, buttons="ok", mode="info")
    except (ButtonRefusal, InputError) as e:
        book.app.alert(f"{e}\n\nNothing was changed.", title=TITLE, buttons="ok", mode="critical")
    except Exception as e:  # a bug: say so plainly, and leave the traceback to the log
        traceback.print_exc()
        book.app.alert(f"spso-xl could not finish: {type(e).__name__}: {e}", title=TITLE, buttons="ok",
                       mode="critical")


def _missing(headers: list[str]) -> str:
    return (f"\nThis tracker has no {', '.join(headers)} column: add it to the Cases table to keep that date."
            if headers else "")


def _record(book, today: dt.date, decide, refs: list[str] | None):
    refs = chosen_refs(book, refs)
    try:
        return record(read_book(book), refs, today, decide, lambda edit: write_edit(book, edit))
    except NotRecorded as e:
        raise ButtonRefusal(f"{str(e)[0].upper()}{str(e)[1:]}.") from None


def record_chaser(book, today: dt.date, refs: list[str] | None = None) -> str:
    result = _record(book, today, chasers, refs)
    done = ", ".join(f"{c.ref} (now {c.cells['Chasers']})" for c in result.done)
    return f"Recorded a chaser sent on {uk(today)} for {done}, and logged it in Actions.{_missing(result.missing)}"


def record_escalation(book, today: dt.date, refs: list[str] | None = None) -> str:
    result = _record(book, today, escalations, refs)
    if not result.done:
        raise ButtonRefusal("No selected case is due an escalation:\n" + "\n".join(c.message for c in result.left))
    text = (f"Escalated {', '.join(c.message for c in result.done)}; Date notified set to {uk(today)} and logged "
            f"in Actions.")
    return (text + ("\nNot escalated:\n" + "\n".join(c.message for c in result.left) if result.left else "")
            + _missing(result.missing))


def generate_letters(book, today: dt.date, refs: list[str] | None = None, folder: Path | None = None) -> str:
    """Letters for the chosen cases into the letters folder under `folder` (default: the workbook's)."""
    from spso_xl.letters.publish import publish_letters  # docxtpl: only when letters are written

    refs = chosen_refs(book, refs)
    result = publish_letters(read_book(book), folder or Path(book.fullname).parent,
                             lambda edit: write_edit(book, edit), refs, as_of=today)
    written, refused = result.written, result.refused
    if written:
        notes = [f"  {w.docx.name}: {w.note}" for w in written if w.note]
        lines = [f"Wrote {plural(len(written), 'letter')} to {result.folder}, logged in Letters and Actions:",
                 *(f"  {w.docx.name}" + (" (written earlier, logged now)" if w.recovered else "") for w in written),
                 *(["Note:", *notes] if notes else []), *(["Not written:"] if refused else [])]
    else:
        lines = ["No letter was written:" if refused else "No letter was written."]
    return "\n".join(lines + [f"  {r}" for r in refused]) + _missing(result.missing)


def build_summary(book, today: dt.date, quarter: str | None = None, folder: Path | None = None) -> str:
    """The quarter's summary (default: the one chosen on the Summary sheet) as a sheet in the open
    workbook (values, and the charts as pictures) and as a standalone workbook in `folder`
    (default: the workbook's)."""
    from spso_xl.summary.publish import publish_summary  # openpyxl's writer: only when a summary is built

    quarter = quarter or book.sheets[schema.SUMMARY_SHEET].range(name_address(book, schema.QUARTER_CELL)).value
    try:
        result = publish_summary(read_book(book), folder or Path(book.fullname).parent,
                                 lambda layout, summary: put_summary_sheet(book, layout, summary), quarter or None,
                                 today)
    except InputError as e:
        raise ButtonRefusal(f"{e}. Choose a quarter in the cell beside 'Quarter:'.") from None
    notes = f"\n{' '.join(result.summary.notes)}" if result.summary.notes else ""
    return (f"Summary for {result.quarter.label} written to the sheet '{result.sheet}' and to "
            f"{result.workbook}.{notes}")


def check_book(book, today: dt.date, shown: int = 15) -> str:
    """What `spso-xl check` says, for the open workbook: each cell the rules cannot read, and
    the cases by Status as of today. Changes nothing."""
    tracker = read_book(book)
    statuses = Counter(compute_cases(tracker.cases, today, tracker.settings, tracker.calendar)["Status"])
    lines = [f"{plural(len(tracker.cases), 'case')} on {uk(today)}: " +
             (", ".join(f"{n} {s}" for s, n in statuses.most_common()) or "none yet") + "."]
    problems = tracker.problems
    if problems:
        lines += [f"{plural(len(problems), 'cell')} to fix:", *(f"  {p.where}: {p.message}" for p in problems[:shown])]
        lines += [f"  ... and {len(problems) - shown} more (spso-xl check lists them all)"] * (len(problems) > shown)
    else:
        lines.append("Every cell reads correctly.")
    return "\n".join(lines)


CASE_ACTIONS = {norm(a): f for a, f in zip(schema.CASE_ACTIONS, (generate_letters, record_chaser, record_escalation))}

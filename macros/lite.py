"""The tracker's actions as xlwings Lite scripts (DESIGN §9, §14).

xlwings Lite runs Python inside the Excel add-in (Pyodide). The `main.py` that
`spso-xl new --lite` writes beside a Lite tracker imports these scripts and the `SI_`
functions, so this module is the one place they are declared; each calls the same handler
as the classic edition's buttons (they take an `xw.Book`). What Lite changes:
- files (letters, the standalone summary) go to Lite's file area, `/data`, where the
  manager downloads them (menu > Files > Import/Export);
- a sheet button is a shape whose hyperlink selects a cell, which moves the selection, so
  the actions on selected cases run from the task pane (Run button or F5), or in App Mode
  with the cases named in the Refs field; only the selection-free actions get sheet buttons;
- scripts get their extra arguments from App Mode's form fields (a text box for `str`);
- Excel stores a web add-in's custom function in a formula under an internal name (`_xldudf_...`),
  bound when the formula is entered while the add-in's functions are registered: a formula that
  arrived in the file as text (`SI_CASES(...)` written by spso-xl) may stay unbound, and Microsoft's
  own answer (OfficeDev/Excel-Custom-Functions issue 108) is to enter it again. *Enter formulas*
  does that through the workbook API, as a typed formula is entered, once per workbook.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import xlwings as xw

import macros
from macros.book import ButtonRefusal
from spso_xl.letters.templates import templates_for
from spso_xl.tracker.schema import CALC_ANCHOR, CALC_FORMULA, CALC_SHEET, LITE_BUTTONS

__all__ = ["enter_formulas", "generate_letters", "record_chaser", "record_escalation", "build_summary", "check_tracker"]

FILES = Path("/data")  # xlwings Lite's file area: what Python writes here appears under Files for download
DOWNLOAD = ("\n\nThe files are in xlwings Lite's file area: open the xlwings Lite menu > Files > Import/Export "
            "and download them from there.")


def today() -> dt.date:
    return dt.date.today()


def refs_from(text: str | None) -> list[str] | None:
    """'SI-2026-005, SI-2026-009' -> the Refs; blank -> None (use the selected rows)."""
    refs = [r for r in re.split(r"[,;\s]+", str(text or "")) if r]
    return refs or None


def _run(book: xw.Book, action) -> xw.Book:
    def told() -> str:
        message = action()
        return message + DOWNLOAD if str(FILES) in message else message

    macros.run_action(book, told)
    return book


def _letters(book: xw.Book, refs: str) -> str:
    if not any(templates_for(FILES).glob("*level*.docx")):
        raise ButtonRefusal("The letter templates are not in xlwings Lite yet: open the xlwings Lite menu > Files > "
                             "Import/Export and drop the 'templates' folder that came with this tracker there.")
    return macros.generate_letters(book, today(), refs_from(refs), FILES)


def _enter_formulas(book: xw.Book) -> str:
    if CALC_SHEET not in [s.name for s in book.sheets]:
        raise ButtonRefusal(f"This workbook has no '{CALC_SHEET}' sheet, where the tracker's one SI_CASES formula "
                            f"lives: is it an spso-xl tracker? (spso-xl new --lite makes one.)")
    book.sheets[CALC_SHEET][CALC_ANCHOR.replace("$", "")].formula2 = CALC_FORMULA
    return (f"Entered {CALC_FORMULA} in {CALC_SHEET}!{CALC_ANCHOR.replace('$', '')} (the hidden sheet): the grey "
            f"columns on Cases now calculate with xlwings Lite's SI_ functions. If a cell still shows #NAME?, "
            f"press Ctrl+Alt+F9 (Mac: Cmd+Option+F9) to recalculate. Nothing else was changed.")


@xw.script(name="Enter formulas")
def enter_formulas(book: xw.Book):
    """## Enter formulas
    Run once, after opening this tracker in xlwings Lite for the first time (and again if the grey
    columns on Cases show #NAME? or stop updating): enters the tracker's one SI_CASES formula on the
    hidden Calc sheet as a typed formula is entered, so that Excel ties it to xlwings Lite's function.
    Changes no case."""
    return _run(book, lambda: _enter_formulas(book))


@xw.script(name="Generate letters")
def generate_letters(book: xw.Book, refs: str = ""):
    """## Generate letters
    The letter each case's level requires, logged in Letters and Actions.
    Select the case rows first, or type their Refs (e.g. `SI-2026-005, SI-2026-009`)."""
    return _run(book, lambda: _letters(book, refs))


@xw.script(name="Record chaser")
def record_chaser(book: xw.Book, refs: str = ""):
    """## Record chaser
    Adds one to Chasers, sets Last chased, and logs it in Actions.
    Select the case rows first, or type their Refs."""
    return _run(book, lambda: macros.record_chaser(book, today(), refs_from(refs)))


@xw.script(name="Record escalation")
def record_escalation(book: xw.Book, refs: str = ""):
    """## Record escalation
    Moves each case that is due one to its recommended level, sets Date notified to today and
    logs the reason in Actions; other cases are left alone.
    Select the case rows first, or type their Refs."""
    return _run(book, lambda: macros.record_escalation(book, today(), refs_from(refs)))


@xw.script(name="Build summary", button=LITE_BUTTONS["build_summary"].ref, show_taskpane=True)
def build_summary(book: xw.Book, quarter: str = ""):
    """## Build summary
    The quarterly summary (policy paras 18-20) as a new sheet and as a workbook to download.
    Quarter: e.g. `2026-27 Q2` or `2026Q3`; blank takes the one chosen on the Summary sheet."""
    return _run(book, lambda: macros.build_summary(book, today(), quarter.strip() or None, FILES))


@xw.script(name="Check tracker", button=LITE_BUTTONS["check_tracker"].ref, show_taskpane=True)
def check_tracker(book: xw.Book):
    """## Check tracker
    Every cell the rules cannot read, and the cases by Status today. Changes nothing."""
    return _run(book, lambda: macros.check_book(book, today()))

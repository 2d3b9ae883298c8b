"""Trackers the tests start from, and private copies of them.

A built tracker is a workbook and what `build_tracker` writes beside it: the classic edition's entry
module (NAME.py) or the Lite edition's files, and the letter templates. A test that changes a tracker
works on a copy in its own folder; `copy_tracker` copies the workbook and only what the test needs
beside it, `copy_folder` everything.

The demo tracker (`demo_rows` on a date) is built once per session per date by `DemoTrackers`, which
tests/conftest.py offers as the `demo_trackers`, `demo_tracker` (AS_OF) and `demo_copy` fixtures.
"""

import datetime as dt
import shutil
from pathlib import Path

import openpyxl

from spso_xl.new import build_tracker
from spso_xl.tracker import schema
from spso_xl.tracker.sample import demo_rows
from tests.support.dates import AS_OF, TODAY

FIRST = schema.CASES_HEADER_ROW + 1  # the Excel row of the first case


def copy_tracker(source: Path, folder: Path, *, entry_module: bool = False, templates: bool = False) -> Path:
    """A copy of the tracker `source` in `folder`, with its entry module and its templates if asked for."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    shutil.copy2(source, target)
    if entry_module:
        shutil.copy2(source.with_suffix(".py"), target.with_suffix(".py"))
    if templates:
        shutil.copytree(source.parent / "templates", folder / "templates")
    return target


def copy_folder(source: Path, folder: Path) -> Path:
    """A copy of the tracker `source` with everything beside it (its whole folder), in `folder`."""
    shutil.copytree(source.parent, folder, dirs_exist_ok=True)
    return folder / source.name


class DemoTrackers:
    """The demo tracker built on a date, once per date: `demo_trackers(day)`. Shared: read it, never
    change it; a test that writes works on `copy_tracker` or `copy_folder` of it."""

    def __init__(self, tmp_path_factory):
        self._mktemp = tmp_path_factory.mktemp
        self._built: dict[dt.date, Path] = {}

    def __call__(self, day: dt.date = AS_OF) -> Path:
        if day not in self._built:
            folder = self._mktemp(f"demo-{day.isoformat()}")
            self._built[day] = build_tracker(folder / "si_tracker.xlsm", demo_rows(day), as_of=day)
        return self._built[day]


# --- the Cases buttons' three cases (tests/shells/test_macros_xlwings.py, tests/tracker/test_chase_escalate.py) --

CASE = {"Organisation": "Fife Council", "Function": "SWF", "Area": "SWF review handling",
        "Trigger": "Information overdue", "Description": "File not sent"}
CASES = [
    CASE | {"Ref": "SI-1", "Level": 1, "Date notified": dt.date(2026, 10, 1), "Chasers": 2,  # overdue: escalate
            "Last chased": dt.date(2026, 10, 20), "Respond by": dt.date(2026, 10, 15), "Recurred": "Y"},
    CASE | {"Ref": "SI-2", "Level": 1, "Date notified": dt.date(2026, 11, 20), "Chasers": 0},  # on track
    CASE | {"Ref": "SI-3", "Level": 2, "Date notified": dt.date(2026, 9, 1), "Chasers": 1, "Significant": "Y"},
]  # SI-1 is on Excel row FIRST, SI-2 on FIRST + 1, SI-3 on FIRST + 2


def cases_tracker(folder: Path, name: str = "si_tracker.xlsm") -> Path:
    """A tracker holding CASES, built on TODAY."""
    return build_tracker(folder / name, {"Cases": CASES}, as_of=TODAY)


def old_header_tracker(folder: Path) -> Path:
    """`cases_tracker` as an older tracker has it: `Respond by` headed `Extended to`, cell and table column."""
    path = cases_tracker(folder, "old.xlsm")
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb["Cases"]
    col = [c.value for c in ws[schema.CASES_HEADER_ROW]].index("Respond by") + 1
    ws.cell(schema.CASES_HEADER_ROW, col).value = "Extended to"
    ws.tables["Cases"].tableColumns[col - 1].name = "Extended to"
    wb.save(path)
    return path

"""The write API every tracker-changing command uses: edit_tracker(path, TrackerEdit)."""

import datetime as dt

import openpyxl
import pytest

from spso_xl.safewrite import Link, TrackerEdit, WriteRefused, edit_tracker
from spso_xl.tracker import ROW, read_tracker
from tests import xlsx_parts as xp

CASE = {"Ref": "SI-1", "Organisation": "Fife Council", "Function": "SWF", "Trigger": "Information overdue",
        "Level": 2, "Date notified": dt.date(2026, 11, 2)}


def test_sets_cells_appends_rows_with_links_and_renames_a_header(tracker):
    edit_tracker(tracker, TrackerEdit(append={"Cases": [CASE, CASE | {"Ref": "SI-2"}]}))
    cases = read_tracker(tracker).parsed["Cases"]
    row = int(cases.loc[cases.index[-1], ROW])
    backup = edit_tracker(tracker, TrackerEdit(
        cells={("Cases", row, "Chasers"): 1, ("Cases", row, "Last chased" if "Last chased" in cases else "Owner"): "=not a formula"},
        append={"Actions": [{"Date": dt.date(2026, 11, 23), "Ref": "SI-2", "Action": "Chaser",
                             "Document": Link("letters/SI-2 level 2.docx")}]},
        rename={("Letters", "Signed by"): "Signed"}))
    assert backup.parent.name == "backups" and backup.exists()
    wb = openpyxl.load_workbook(tracker)
    ws = wb["Cases"]
    headers = [c.value for c in ws[3]]
    assert ws.cell(row, headers.index("Chasers") + 1).value == 1
    assert ws.cell(row - 1, headers.index("Chasers") + 1).value is None  # the other row untouched
    actions = wb["Actions"]
    last = actions.max_row
    assert actions.cell(last, 2).value == "SI-2"
    doc = actions.cell(last, 7)
    assert doc.value == "letters/SI-2 level 2.docx" and doc.hyperlink.target == "letters/SI-2%20level%202.docx"
    assert [c.value for c in wb["Letters"][1]][5] == "Signed"
    assert xp.tables(tracker)["Actions"] == f"A1:G{last}"


def test_an_open_tracker_is_refused_and_unchanged(tracker):
    original = tracker.read_bytes()
    (tracker.parent / f"~${tracker.name}").write_text("owner")
    with pytest.raises(WriteRefused, match="open in Excel"):
        edit_tracker(tracker, TrackerEdit(append={"Cases": [CASE]}))
    assert tracker.read_bytes() == original


def test_an_unknown_column_changes_nothing(tracker):
    original = tracker.read_bytes()
    with pytest.raises(KeyError, match="no column"):
        edit_tracker(tracker, TrackerEdit(cells={("Cases", 4, "No such column"): 1}))
    assert tracker.read_bytes() == original

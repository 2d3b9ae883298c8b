"""The write API every tracker-changing command uses: edit_tracker(path, TrackerEdit)."""

import datetime as dt

import openpyxl
import pytest

from spso_xl.errors import WriteRefused
from spso_xl.tracker.edit import edit_tracker, Link, TrackerEdit
from spso_xl.tracker.read import ROW, read_tracker
from tests.support import xlsx_parts as xp

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


def test_renaming_a_column_renames_the_references_to_it(tracker):
    edit_tracker(tracker, TrackerEdit(append={"Cases": [CASE]}, rename={("Cases", "Respond by"): "Reply by"}))
    parts = xp.parts(tracker)
    table = next(d for n, d in parts.items() if n.startswith("xl/tables/") and b'name="Cases"' in d).decode()
    cases = parts[xp.sheet_parts(tracker)["Cases"]].decode()
    assert 'name="Reply by"' in table and "[Respond by]" not in table and "[Respond by]" not in cases
    assert "[Reply by]" in table + cases or "Calc" in xp.sheet_parts(tracker)  # formulas that named it
    wb = openpyxl.load_workbook(tracker)
    assert "Reply by" in [c.value for c in wb["Cases"][3]]


def test_columns_are_added_at_the_tables_right_end(tracker):
    edit_tracker(tracker, TrackerEdit(add_columns={"Actions": ["Outcome"]}))
    assert xp.tables(tracker)["Actions"] == "A1:H2"
    assert [c.value for c in openpyxl.load_workbook(tracker)["Actions"][1]][-1] == "Outcome"
    assert "Outcome" in read_tracker(tracker).raw["Actions"]


def test_values_are_written_as_what_they_are(tracker):
    edit_tracker(tracker, TrackerEdit(append={"Cases": [CASE]}))
    row = int(read_tracker(tracker).cases[ROW].iloc[0])
    edit_tracker(tracker, TrackerEdit(cells={("Cases", row, "Description"): '=HYPERLINK("http://x","y")',
                                             ("Cases", row, "Date notified"): dt.date(2026, 11, 3),
                                             ("Cases", row, "Urgent"): None, ("Cases", row, "Chasers"): 2,
                                             ("Cases", row, "Owner"): " Màiri & <co> \x01"}))
    ws = openpyxl.load_workbook(tracker)["Cases"]
    headers = [c.value for c in ws[3]]
    cell = lambda h: ws.cell(row, headers.index(h) + 1)  # noqa: E731
    assert cell("Description").value == '=HYPERLINK("http://x","y")' and cell("Description").data_type == "s"
    assert cell("Date notified").value == dt.datetime(2026, 11, 3) and cell("Date notified").number_format == "dd/mm/yyyy"
    assert cell("Chasers").value == 2 and cell("Urgent").value is None
    assert cell("Owner").value.startswith(" Màiri & <co> ")  # the control character as Excel's _x0001_ escape
    t = read_tracker(tracker)
    assert t.raw["Cases"]["Owner"].iloc[0].startswith(" Màiri & <co> ")  # read back as written; `check` names
    assert any(p.column == "Owner" and "U+0001" in p.message for p in t.problems)  # the invisible character
    case = t.cases.iloc[0]
    assert case["Date notified"].date() == dt.date(2026, 11, 3)


def test_the_rows_an_edit_touches_get_their_computed_values(tracker):
    edit_tracker(tracker, TrackerEdit(append={"Cases": [CASE]}))
    cases = read_tracker(tracker)
    row = int(cases.cases[ROW].iloc[0])
    due = cases.raw["Cases"]["Due"].iloc[0]
    edit_tracker(tracker, TrackerEdit(cells={("Cases", row, "Date notified"): dt.date(2026, 11, 16)}))
    after = read_tracker(tracker).raw["Cases"]
    assert due and after["Due"].iloc[0] != due  # the cached Due followed the new notification date
    assert after["Status"].iloc[0] and after["Recommended level"].iloc[0] not in (None, "")


def test_an_absolute_link_is_a_file_uri(tracker, tmp_path):
    target = tmp_path / "elsewhere" / "SI 1.docx"
    edit_tracker(tracker, TrackerEdit(append={"Letters": [{"Ref": "SI-1", "File": Link(str(target))}]}))
    cell = openpyxl.load_workbook(tracker)["Letters"]["H2"]
    assert cell.value == str(target) and cell.hyperlink.target == target.as_uri()

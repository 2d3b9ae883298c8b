"""`spso-xl check` and `spso-xl report` on trackers with planted bad cells and messy layouts (the report of
a clean tracker: tests/outputs/test_report.py)."""

import csv
import datetime as dt
import io

import openpyxl
import pytest

from spso_xl.tracker import schema
from spso_xl.new import build_tracker
from spso_xl.cli import main
from spso_xl.tracker.sample import demo_rows
from spso_xl.tracker.read import read_tracker
from tests.support.dates import AS_OF

GOOD = {"Organisation": "Fife Council", "Function": "SWF", "Trigger": "Information overdue", "Level": 1,
        "Date notified": dt.date(2026, 11, 2)}
PLANTED = [  # (row dict, column, words the problem must say)
    (GOOD | {"Ref": "B1", "Level": "L9"}, "Level", "'L9' is not a level: use 1-6"),
    (GOOD | {"Ref": "B2", "Date notified": "31/02/2026"}, "Date notified", "'31/02/2026' is not a date"),
    (GOOD | {"Ref": "B3", "Trigger": "Overdue stuff"}, "Trigger", "use one of Information overdue"),
    (GOOD | {"Ref": "B4", "Organisation": "Atlantis Council"}, "Organisation", "not in the Organisations sheet"),
    (GOOD | {"Ref": "B5", "Response received": dt.date(2026, 10, 1)}, "Response received", "before the notification"),
    (GOOD | {"Ref": "B6", "Urgent": "maybe"}, "Urgent", "not yes or no"),
    (GOOD | {"Ref": "B7", "Chasers": -1}, "Chasers", "not a count"),
    (GOOD | {"Ref": "B8", "Function": "Complaints", "Level": 6}, "Level", "use 1-5 (policy scale)"),
    (GOOD | {"Ref": "SI-2026-001"}, "Ref", "used on more than one row"),
]


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    rows = demo_rows(AS_OF)
    rows["Cases"] = rows["Cases"] + [r for r, _, _ in PLANTED]
    rows["Findings"] = rows["Findings"] + [{"Case ref": "X1", "Organisation": "Fife Council", "Function": "SWF",
                                            "Decision date": dt.date(2026, 1, 5), "Outcome": "Partly"}]
    return build_tracker(tmp_path_factory.mktemp("planted") / "si_tracker.xlsm", rows, as_of=AS_OF)


def test_check_lists_every_planted_problem_where_it_is(planted, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    assert main(["check", str(planted)]) == 1
    out = capsys.readouterr().out
    problems = read_tracker(planted).problems
    first = schema.CASES_HEADER_ROW + 1 + len(demo_rows(AS_OF)["Cases"])
    for i, (_, column, words) in enumerate(PLANTED):
        row = first + i
        assert any(p.sheet == "Cases" and p.row == row and p.column == column and words in p.message
                   for p in problems), (row, column, words)
        assert words[:30] in out.replace("\n", " ") or words[:15] in out
    assert any(p.sheet == "Findings" and p.column == "Outcome" and "'Partly'" in p.message for p in problems)
    assert any(p.row == schema.CASES_HEADER_ROW + 1 and p.column == "Ref" for p in problems)  # the original SI-2026-001


def test_check_passes_a_clean_tracker(demo_copy, capsys):
    assert main(["check", str(demo_copy)]) == 0
    assert "no problems (24 cases checked)" in capsys.readouterr().out


def test_report_skips_bad_rows_and_computes_the_rest(planted, capsys):
    assert main(["report", str(planted), "--as-of", "22/11/2026", "--format", "csv"]) == 0
    captured = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(captured.out)))
    refs = [r["Ref"] for r in rows]
    assert "skipped Cases rows" in captured.err
    assert not {"B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8"} & set(refs)
    assert len(refs) == 23  # the demo's 24 less the duplicated SI-2026-001
    assert rows[0]["Status"] == "OVERDUE"  # overdue and escalation-due first
    si5 = next(r for r in rows if r["Ref"] == "SI-2026-005")
    assert (si5["Due"], si5["Status"], si5["Recommended level"], si5["Contact from"]) == \
        ("02/11/2026", "OVERDUE", "2", "Team Manager")
    assert "appendix row 3" in si5["Reason"]
    assert list(rows[0])[:3] == ["Row", "Ref", "Organisation"]


def test_reader_finds_columns_by_header_not_letter(tmp_path):
    """Reordered columns, an extra user column, blank rows and a row typed below the table."""
    wb = openpyxl.Workbook()
    cases = wb.active
    cases.title = "Cases"
    headers = list(reversed(schema.CASES.headers)) + ["My notes"]
    cases.append(["Support and Intervention cases"])
    cases.append([])
    cases.append(headers)
    row = GOOD | {"Ref": "R1", "My notes": "keep"}
    cases.append([row.get(h) for h in headers])
    cases.append([])
    cases.append([])
    cases.append([(GOOD | {"Ref": "R2"}).get(h) for h in headers])
    for name, sheet in schema.SHEETS.items():
        if name != "Cases":
            wb.create_sheet(name).append(list(sheet.headers))
    wb["Organisations"].append(["Fife Council"])
    path = tmp_path / "messy.xlsx"
    wb.save(path)
    t = read_tracker(path)
    assert list(t.cases["Ref"]) == ["R1", "R2"]
    assert list(t.raw["Cases"]["My notes"]) == ["keep", None]
    assert list(t.raw["Cases"]["_row"]) == [4, 7]
    assert not [p for p in t.problems if p.sheet == "Cases"]


def test_missing_sheet_and_column_are_problems_not_crashes(tmp_path, capsys):
    wb = openpyxl.Workbook()
    wb.active.title = "Cases"
    wb["Cases"].append([])
    wb["Cases"].append([])
    wb["Cases"].append(["Ref", "Organisation"])
    path = tmp_path / "thin.xlsx"
    wb.save(path)
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "the sheet 'Findings' is missing" in out and "'Trigger' is missing" in out


def test_a_missing_file_is_a_clear_error(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nope.xlsm")]) == 2
    assert "no such tracker" in capsys.readouterr().err


def test_settings_problems_name_the_right_column_and_value(tmp_path):
    rows = demo_rows(AS_OF)
    rows["Settings"] = rows["Settings"] + [{"Setting": "Reponse days", "Value": 12},
                                           {"Setting": "Due soon working days", "Value": "ten (not a setting)"}]
    t = read_tracker(build_tracker(tmp_path / "si_tracker.xlsm", rows, as_of=AS_OF))
    unknown, bad = [p for p in t.problems if p.sheet == "Settings"]
    assert (unknown.column, unknown.value) == ("Setting", "Reponse days") and "is not a setting" in unknown.message
    assert (bad.column, bad.value) == ("Value", "ten (not a setting)") and "not a count" in bad.message


def test_check_warns_where_urgent_has_no_effect(tmp_path, capsys, monkeypatch):
    """Leaflet §3, levels 2-3: "at least ten working days unless the issue concerns non-payment of an award which is
    time sensitive"; level 4: "usually ten working days unless the issue is an urgent matter". `Urgent` = Y on a
    level 2-3 case about anything else leaves Due as it was, so `check` says so (a warning: exit 0)."""
    monkeypatch.setenv("COLUMNS", "250")
    base = GOOD | {"Trigger": "Poor response", "Urgent": "Y", "Date notified": dt.date(2026, 11, 20)}
    rows = {"Cases": [base | {"Ref": "U1", "Level": 2},
                      base | {"Ref": "U2", "Level": 2, "Trigger": "Non-payment of award"},
                      base | {"Ref": "U3", "Level": 4},
                      base | {"Ref": "U4", "Level": 3, "Respond by": dt.date(2026, 11, 24)},
                      base | {"Ref": "U5", "Level": 3, "Function": "Complaints"},
                      base | {"Ref": "U6", "Level": 5}]}
    path = build_tracker(tmp_path / "si_tracker.xlsm", rows, as_of=AS_OF)
    tracker = read_tracker(path)
    first = schema.CASES_HEADER_ROW + 1
    assert [(w.row - first, w.column) for w in tracker.warnings] == [(0, "Urgent"), (5, "Urgent")]
    assert "only for non-payment of an award" in tracker.warnings[0].message
    assert "Respond by" in tracker.warnings[1].message
    assert not tracker.problems
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "2 warnings" in out and "no problems (6 cases checked)" in out

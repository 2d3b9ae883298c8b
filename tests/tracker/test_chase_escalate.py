"""`spso-xl chase`, `escalate` and `upgrade`: the Cases buttons' twins on the command line (DESIGN §9, §12).

Both paths ask `spso_xl.record` what changes; these tests hold the command line to the same result
as the button on the same tracker, and check that nothing else moves.
"""

import datetime as dt
import shutil

import openpyxl
import pytest

from spso_xl.tracker import schema
from spso_xl.cli import main
from spso_xl.tracker.chase_escalate import CLEARED_ON_ESCALATION, chasers, escalations
from spso_xl.tracker.read import read_tracker
from tests.support import remote
from tests.support.clicks import click
from tests.support.dates import TODAY
from tests.support.trackers import FIRST, cases_tracker, old_header_tracker

AS_OF = ["--as-of", TODAY.strftime("%d/%m/%Y")]


@pytest.fixture
def tracker(tmp_path):
    """The three cases of tests/support/trackers.CASES: SI-1 on row FIRST, SI-2, SI-3."""
    return cases_tracker(tmp_path)


def _state(path):
    """Cases and Actions as read (canonical values: Excel's 2.0 and our 2 are one level)."""
    t = read_tracker(path)

    def rows(frame):
        return frame.astype(object).where(frame.notna(), None).to_dict("records")
    return rows(t.cases), rows(t.parsed["Actions"])


def test_chase_from_the_command_line(tracker, capsys):
    assert main(["chase", str(tracker), "--ref", "SI-1", "si-2", *AS_OF]) == 0
    out = capsys.readouterr().out
    assert "SI-1: chaser 3 recorded" in out and "SI-2: chaser 1 recorded" in out and "backup" in out
    t = read_tracker(tracker)
    assert list(t.cases["Chasers"]) == [3, 1, 1]
    assert [d.date() if d == d else None for d in t.cases["Last chased"]] == [TODAY, TODAY, None]
    log = t.parsed["Actions"]
    assert list(log["Ref"]) == ["SI-1", "SI-2"] and set(log["Action"]) == {"Chaser"}
    assert not t.problems


def test_escalate_from_the_command_line_clears_the_old_levels_answers(tracker, capsys):
    assert main(["escalate", str(tracker), "--ref", "SI-1", *AS_OF]) == 0
    assert "SI-1 to level 2 (Team Manager)" in capsys.readouterr().out
    t = read_tracker(tracker)
    si1 = t.raw["Cases"].iloc[0]
    assert si1["Level"] == 2 and t.cases["Date notified"].iloc[0].date() == TODAY
    assert all(si1[h] is None for h in CLEARED_ON_ESCALATION), si1
    *kept, row = t.parsed["Actions"].to_dict("records")
    assert row["Action"] == "Escalation" and "appendix row 3" in row["Notes"]
    # what it replaced stays in the log (DESIGN §11): the level-1 notification it ends, nothing logged before
    assert [(k["Action"], k["Date"].date(), k["Level"]) for k in kept] == [("Contact", dt.date(2026, 10, 1), 1)]
    # the new level gives the organisation its time: nothing to escalate the same day
    assert main(["escalate", str(tracker), "--ref", "SI-1", *AS_OF]) == 1
    assert "not escalated: SI-1: Stay at level 2: the organisation has until" in capsys.readouterr().err


@pytest.mark.parametrize("action, refs, code", [("Record chaser", ["SI-1", "SI-2"], 0),
                                               ("Record escalation", ["SI-1", "SI-2", "SI-3"], 1)])  # SI-2 waits
def test_the_button_and_the_command_line_make_the_same_change(tracker, tmp_path, action, refs, code):
    twin, orig = tmp_path / "twin" / tracker.name, tmp_path / "orig" / tracker.name
    for copy in (twin, orig):
        copy.parent.mkdir()
        shutil.copy(tracker, copy)
    remote.apply(tracker, click(tracker, action, selection=f"A{FIRST}:A{FIRST + len(refs) - 1}"))
    command = "chase" if action == "Record chaser" else "escalate"
    assert main([command, str(twin), "--ref", *refs, *AS_OF]) == code
    assert _state(tracker) == _state(twin)
    assert _state(tracker) != _state(orig)  # something did change


def test_a_case_not_due_an_escalation_is_left_and_said_why(tracker, capsys):
    before = tracker.read_bytes()
    assert main(["escalate", str(tracker), "--ref", "SI-2", *AS_OF]) == 1
    assert "not escalated: SI-2: Stay at level 1: the organisation has until" in capsys.readouterr().err
    assert tracker.read_bytes() == before


@pytest.mark.parametrize("refs, words", [(["SI-9"], "there is no case 'SI-9'"), (["SI-1", "nope"], "'nope'")])
def test_an_unknown_ref_changes_nothing(tracker, capsys, refs, words):
    before = tracker.read_bytes()
    assert main(["chase", str(tracker), "--ref", *refs]) == 1
    err = capsys.readouterr().err
    assert words in err and "nothing was changed" in err and "Traceback" not in err
    assert tracker.read_bytes() == before


def test_the_ref_is_required(tracker, capsys):
    with pytest.raises(SystemExit):
        main(["escalate", str(tracker)])
    assert "--ref" in capsys.readouterr().err


def test_the_core_decides_in_plain_data(tracker):
    t = read_tracker(tracker)
    [c] = chasers(t, ["SI-3"], TODAY)
    assert (c.ref, c.row, c.cells) == ("SI-3", FIRST + 2, {"Chasers": 2, "Last chased": TODAY})
    [e] = escalations(t, [" si-1 "], TODAY)
    assert e.cells == {"Level": 2, "Date notified": TODAY, **dict.fromkeys(CLEARED_ON_ESCALATION)}
    assert e.log["Level"] == 2 and e.log["Action"] == "Escalation"


# --- an older tracker: the `Extended to` header ---------------------------------------------------------

def test_an_old_tracker_reads_as_before_and_upgrade_renames_in_place(tmp_path, capsys):
    path = old_header_tracker(tmp_path)
    old = read_tracker(path)
    assert old.old_headers == {("Cases", "Respond by"): "Extended to"} and not old.problems
    assert old.cases["Respond by"].iloc[0].date() == dt.date(2026, 10, 15)
    report_before = old.cases.drop(columns=["_row"]).astype(object).to_dict("records")

    assert main(["upgrade", str(path)]) == 0
    assert "renamed Cases!Extended to to Respond by, keeping its values" in capsys.readouterr().out
    ws = openpyxl.load_workbook(path)["Cases"]
    headers = [c.value for c in ws[schema.CASES_HEADER_ROW]]
    assert "Respond by" in headers and "Extended to" not in headers
    assert [t.name for t in ws.tables["Cases"].tableColumns][headers.index("Respond by") - headers.index("Ref")] == \
        "Respond by"
    new = read_tracker(path)
    assert new.old_headers == {} and not new.problems
    assert new.cases.drop(columns=["_row"]).astype(object).to_dict("records") == report_before
    assert main(["upgrade", str(path)]) == 0 and "up to date" in capsys.readouterr().out


def test_chase_and_escalate_write_to_an_old_trackers_header(tmp_path, capsys):
    path = old_header_tracker(tmp_path)
    assert main(["escalate", str(path), "--ref", "SI-1", *AS_OF]) == 0
    t = read_tracker(path)
    assert t.raw["Cases"]["Respond by"].iloc[0] is None and t.cases["Level"].iloc[0] == 2
    assert t.old_headers  # still the old header: nothing renamed behind the user's back


@pytest.mark.parametrize("command", ["chase", "escalate"])
def test_an_open_tracker_is_not_reported_as_recorded(tracker, command, capsys):
    """Issue 21: with the tracker open in Excel, `chase` printed 'SI-…: chaser 1 recorded' and then
    'Nothing was changed'. A message says what happened: nothing is called recorded before it is written."""
    lock = tracker.parent / f"~${tracker.name}"
    lock.write_text("someone")
    before = tracker.read_bytes()
    assert main([command, str(tracker), "--ref", "SI-1", "--as-of", "23/11/2026"]) != 0
    out, err = capsys.readouterr()
    assert "recorded" not in out + err and "to level" not in out, out + err
    assert "open in Excel" in err and tracker.read_bytes() == before


# --- issue 25: one truthful result for every edit ---------------------------------------------------------


def test_one_case_named_twice_in_different_letter_case_is_chased_once(tracker, capsys):
    """`chase --ref SI-1 si-1` logged two chasers and counted one."""
    assert main(["chase", str(tracker), "--ref", "SI-1", "si-1 ", *AS_OF]) == 0
    t = read_tracker(tracker)
    assert t.cases["Chasers"].iloc[0] == 3 and list(t.parsed["Actions"]["Ref"]) == ["SI-1"]
    assert capsys.readouterr().out.count("recorded") == 1


def test_chase_twice_on_one_day_records_one_chaser_and_says_so(tracker, capsys):
    """DESIGN §5: one chaser is recorded once; `chase` on the same case and day says it is already recorded."""
    assert main(["chase", str(tracker), "--ref", "SI-1", *AS_OF]) == 0
    capsys.readouterr()
    before = tracker.read_bytes()
    assert main(["chase", str(tracker), "--ref", "SI-1", *AS_OF]) == 1
    out, err = capsys.readouterr()
    assert "recorded" not in out and "already recorded" in err and "nothing was changed" in err
    assert tracker.read_bytes() == before


def test_a_chaser_letter_its_rerun_and_chase_record_one_chaser(demo_tracker, tmp_path, capsys):
    """A chaser letter, a re-run and `chase` took one case from 1 to 4 chasers in a day."""
    from tests.support.trackers import copy_tracker

    path = copy_tracker(demo_tracker, tmp_path, templates=True)
    ref = "SI-2026-004"  # level 1, information overdue, one chaser so far: its letter is a chaser
    before = read_tracker(path).cases.set_index(read_tracker(path).raw["Cases"]["Ref"])["Chasers"][ref]
    for _ in range(2):
        assert main(["letters", str(path), "--ref", ref, "--as-of", "22/11/2026"]) == 0
    assert main(["chase", str(path), "--ref", ref, "--as-of", "22/11/2026"]) == 1
    t = read_tracker(path)
    assert t.cases.set_index(t.raw["Cases"]["Ref"])["Chasers"][ref] == before + 1
    actions = t.parsed["Actions"]
    today = actions[(actions["Ref"] == ref) & (actions["Date"] == dt.datetime(2026, 11, 22))]
    assert list(today["Action"]) == ["Chaser", "Letter"]  # the first letter's chaser; its re-run a letter
    assert "already recorded" in capsys.readouterr().err


def test_recorded_is_said_only_of_what_reads_back(tracker, monkeypatch, capsys):
    """An edit that silently did not land was still called "recorded"."""
    from spso_xl.cli import commands

    monkeypatch.setattr(commands, "edit_tracker", lambda path, edit, as_of=None: None)  # writes nothing
    assert main(["chase", str(tracker), "--ref", "SI-1", *AS_OF]) == 1
    out, err = capsys.readouterr()
    assert "recorded" not in out and "does not read back as written (Chasers, Last chased)" in err


def test_letters_due_says_which_escalations_it_records(demo_tracker, tmp_path, capsys):
    """`letters --due` recorded escalations (Level, Date notified, answers cleared) without saying so."""
    from tests.support.trackers import copy_tracker

    path = copy_tracker(demo_tracker, tmp_path, templates=True)
    main(["letters", str(path), "--due", "--as-of", "22/11/2026"])
    out = capsys.readouterr().out
    assert "recorded the escalation of SI-2026-009 to level 4: Level 4, Date notified 22/11/2026; cleared" in out
    assert "(logged in Actions)" in out


def test_upgrade_renames_the_header_in_other_sheets_formulas_and_names_too(tmp_path, capsys):
    """Issue 25: `upgrade` renamed the column but left other sheets' formulas and defined names pointing
    at the old header (#REF! in Excel)."""
    from openpyxl.workbook.defined_name import DefinedName

    path = old_header_tracker(tmp_path)
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb.create_sheet("My figures")
    ws["A1"] = "=COUNTA(Cases[Extended to])"
    ws["A2"] = "=MAX(Cases[[#Data],[Extended to]])"
    ws["A3"] = '="[Extended to] stays text"'
    wb.defined_names["MyDates"] = DefinedName("MyDates", attr_text="Cases[Extended to]")
    wb.save(path)
    assert main(["upgrade", str(path)]) == 0
    capsys.readouterr()
    wb = openpyxl.load_workbook(path)
    ws = wb["My figures"]
    assert (ws["A1"].value, ws["A2"].value) == ("=COUNTA(Cases[Respond by])", "=MAX(Cases[[#Data],[Respond by]])")
    assert ws["A3"].value == '="[Extended to] stays text"'  # not a reference to the table
    assert wb.defined_names["MyDates"].attr_text == "Cases[Respond by]"

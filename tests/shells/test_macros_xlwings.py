"""Button handlers run against xlwings' remote engine with a payload built from a real
tracker file; the returned actions are checked, applied back to the file and re-read."""

import datetime as dt
import importlib.util

import pytest
import xlwings as xw

from spso_xl.new import build_tracker
from spso_xl.tracker.read import read_tracker
from tests.support import remote
from tests.support.clicks import alerts, click, press
from tests.support.dates import TODAY
from tests.support.trackers import FIRST, cases_tracker, copy_folder, old_header_tracker


@pytest.fixture
def tracker(tmp_path):
    """The three cases of tests/support/trackers.CASES: SI-1 on row FIRST, SI-2, SI-3."""
    return cases_tracker(tmp_path)


def test_record_chaser_increments_and_logs(tracker):
    actions = click(tracker, "Record chaser", selection=f"B{FIRST}:C{FIRST + 1}")
    [(message, mode)] = alerts(actions)
    assert mode == "info" and "SI-1 (now 3)" in message and "SI-2 (now 1)" in message
    remote.apply(tracker, actions)
    t = read_tracker(tracker)
    assert list(t.cases["Chasers"]) == [3, 1, 1]
    assert [d.date() if d == d else None for d in t.cases["Last chased"]] == [TODAY, TODAY, None]
    log = t.parsed["Actions"]
    assert list(log["Ref"]) == ["SI-1", "SI-2"] and set(log["Action"]) == {"Chaser"}
    assert list(log["Date"].dt.date) == [TODAY, TODAY]
    assert not t.problems


def test_record_escalation_moves_only_cases_that_are_due(tracker):
    actions = click(tracker, "Record escalation", selection=f"A{FIRST}:A{FIRST + 1}")
    [(message, mode)] = alerts(actions)
    assert "SI-1 to level 2 (Team Manager)" in message and "Not escalated" in message and "SI-2" in message
    remote.apply(tracker, actions)
    t = read_tracker(tracker)
    si1 = t.cases.iloc[0]
    assert (si1["Level"], si1["Date notified"].date(), si1["Chasers"]) == (2, TODAY, 0)
    for cleared in ("Response received", "Resolved", "Recurred", "Last chased", "Respond by"):
        assert t.raw["Cases"][cleared].iloc[0] is None, cleared
    assert t.raw["Cases"]["Chasers"].iloc[0] is None
    assert t.cases.iloc[1]["Level"] == 1  # on track: untouched
    *kept, row = t.parsed["Actions"].to_dict("records")  # kept: the notification it replaced (DESIGN §11)
    assert [k["Action"] for k in kept] == ["Contact"]
    assert (row["Ref"], row["Level"], row["Action"]) == ("SI-1", 2, "Escalation")
    assert "from level 1 (notified 01/10/2026)" in row["Notes"] and "appendix row 3" in row["Notes"]
    # the escalated case now has the new level's time: a second click does not move it again
    again = click(tracker, "Record escalation", selection=f"A{FIRST}")
    assert "No selected case is due an escalation" in alerts(again)[0][0] and "until" in alerts(again)[0][0]


def test_buttons_on_a_tracker_with_the_old_extended_to_header(tmp_path):
    path = old_header_tracker(tmp_path)
    before = read_tracker(path)
    assert before.old_headers == {("Cases", "Respond by"): "Extended to"} and not before.problems
    assert before.cases["Respond by"].iloc[0].date() == dt.date(2026, 10, 15)
    actions = click(path, "Record escalation", selection=f"A{FIRST}")
    assert "SI-1 to level 2" in alerts(actions)[0][0]
    remote.apply(path, actions)
    after = read_tracker(path)
    assert after.raw["Cases"]["Respond by"].iloc[0] is None and after.cases["Level"].iloc[0] == 2


@pytest.mark.parametrize("kwargs, words", [
    ({"selection": "A2"}, "inside the Cases table"),
    ({"selection": None}, "Select one or more case rows"),
    ({"selection": f"A{FIRST}:A{FIRST + 9}"}, "inside the Cases table"),
    ({"selection": f"A{FIRST}", "filtered": True}, "filtered"),
    ({"selection": "A1", "active": "Holidays"}, "Cases and Summary sheets"),
])
def test_refusals_change_nothing(tracker, kwargs, words):
    actions = click(tracker, "Record chaser", **kwargs)
    assert [a["func"] for a in actions] == ["alert"]
    [(message, mode)] = alerts(actions)
    assert words in message and mode == "critical" and "Nothing was changed" in message


def test_unknown_action_is_refused(tracker):
    actions = click(tracker, "Make tea", selection=f"A{FIRST}")
    assert [a["func"] for a in actions] == ["alert"] and "Choose an action" in alerts(actions)[0][0]


def test_nothing_due_means_no_escalation(tracker):
    actions = click(tracker, "Record escalation", selection=f"A{FIRST + 1}")
    assert [a["func"] for a in actions] == ["alert"]
    assert "No selected case is due an escalation" in alerts(actions)[0][0]


def test_the_workbooks_entry_module_reaches_main_through_the_caller(tracker, monkeypatch):
    spec = importlib.util.spec_from_file_location("si_tracker", tracker.with_suffix(".py"))
    entry = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(entry)
    book = remote.book(tracker, active="Holidays", selection="A1")
    book.set_mock_caller()
    try:
        entry.main()  # exactly what RunPython "import si_tracker; si_tracker.main()" does
    finally:
        del xw.Book._mock_caller
    assert "Cases and Summary" in alerts(book.json()["actions"])[0][0]


def test_generate_letters_from_the_button_on_a_level_3_case(tmp_path, monkeypatch):
    from docx import Document

    from spso_xl.tracker.sample import demo_rows

    rows = demo_rows(TODAY)
    for r in rows["Settings"]:
        if r["Setting"] == "Letters folder":
            r["Value"] = str(tmp_path / "letters")
    ref = "SI-2026-009"
    i = [c["Ref"] for c in rows["Cases"]].index(ref)
    rows["Cases"][i]["Date notified"] = None  # not yet notified: this letter is the notification
    path = build_tracker(tmp_path / "si_tracker.xlsm", rows, as_of=TODAY)
    monkeypatch.chdir(tmp_path)  # the remote engine knows the book's name only: its folder is the working one
    row = FIRST + i
    actions = click(path, "Generate letters", selection=f"A{row}")
    [(message, mode)] = alerts(actions)
    assert mode == "info" and ref in message
    [letter] = sorted((tmp_path / "letters").glob("*.docx"))
    assert letter.name.startswith(f"{ref} L3 ")
    text = "\n".join(p.text for p in Document(letter).paragraphs)
    assert "level 3" in text.lower() and "Morven Baird" in text
    remote.apply(path, actions)
    t = read_tracker(path)
    [logged] = t.parsed["Letters"].to_dict("records")
    assert logged["Ref"] == ref and logged["Level"] == 3
    assert any(a["Ref"] == ref and a["Action"] == "Letter" and a["Date"].date() == TODAY
               for a in t.parsed["Actions"].to_dict("records"))


def test_build_summary_from_the_button(demo_trackers, tmp_path, monkeypatch):
    path = copy_folder(demo_trackers(TODAY), tmp_path)
    monkeypatch.chdir(tmp_path)  # the remote engine knows the book's name only: files go beside it
    actions = click(path, active="Summary", selection="B3")
    [(message, mode)] = alerts(actions)
    assert mode == "info" and "2026-27 Q2" in message
    assert [a["args"] for a in actions if a["func"] == "addSheet"] == [[3, "Summary 2026-27 Q2"]]
    grid = next(a["values"] for a in actions if a["func"] == "setValues")
    text = " ".join(str(v) for row in grid for v in row if v)
    assert "level 1 and 2" in text.lower() and "level 3" in text.lower()
    assert len([a for a in actions if a["func"] == "addPicture"]) >= 2
    assert (tmp_path / "SI summary 2026-27 Q2.xlsx").exists()


def test_a_bad_quarter_is_refused(tracker):
    p = remote.payload(tracker, active="Summary", selection="B3")
    summary = p["sheets"][[s["name"] for s in p["sheets"]].index("Summary")]
    summary["values"][2][1] = "next quarter"
    actions = press(p)
    assert [a["func"] for a in actions] == ["alert"] and "not a quarter" in alerts(actions)[0][0]


def test_one_summary_click_leaves_one_workbook_and_never_replaces_one(demo_trackers, tmp_path, monkeypatch):
    """Issue 21: the button wrote the standalone workbook twice (atomic_write, then save_new):
    one click left 'SI summary 2026-27 Q2.xlsx' and '... (2).xlsx', and the next click replaced the
    first, which the README promises never happens."""
    path = copy_folder(demo_trackers(TODAY), tmp_path)
    monkeypatch.chdir(tmp_path)

    def summary_click():
        [(message, mode)] = alerts(click(path, active="Summary", selection="B3"))
        assert mode == "info", message
        return message

    def summaries():
        return sorted(p.name for p in tmp_path.glob("SI summary*.xlsx"))

    first = summary_click()
    assert summaries() == ["SI summary 2026-27 Q2.xlsx"] and "SI summary 2026-27 Q2.xlsx" in first
    before = (tmp_path / "SI summary 2026-27 Q2.xlsx").read_bytes()
    second = summary_click()
    assert summaries() == ["SI summary 2026-27 Q2 (2).xlsx", "SI summary 2026-27 Q2.xlsx"]
    assert "SI summary 2026-27 Q2 (2).xlsx" in second
    assert (tmp_path / "SI summary 2026-27 Q2.xlsx").read_bytes() == before

"""`spso-xl digest` (DESIGN §15) on a planted tracker: every case in the sections its state calls for and in
no other, the three formats, --owner, and the non-working day."""

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spso_xl.cli import main
from spso_xl.new import build_tracker
from spso_xl.reminders.digest import COUNTED, build_digest
from spso_xl.reminders.render import to_html, to_text
from spso_xl.tracker.read import read_tracker
from spso_xl.tracker.today import SECTIONS

DAY = dt.date(2026, 12, 2)  # a Wednesday; Monday 30/11/2026 is St Andrew's Day (a Scottish bank holiday)
BASE = {"Organisation": "Fife Council", "Function": "SWF", "Area": "SWF review handling",
        "Trigger": "Poor response", "Description": "Planted", "Level": 1, "Date notified": dt.date(2026, 11, 2)}
# Ref -> (the case's cells, the sections it belongs in): `Respond by` plants Due where the test wants it.
PLANTED = {
    # overdue after two chasers at level 1 (appendix row 3): escalate, and the level 2 letter is due
    "SI-A": ({"Trigger": "Information overdue", "Date notified": dt.date(2026, 10, 1), "Chasers": 2,
              "Last chased": dt.date(2026, 10, 20), "Respond by": dt.date(2026, 10, 15), "Owner": "JR"},
             {"overdue", "escalation", "letters"}),
    # overdue at level 1 and never chased (policy para 9 level 1, appendix row 1): chase first
    "SI-B": ({"Trigger": "Information overdue", "Respond by": dt.date(2026, 11, 20), "Chasers": 0, "Owner": "am"},
             {"overdue", "chaser"}),
    # overdue, but the last chaser's window is still open: overdue only
    "SI-B2": ({"Trigger": "Information overdue", "Respond by": dt.date(2026, 11, 20), "Chasers": 1,
               "Last chased": dt.date(2026, 12, 1), "Owner": "AM"}, {"overdue"}),
    "SI-C": ({"Respond by": DAY, "Owner": "JR"}, {"due_today"}),
    "SI-D": ({"Respond by": dt.date(2026, 12, 3), "Owner": "JR"}, {"due_soon"}),
    "SI-E": ({"Respond by": dt.date(2026, 12, 18), "Owner": "JR"}, set()),  # on track
    "SI-F": ({"Respond by": dt.date(2026, 11, 20), "Closed": dt.date(2026, 11, 25)}, set()),  # closed
    "SI-G": ({"Respond by": dt.date(2026, 11, 27), "Response received": dt.date(2026, 11, 25), "Resolved": "Y"},
             set()),  # answered in time and resolved
    # a date that does not exist: only in Check, whatever else it might be
    "SI-H": ({"Date notified": "31/02/2026", "Owner": "JR"}, {"check"}),
}


def planted_rows():
    return {"Cases": [BASE | {"Ref": ref} | cells for ref, (cells, _) in PLANTED.items()]}


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    return build_tracker(tmp_path_factory.mktemp("planted") / "si_tracker.xlsm", planted_rows(), as_of=DAY)


def where(digest) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for key, items in digest.sections.items():
        for i in items:
            out.setdefault(i.ref, set()).add(key)
    return out


def test_each_case_is_in_its_sections_and_nowhere_else(planted):
    digest = build_digest(read_tracker(planted), DAY)
    assert where(digest) == {ref: want for ref, (_, want) in PLANTED.items() if want}
    assert [s.key for s in SECTIONS] == list(digest.sections) == list(COUNTED)  # every section, in the sheet's order
    [check] = digest.sections["check"]
    assert "Date notified" in check.note and "31/02/2026" in check.note
    assert digest.cases == len(PLANTED) and not digest.day_off
    # the level 2 letter is due; the planted tracker has no recipient or signatory, and the note says so
    note = digest.sections["letters"][0].note
    assert note.startswith("a letter is due but cannot be written yet") and "level 2" in note


def test_owner_keeps_one_persons_cases_any_case(planted):
    digest = build_digest(read_tracker(planted), DAY, owner="am")
    assert where(digest) == {"SI-B": {"overdue", "chaser"}, "SI-B2": {"overdue"}}
    assert digest.cases == 2
    assert "owned by am" in to_text(digest)


def test_text_html_and_json(planted, tmp_path, capsys):
    assert main(["digest", str(planted), "--as-of", "02/12/2026"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("S&I digest for Wednesday 2 December 2026")
    assert "3 overdue, 1 due today, 1 due soon, 1 to escalate, 1 to chase, 1 letter to write, 1 row to check." in text
    order = [text.index(f"\n{s.title} (") for s in SECTIONS]
    assert order == sorted(order)
    assert "Chase: the organisation has not responded" in text  # the reason under the case
    assert "SI-E" not in text and "SI-F" not in text and "SI-G" not in text

    out = tmp_path / "digest.json"
    assert main(["digest", str(planted), "--as-of", "02/12/2026", "--format", "json", "--output", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["counts"] == {"overdue": 3, "due_today": 1, "due_soon": 1, "escalation": 1, "chaser": 1,
                              "letters": 1, "check": 1}
    assert {i["ref"] for i in data["sections"]["overdue"]} == {"SI-A", "SI-B", "SI-B2"}
    a = next(i for i in data["sections"]["overdue"] if i["ref"] == "SI-A")
    assert a["due"] == "2026-10-15" and a["level"] == 1 and a["recommended_level"] == 2 and a["days_overdue"] > 0

    page = tmp_path / "digest.html"
    assert main(["digest", str(planted), "--as-of", "02/12/2026", "--format", "html", "--output", str(page)]) == 0
    html = page.read_text()
    assert html.startswith("<!DOCTYPE html>") and "<h2" in html and "Escalation recommended (1)" in html
    assert "SI-E" not in html


def test_nothing_needs_action(tmp_path, capsys):
    path = build_tracker(tmp_path / "si_tracker.xlsm", {"Cases": [BASE | {"Ref": "SI-E"} | PLANTED["SI-E"][0]]},
                         as_of=DAY)
    digest = build_digest(read_tracker(path), DAY)
    assert digest.empty and digest.headline() == "Nothing needs action today"
    assert "<h2" not in to_html(digest)  # empty sections are left out
    assert main(["digest", str(path), "--as-of", "02/12/2026"]) == 0
    assert "Nothing needs action today" in capsys.readouterr().out


@pytest.mark.parametrize("day, why", [(dt.date(2026, 11, 30), "Andrew's Day"), (dt.date(2026, 12, 5), "Saturday")])
def test_a_non_working_day_says_so_and_sends_nothing(planted, day, why, capsys):
    digest = build_digest(read_tracker(planted), day)
    assert why in digest.day_off
    assert main(["digest", str(planted), "--as-of", f"{day:%d/%m/%Y}", "--send"]) == 0  # no server is needed
    out = capsys.readouterr().out
    assert out.startswith("not sent: ") and "not a working day" in out and "--force" in out


def test_a_closure_on_the_holidays_sheet_is_a_day_off(tmp_path):
    rows = planted_rows() | {"Holidays": [{"Date": DAY, "Name": "Office move", "Kind": "Closure"}]}
    path = build_tracker(tmp_path / "si_tracker.xlsm", rows, as_of=DAY)
    assert build_digest(read_tracker(path), DAY).day_off


def test_the_digest_refuses_to_overwrite_the_tracker(planted, capsys):
    assert main(["digest", str(planted), "--output", str(planted)]) == 2
    assert "is the tracker itself" in capsys.readouterr().err


def test_the_readmes_scheduled_jobs_are_commands_spso_xl_takes():
    """The cron line and the schtasks command in the README run `spso-xl digest ... --send`: their arguments
    parse (a renamed option would make the documented job fail every morning)."""
    import shlex
    from pathlib import Path

    from spso_xl.cli import build_parser

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    cron = next(line for line in readme.splitlines() if line.startswith("30 7 * * 1-5"))
    argv = shlex.split(cron.split("spso-xl ", 1)[1].split(">>")[0])
    schtasks = next(line for line in readme.splitlines() if line.startswith("schtasks /Create"))
    command = schtasks.split('/TR "', 1)[1].rsplit('"', 1)[0].replace('\\"', '"')
    win = shlex.split(command.split("spso-xl.exe", 1)[1].lstrip('"').replace("\\", "/"))
    assert "/SC WEEKLY /D MON,TUE,WED,THU,FRI" in schtasks
    for args in (argv, win):
        parsed = build_parser().parse_args(args)
        assert parsed.command == "digest" and parsed.send and str(parsed.path).endswith("si_tracker.xlsm")


STATUSES = ["OVERDUE", "DUE TODAY", "DUE SOON", "ON TRACK", "RESPONDED", "RESPONDED LATE", "CLOSED", "NO DEADLINE"]


@given(st.lists(st.fixed_dictionaries({
    "Status": st.sampled_from(STATUSES), "Level": st.sampled_from([None, 1, 2, 3, "L4", "Level 5", 6]),
    "Recommended level": st.sampled_from([None, "", 0, 1, 2, 3, 4, 5, 6]),
    "Reason": st.sampled_from(["Chase: the organisation has not responded", "Stay at level 1: ...", "Escalate ...", ""]),
    "Owner": st.sampled_from([None, "JR", "jr", "AM"]),
    "Due": st.one_of(st.none(), st.dates(dt.date(2026, 1, 1), dt.date(2027, 12, 31)))}), max_size=12),
       st.sampled_from([None, "JR", "am"]))
def test_the_digest_and_the_today_lists_agree_on_every_section(rows, owner):
    """One definition (tracker.today.SECTIONS) sorts cases for the digest and for the Today sheet's cached lists."""
    from spso_xl.reminders.digest import sort_into_sections
    from spso_xl.tracker.today import today_rows

    rows = [r | {"Ref": f"SI-{n}", "Row": n + 4} for n, r in enumerate(rows)]
    digest = sort_into_sections(rows, {}, [], owner)
    sheet = today_rows(rows, owner or "")
    for key, listed in sheet.items():
        if key != "check":
            assert [r["Ref"] for r in listed] == [i.ref for i in digest[key]], key
    assert all(i.status == "OVERDUE" for i in digest["overdue"] + digest["chaser"])
    assert {i.ref for i in digest["escalation"]} == {
        r["Ref"] for r in rows if (not owner or (r["Owner"] or "").casefold() == owner.casefold())
        and (r["Recommended level"] or 0) > int(str(r["Level"] or 0).split()[-1].lstrip("L"))}

"""The summary's counts agree with the Cases and Actions a person can see (DESIGN §11, issue 25): six
cases given a level in the quarter with nothing logged counted as 0 level 1/2 actions beside "Cases
opened: 6"; escalating a case erased its response date, and the quarter's median response time went
from 13 working days to none."""

import datetime as dt

from spso_xl.cli import main
from spso_xl.new import build_tracker
from spso_xl.summary.figures import FROM_CASES, build_summary
from spso_xl.tracker.read import read_tracker
from tests.letters.test_letters import ORGS, _case

Q = "2026-27 Q3"
AS_OF = dt.date(2026, 11, 19)


def _tracker(path, cases):
    return build_tracker(path, {"Organisations": ORGS, "Cases": cases}, as_of=AS_OF)


def test_levels_given_on_cases_but_never_logged_count_as_actions(tmp_path):
    cases = [_case(f"SI-{i}", "Fife Council", 1 + i % 2, **{"Date notified": dt.date(2026, 10, 1 + i)})
             for i in range(6)]
    s = build_summary(read_tracker(_tracker(tmp_path / "si_tracker.xlsm", cases)), Q, AS_OF)
    assert s.figures["opened"] == 6
    assert (s.figures["level1_actions"], s.figures["level2_actions"]) == (3, 3)
    assert any("no Actions row for it" in n for n in s.notes)
    kinds = s.tables["level12_kind"].frame
    assert list(kinds["Action"]) == [FROM_CASES] and int(kinds["Total"].sum()) == 6


def test_an_escalation_keeps_the_response_time_it_ended(tmp_path, capsys):
    notified, received = dt.date(2026, 10, 1), dt.date(2026, 10, 20)  # 13 working days
    cases = [_case("SI-1", "Fife Council", 1, Trigger="Poor response", Resolved="N",
                   **{"Date notified": notified, "Response received": received})]
    path = _tracker(tmp_path / "si_tracker.xlsm", cases)
    before = build_summary(read_tracker(path), Q, AS_OF).figures["response_median"]
    assert before == 13
    assert main(["escalate", str(path), "--ref", "SI-1", "--as-of", "19/11/2026"]) == 0
    t = read_tracker(path)
    assert t.raw["Cases"]["Response received"][0] is None  # the new level starts afresh
    log = t.parsed["Actions"]
    assert list(log["Action"]) == ["Contact", "Response", "Escalation"]
    assert [d.date() for d in log["Date"]] == [notified, received, dt.date(2026, 11, 19)]
    assert build_summary(t, Q, AS_OF).figures["response_median"] == before

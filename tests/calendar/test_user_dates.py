"""One rule for dates from users (issue 25): a date given for something done, an `--as-of` or a typed
action date, more than a year after today is refused by name. The attacks: `--as-of 20/11/2206` was
accepted and wrote a date the tool then rejected; `summary --as-of 31/12/9999` was an "unexpected
error"."""

import datetime as dt

import pytest

from spso_xl.calendar.dates import HORIZON_DAYS, user_date
from spso_xl.cli import main
from spso_xl.errors import InputError
from spso_xl.tracker.read import read_tracker
from tests.support.trackers import copy_tracker

TODAY = dt.date(2026, 11, 22)


def test_a_date_within_a_year_passes_and_one_beyond_is_refused_by_name():
    assert user_date("22/11/2027", "--as-of", TODAY) == dt.date(2027, 11, 22)
    assert user_date("01/01/2001", "--as-of", TODAY) == dt.date(2001, 1, 1)  # the past is history, not a typo
    assert user_date(None, "--as-of", TODAY) is None
    with pytest.raises(InputError, match=r"--as-of 20/11/2206 is more than a year after today \(22/11/2026\)"):
        user_date("20/11/2206", "--as-of", TODAY)
    with pytest.raises(InputError):
        user_date(TODAY + dt.timedelta(days=HORIZON_DAYS + 1), "x", TODAY)


@pytest.mark.parametrize("command", [["summary", "--no-sheet"], ["report"], ["escalate", "--ref", "SI-2026-009"],
                                     ["chase", "--ref", "SI-2026-019"], ["letters", "--due"]])
@pytest.mark.parametrize("when", ["20/11/2206", "31/12/9999"])
def test_an_as_of_years_ahead_is_refused_before_anything_is_done(demo_tracker, tmp_path, command, when, capsys):
    path = copy_tracker(demo_tracker, tmp_path)
    before = path.read_bytes()
    with pytest.raises(SystemExit) as stop:
        main([command[0], str(path), *command[1:], "--as-of", when])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert f"--as-of {when} is more than a year after today" in err and "unexpected" not in err
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_a_typed_action_date_years_ahead_is_a_problem_named_at_its_cell(tmp_path):
    from spso_xl.new import build_tracker
    from spso_xl.tracker.sample import demo_rows

    rows = demo_rows(TODAY)
    rows["Cases"][0]["Date notified"] = dt.date(2206, 11, 20)
    rows["Cases"][1]["Respond by"] = dt.date(2028, 3, 1)  # a deadline may lie further ahead
    path = build_tracker(tmp_path / "si_tracker.xlsm", rows, as_of=TODAY)
    problems = [p for p in read_tracker(path).problems if p.sheet == "Cases"]
    assert [(p.column, "more than a year after today" in p.message) for p in problems] == [("Date notified", True)]

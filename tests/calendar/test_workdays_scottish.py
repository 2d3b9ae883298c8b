"""Hand-checked Scottish cases and properties of WORKDAY/NETWORKDAYS.

The LibreOffice oracle (test_oracle_libreoffice.py) checks the Excel semantics over
thousands of random cases; these pin the Scottish calendar itself.
"""

import datetime as dt

import numpy as np
from hypothesis import given, settings, strategies as st

from spso_xl.calendar.workdays import (networkdays, networkdays_array, scottish_calendar, workday, workday_array,
                              working_days_after)
from tests.support.paths import ROOT

D = dt.date
days = st.dates(min_value=D(1990, 1, 1), max_value=D(2060, 12, 31))


def test_st_andrews_day_on_a_sunday_moves_to_monday():
    assert not scottish_calendar().is_working_day(D(2025, 12, 1))
    assert workday(D(2025, 11, 28), 1) == D(2025, 12, 2)


def test_st_andrews_day_on_a_saturday_moves_to_monday():
    assert workday(D(2024, 11, 29), 1) == D(2024, 12, 3)


def test_second_of_january_is_a_holiday_in_scotland():
    assert workday(D(2025, 12, 31), 1) == D(2026, 1, 5)


def test_christmas_and_boxing_day_substitutes():
    # 2027: Christmas on Saturday, Boxing Day on Sunday -> Monday 27 and Tuesday 28 off.
    assert workday(D(2027, 12, 24), 1) == D(2027, 12, 29)
    assert networkdays(D(2027, 12, 20), D(2027, 12, 31)) == 8  # 20-24 and 29-31


def test_good_friday_but_no_easter_monday():
    assert workday(D(2026, 4, 2), 1) == D(2026, 4, 6)


def test_august_bank_holiday_is_the_first_monday_in_scotland():
    assert workday(D(2026, 7, 31), 1) == D(2026, 8, 4)
    assert workday(D(2026, 8, 28), 1) == D(2026, 8, 31)  # England's late-August holiday is worked


def test_closures_added_and_worked_bank_holidays_removed():
    cal = scottish_calendar(closures=[D(2026, 12, 24)], working_days=["30/11/2026"])
    assert workday(D(2026, 11, 27), 1, cal) == D(2026, 11, 30)
    assert workday(D(2026, 12, 23), 1, cal) == D(2026, 12, 29)
    assert scottish_calendar([D(2026, 12, 24)], ["30/11/2026"]) is cal  # cached by content
    # the Holidays sheet lists the bank holiday and a "Working day" row for it: working wins
    assert scottish_calendar([D(2026, 11, 30)], [D(2026, 11, 30)]).is_working_day(D(2026, 11, 30))


def test_excel_semantics_at_the_edges():
    sat = D(2026, 11, 28)
    assert workday(sat, 0) == sat
    assert workday(sat, 1) == D(2026, 12, 1)  # Monday 30th is St Andrew's Day
    assert workday(sat, -1) == D(2026, 11, 27)
    assert workday(D(2026, 11, 20), 10.9) == workday(D(2026, 11, 20), 10)
    assert workday(D(2026, 11, 20), -10.9) == workday(D(2026, 11, 20), -10)
    assert networkdays(sat, sat) == 0
    assert networkdays(D(2026, 11, 27), D(2026, 11, 27)) == 1


@given(days, st.integers(-400, 400))
def test_workday_lands_on_a_working_day_n_days_away(start, n):
    end = workday(start, n)
    if n == 0:
        assert end == start
        return
    assert scottish_calendar().is_working_day(end)
    assert abs(networkdays(start, end)) == abs(n) + (1 if scottish_calendar().is_working_day(start) else 0)


@given(days, days)
@settings(deadline=None)  # 41 years of holidays on a loaded machine outran the 200 ms default: time is for bench/
def test_networkdays_is_antisymmetric_and_inclusive(a, b):
    assert networkdays(a, b) == -networkdays(b, a) or a == b
    if a <= b:
        assert networkdays(a, b) == sum(scottish_calendar().is_working_day(a + dt.timedelta(i))
                                        for i in range((b - a).days + 1))


@given(days, days)
def test_working_days_after_counts_the_half_open_interval(a, b):
    assert working_days_after(a, b) == (max(networkdays(a, b) - scottish_calendar().is_working_day(a), 0) if b > a else 0)


@given(st.lists(st.one_of(st.none(), days), min_size=1, max_size=30), st.integers(-30, 30))
def test_array_forms_agree_with_scalars_and_pass_blanks(starts, n):
    out = workday_array(starts, n)
    nd = networkdays_array(starts, [D(2026, 6, 1)] * len(starts))
    for s, o, k in zip(starts, out, nd):
        if s is None:
            assert np.isnat(o) and np.isnan(k)
        else:
            assert o.item() == workday(s, n)
            assert k == networkdays(s, D(2026, 6, 1))


def test_holidays_a_deadline_skipped_exclude_the_start():
    cal = scottish_calendar()
    assert [n for _, n in cal.holidays_between(D(2027, 3, 26), D(2027, 4, 9))] == []  # Good Friday is the start
    assert [d for d, _ in cal.holidays_between(D(2026, 11, 20), D(2026, 12, 7))] == [D(2026, 11, 30)]


def test_results_outside_excels_dates_are_errors_not_numbers():
    import pytest

    from spso_xl.errors import InputError

    with pytest.raises(InputError, match="outside Excel's dates"):
        workday(D(9999, 12, 30), 5)
    with pytest.raises(InputError, match="outside Excel's dates"):
        workday(D(1900, 1, 2), -5)
    assert networkdays(D(9999, 12, 27), D(9999, 12, 31)) == 5


# --- the holidays package: the floor in pyproject.toml must know every date these tests rely on --------------

KNOWN = {  # Scottish bank holidays the tests and the policy's deadlines rely on
    D(2026, 1, 2): "2 January",
    D(2027, 1, 4): "2 January, moved from Saturday 02/01/2027 (1 January is a Friday)",
    D(2025, 12, 1): "St Andrew's Day, moved from Sunday 30/11/2025",
    D(2026, 6, 15): "the one-off bank holiday for Scotland's World Cup match (proclaimed 2026)",
}


def test_the_installed_holidays_package_knows_every_scottish_bank_holiday_relied_on():
    import holidays

    found = holidays.country_holidays("GB", subdiv="SCT", years=range(2025, 2028))
    missing = {d: why for d, why in KNOWN.items() if d not in found}
    assert not missing, (f"holidays {holidays.__version__} lacks {missing}: upgrade it "
                         "(pyproject.toml asks for the first version that has them)")


def test_a_deadline_never_lands_on_the_world_cup_bank_holiday():
    assert workday(D(2026, 6, 1), 10) == D(2026, 6, 16)  # Mon 15/06/2026 skipped
    assert not scottish_calendar().is_working_day(D(2026, 6, 15))


def test_the_floor_in_pyproject_is_the_first_version_with_those_dates():
    import re

    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    floor = re.search(r'"holidays>=(\d+)\.(\d+)"', text)
    assert floor and (int(floor[1]), int(floor[2])) >= (0, 91), "holidays 0.91 added 15/06/2026 for GB-SCT"

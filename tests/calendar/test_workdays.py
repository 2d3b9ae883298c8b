"""calendar.workdays' public helpers: parse_days (WORKDAY's day count) and bank_holidays."""

import datetime as dt

import pytest
from hypothesis import given, strategies as st

from spso_xl.calendar.workdays import YEARS, bank_holidays, parse_days, scottish_calendar, workday
from spso_xl.errors import InputError

D = dt.date


@pytest.mark.parametrize("value, days", [(10, 10), (10.9, 10), (-10.9, -10), (0.5, 0), (-0.5, 0), ("3", 3),
                                         (" 3.7 ", 3), ("-2", -2), (3_000_000, 3_000_000)])
def test_a_day_count_is_truncated_toward_zero_as_excel_does(value, days):
    assert parse_days(value) == days


@pytest.mark.parametrize("bad", [None, "", "ten", True, False, float("nan"), float("inf"), [3], 3_000_001,
                                 -3_000_001, "1e9"])
def test_what_is_not_a_day_count_is_an_input_error(bad):
    with pytest.raises(InputError) as e:
        parse_days(bad)
    assert e.value.code == "DAYS"


@given(st.floats(-20_000, 20_000))
def test_workday_counts_what_parse_days_reads(n):
    assert workday(D(2026, 4, 1), n) == workday(D(2026, 4, 1), parse_days(n))


def test_bank_holidays_are_scotland_s_and_shared_read_only():
    days = bank_holidays()
    assert days[D(2026, 11, 30)] == "Saint Andrew's Day" and D(2026, 1, 2) in days  # Scottish, not English
    assert D(2026, 4, 6) not in days  # Easter Monday is not a Scottish bank holiday
    assert min(days).year == YEARS.start
    assert bank_holidays() is days
    with pytest.raises(TypeError):
        days[D(2026, 12, 24)] = "Office party"  # every calendar shares this table
    assert set(days) <= set(scottish_calendar().holidays)

import datetime as dt

import pytest
from hypothesis import given, strategies as st

from spso_xl.errors import InputError
from spso_xl.calendar.quarters import last_full_quarter, parse_quarter, quarter_of

D = dt.date


def test_financial_quarters():
    q = parse_quarter("2026-27Q2")
    assert (q.start, q.end, q.label) == (D(2026, 7, 1), D(2026, 9, 30), "2026-27 Q2")
    q4 = parse_quarter("2026-27 Q4")
    assert (q4.start, q4.end) == (D(2027, 1, 1), D(2027, 3, 31))
    assert quarter_of(D(2027, 3, 31)).label == "2026-27 Q4"
    assert quarter_of(D(2027, 4, 1)).label == "2027-28 Q1"
    assert last_full_quarter(D(2026, 11, 22)).label == "2026-27 Q2"


def test_calendar_quarters():
    q = parse_quarter("2026Q3")
    assert (q.start, q.end, q.label) == (D(2026, 7, 1), D(2026, 9, 30), "2026 Q3")
    assert last_full_quarter(D(2026, 11, 22), "Calendar").label == "2026 Q3"
    assert quarter_of(D(2026, 12, 31), "Calendar").end == D(2026, 12, 31)


@pytest.mark.parametrize("bad", ["2026-28 Q1", "Q5 2026", "2026 Q5", "next quarter"])
def test_bad_quarters_say_what_is_expected(bad):
    with pytest.raises(InputError, match="2026-27 Q2"):
        parse_quarter(bad)


@given(st.dates(D(2000, 1, 1), D(2100, 12, 31)), st.sampled_from(["Financial", "Calendar"]))
def test_every_day_is_in_its_quarter_and_labels_round_trip(day, convention):
    q = quarter_of(day, convention)
    assert q.start <= day <= q.end and q.start.day == 1 and len(q.months) == 3
    assert parse_quarter(q.label) == q

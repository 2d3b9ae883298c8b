"""policy.settings.holidays_calendar: a Holidays table as the office's working-day calendar, the one
reading the tracker reader and the UDFs' Closures argument share."""

import datetime as dt

import pandas as pd
import pytest

from spso_xl.calendar.workdays import scottish_calendar
from spso_xl.errors import InputError
from spso_xl.policy.settings import holidays_calendar

D = dt.date
ST_ANDREW = D(2026, 11, 30)  # a Scottish bank holiday
XMAS_EVE = D(2026, 12, 24)


@pytest.mark.parametrize("worked", ["Working day", " working  DAY ", "WORKING DAY"])
@pytest.mark.parametrize("off", ["Closure", "closure ", "Bank holiday", "BANK HOLIDAY"])
def test_kinds_are_matched_in_any_case_and_spacing(worked, off):
    cal = holidays_calendar([(ST_ANDREW, worked), (XMAS_EVE, off)])
    assert cal is scottish_calendar([XMAS_EVE], [ST_ANDREW])
    assert cal.is_working_day(ST_ANDREW) and not cal.is_working_day(XMAS_EVE)


@pytest.mark.parametrize("kind", [None, "", "  ", "Holiday", 3, float("nan")])
def test_a_blank_or_unknown_kind_is_left_out_unless_it_counts_as_a_closure(kind):
    assert holidays_calendar([(XMAS_EVE, kind)]) is scottish_calendar()
    assert holidays_calendar([(XMAS_EVE, kind)], unknown_is_closure=True) is scottish_calendar([XMAS_EVE])


def test_blank_dates_are_skipped_and_dates_read_as_cells_are():
    rows = [(None, "Closure"), (pd.NaT, "Working day"), ("24/12/2026", "Closure"), (pd.Timestamp(ST_ANDREW),
                                                                                   "Working day")]
    assert holidays_calendar(rows) is scottish_calendar([XMAS_EVE], [ST_ANDREW])
    with pytest.raises(InputError):
        holidays_calendar([("31/02/2026", "Closure")])


def test_a_parsed_holidays_frame_reads_as_its_rows():
    """The tracker reader passes its parsed Holidays frame's Date and Kind columns."""
    frame = pd.DataFrame({"Date": pd.to_datetime([ST_ANDREW, XMAS_EVE, None, D(2026, 12, 28)]).astype("datetime64[s]"),
                          "Kind": ["Working day", "Closure", "Closure", None]})
    assert holidays_calendar(zip(frame["Date"], frame["Kind"])) is scottish_calendar([XMAS_EVE], [ST_ANDREW])

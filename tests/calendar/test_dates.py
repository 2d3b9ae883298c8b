"""calendar.dates.day: the one conversion from whatever code holds to a plain date."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, strategies as st

from spso_xl.calendar.dates import day, to_date
from spso_xl.xlsx.refs import excel_serial
from spso_xl.errors import InputError

D = dt.date


@pytest.mark.parametrize("blank", [None, "", "   ", float("nan"), np.float64("nan"), pd.NaT, np.datetime64("NaT"),
                                   pd.NA])
def test_every_kind_of_blank_is_none(blank):
    assert day(blank) is None


@pytest.mark.parametrize("value", [
    D(2026, 4, 3), dt.datetime(2026, 4, 3, 23, 59), pd.Timestamp("2026-04-03 09:00"), np.datetime64("2026-04-03"),
    np.datetime64("2026-04-03T12:00"), 46115, 46115.5, np.int64(46115), "03/04/2026", "2026-04-03", "3 April 2026",
])
def test_a_plain_date_with_the_time_of_day_dropped(value):
    out = day(value)
    assert out == D(2026, 4, 3) and type(out) is dt.date


@pytest.mark.parametrize("bad", ["31/02/2026", "soon", True, 0, 60, [1], object()])
def test_what_is_not_a_date_is_an_input_error_never_passed_on(bad):
    with pytest.raises(InputError):
        day(bad)


def test_a_parsed_frame_column_reads_row_by_row():
    """Parsed tracker frames hold datetime64 columns: each cell comes out as Timestamp or NaT."""
    col = pd.to_datetime(pd.Series([D(2026, 4, 3), None, D(2026, 12, 31)])).astype("datetime64[s]")
    assert [day(v) for v in col] == [D(2026, 4, 3), None, D(2026, 12, 31)]
    assert [day(v) for v in col.astype(object)] == [D(2026, 4, 3), None, D(2026, 12, 31)]


dates = st.dates(min_value=D(1900, 3, 1), max_value=D(9999, 12, 31))
holders = st.one_of(
    dates,
    dates.map(lambda d: dt.datetime(d.year, d.month, d.day, 13, 30)),
    dates.filter(lambda d: d.year < 2262).map(pd.Timestamp),
    dates.map(np.datetime64),
    dates.map(excel_serial),
    dates.map(lambda d: float(excel_serial(d)) + 0.75),
    dates.map(lambda d: f"{d:%d/%m/%Y}"),
    dates.map(lambda d: d.isoformat()),
)


@given(holders)
def test_agrees_with_the_cell_parser_on_everything_it_reads(value):
    assert day(value) == to_date(value)
    assert type(day(value)) is dt.date

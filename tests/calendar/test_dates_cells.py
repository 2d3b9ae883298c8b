import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, strategies as st

from spso_xl.calendar.dates import from_serial, to_date
from spso_xl.xlsx.refs import excel_serial
from spso_xl.errors import InputError

D = dt.date


@pytest.mark.parametrize("value, expected", [
    (D(2026, 4, 3), D(2026, 4, 3)),
    (dt.datetime(2026, 4, 3, 17, 45), D(2026, 4, 3)),
    (pd.Timestamp("2026-04-03 09:00"), D(2026, 4, 3)),
    (np.datetime64("2026-04-03"), D(2026, 4, 3)),
    (46115, D(2026, 4, 3)),
    (46115.99, D(2026, 4, 3)),
    (np.float64(46115.0), D(2026, 4, 3)),
    ("2026-04-03", D(2026, 4, 3)),
    ("2026-04-03T10:30:00", D(2026, 4, 3)),
    ("03/04/2026", D(2026, 4, 3)),  # UK: day first
    (" 3/4/2026 ", D(2026, 4, 3)),
    ("03.04.2026", D(2026, 4, 3)),
    ("3/4/26", D(2026, 4, 3)),
    ("3 April 2026", D(2026, 4, 3)),
    ("46115", D(2026, 4, 3)),
    (1, D(1900, 1, 1)),
    (59, D(1900, 2, 28)),
    (61, D(1900, 3, 1)),
    (2958465, D(9999, 12, 31)),
])
def test_coerces_what_a_cell_can_hold(value, expected):
    assert to_date(value) == expected


@pytest.mark.parametrize("blank", [None, "", "   ", float("nan"), pd.NaT, np.datetime64("NaT")])
def test_blanks_are_none(blank):
    assert to_date(blank) is None


@pytest.mark.parametrize("bad, words", [
    ("31/02/2026", "'31/02/2026' is not a date"),
    ("tomorrow", "'tomorrow' is not a date"),
    (True, "True is not a date"),
    (60, "29/02/1900"),
    (0, "not a date"),
    (-5, "not a date"),
    (2958466, "not a date"),
    (float("inf"), "not a date"),
    ([1], "not a date"),
])
def test_bad_values_name_themselves(bad, words):
    with pytest.raises(InputError) as e:
        to_date(bad)
    assert words in str(e.value)
    assert e.value.cell_text().startswith("#DATE? ")


@given(st.dates(min_value=D(1900, 1, 1), max_value=D(9999, 12, 31)))
def test_serial_round_trip(d):
    assert from_serial(excel_serial(d)) == d


def test_serials_match_excel_landmarks():
    # Excel: 01/01/1900 = 1, 28/02/1900 = 59, 01/03/1900 = 61, 01/01/2026 = 46023
    assert [excel_serial(D(1900, 1, 1)), excel_serial(D(1900, 2, 28)), excel_serial(D(1900, 3, 1)), excel_serial(D(2026, 1, 1))] \
        == [1, 59, 61, 46023]

"""xlsx.refs, the one converter of cell notation and date serials, against openpyxl's and
XlsxWriter's own (independent oracles) and the serials a real workbook stores."""

import datetime as dt
import re
import zipfile

import openpyxl.utils.datetime as oxl_dates
import pytest
import xlsxwriter
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries
from openpyxl.utils.cell import coordinate_to_tuple
from xlsxwriter.utility import xl_cell_to_rowcol, xl_rowcol_to_cell

from spso_xl.calendar.dates import from_serial
from spso_xl.xlsx.refs import (
    MAX_COLUMN,
    cell_position,
    cell_ref,
    column_letters,
    column_number,
    excel_serial,
    range_bounds,
)

D = dt.date


@pytest.mark.parametrize("number, letters", [(1, "A"), (26, "Z"), (27, "AA"), (702, "ZZ"), (703, "AAA"),
                                             (MAX_COLUMN, "XFD")])
def test_column_letters_both_ways(number, letters):
    assert column_letters(number) == letters == get_column_letter(number)
    assert column_number(letters) == number == column_index_from_string(letters)
    assert column_number(letters.lower()) == number


def test_every_three_letter_column_agrees_with_openpyxl():
    for n in range(1, 18_279):
        letters = column_letters(n)
        assert letters == get_column_letter(n)
        assert column_number(letters) == n


@pytest.mark.parametrize("bad", [0, -1, 18_279])
def test_a_column_number_out_of_range_is_refused(bad):
    with pytest.raises(ValueError):
        column_letters(bad)


@pytest.mark.parametrize("bad", ["", "AAAA", "A1", "1", "Ä", " A"])
def test_what_is_not_column_letters_is_refused(bad):
    with pytest.raises(ValueError):
        column_number(bad)


@pytest.mark.parametrize("ref, position", [("A1", (1, 1)), ("B3", (3, 2)), ("$F$1", (1, 6)),
                                           ("xfd1048576", (1_048_576, MAX_COLUMN))])
def test_cells_both_ways(ref, position):
    assert cell_position(ref) == position == coordinate_to_tuple(ref.replace("$", "").upper())
    assert tuple(n - 1 for n in position) == xl_cell_to_rowcol(ref.upper())
    assert cell_ref(*position) == ref.replace("$", "").upper()
    assert cell_ref(*position, absolute=True) == xl_rowcol_to_cell(position[0] - 1, position[1] - 1, True, True)


@pytest.mark.parametrize("bad", ["A0", "1A", "A", "A1:B2", "Sheet1!A1", ""])
def test_what_is_not_a_cell_is_refused(bad):
    with pytest.raises(ValueError):
        cell_position(bad)


@pytest.mark.parametrize("ref", ["A1", "A1:C9", "$B$2:$D$10", "c3:a1", "A:C", "$A:$A", "3:7", "XFD1048576",
                                 "A1:XFD1048576"])
def test_ranges_read_as_openpyxl_reads_them(ref):
    assert range_bounds(ref) == range_boundaries(ref)


@pytest.mark.parametrize("bad", ["A1:", "A1:B", "A:1", "Sheet1!A1:B2", "AAAA1", "A1:B2:C3", "A-1"])
def test_what_is_not_a_range_is_refused(bad):
    with pytest.raises(ValueError):
        range_bounds(bad)
    with pytest.raises(ValueError):
        range_boundaries(bad)


def test_serials_keep_excels_1900_leap_year():
    # Excel: 01/01/1900 = 1, 28/02/1900 = 59, (60 is the 29/02/1900 that never was), 01/03/1900 = 61
    assert [excel_serial(D(1900, 1, 1)), excel_serial(D(1900, 2, 28)), excel_serial(D(1900, 3, 1)),
            excel_serial(D(2026, 1, 1))] == [1, 59, 61, 46023]
    assert excel_serial(dt.datetime(1900, 2, 28, 12)) == 59.5
    assert excel_serial(dt.datetime(1900, 3, 1, 6)) == 61.25
    assert isinstance(excel_serial(D(2026, 1, 1)), int)


@given(st.dates(min_value=D(1900, 1, 1), max_value=D(9999, 12, 31)))
def test_dates_as_openpyxl_converts_them_and_back(d):
    assert excel_serial(d) == oxl_dates.to_excel(d)
    if d.year >= 1904:
        assert excel_serial(d, date1904=True) == oxl_dates.to_excel(d, oxl_dates.MAC_EPOCH)
    assert from_serial(excel_serial(d)) == d


@given(st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59, 59)))
def test_datetimes_as_openpyxl_converts_them(t):
    assert excel_serial(t) == pytest.approx(oxl_dates.to_excel(t), abs=1e-9)
    assert excel_serial(t.replace(tzinfo=dt.timezone.utc)) == excel_serial(t)  # the wall-clock time is kept


def test_serials_are_what_a_workbook_stores(tmp_path):
    """XlsxWriter converts dates itself: the <v> it stores is the serial, in either date system.
    (Not 01/01/1900: XlsxWriter takes midnight on that day for a time of day alone, serial 0.)"""
    days = [D(1900, 1, 2), D(1900, 2, 28), D(1900, 3, 1), D(1904, 1, 1), D(2026, 11, 22), dt.datetime(2026, 11, 22, 18)]
    for date1904 in (False, True):
        path = tmp_path / f"dates{int(date1904)}.xlsx"
        with xlsxwriter.Workbook(path, {"date_1904": date1904}) as wb:
            ws, fmt = wb.add_worksheet(), wb.add_format({"num_format": "dd/mm/yyyy"})
            for r, d in enumerate(days):
                ws.write_datetime(r, 0, d if isinstance(d, dt.datetime) else dt.datetime.combine(d, dt.time()), fmt)
        xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
        stored = {int(r): float(v) for r, v in re.findall(r'<c r="A(\d+)"[^>]*><v>([^<]*)</v>', xml)}
        for r, d in enumerate(days, start=1):
            if date1904 and d.year < 1904:
                continue  # before the 1904 system's first day
            assert excel_serial(d, date1904) == pytest.approx(stored[r]), (d, date1904)

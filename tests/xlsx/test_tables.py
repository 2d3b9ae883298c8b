"""xlsx.tables' reads of plain ranges (not Tables): only the range's box is read, error values come
back as `CellError`, and the reader without calamine (xlwings Lite) reads the same."""

import sys

import pytest
import xlsxwriter

from spso_xl.xlsx.tables import CellError, read_range, sheet_names


@pytest.fixture
def book(tmp_path):
    path = tmp_path / "conf.xlsx"
    with xlsxwriter.Workbook(path) as wb:
        wb.add_worksheet("Cases")
        ws = wb.add_worksheet("xlwings.conf")
        ws.write_string(0, 0, "UDF Modules")
        ws.write_string(0, 1, "udfs")
        ws.write_string(2, 0, "Show Console")  # after a blank row
        ws.write_boolean(2, 1, False)
        ws.write_formula(3, 0, "=1/0", None, "#DIV/0!")
        ws.write_string(0, 3, "a note beside the keys")
        ws.write_number(4_999, 25, 1)  # far from A1:B500
    return path


@pytest.fixture(params=["calamine", "openpyxl"])
def reader(request, monkeypatch):
    if request.param == "openpyxl":
        monkeypatch.setitem(sys.modules, "python_calamine", None)
    return request.param


def test_a_plain_range_is_read_within_its_box(book, reader):
    rows = read_range(book, "xlwings.conf", "A1:B500")
    assert rows[:3] == [["UDF Modules", "udfs"], ["", ""], ["Show Console", False]]
    assert rows[3][0] == CellError("#DIV/0!") and isinstance(rows[3][0], CellError)
    assert len(rows) == 4 and all(len(r) == 2 for r in rows)  # D1 and Z5000 are outside: never read


def test_a_range_away_from_a1(book, reader):
    assert read_range(book, "xlwings.conf", "B1:D1") == [["udfs", "", "a note beside the keys"]]
    assert read_range(book, "xlwings.conf", "Z5000:Z5000") == [[1]]


def test_no_such_sheet_and_the_sheet_names(book):
    assert read_range(book, "Settings", "A1:B2") is None
    assert sheet_names(book) == ["Cases", "xlwings.conf"]


@pytest.mark.parametrize("bad", ["A:B", "1:2", "Sheet!A1"])
def test_only_a_box_of_cells_is_a_range(book, bad):
    with pytest.raises(ValueError):
        read_range(book, "xlwings.conf", bad)

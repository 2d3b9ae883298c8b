"""xlsx.styles on real workbooks: a format asked for by its look is found or appended once, the
formats already in the part keep their places (every existing cell keeps its look), and the
cells of a sheet written with them read back with that look."""

import re
import zipfile

import openpyxl
import pytest
import xlsxwriter

from spso_xl.xlsx.newsheet import sheet_xml
from spso_xl.xlsx.package import Package
from spso_xl.xlsx.styles import Styles

PART = "xl/styles.xml"


@pytest.fixture
def book(tmp_path):
    """A workbook XlsxWriter made, with a bold cell and a custom number format of its own."""
    path = tmp_path / "styled.xlsx"
    with xlsxwriter.Workbook(path) as wb:
        ws = wb.add_worksheet("Data")
        ws.write_string(0, 0, "Bold", wb.add_format({"bold": True}))
        ws.write_number(1, 0, 0.25, wb.add_format({"num_format": "0.0%"}))
    return path


def _xfs(xml: bytes) -> list[bytes]:
    body = re.search(rb"<cellXfs\b[^>]*>(.*?)</cellXfs>", xml, re.S).group(1)
    return re.findall(rb"<xf\b[^>]*?(?:/>|>.*?</xf>)", body, re.S)


def test_a_format_is_appended_once_and_found_again(book, tmp_path):
    before = zipfile.ZipFile(book).read(PART)
    with Package(book) as package:
        styles = package.styles
        assert isinstance(styles, Styles)
        look = dict(bold=True, size=14, color="1F4E79", fill="FFFF00", num_fmt="dd/mm/yyyy", wrap=True)
        first = styles.xf(**look)
        assert styles.xf(**look) == first == len(_xfs(before))  # appended after the existing ones
        assert styles.xf() != first
        styles.finish()
        after = package.read(PART)
        package.save(tmp_path / "once.xlsx")
    assert _xfs(after)[:len(_xfs(before))] == _xfs(before)  # the existing formats did not move
    assert re.search(rb'<cellXfs count="(\d+)"', after).group(1) == str(len(_xfs(after))).encode()
    with Package(tmp_path / "once.xlsx") as again:  # the next write finds it: nothing added
        assert again.styles.xf(**look) == first and not again.styles.changed


def test_number_formats_builtin_existing_and_new(book):
    with Package(book) as package:
        styles = package.styles
        assert [styles.num_fmt(None), styles.num_fmt("General"), styles.num_fmt("0.00"), styles.num_fmt("0%")] == \
            [0, 0, 2, 9]
        assert not styles.changed
        mine = re.search(rb'<numFmt numFmtId="(\d+)" formatCode="0.0%"', styles.xml).group(1)
        assert styles.num_fmt("0.0%") == int(mine) and not styles.changed  # XlsxWriter's own, found
        new = styles.num_fmt("dd/mm/yyyy hh:mm")
        assert new > int(mine) and styles.num_fmt("dd/mm/yyyy hh:mm") == new
        assert re.search(rb'<numFmts count="2"', styles.xml)


def test_a_number_format_with_quoted_text_is_found_again(book):
    with Package(book) as package:
        styles = package.styles
        new = styles.num_fmt('dd/mm/yyyy "at" hh:mm')
        assert styles.num_fmt('dd/mm/yyyy "at" hh:mm') == new


def test_a_part_without_custom_number_formats_gets_the_list(tmp_path):
    path = tmp_path / "plain.xlsx"
    with xlsxwriter.Workbook(path) as wb:
        wb.add_worksheet().write_number(0, 0, 1)
    assert b"<numFmts" not in zipfile.ZipFile(path).read(PART)
    with Package(path) as package:
        assert package.styles.num_fmt("0.000") == 164
        assert re.search(rb'<numFmts count="1"><numFmt numFmtId="164" formatCode="0.000"/></numFmts><fonts\b',
                         package.styles.xml)


def test_a_sheet_written_with_the_formats_reads_back_with_that_look(book, tmp_path):
    out = tmp_path / "out.xlsx"
    with Package(book) as package:
        title = package.styles.xf(bold=True, size=16, color="1F4E79")
        money = package.styles.xf(num_fmt="#,##0.00", fill="DDEBF7", horizontal="right")
        xml = sheet_xml([["Title", None], ["Total", 1234.5]], {(0, 0): title, (1, 1): money}, [20, 12])
        package.add_sheet("Styled", xml)
        package.save(out)
    wb = openpyxl.load_workbook(out)
    a1, b2 = wb["Styled"]["A1"], wb["Styled"]["B2"]
    assert (a1.font.b, a1.font.sz, a1.font.color.rgb) == (True, 16, "FF1F4E79")
    assert (b2.number_format, b2.fill.fgColor.rgb, b2.alignment.horizontal) == ("#,##0.00", "FFDDEBF7", "right")
    old = wb["Data"]  # the cells already there keep their look
    assert old["A1"].font.b and old["A2"].number_format == "0.0%"

"""xlsx.sharedstrings on real workbooks: strings already in the part are found (escapes decoded,
rich text left out), new ones appended once with the counts kept true, and what the part held
before is byte for byte still there."""

import re
import zipfile
from xml.etree import ElementTree

import openpyxl
import pytest
import xlsxwriter

from spso_xl.xlsx.package import Package
from spso_xl.xlsx.sharedstrings import SharedStrings

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
PART = "xl/sharedStrings.xml"


@pytest.fixture
def book(tmp_path):
    """A workbook XlsxWriter made: plain, escaped, control-character and rich-text strings."""
    path = tmp_path / "strings.xlsx"
    with xlsxwriter.Workbook(path) as wb:
        ws = wb.add_worksheet("Data")
        bold = wb.add_format({"bold": True})
        for r, text in enumerate(["alpha", "a & b <c>", "tab\there", "bell\x07", "_x0041_ literal", " padded "]):
            ws.write_string(r, 0, text)
        ws.write_rich_string(6, 0, "rich ", bold, "text")
        ws.write_string(7, 0, "alpha")  # a second reference to the same string
    return path


def _strings(xml: bytes) -> list[str]:
    """Every shared string as a namespace-aware reader sees it (rich runs joined)."""
    root = ElementTree.fromstring(xml)
    return ["".join(t.text or "" for t in si.iter(MAIN + "t")) for si in root.iter(MAIN + "si")]


def test_existing_strings_are_found_as_excel_reads_them(book):
    with Package(book) as package:
        sst = package.shared_strings
        assert isinstance(sst, SharedStrings) and sst.part == PART
        stored = _strings(package.read(PART))
        assert sst.count == len(stored) == 7
        texts = ["alpha", "a & b <c>", "tab\there", "bell\x07", "_x0041_ literal", " padded "]
        assert [sst.index(text) for text in texts] == [0, 1, 2, 3, 4, 5] and not sst.new  # in the order written
        assert stored[3] == "bell_x0007_" and stored[4] == "_x005F_x0041_ literal"  # as the part holds them
        assert "rich text" not in sst.existing  # rich runs are not a plain string: a new one is added
        assert sst.index("rich text") == 7
        sst.finish()


def test_new_strings_are_appended_once_and_the_counts_kept(book):
    before = zipfile.ZipFile(book).read(PART)
    with Package(book) as package:
        sst = package.shared_strings
        assert [sst.index("new"), sst.index("new"), sst.index("alpha"), sst.index("other & more")] == [7, 7, 0, 8]
        sst.finish()
        after = package.read(PART)
    head = re.search(rb"<sst\b[^>]*>", after).group(0)
    old_head = re.search(rb"<sst\b[^>]*>", before).group(0)
    assert re.search(rb'uniqueCount="(\d+)"', head).group(1) == b"9"
    old_total = int(re.search(rb'\scount="(\d+)"', old_head).group(1))
    assert int(re.search(rb'\scount="(\d+)"', head).group(1)) == old_total + 4  # every reference counted
    assert _strings(after)[7:] == ["new", "other & more"]
    body = before[before.index(old_head) + len(old_head):before.rindex(b"</sst>")]
    assert body in after  # the strings already there: untouched, in their places


def test_cells_written_through_the_package_read_back(book, tmp_path):
    out = tmp_path / "out.xlsx"
    with Package(book) as package:
        sheet = package.sheet("Data")
        sheet.set(10, 1, "alpha")  # reuses index 0
        sheet.set(11, 1, "fresh\x07text")
        sheet.set(12, 1, "  spaced  ")
        sheet.set(13, 1, "bell\x07")  # reuses the string XlsxWriter wrote
        package.save(out)
    ws = openpyxl.load_workbook(out)["Data"]
    got = [ws.cell(r, 1).value for r in (1, 8, 10, 12, 13)]
    assert got == ["alpha", "alpha", "alpha", "  spaced  ", ws.cell(4, 1).value]
    assert ws.cell(11, 1).value == ws.cell(4, 1).value.replace("bell", "fresh") + "text"  # escaped as XlsxWriter does
    xml = zipfile.ZipFile(out).read(PART)
    assert _strings(xml).count("alpha") == 1 and _strings(xml).count("bell_x0007_") == 1
    assert b"fresh_x0007_text" in xml and b'<t xml:space="preserve">  spaced  </t>' in xml


def test_a_prefixed_part_gets_prefixed_strings(book, tmp_path):
    """A part that names its namespace with a prefix (as some tools write it) keeps it."""
    prefixed = tmp_path / "prefixed.xlsx"
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(prefixed, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == PART:
                data = re.sub(rb"<(/?)(sst|si|t|r|rPr|b|sz|color|rFont|family|scheme)\b", rb"<\1x:\2", data)
                data = data.replace(b'<x:sst xmlns="', b'<x:sst xmlns:x="')
            dst.writestr(info, data)
    with Package(prefixed) as package:
        sst = package.shared_strings
        assert sst.prefix == b"x:" and sst.index("alpha") == 0 and sst.index("added") == 7
        sst.finish()
        xml = package.read(PART)
    assert b"<x:si><x:t>added</x:t></x:si></x:sst>" in xml
    assert _strings(xml)[7] == "added"


def test_a_workbook_without_shared_strings_has_none(tmp_path):
    path = tmp_path / "numbers.xlsx"
    with xlsxwriter.Workbook(path) as wb:
        wb.add_worksheet().write_number(0, 0, 1)
    with Package(path) as package:
        assert package.shared_strings is None

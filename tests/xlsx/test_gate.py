"""The write gate (xlsx.gate, DESIGN §13): a written package that Excel would refuse or repair never
replaces a tracker (the original left byte-identical, the message naming the part); `check` and
`doctor` run the same checks on a file as it is; and the writer's edits on workbooks Excel itself
made (tests/data/excel_made, the xlwings quickstart files) pass it, changing only what they touch."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path
from xml.parsers import expat

import openpyxl
import pytest
import xlwings

from spso_xl.cli import main
from spso_xl.cli.doctor import PROBLEM, diagnose
from spso_xl.errors import WriteRefused
from spso_xl.tracker.write import change_tracker
from spso_xl.xlsx import gate
from spso_xl.xlsx.gate import Problem, check_file, refuse_if_broken
from spso_xl.xlsx.newsheet import sheet_xml
from spso_xl.xlsx.package import Package
from spso_xl.xlsx.tables import read_range
from spso_xl.xlsx.worksheet import Formula
from spso_xl.xlsx.xml import written_only
from tests.support.paths import DATA

EXCEL_MADE = sorted((DATA / "excel_made").glob("*.xls[xm]")) + \
    sorted(Path(xlwings.__file__).parent.glob("quickstart*.xlsm"))
HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"


def _damage(path: Path, part: str, change) -> Path:
    """`path` with one part changed (a file as a broken tool would leave it)."""
    out = path.with_name("damaged" + path.suffix)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, change(data) if info.filename == part else data)
    return out


BREAKS = {
    "an unbound prefix": ("xl/workbook.xml", lambda wb: wb.replace(b"</sheets>", b'<sheet name="X" sheetId="99" '
                                                                                b'q:id="rId99"/></sheets>'),
                          "xl/workbook.xml: is not well-formed XML (unbound prefix"),
    "two sheets one name but for case": ("xl/workbook.xml",
                                         lambda wb: wb.replace(b'name="Holidays"', b'name="CASES"'),
                                         "two sheets named 'Cases' and 'CASES'"),
    "a table ref past its columns": ("xl/tables/table4.xml", lambda t: t.replace(b'ref="A1:G', b'ref="A1:H', 1),
                                     "xl/tables/table4.xml: has 7 columns and the ref"),
    "a style out of range": ("xl/worksheets/sheet6.xml", lambda s: s.replace(b' s="', b' s="999', 1),
                             "has the style 999"),
}


@pytest.mark.parametrize("damage", list(BREAKS))
def test_a_write_that_would_damage_the_file_is_refused_and_nothing_changes(demo_copy, damage):
    part, change, words = BREAKS[damage]
    before = demo_copy.read_bytes()
    assert check_file(demo_copy) == []

    def broken(package):
        package.sheet("Settings").set(2, 3, "a note")  # a real change, and the damage beside it
        package.write(part, change(package.read(part)))

    with pytest.raises(WriteRefused) as refused:
        change_tracker(demo_copy, broken)
    assert words in str(refused.value) and "\n" not in str(refused.value)
    assert str(refused.value).startswith(f"{demo_copy.name} was left unchanged")
    assert demo_copy.read_bytes() == before


@pytest.mark.parametrize("damage", list(BREAKS))
def test_check_and_doctor_name_the_damaged_part(demo_copy, damage, capsys):
    part, change, words = BREAKS[damage]
    damaged = _damage(demo_copy, part, change)
    found = [str(p) for p in check_file(damaged)]
    assert any(words in p for p in found), found
    if damage != "an unbound prefix":  # that one the reader refuses first, in one line
        assert main(["check", str(damaged)]) == 1
        assert words in capsys.readouterr().out
    doctor = [f.line() for f in diagnose(damaged, platform="linux") if f.status == PROBLEM]
    assert any(words in line for line in doctor), doctor


def test_a_problem_the_file_already_had_does_not_stop_a_write(demo_copy):
    """The gate refuses what a write would add; a file Excel already repairs can still be edited (and
    `check` names its problem)."""
    part, change, words = BREAKS["a style out of range"]
    damaged = _damage(demo_copy, part, change)
    shutil.move(damaged, demo_copy)
    change_tracker(demo_copy, lambda package: package.sheet("Settings").set(2, 3, "a note"))
    assert any(words in str(p) for p in check_file(demo_copy))
    assert read_range(demo_copy, "Settings", "C2:C2") == [["a note"]]


def _first_sheet(package: Package) -> str:
    return next(name for name, part in package.sheets.items() if part and part.startswith("xl/worksheets/"))


@pytest.mark.parametrize("book", EXCEL_MADE, ids=lambda p: p.name)
def test_edits_on_a_workbook_excel_made_pass_the_gate_and_touch_only_their_parts(book, tmp_path):
    src = tmp_path / book.name
    shutil.copy(book, src)
    out = tmp_path / ("out" + book.suffix)
    with Package(src) as package:
        name = _first_sheet(package)
        sheet = package.sheet(name)
        sheet.set(40, 2, "added by spso-xl")
        sheet.set(41, 3, 12.5)
        sheet.set(42, 4, Formula("B40&\"!\"", "added by spso-xl!"))
        rid = package.add_relationship(package.sheets[name], HYPERLINK, "letters/a.docx", external=True)
        sheet.links.append(("E40", rid))
        for table in list(package.tables.values()):
            package.set_table_ref(table, table.ref)
        package.add_sheet("Added", sheet_xml([["Total", 3]], {(0, 0): package.styles.xf(bold=True)}, [12]))
        package.save(out)
        changed = set(package.changed)
    assert [str(p) for p in check_file(out)] == [str(p) for p in check_file(src)] == []
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        for info in a.infolist():
            if info.filename not in changed:
                assert a.read(info) == b.read(info.filename), info.filename
    wb = openpyxl.load_workbook(out, keep_vba=book.suffix == ".xlsm")
    assert wb[name]["B40"].value == "added by spso-xl" and wb[name]["C41"].value == 12.5
    assert wb["Added"]["A1"].value == "Total"


def test_a_problem_reads_as_its_part_and_what_is_wrong():
    assert str(Problem("xl/workbook.xml", "is missing")) == "xl/workbook.xml: is missing"


def test_a_row_written_out_of_order_is_refused(demo_copy):
    """Rows out of order make Excel repair the file; the gate checks the order around each row written."""
    before = demo_copy.read_bytes()

    def misplaced(package):
        sheet = package.sheet("Actions")
        sheet.set(5, 8, "x")
        sheet.finish()
        part = package.sheets["Actions"]
        xml = package.read(part)
        package.write(part, xml.replace(b'<row r="4"', b'<row r="6"', 1))  # rows 3, 6, 5, 6: out of order
        sheet._xml = package.read(part)

    with pytest.raises(WriteRefused, match="has row 5 after row 6"):
        change_tracker(demo_copy, misplaced)
    assert demo_copy.read_bytes() == before


class _CountingExpat:
    """xml.parsers.expat, counting the bytes the gate hands it (to see which path it took)."""

    ExpatError = expat.ExpatError

    def __init__(self):
        self.fed: list[int] = []
        self.written = 0

    def ParserCreate(self, *args, **kwargs):  # noqa: N802 (expat's name)
        parser, fed = expat.ParserCreate(*args, **kwargs), self.fed

        class Counted:
            def Parse(self, data, final=True):  # noqa: N802
                fed.append(len(data))
                return parser.Parse(data, final)
        return Counted()


@pytest.fixture
def big_book(tmp_path):
    """A workbook whose one sheet holds 20,000 rows (about 1.5 MB of XML)."""
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Big")
    for r in range(1, 20001):
        ws.append([r, r * 2.5, r % 7])
    path = tmp_path / "big.xlsx"
    wb.save(path)
    return path


def _edit_row(path: Path, counting, monkeypatch, damage=None):
    """Write B10000 through SheetEdit, `damage` the written sheet's XML, and run the gate on the result."""
    monkeypatch.setattr(gate, "expat", counting)
    with Package(path) as package:
        part = package.sheets["Big"]
        sheet = package.sheet("Big")
        sheet.set(10000, 2, 99)
        sheet.finish()
        if damage:
            package.write(part, damage(package.read(part)))
            sheet._xml = package.read(part)
        out = path.with_name("out.xlsx")
        package.save(out)
        counting.written = len(package.read(part))
        refuse_if_broken(out, package)


def test_a_one_row_edit_on_a_big_sheet_is_parsed_where_it_was_written(big_book, monkeypatch):
    counting = _CountingExpat()
    _edit_row(big_book, counting, monkeypatch)
    assert counting.written > 1_000_000 and max(counting.fed) < 20_000


@pytest.mark.parametrize("where", [10000, 3])
def test_a_damaging_edit_on_a_big_sheet_is_refused_inside_the_row_written_and_outside_it(big_book, monkeypatch, where):
    """In the row written, the small parse finds it; anywhere else the bytes differ from the original's,
    so the whole written sheet is parsed (the original is parsed whole either way, to tell what is new)."""
    counting = _CountingExpat()

    def unbound(xml):
        at = xml.index(b'<c r="A%d"' % where)
        return xml[:at] + b"<q:c/>" + xml[at:]
    with pytest.raises(WriteRefused, match="is not well-formed XML"):
        _edit_row(big_book, counting, monkeypatch, unbound)
    assert (counting.written in counting.fed) == (where == 3)


def test_only_the_rows_written_are_kept_when_all_else_is_the_originals():
    head, tail = b'<worksheet xmlns="urn:x"><sheetData>', b"</sheetData></worksheet>"
    row = b'<row r="%d"><c r="A%d"><v>%d</v></c></row>'
    old = head + b"".join(row % (r, r, r) for r in (1, 2, 3, 5)) + tail
    two, four = b'<row r="2"><c r="A2"><v>9</v></c></row>', b'<row r="4"/>'
    new = head + row % (1, 1, 1) + two + row % (3, 3, 3) + four + row % (5, 5, 5) + tail
    assert written_only(old, new, {2, 4}) == head + two + four + tail
    assert written_only(old, new, {2}) is None  # row 4 is not the original's and was not said written
    assert written_only(old, new, {4}) is None
    note = b"<!-- a note -->"
    assert written_only(old.replace(b'<row r="3"', note + b'<row r="3"'),
                        new.replace(b'<row r="3"', note + b'<row r="3"'), {2, 4}) is None

"""The part-level writer and the reader on valid XML in other shapes (DESIGN §13 "Any valid
workbook", issue 22 findings 1, 5 and 7): namespaces declared on any element, newlines and single
quotes in tags, comments in sheetData, shared-string counts that disagree with the entries, sheet
names that differ only in case, number formats in dxfs."""

from __future__ import annotations

import re
import zipfile
from xml.etree import ElementTree

import openpyxl
import pytest
import xlsxwriter

from spso_xl.errors import PackageError
from spso_xl.xlsx import tables
from spso_xl.xlsx.gate import check_file
from spso_xl.xlsx.newsheet import sheet_xml
from spso_xl.xlsx.package import Package

REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"


def _book(path, rows=(("Ref", "Note"), ("A-1", "first"), ("A-2", "second"), ("A-3", "third"))):
    with xlsxwriter.Workbook(path) as wb:
        ws = wb.add_worksheet("Data")
        for r, row in enumerate(rows):
            ws.write_row(r, 0, row)
        wb.add_worksheet("Other").write_string(0, 0, "other")
    return path


def _rewrite(path, target, change):
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, change(info.filename, src.read(info)))
    return target


def _parses(path):
    """Every XML part parses with a namespace-aware parser (as Excel's does)."""
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.endswith((".xml", ".rels")):
                ElementTree.fromstring(z.read(name))


@pytest.fixture
def r_per_sheet(tmp_path):
    """A workbook whose relationships namespace is declared on each <sheet> and on no root (as
    openpyxl writes workbook.xml), the worksheets without it at all."""
    def change(name, data):
        if name == "xl/workbook.xml":
            data = data.replace(b' xmlns:r="' + REL + b'"', b"")
            data = data.replace(b"<sheet ", b'<sheet xmlns:r="' + REL + b'" ')
        if name.startswith("xl/worksheets/sheet"):
            data = data.replace(b' xmlns:r="' + REL + b'"', b"")
        return data
    return _rewrite(_book(tmp_path / "plain.xlsx"), tmp_path / "per-sheet.xlsx", change)


def test_a_sheet_added_where_r_is_declared_per_sheet_binds_its_prefix(r_per_sheet, tmp_path):
    """Finding 1: the new <sheet … r:id> had its prefix unbound; Excel refuses such a file."""
    out = tmp_path / "out.xlsx"
    with Package(r_per_sheet) as package:
        package.add_sheet("Summary 2026-27 Q2", sheet_xml([["Total", 3]], {}, [12]))
        package.save(out)
    _parses(out)
    assert openpyxl.load_workbook(out).sheetnames == ["Data", "Other", "Summary 2026-27 Q2"]
    assert check_file(out) == []


def test_a_hyperlink_added_to_a_sheet_without_r_binds_its_prefix(r_per_sheet, tmp_path):
    out = tmp_path / "out.xlsx"
    with Package(r_per_sheet) as package:
        sheet = package.sheet("Data")
        rid = package.add_relationship(package.sheets["Data"], HYPERLINK, "letters/a.docx", external=True)
        sheet.links.append(("B2", rid))
        sheet.set(2, 2, "the letter")
        package.save(out)
    _parses(out)
    assert openpyxl.load_workbook(out)["Data"]["B2"].hyperlink.target == "letters/a.docx"
    assert check_file(out) == []


def _odd_sheet(name, data):
    """Newlines and tabs between attributes, single quotes, comments between rows and cells."""
    if name == "xl/worksheets/sheet1.xml":
        data = data.replace(b'<c r="', b"<c\n\tr='").replace(b'" t="s">', b"'\n t=\"s\">")
        data = re.sub(rb"<c\n\tr='([A-Z]+\d+)\"", rb"<c\n\tr='\1'", data)
        data = data.replace(b"</row>", b"</row><!-- <row r='3'><c r='A3'/></row> -->")
        data = data.replace(b"</c><c", b"</c><!-- a note --><c")
    return data


def test_a_cell_set_in_a_sheet_with_comments_and_odd_whitespace_lands(tmp_path):
    """Finding 5: a comment in sheetData swallowed an edit that was reported as recorded."""
    odd = _rewrite(_book(tmp_path / "plain.xlsx"), tmp_path / "odd.xlsx", _odd_sheet)
    assert b"<!-- <row r='3'>" in zipfile.ZipFile(odd).read("xl/worksheets/sheet1.xml")
    assert openpyxl.load_workbook(odd)["Data"]["B3"].value == "second"
    out = tmp_path / "out.xlsx"
    with Package(odd) as package:
        sheet = package.sheet("Data")
        sheet.set(3, 2, "changed")
        sheet.set(3, 3, 7)
        sheet.set(6, 1, "A-5")
        package.save(out)
    _parses(out)
    ws = openpyxl.load_workbook(out)["Data"]
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=1, max_row=6, max_col=3)] == [
        ["Ref", "Note", None], ["A-1", "first", None], ["A-2", "changed", 7], ["A-3", "third", None],
        [None, None, None], ["A-5", None, None]]
    xml = zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml")
    assert xml.count(b"<!-- <row r='3'>") == 4 and b"<!-- a note -->" in xml  # the comments are kept
    assert check_file(out) == []


def test_the_reader_sees_cells_written_in_any_valid_shape(tmp_path):
    odd = _rewrite(_book(tmp_path / "plain.xlsx"), tmp_path / "odd.xlsx", _odd_sheet)
    assert tables.read_range(odd, "Data", "A1:B4") == [["Ref", "Note"], ["A-1", "first"], ["A-2", "second"],
                                                        ["A-3", "third"]]


def test_a_far_cell_behind_a_newline_never_reaches_the_reader(tmp_path, monkeypatch):
    """Finding 5: `<c\\nr="XFD2">` slipped past the filter that keeps far cells from the reader (a 90 KB
    file then cost 5 GB); here the far cell is near the top, so a slip costs a wide row, not memory."""
    def change(name, data):
        if name == "xl/worksheets/sheet1.xml":
            data = data.replace(b"</row>", b'<c\nr="XFD2" t="n"><v>1</v></c></row>', 1)
        return data
    far = _rewrite(_book(tmp_path / "plain.xlsx"), tmp_path / "far.xlsx", change)
    widths = []
    load = tables._load

    def spy(source, by_part, path):
        out = load(source, by_part, path)
        widths.extend(len(row) for rows in out.values() for row in rows)
        return out
    monkeypatch.setattr(tables, "_load", spy)
    assert tables.read_range(far, "Data", "A1:B4")[1] == ["A-1", "first"]
    assert max(widths) <= 2


def test_a_new_string_is_indexed_by_the_entries_not_by_the_count(tmp_path):
    """Finding 5: a shared-strings uniqueCount one short made a new note show another's text."""
    def change(name, data):
        if name == "xl/sharedStrings.xml":
            data = re.sub(rb'uniqueCount="(\d+)"', lambda m: b'uniqueCount="%d"' % (int(m.group(1)) - 2), data)
        return data
    short = _rewrite(_book(tmp_path / "plain.xlsx"), tmp_path / "short.xlsx", change)
    out = tmp_path / "out.xlsx"
    with Package(short) as package:
        package.sheet("Data").set(5, 2, "a brand new note")
        package.save(out)
    assert openpyxl.load_workbook(out)["Data"]["B5"].value == "a brand new note"
    sst = zipfile.ZipFile(out).read("xl/sharedStrings.xml")
    assert re.search(rb'uniqueCount="(\d+)"', sst).group(1) == str(sst.count(b"<si>")).encode()


def test_a_sheet_name_that_differs_only_in_case_is_refused(tmp_path):
    """Finding 7: Excel compares sheet names ignoring case; two such names make it repair the file."""
    book = _book(tmp_path / "plain.xlsx")
    with Package(book) as package:
        with pytest.raises(PackageError, match="'Data'.*same name as 'DATA'"):
            package.add_sheet("DATA", sheet_xml([["x"]], {}, [8]))
        assert package.sheet_named("other") == "Other" and not package.changed


def test_num_fmts_count_counts_its_own_entries_only(tmp_path):
    """Finding 7: after a format was added, <numFmts count> also counted number formats in dxfs."""
    path = tmp_path / "dxf.xlsx"
    with xlsxwriter.Workbook(path) as wb:
        ws = wb.add_worksheet("Data")
        ws.write_number(0, 0, 1, wb.add_format({"num_format": "0.000"}))
        ws.conditional_format("A1:A5", {"type": "cell", "criteria": ">", "value": 0,
                                        "format": wb.add_format({"num_format": "0.0000"})})
    assert b"<dxfs" in zipfile.ZipFile(path).read("xl/styles.xml")
    out = tmp_path / "out.xlsx"
    with Package(path) as package:
        package.add_sheet("New", sheet_xml([[1.5]], {(0, 0): package.styles.xf(num_fmt="0.00000")}, [8]))
        package.save(out)
    styles = ElementTree.fromstring(zipfile.ZipFile(out).read("xl/styles.xml"))
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    fmts = styles.find(ns + "numFmts")
    assert fmts.get("count") == str(len(fmts)) == "2"
    assert check_file(out) == []


def test_a_number_format_in_single_quotes_is_found_again(tmp_path):
    path = _rewrite(_book(tmp_path / "plain.xlsx"), tmp_path / "quoted.xlsx", lambda n, d: d)
    with Package(path) as package:
        code = 'dd/mm/yyyy "at" hh:mm'
        first = package.styles.num_fmt(code)
        package.styles.finish()
        package.save(tmp_path / "once.xlsx")
    with Package(tmp_path / "once.xlsx") as again:
        assert again.styles.num_fmt(code) == first and not again.styles.changed

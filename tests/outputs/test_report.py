"""`spso-xl report` on the demo tracker: the terminal table, the xlsx (dated, UK date format) and the csv
(cell text that a spreadsheet would run as a formula is neutralised). What it does with bad rows:
tests/tracker/test_check_report.py."""

import csv
import datetime as dt
import io

import openpyxl

from spso_xl.tracker import schema
from spso_xl.new import build_tracker
from spso_xl.cli import main
from spso_xl.tracker.sample import demo_rows
from tests.support.dates import AS_OF


def test_report_table_and_xlsx(demo_copy, tmp_path, capsys):
    path = demo_copy  # in tmp_path
    assert main(["report", str(path), "--as-of", "22/11/2026"]) == 0
    out = capsys.readouterr().out
    assert "SI-2026-009" in out and "OVERDUE" in out
    assert main(["report", str(path), "--as-of", "22/11/2026", "--format", "xlsx"]) == 0
    wb = openpyxl.load_workbook(tmp_path / "si_tracker report 2026-11-22.xlsx")
    ws = wb.active
    header = [c.value for c in ws[1]]
    assert set(schema.COMPUTED) <= set(header)
    due = ws.cell(2, header.index("Due") + 1)
    assert isinstance(due.value, dt.datetime) and due.number_format == "dd/mm/yyyy"


def test_hostile_text_is_neutralised_in_csv(tmp_path, capsys):
    rows = demo_rows(AS_OF)
    rows["Cases"][0] |= {"Description": '=HYPERLINK("http://x","click")', "Owner": "+cmd|' /C calc'!A0",
                         "Evidence": "@SUM(1)", "Ref": "-SI-1"}
    path = build_tracker(tmp_path / "si_tracker.xlsm", rows, as_of=AS_OF)
    main(["report", str(path), "--as-of", "22/11/2026", "--format", "csv"])
    rows_out = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    row = next(r for r in rows_out if r["Ref"] == "'-SI-1")
    assert row["Description"].startswith("'=HYPERLINK") and row["Owner"].startswith("'+cmd")
    assert row["Evidence"] == "'@SUM(1)"


def test_the_xlsx_report_prints_one_page_wide_with_the_status_colours(demo_tracker, tmp_path, libreoffice):
    """Issue 25: the XLSX report printed 6 pages for 6 cases, without the status colours."""
    import re
    import zipfile

    from spso_xl.cli import main
    from spso_xl.outputs.libreoffice import convert

    out = tmp_path / "r.xlsx"
    assert main(["report", str(demo_tracker), "--as-of", "22/11/2026", "--format", "xlsx", "--output", str(out)]) == 0
    sheet = zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml").decode()
    assert re.search(r'<pageSetup[^>]*fitToHeight="0"', sheet) and "<conditionalFormatting" in sheet
    assert '"OVERDUE"' in sheet and '"CHECK"' in sheet
    pdf = convert(out, "pdf", tmp_path / "pdf")[0]
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    assert pages <= 3, pages  # 24 cases, every column on one page width

"""Hostile and careless files (issue 17): nothing destroyed, nothing smuggled out, no code run,
no crash. One test per finding of the red-team pass, each reproducing it."""

import csv
import datetime as dt
import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from spso_xl.tracker import schema
from spso_xl.new import build_tracker
from spso_xl.cli import main
from spso_xl.outputs.report import report_frame
from spso_xl.tracker.sample import demo_rows
from spso_xl.tracker.read import read_tracker
from tests.support.dates import AS_OF
from tests.support.trackers import FIRST, copy_tracker
from tests.support.xlsx_parts import parts, set_raw_cells, sheet_parts


@pytest.fixture
def tracker(demo_tracker, tmp_path):
    """A private copy of the demo tracker alone (nothing beside it)."""
    return copy_tracker(demo_tracker, tmp_path)


def _column(header: str) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(schema.CASES.headers.index(header) + 1)


# --- outputs that can never be the tracker -------------------------------------------------------


@pytest.mark.parametrize("how", ["same", "symlink", "hardlink", "relative"])
@pytest.mark.parametrize("command", [["report", "--format", "csv"], ["report", "--format", "xlsx"], ["summary"]])
def test_an_output_that_is_the_tracker_is_refused(tracker, command, how, capsys, monkeypatch):
    before = tracker.read_bytes()
    output = tracker
    if how == "symlink":
        output = tracker.with_name("link.xlsm")
        output.symlink_to(tracker)
    elif how == "hardlink":
        output = tracker.with_name("hard.xlsm")
        os.link(tracker, output)
    elif how == "relative":
        monkeypatch.chdir(tracker.parent.parent)
        output = Path(tracker.parent.name) / "." / tracker.name
    code = main([command[0], str(tracker), *command[1:], "--as-of", "22/11/2026", "--output", str(output)])
    err = capsys.readouterr().err
    assert code != 0
    assert "is the tracker itself" in err and len(err.strip().splitlines()) == 1, err
    assert tracker.read_bytes() == before
    assert not (tracker.parent / "backups").exists()


# --- one reader that reports every unusable cell -------------------------------------------------


ERRORS = {"Date notified": "#DIV/0!", "Chasers": "#REF!", "Response received": "#N/A", "Level": "#VALUE!",
          "Description": "#NAME?", "Urgent": "#NULL!", "Organisation": "#NUM!",
          "Trigger": "#SPILL!", "Closed": "#CALC!"}  # the last two made calamine fail on the whole file


def test_error_values_are_reported_and_their_rows_flagged(tracker):
    """The red team's #DIV/0! in Date notified dropped a case out of --due; #N/A in Response
    received made another OVERDUE: an error is not a blank."""
    planted = {}
    for i, (header, error) in enumerate(ERRORS.items()):
        planted[(FIRST + i, header)] = error
    set_raw_cells(tracker, "Cases", {f"{_column(h)}{r}": ("e", e) for (r, h), e in planted.items()})
    t = read_tracker(tracker)
    found = {(p.row, p.column): p for p in t.problems if p.sheet == "Cases"}
    for key, error in planted.items():
        assert key in found, key
        assert error in found[key].message and "error" in found[key].message
    frame, to_check = report_frame(t, AS_OF)  # issue 25: the rows stay, flagged CHECK with the cell named
    assert set(to_check) >= {r for r, _ in planted}
    assert set(frame.loc[frame["Status"] == "CHECK", "Row"]) == set(to_check)
    assert len(frame) == len(demo_rows(AS_OF)["Cases"])


def test_check_names_an_error_value_with_its_address(tracker, capsys):
    set_raw_cells(tracker, "Cases", {f"{_column('Date notified')}{FIRST}": ("e", "#DIV/0!")})
    assert main(["check", str(tracker)]) == 1
    out = capsys.readouterr().out
    assert "#DIV/0!" in out and "Date notified" in out and str(FIRST) in out


def test_error_values_in_computed_columns_are_not_problems(tracker):
    """LibreOffice shows #NAME? in the computed columns (it has no SI_ functions): not the user's input."""
    set_raw_cells(tracker, "Cases", {f"{_column('Due')}{FIRST}": ("e", "#NAME?")})
    assert not [p for p in read_tracker(tracker).problems if p.sheet == "Cases"]


@pytest.mark.parametrize("value, words", [("31/12/9999", "check the year"), ("31/12/1849", "before 01/01/1900"),
                                          (dt.date(1850, 1, 1), "date"),  # xlsxwriter stores no pre-1900 date
                                          (dt.date(2999, 1, 1), "check the year")])
def test_out_of_range_dates_are_reported_and_every_good_row_computes(tmp_path, value, words, capsys):
    rows = demo_rows(AS_OF)
    rows["Cases"][0]["Date notified"] = value
    path = build_tracker(tmp_path / "si_tracker.xlsm", rows, as_of=AS_OF)
    t = read_tracker(path)
    bad = [p for p in t.problems if p.sheet == "Cases"]
    assert [(p.row, p.column) for p in bad] == [(FIRST, "Date notified")] and words in bad[0].message
    frame, to_check = report_frame(t, AS_OF)  # issue 25: the row stays, flagged CHECK
    assert to_check == [FIRST] and len(frame) == len(rows["Cases"])
    assert list(frame.loc[frame["Row"] == FIRST, "Status"]) == ["CHECK"]
    assert main(["report", str(path), "--as-of", "22/11/2026", "--format", "xlsx",
                 "--output", str(tmp_path / "r.xlsx")]) == 1
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx").active
    values = [c.value for row in ws.iter_rows() for c in row]
    assert not [v for v in values if isinstance(v, str) and v.startswith("#")]
    assert not [v for v in values if isinstance(v, dt.datetime) and v.year < 1900]
    capsys.readouterr()
    assert main(["letters", str(path), "--due", "--as-of", "22/11/2026"]) in (0, 1)
    assert "out of range" not in capsys.readouterr().err


def test_check_reports_a_date_of_9999_instead_of_failing(tmp_path, capsys):
    rows = demo_rows(AS_OF)
    rows["Cases"][2]["Date notified"] = dt.date(9999, 12, 31)
    path = build_tracker(tmp_path / "si_tracker.xlsm", rows, as_of=AS_OF)
    assert main(["check", str(path)]) == 1
    assert "9999" in capsys.readouterr().out


# --- only the tables' ranges are read ------------------------------------------------------------

_LIMITED = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))
from spso_xl.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("address", ["XFD1048576", "ZZ200000", "XFD5", "A1048576"])
def test_a_stray_value_far_from_the_tables_costs_nothing(tracker, address):
    """calamine reads a sheet as one dense grid: a value at XFD1048576 asked for 512 GB (SIGABRT),
    one at ZZ200000 took 14 s and 5.6 GB. The reader reads the tables' ranges only."""
    set_raw_cells(tracker, "Cases", {address: ("n", "1")})
    proc = subprocess.run([sys.executable, "-c", _LIMITED, "report", str(tracker), "--as-of", "22/11/2026",
                           "--format", "csv"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(list(csv.DictReader(io.StringIO(proc.stdout)))) == len(demo_rows(AS_OF)["Cases"])


def test_a_far_cell_hiding_behind_a_near_row_number_is_cut_too(tracker):
    """A cell's own address is what calamine places it by, whatever its row element says."""
    p = parts(tracker)
    part = sheet_parts(tracker)["Cases"]
    xml = p[part].decode().replace(f'<row r="{FIRST}"', f'<row r="{FIRST}"', 1)
    at = xml.index(f'<row r="{FIRST}"')
    at = xml.index(">", at) + 1
    p[part] = (xml[:at] + '<c r="B9999999" t="n"><v>1</v></c>' + xml[at:]).encode()
    with zipfile.ZipFile(tracker, "w") as z:
        for name, data in p.items():
            z.writestr(name, data)
    proc = subprocess.run([sys.executable, "-c", _LIMITED, "check", str(tracker)], capture_output=True, text=True,
                          timeout=120)
    assert "MemoryError" not in proc.stderr and "memory allocation" not in proc.stderr, proc.stderr[-2000:]


def test_rows_typed_just_below_a_table_are_still_read(tracker):
    last = FIRST + len(demo_rows(AS_OF)["Cases"]) - 1
    below = last + 3
    set_raw_cells(tracker, "Cases", {f"A{below}": ("inlineStr", "BELOW-1"), f"B{below}": ("inlineStr", "Fife Council"),
                                     f"{_column('Trigger')}{below}": ("inlineStr", "Information overdue")})
    t = read_tracker(tracker)
    assert "BELOW-1" in set(t.cases["Ref"])
    assert int(t.cases.loc[t.cases["Ref"] == "BELOW-1", "_row"].iloc[0]) == below


def test_values_far_below_a_table_are_reported_not_read(tracker):
    set_raw_cells(tracker, "Cases", {"A5000": ("inlineStr", "FAR-1")})
    t = read_tracker(tracker)
    assert "FAR-1" not in set(t.cases["Ref"])
    assert any(p.sheet == "Cases" and p.row == 5000 and "not read" in p.message for p in t.problems)


def test_the_reader_reads_the_table_wherever_its_sheet_is_named(tracker):
    """A renamed Letters sheet: the log is read from the table, where it is written."""
    wb = openpyxl.load_workbook(tracker, keep_vba=True)
    wb["Letters"].append([dt.datetime(2026, 11, 1), "SI-2026-001", 2, "x", "y", "z", None, "f.docx"])
    wb["Letters"].tables["Letters"].ref = "A1:H2"
    wb["Letters"].title = "Sent letters"
    wb.save(tracker)
    t = read_tracker(tracker)
    assert list(t.parsed["Letters"]["Ref"]) == ["SI-2026-001"]
    assert not [p for p in t.problems if p.sheet == "Letters"]


# --- limits on what a file may make the reader allocate ------------------------------------------


def test_huge_shared_strings_are_refused_with_one_line(tracker, capsys, monkeypatch):
    """2.2 MB of zip holding 2 GB of shared strings needed 6.3 GB to run `letters`."""
    from spso_xl.xlsx import tables as xlsx_cells

    monkeypatch.setitem(xlsx_cells.LIMITS, "shared strings", 1 << 20)
    p = parts(tracker)
    sst = p["xl/sharedStrings.xml"].decode()
    p["xl/sharedStrings.xml"] = sst.replace("</sst>", "<si><t>" + "x" * (2 << 20) + "</t></si></sst>").encode()
    with zipfile.ZipFile(tracker, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in p.items():
            z.writestr(name, data)
    assert tracker.stat().st_size < 1 << 20
    for command in (["check"], ["letters", "--due"], ["report"], ["summary", "--no-sheet"]):
        assert main([command[0], str(tracker), *command[1:]]) == 2
        err = capsys.readouterr().err.strip()
        assert "shared strings" in err and len(err.splitlines()) == 1, err


def test_a_zip_bomb_part_is_refused(tracker, capsys):
    p = parts(tracker)
    p["xl/media/bomb.bin"] = b"\0" * (64 << 20)
    with zipfile.ZipFile(tracker, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in p.items():
            z.writestr(name, data)
    assert main(["check", str(tracker)]) == 2
    assert "zip bomb" in capsys.readouterr().err


def test_a_cell_longer_than_excel_allows_is_reported(tracker):
    set_raw_cells(tracker, "Cases", {f"{_column('Description')}{FIRST}": ("inlineStr", "y" * 40_000)})
    t = read_tracker(tracker)
    assert any(p.row == FIRST and p.column == "Description" and "a cell holds 32,767" in p.message
               for p in t.problems)


def test_an_error_and_an_over_long_text_on_one_row_are_both_reported(tracker):
    """Found by test_fuzz_tracker: #DIV/0! in Chasers beside 32,768 characters in Respond by. A bad
    cell flags its case; it never hides another: each is reported at its own address."""
    set_raw_cells(tracker, "Cases", {f"{_column('Chasers')}{FIRST}": ("e", "#DIV/0!"),
                                     f"{_column('Respond by')}{FIRST}": ("inlineStr", "z" * 32_768)})
    found = {(p.row, p.column): p.message for p in read_tracker(tracker).problems if p.sheet == "Cases"}
    assert "#DIV/0!" in found.get((FIRST, "Chasers"), ""), found
    assert "a cell holds 32,767" in found.get((FIRST, "Respond by"), ""), found


def test_planting_a_cell_over_an_empty_styled_one_keeps_its_neighbours(tracker):
    """The helper the hostile tests plant with: replacing a self-closing cell (`<c r="L4" s="5"/>`, an
    empty formatted cell) must remove that cell alone, not everything up to the next `</c>`."""
    chasers, respond_by = f"{_column('Chasers')}{FIRST}", f"{_column('Respond by')}{FIRST}"
    xml = parts(tracker)[sheet_parts(tracker)["Cases"]].decode()
    assert re.search(f'<c r="{respond_by}"[^>]*/>', xml)  # the case this test is about
    before = re.findall(rf'<c r="([A-Z]+){FIRST}"', xml)
    set_raw_cells(tracker, "Cases", {chasers: ("e", "#DIV/0!"), respond_by: ("inlineStr", "z")})
    xml = parts(tracker)[sheet_parts(tracker)["Cases"]].decode()
    assert f'<c r="{chasers}" t="e"><v>#DIV/0!</v></c>' in xml
    assert f'<c r="{respond_by}" t="inlineStr"><is><t>z</t></is></c>' in xml
    assert re.findall(rf'<c r="([A-Z]+){FIRST}"', xml) == sorted({*before, _column("Chasers")},
                                                                 key=lambda c: (len(c), c))


# --- a tracker that cannot be read is a failure, not a success -----------------------------------


def _without_cases(path: Path, how: str) -> None:
    wb = openpyxl.load_workbook(path, keep_vba=True)
    if how == "no Cases sheet":
        wb["Cases"].tables.pop("Cases")
        wb["Cases"].title = "Old cases"
    else:
        wb["Cases"].cell(schema.CASES_HEADER_ROW, 1).value = "Reff"
        wb["Cases"].tables["Cases"].tableColumns[0].name = "Reff"
    wb.save(path)


@pytest.mark.parametrize("how", ["no Cases sheet", "Ref misspelt"])
@pytest.mark.parametrize("command", [["letters", "--due"], ["summary"], ["report"]])
def test_a_tracker_without_cases_fails_with_one_line(tracker, how, command, capsys):
    _without_cases(tracker, how)
    code = main([command[0], str(tracker), *command[1:], "--as-of", "22/11/2026"])
    err = capsys.readouterr().err.strip()
    assert code != 0, err
    assert "Cases" in err and "nothing was done" in err and len(err.splitlines()) == 1, err


# --- one neutraliser for every text that leaves as a cell ---------------------------------------

LEADS = ["=1+1", "+1", "-1", "@SUM(1)", " =1+1", "\t=1+1", "\r=1+1", "\n=1+1", "\x01=1+1", "\u00a0=1+1",
         "\u3000=1+1", "+cmd|' /C calc'!A0 Council"]


@pytest.mark.parametrize("text", LEADS)
def test_the_neutraliser_defuses_every_formula_lead(text):
    from spso_xl.outputs.cell_text import neutralise

    out = neutralise(text)
    assert out.startswith("'")
    assert "\r" not in out and "\t" not in out and "\x01" not in out


def test_the_neutraliser_leaves_plain_text_and_values_alone():
    from spso_xl.outputs.cell_text import neutralise

    for v in ("Fife Council", "SI-2026-001", "Multi\nline", 3, 2.5, None, dt.date(2026, 1, 1), True):
        assert neutralise(v) == v
    assert neutralise("a\r\nb\rc") == "a\nb\nc"
    assert neutralise("=1", parsed=False) == "=1"


def test_csv_has_no_bare_carriage_return_and_defuses_user_headers(tmp_path, capsys):
    rows = demo_rows(AS_OF)
    rows["Cases"][0] |= {"Ref": "INJ-5 \r=2+2", "Description": "tab\t=1+1"}
    path = build_tracker(tmp_path / "si_tracker.xlsm", rows, as_of=AS_OF)
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws, table = wb["Cases"], wb["Cases"].tables["Cases"]
    ws.cell(schema.CASES_HEADER_ROW, 28).value = '=HYPERLINK("http://x","y")'
    ws.cell(schema.CASES_HEADER_ROW, 28).data_type = "s"
    ws.cell(FIRST, 28).value = "-x"
    ws.cell(FIRST, 28).data_type = "s"
    from openpyxl.worksheet.table import TableColumn

    table.tableColumns.append(TableColumn(id=28, name='=HYPERLINK("http://x","y")'))
    table.ref = table.ref.replace("AA", "AB")
    table.autoFilter.ref = table.ref
    wb.save(path)
    capsys.readouterr()
    main(["report", str(path), "--as-of", "22/11/2026", "--format", "csv"])
    out = capsys.readouterr().out
    assert "\r" not in out.replace("\r\n", "")
    records = list(csv.reader(io.StringIO(out)))
    assert all(len(r) == len(records[0]) for r in records)
    assert "'=HYPERLINK(\"http://x\",\"y\")" in records[0]
    assert not [v for r in records for v in r if v.lstrip()[:1] in {"=", "+", "-", "@"} and v[:1] != "'"]


# --- letter templates cannot run code ------------------------------------------------------------


def test_a_template_cannot_reach_python(tmp_path):
    from docx import Document

    from spso_xl.letters.plan import LetterPlan
    from spso_xl.errors import TemplateProblem
    from spso_xl.letters.templates import render_bytes, template_name

    doc = Document()
    doc.add_paragraph("{{ cycler.__init__.__globals__.os.popen('touch " + str(tmp_path / "pwned") + "').read() }}")
    doc.add_paragraph("{{ ref.__class__.__mro__[1].__subclasses__() }}")
    templates = tmp_path / "templates"
    templates.mkdir()
    name = template_name("SWF", 2)
    doc.save(templates / name)
    plan = LetterPlan("SI-1", 5, 2, name, AS_OF, AS_OF, "SI-1 L2", {"ref": "SI-1", "function": "SWF"})
    with pytest.raises(TemplateProblem):
        render_bytes(plan, templates)
    assert not (tmp_path / "pwned").exists()


def test_templates_still_autoescape():
    from spso_xl.letters.templates import _env

    env = _env()
    assert env.from_string("{{ x }}").render(x="<b>&") == "&lt;b&gt;&amp;"


# --- file names -----------------------------------------------------------------------------------


def test_a_letter_file_name_keeps_the_ref_level_and_date():
    from spso_xl.letters.files import letter_stem

    assert letter_stem("..", 2, AS_OF).startswith("__~") and letter_stem("..", 2, AS_OF).endswith(" L2 2026-11-22")
    assert letter_stem("../../etc/passwd", 3, AS_OF).endswith("L3 2026-11-22")
    long = letter_stem("R" * 300, 4, AS_OF)
    assert long.endswith(" L4 2026-11-22") and len(long) <= 85 and long.startswith("RRR")


def test_a_lock_file_in_another_letter_case_is_found(tmp_path):
    from spso_xl.safewrite import lock_files

    path = tmp_path / "SI_Tracker.xlsm"
    path.write_bytes(b"x")
    (tmp_path / "~$si_tracker.XLSM").write_bytes(b"x")
    assert [p.name for p in lock_files(path)] == ["~$si_tracker.XLSM"]


# --- control characters -------------------------------------------------------------------------


def test_control_characters_in_an_organisation_name_are_reported(tmp_path, capsys):
    """`check` passed, `letters` said "no row": now `check` names the cell."""
    rows = demo_rows(AS_OF)
    name = rows["Cases"][0]["Organisation"]
    rows["Cases"][0]["Organisation"] = name.replace(" ", "\x01 ", 1)
    rows["Organisations"] = [r | ({"Organisation": rows["Cases"][0]["Organisation"]} if r["Organisation"] == name
                                 else {}) for r in rows["Organisations"]]
    path = build_tracker(tmp_path / "si_tracker.xlsm", rows, as_of=AS_OF)
    t = read_tracker(path)
    assert any(p.sheet == "Cases" and p.row == FIRST and p.column == "Organisation" and "U+0001" in p.message
               for p in t.problems)
    assert any(p.sheet == "Organisations" and p.column == "Organisation" and "U+0001" in p.message
               for p in t.problems)


# --- the buttons' writes through Excel ------------------------------------------------------------


def test_the_buttons_write_refs_and_organisations_as_text(tmp_path, monkeypatch):
    """*Record chaser* sent a Ref '@SUM(1)' unprefixed; *Build summary* wrote organisation names
    such as "+cmd|' /C calc'!A0 Council" and "\\t=1+1 Council" that Excel reads as formulas; a '$'
    in a name broke the PNG charts after half the sheet was written."""
    from tests.support.clicks import click

    rows = demo_rows(AS_OF)
    hostile = {"Dumfries and Galloway Council": "+cmd|' /C calc'!A0 Council", "Fife Council": "\t=1+1 Council",
               "Highland Council": "$x^2$ Council"}
    for sheet in ("Organisations", "Cases", "Findings"):
        for r in rows[sheet]:
            r["Organisation"] = hostile.get(r["Organisation"], r["Organisation"])
    rows["Cases"][0]["Ref"] = "@SUM(1)"
    path = build_tracker(tmp_path / "si_tracker.xlsm", rows, as_of=AS_OF)
    monkeypatch.chdir(tmp_path)

    def texts(actions):
        return [v for a in actions if a["func"] == "setValues" for row in a["values"] for v in row
                if isinstance(v, str)]

    def live(values):
        return [v for v in values if v.lstrip()[:1] in {"=", "+", "-", "@"} and not v.startswith("'")]

    chaser = click(path, "Record chaser", today=AS_OF, active="Cases", selection=f"A{FIRST}")
    assert "'@SUM(1)" in texts(chaser) and not live(texts(chaser))
    summary = click(path, today=AS_OF, active="Summary", selection="B3")
    alert = [a["args"] for a in summary if a["func"] == "alert"][0]
    assert alert[3] == "info", alert
    values = texts(summary)
    assert not live(values)
    assert any(v.startswith("'") and "cmd|" in v for v in values)
    assert any("$x^2$ Council" in v for v in values)


def test_chart_text_is_never_mathtext_or_tex(demo_tracker, tmp_path):
    import matplotlib

    from spso_xl.summary.figures import build_summary
    from spso_xl.summary.pictures import chart_pngs

    s = build_summary(read_tracker(demo_tracker), None, AS_OF)
    f = s.tables["funnel"].frame
    f["Organisation"] = "Bad $^$ Council"
    f["Funnel"] = "Abnormally high"
    lv = s.tables["levels_by_month"].frame
    lv.iloc[:, 0] = "$\\frac$"
    with matplotlib.rc_context({"text.usetex": True}):  # a user's matplotlibrc
        pngs = chart_pngs(s, tmp_path / "png")
    assert len(pngs) == len(s.charts) and all(p.stat().st_size > 1000 for p in pngs)


# --- the letters folder from a Settings cell ------------------------------------------------------


def _with_letters_folder(tmp_path, folder: str) -> Path:
    rows = demo_rows(AS_OF)
    for r in rows["Settings"]:
        if r["Setting"] == "Letters folder":
            r["Value"] = folder
    (tmp_path / "team").mkdir()
    return build_tracker(tmp_path / "team" / "si_tracker.xlsm", rows, as_of=AS_OF)


def test_a_letters_folder_outside_the_tracker_that_does_not_exist_is_refused(tmp_path, capsys):
    path = _with_letters_folder(tmp_path, "../elsewhere/letters")
    before = path.read_bytes()
    assert main(["letters", str(path), "--due", "--as-of", "22/11/2026"]) == 2
    err = capsys.readouterr().err.strip()
    assert "outside the tracker's folder" in err and "create it first" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "elsewhere").exists() and path.read_bytes() == before


def test_a_letters_folder_outside_the_tracker_is_used_once_it_exists(tmp_path, capsys):
    path = _with_letters_folder(tmp_path, str(tmp_path / "shared letters"))
    (tmp_path / "shared letters").mkdir()
    main(["letters", str(path), "--due", "--as-of", "22/11/2026"])
    out = capsys.readouterr().out
    assert list((tmp_path / "shared letters").glob("*.docx"))
    assert str(tmp_path / "shared letters") in out  # the user is told where the letters went


def test_a_letters_folder_inside_the_tracker_is_created(tmp_path, capsys):
    path = _with_letters_folder(tmp_path, "out/S&I letters")
    main(["letters", str(path), "--due", "--as-of", "22/11/2026"])
    assert list((tmp_path / "team" / "out" / "S&I letters").glob("*.docx"))


def test_the_buttons_see_error_values_as_errors_not_blanks(tracker):
    """Through Excel (xlwings) too: #N/A in Response received must not read as 'no response'."""
    from tests.support.clicks import click

    set_raw_cells(tracker, "Cases", {f"{_column('Response received')}{FIRST}": ("e", "#N/A")})
    actions = click(tracker, "Record escalation", today=AS_OF, selection=f"A{FIRST}")
    [alert] = [a["args"] for a in actions if a["func"] == "alert"]
    assert alert[3] == "critical" and "#N/A" in alert[0] and "Response received" in alert[0]


@pytest.mark.parametrize("sheet, command", [
    ("Settings", ["chase", "--ref", "SI-2026-001", "--as-of", "22/11/2026"]),
    ("Settings", ["escalate", "--ref", "SI-2026-005", "--as-of", "22/11/2026"]),  # 001 stays at level 1 then
    ("xlwings.conf", ["doctor"]),
])
def test_a_far_cell_on_settings_or_xlwings_conf_stops_no_command(tracker, sheet, command):
    """Issue 21: `check` read such a tracker through the safe reader, but the write path's Settings
    (for pruning backups) and doctor's xlwings.conf were read with calamine directly: 'memory
    allocation of 549755813888 bytes failed', exit 134, after the chaser had been written. Every
    read now goes through the one safe reader, so the command finishes as on any tracker."""
    set_raw_cells(tracker, sheet, {"XFD1048576": ("n", "1")})
    proc = subprocess.run([sys.executable, "-c", _LIMITED, command[0], str(tracker), *command[1:]],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr[-2000:]  # doctor exits 1 for a machine with no Excel
    assert "memory allocation" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    if command[0] != "doctor":
        assert proc.returncode == 0 and "logged" in proc.stdout, proc.stdout + proc.stderr


def test_the_write_path_reads_the_settings_past_a_far_cell(tracker):
    """Pruning backups takes the tracker's own Settings (read_settings, through the safe reader),
    not the defaults, when a stray cell sits at the sheet's far corner; a bad row is left out."""
    from spso_xl.tracker.read import read_settings

    ws = openpyxl.load_workbook(tracker, read_only=True)["Settings"]
    rows = {r[0]: i for i, r in enumerate(ws.iter_rows(values_only=True), start=1) if r and r[0]}
    set_raw_cells(tracker, "Settings", {f"B{rows['Backups kept']}": ("n", "7"),
                                        f"B{rows['Backup days kept']}": ("inlineStr", "many"),
                                        "XFD1048576": ("n", "1")})
    settings = read_settings(tracker)
    assert (settings.backups_kept, settings.backup_days) == (7, 30)
    assert settings == read_tracker(tracker).settings


# --- issue 25: an output's default name that is a link ---------------------------------------------


@pytest.mark.parametrize("target", ["tracker", "elsewhere"])
def test_a_default_report_name_that_is_a_link_is_refused(tracker, target, capsys):
    """`report --format xlsx` without --output wrote its default name through a symlink to the tracker."""
    other = tracker.with_name("notes.txt")
    other.write_text("mine")
    link = tracker.with_name(f"{tracker.stem} report 2026-11-22.xlsx")
    link.symlink_to(tracker if target == "tracker" else other)
    before = tracker.read_bytes()
    assert main(["report", str(tracker), "--format", "xlsx", "--as-of", "22/11/2026"]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and ("is the tracker itself" if target == "tracker" else "is a link") in err
    assert tracker.read_bytes() == before and other.read_text() == "mine" and link.is_symlink()

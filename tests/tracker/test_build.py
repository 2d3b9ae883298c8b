"""The built tracker, checked from the file itself (and by LibreOffice)."""

import csv
import datetime as dt
import re

import openpyxl
import pytest
from oletools.olevba import VBA_Parser

from spso_xl.tracker import schema
from spso_xl.new import build_tracker
from spso_xl.tracker.build import ENTRY_MODULE
from spso_xl.tracker.councils import COUNCILS, NHS_BOARDS
from spso_xl.outputs.libreoffice import CSV_ALL_SHEETS, convert
from spso_xl.policy.settings import SPECS
from tests.support import xlsx_parts as xp
from tests.support.paths import ROOT


@pytest.fixture(scope="module")
def wb(built_tracker):
    return openpyxl.load_workbook(built_tracker, keep_vba=True)


def test_every_sheet_table_and_header_of_the_contract(wb):
    for name, sheet in schema.SHEETS.items():
        ws = wb[name]
        assert name in ws.tables, f"{name} has no table named {name}"
        table = ws.tables[name]
        assert [c.name for c in table.tableColumns] == list(sheet.headers)
    assert {"Instructions", "Summary", "xlwings.conf"} <= set(wb.sheetnames)
    assert wb["Cases"].tables["Cases"].ref.startswith(f"A{schema.CASES_HEADER_ROW}:")


def test_computed_columns_pick_their_cell_from_the_calc_spill(wb):
    table = wb["Cases"].tables["Cases"]
    formulas = {c.name: c.calculatedColumnFormula.attr_text for c in table.tableColumns if c.calculatedColumnFormula}
    assert set(formulas) == set(schema.COMPUTED)
    assert formulas["Recommended level"] == \
        "INDEX(_xlfn.ANCHORARRAY(Calc!$A$2),ROW()-ROW(Cases[[#Headers],[Ref]]),4)"
    calc = wb[schema.CALC_SHEET]
    assert calc.sheet_state == "hidden" and [c.value for c in calc[1][:6]] == list(schema.COMPUTED)
    assert calc["A2"].value.text == "=SI_CASES(Cases[[#All],[Ref]:[Closed]],,Closures,Settings[])"


def test_dropdowns_fed_from_the_core_vocabularies(wb, built_tracker):
    ws = wb["Cases"]
    sources = {next(iter(dv.sqref.ranges)).min_col: dv.formula1 for dv in ws.data_validations.dataValidation}
    col = {h: i + 1 for i, h in enumerate(schema.CASES.headers)}
    assert sources[col["Trigger"]] == "TriggerList"
    assert sources[col["Organisation"]] == "OrganisationList"
    assert sources[col["Level"]] == "LevelList"
    assert sources[col["Urgent"]] == "YesNoList"
    names = xp.defined_names(built_tracker)
    assert names["OrganisationList"] == "Organisations[Organisation]"
    assert names["Closures"] == "Holidays[[Date]:[Kind]]"
    lists = wb["Lists"]
    trig_col = next(c for c in lists[1] if c.value == "Trigger").column
    assert [lists.cell(r, trig_col).value for r in range(2, 15)] == list(schema.LISTS["Trigger"])
    assert lists.sheet_state == "hidden"


def test_prefilled_councils_holidays_and_settings(wb):
    rows = [r[:2] for r in wb["Organisations"].iter_rows(min_row=2, values_only=True)]
    orgs, sectors = [r[0] for r in rows], dict(rows)
    assert orgs == list(COUNCILS) + list(NHS_BOARDS) and "Comhairle nan Eilean Siar" in orgs
    # DESIGN §3: the 32 councils ('Local authority') and the NHS boards, territorial and special ('NHS')
    assert len(COUNCILS) == 32 and {sectors[c] for c in COUNCILS} == {"Local authority"}
    assert {sectors[b] for b in NHS_BOARDS} == {"NHS"}
    territorial = {"NHS Ayrshire and Arran", "NHS Borders", "NHS Dumfries and Galloway", "NHS Fife", "NHS Forth Valley",
                   "NHS Grampian", "NHS Greater Glasgow and Clyde", "NHS Highland", "NHS Lanarkshire", "NHS Lothian",
                   "NHS Orkney", "NHS Shetland", "NHS Tayside", "NHS Western Isles"}
    special = {"NHS 24", "NHS Education for Scotland", "NHS National Services Scotland", "Healthcare Improvement Scotland",
               "Public Health Scotland", "Scottish Ambulance Service", "The State Hospitals Board for Scotland",
               "NHS Golden Jubilee"}
    assert set(NHS_BOARDS) == territorial | special
    hol = list(wb["Holidays"].iter_rows(min_row=2, values_only=True))
    assert (dt.datetime(2026, 11, 30), "Saint Andrew's Day", "Bank holiday") in hol
    assert {r[0].year for r in hol} == {2025, 2026, 2027, 2028}
    settings = {r[0]: r[1] for r in wb["Settings"].iter_rows(min_row=2, values_only=True)}
    assert list(settings) == [s.key for s in SPECS] and settings["Response working days"] == 10


def test_formats_frozen_headers_and_conditional_formats(wb, built_tracker):
    ws = wb["Cases"]
    assert ws.freeze_panes == f"B{schema.CASES_HEADER_ROW + 1}"
    rules = [r.formula[0] for cf in ws.conditional_formatting for r in cf.rules]
    status = openpyxl.utils.get_column_letter(schema.CASES.headers.index("Status") + 1)
    assert any(f'${status}' in f and '"OVERDUE"' in f for f in rules)
    assert any('"DUE SOON"' in f and '"DUE TODAY"' in f for f in rules)
    due_col = schema.CASES.headers.index("Date notified") + 1
    assert ws.cell(schema.CASES_HEADER_ROW + 1, due_col).number_format == "dd/mm/yyyy"
    fills = {c.value: c.fill.fgColor.rgb for c in ws[schema.CASES_HEADER_ROW]}
    assert fills["Ref"] != fills["Due"]  # inputs look different from computed columns


def test_xlwings_conf_vba_and_buttons(wb, built_tracker):
    conf = {r[0]: r[1] for r in wb["xlwings.conf"].iter_rows(values_only=True)}
    udf_module = __import__(conf["UDF Modules"])  # what Import Functions will import
    assert {n for n in dir(udf_module) if n.startswith("SI_")} == set(udf_module.__all__) and udf_module.__all__
    keys = [r[0] for r in wb["xlwings.conf"].iter_rows(values_only=True)]
    assert None not in keys  # xlwings reads the keys down from A1 until the first blank
    macros = {vba_file: code for _, _, vba_file, code in VBA_Parser(str(built_tracker)).extract_macros()}
    module1 = next(code for code in macros.values() if "Sub SampleCall" in code)
    assert 'RunPython "import " & mymodule & ";" & mymodule & ".main()"' in module1
    assert xp.buttons(built_tracker) == [("Build summary", "[0]!SampleCall"), ("Run action", "[0]!SampleCall")]
    entry = built_tracker.with_suffix(".py")
    assert entry.read_text() == ENTRY_MODULE
    namespace = {}
    exec(compile(entry.read_text(), str(entry), "exec"), namespace)  # the module imports: main exists
    assert callable(namespace["main"])


def test_building_twice_gives_the_same_content(tmp_path):
    a = build_tracker(tmp_path / "a" / "si_tracker.xlsm", as_of=dt.date(2026, 11, 22))
    b = build_tracker(tmp_path / "b" / "si_tracker.xlsm", as_of=dt.date(2026, 11, 22))
    assert xp.parts(a) == xp.parts(b)


def test_the_repo_entry_module_is_what_the_builder_writes():
    assert (ROOT / "workbook" / "si_tracker.py").read_text() == ENTRY_MODULE


@pytest.mark.parametrize("name", ["si-tracker.xlsm", "tracker.xlsx"])
def test_names_xlwings_cannot_import_are_refused(tmp_path, name):
    with pytest.raises(ValueError, match="xlsm|identifier"):
        build_tracker(tmp_path / name)


@pytest.mark.libreoffice
def test_libreoffice_opens_the_tracker(built_tracker, tmp_path, libreoffice):
    out = {p.stem.split("-", 1)[-1]: p for p in convert(built_tracker, CSV_ALL_SHEETS, tmp_path)}
    assert {"Cases", "Organisations", "Holidays", "Settings"} <= set(out)
    with open(out["Organisations"], newline="") as f:
        assert next(csv.reader(f))[:3] == ["Organisation", "Sector", "Recipient name"]


def test_an_editable_copy_of_the_letter_templates_goes_beside_the_tracker(tmp_path):
    path = build_tracker(tmp_path / "si_tracker.xlsm", as_of=dt.date(2026, 11, 22))
    copies = sorted(p.name for p in (tmp_path / "templates").iterdir())
    assert copies == ["README.md"] + sorted([f"policy-level{n}.docx" for n in range(1, 6)] + [
        f"swf-level{n}.docx" for n in range(1, 7)] + ["policy-level1-chaser.docx", "swf-level1-chaser.docx"])
    edited = tmp_path / "templates" / "swf-level3.docx"
    edited.write_bytes(b"a manager's edit")
    build_tracker(path.with_name("other.xlsm"), as_of=dt.date(2026, 11, 22))
    assert edited.read_bytes() == b"a manager's edit"  # never replaced

    from spso_xl.letters.templates import TEMPLATES, templates_for

    assert templates_for(tmp_path) == tmp_path / "templates"
    assert templates_for(tmp_path / "elsewhere") == TEMPLATES


def test_array_calculated_columns_are_marked_array_as_excel_marks_them(built_tracker):
    """Excel marks a table column whose cells hold array formulas `calculatedColumnFormula array="1"`
    (XlsxWriter omits it): the computed Cases columns are dynamic-array picks from the Calc spill, so
    a row Excel adds to the table must get an array formula, not a plain copy."""
    import zipfile

    with zipfile.ZipFile(built_tracker) as z:
        tables = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/tables/")]
    formulas = [(m.group(1), m.group(2)) for t in tables
                for m in re.finditer(r"<calculatedColumnFormula([^>]*)>([^<]*)</", t)]
    assert len(formulas) == len(schema.COMPUTED)
    for attrs, text in formulas:
        assert ("_xlfn.ANCHORARRAY(" in text) == (attrs == ' array="1"'), (attrs, text)

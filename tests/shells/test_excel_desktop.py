"""Desktop Excel's first contact with the tracker, checked from the file and with xlwings' own code.

Nothing here runs Excel: each check reads the built file's XML (or runs the part of
xlwings that Excel would run) against a rule Excel or xlwings applies on opening the
file, importing the functions, or recalculating.
"""

import datetime as dt
import importlib
import importlib.util
import io
import re
import sys
import types

import pytest
from oletools.olevba import VBA_Parser
from xlwings.server import custom_functions_meta

import udfs
from spso_xl.tracker import schema
from spso_xl.new import build_tracker
from spso_xl.tracker.build import XLWINGS_CONF
from spso_xl.outputs.libreoffice import CSV_ALL_SHEETS, convert
from spso_xl.tracker.sample import bulk_rows, demo_rows
from tests.support import xlsx_parts as xp
from tests.support.dates import AS_OF
from tests.support.trackers import copy_tracker
from tests.support.workbook_formulas import VOLATILE, Workbook

# VBA reserved identifiers, from the VBA language specification [MS-VBAL] §3.3.5.2 "Reserved
# Identifiers and IDENTIFIER" (statement keywords, marker keywords, operator identifiers, reserved
# names, special forms, reserved type identifiers, literal identifiers, Rem, implementation-reserved
# and future-reserved), plus Step and Property (keywords of For and Property statements, DESIGN §8),
# plus the identifiers xlwings' generated wrapper itself uses, which a parameter must not shadow.
VBA_RESERVED = frozenset(w.lower() for w in """
    Call Case Close Const Declare DefBool DefByte DefCur DefDate DefDbl DefInt DefLng DefLngLng DefLngPtr DefObj
    DefSng DefStr DefVar Dim Do Else ElseIf End EndIf Enum Erase Event Exit For Friend Function Get Global GoSub
    GoTo If Implements Input Let Lock Loop LSet Next On Open Option Print Private Public Put RaiseEvent ReDim
    Resume Return RSet Seek Select Set Static Stop Sub Type Unlock Wend While With Write
    Any As ByRef ByVal Each In New Shared Until WithEvents Optional ParamArray Preserve Spc Tab Then To
    AddressOf And Eqv Imp Is Like Mod Not Or TypeOf Xor
    Abs CBool CByte CCur CDate CDbl CDec CInt CLng CLngLng CLngPtr CSng CStr CVar CVErr Date Debug DoEvents Fix Int
    Len LenB Me PSet Scale Sgn String Array Circle InputB LBound UBound
    Boolean Byte Currency Double Integer Long LongLong LongPtr Single Variant
    True False Nothing Empty Null Rem Attribute LineInput CDecl Decimal DefDec
    Step Property
    Application ThisWorkbook ActiveWorkbook XLPy Err failed argsArray k
""".split())
VBA_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,254}$")


@pytest.fixture(scope="module")
def demo_formulas(demo_tracker):
    return Workbook(demo_tracker)


# --- Excel opens the file without repairing it ---------------------------------------------------


def test_every_sheet_has_a_unique_valid_codename_matching_the_vba_project(demo_tracker):
    parts = xp.parts(demo_tracker)
    assert re.search(r'<workbookPr [^>]*codeName="ThisWorkbook"', parts["xl/workbook.xml"].decode())
    names = {}
    for sheet, part in xp.sheet_parts(demo_tracker).items():
        found = re.search(r'<sheetPr [^>]*codeName="([^"]+)"', parts[part].decode())
        assert found, f"{sheet} has no codeName"
        names[sheet] = found.group(1)
    assert len(set(n.lower() for n in names.values())) == len(names), names  # VBA names are case-insensitive
    for name in names.values():
        assert VBA_IDENTIFIER.match(name) and len(name) <= 31 and name.lower() not in VBA_RESERVED
    # the document modules of the VBA project copied from xlwings' quickstart.xlsm each belong to a sheet
    documents = {m.removesuffix(".cls") for _, _, m, _ in VBA_Parser(str(demo_tracker)).extract_macros()
                 if m.endswith(".cls")}
    assert "ThisWorkbook" in documents and documents - {"ThisWorkbook"} <= set(names.values())
    assert names["Cases"] == "Sheet1" and names["xlwings.conf"] == "Sheet2"  # as in quickstart.xlsm


def test_no_formula_names_a_table_without_brackets_and_every_name_exists(demo_formulas):
    wb = demo_formulas
    seen = 0
    for where, formula, host in wb.all_formulas():
        for ref in wb.references(formula, host):
            seen += 1
            assert ref.kind != "bare-table", f"{where}: {formula} passes the table {ref.text} without brackets"
            assert ref.kind != "unknown", f"{where}: {formula} uses {ref.text}, which is no Name, table or range"
            assert ref.rects, f"{where}: {ref.text} refers to nothing"
    assert seen > 100
    uses = " ".join(f for _, f, _ in wb.all_formulas())
    assert "Settings[]" in uses and schema.CLOSURES_NAME in wb.names


def test_the_reference_checker_catches_a_bare_table_name(demo_formulas):
    """Excel stores `Settings` (not `Settings[]`) as an unknown Name: #NAME?, which the UDFs took as blank."""
    refs = demo_formulas.references("SI_STATUS(Cases[[#This Row],[Due]],TODAY(),Settings)", ("Cases", 4, 23))
    assert [r.kind for r in refs] == ["table", "bare-table"]
    assert demo_formulas.references("SI_X(NoSuchName)")[0].kind == "unknown"


def test_xlwings_conf_holds_only_keys_with_a_value(demo_tracker):
    """A key on the sheet overrides the xlwings ribbon even when blank (quickstart.xlsm: 'If you
    delete a row from here, it will fall back to ...'), so blank keys must not be written."""
    import openpyxl

    ws = openpyxl.load_workbook(demo_tracker)["xlwings.conf"]
    rows = [(r[0], r[1]) for r in ws.iter_rows(min_col=1, max_col=2, values_only=True)]
    assert rows == [(k, v) for k, v in XLWINGS_CONF] and all(v not in (None, "") for _, v in rows)
    assert dict(rows)["UDF Modules"] == "udfs"


@pytest.mark.libreoffice
def test_libreoffice_loads_the_tracker_whole(demo_tracker, tmp_path, libreoffice):
    """LibreOffice as a second reader: every sheet comes out, with the table contents in place.

    It ASSERTS what LibreOffice 7.4 does with the computed columns today: it recalculates every
    array formula on opening (the Calc spill, and the INDEX picks that depend on it), and the SI_
    functions do not exist there, so they show #NAME? whatever values the file stores (the
    Instructions sheet and README say so). The day this fails, LibreOffice keeps cached array
    results: tell people the tracker reads in LibreOffice."""
    import csv

    out = {p.stem.split("-", 1)[-1]: p for p in convert(demo_tracker, CSV_ALL_SHEETS, tmp_path / "csv")}
    assert set(out) == set(xp.sheet_parts(demo_tracker))
    with open(out["Cases"], newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))[schema.CASES_HEADER_ROW - 1:]
    header, cases = rows[0], [r for r in rows[1:] if r and r[0].startswith("SI-2026-")]
    assert header[:3] == ["Ref", "Organisation", "Function"] and len(cases) == len(demo_rows(AS_OF)["Cases"])
    computed = [header.index(h) for h in schema.COMPUTED]
    assert {r[i] for r in cases for i in computed} == {"#NAME?"}
    [xlsx] = convert(demo_tracker, "xlsx", tmp_path / "xlsx")
    assert set(xp.tables(xlsx)) == set(xp.tables(demo_tracker))


# --- Import Functions: the VBA xlwings generates compiles -------------------------------------------


@pytest.fixture
def vba_wrapper(monkeypatch):
    """The VBA module xlwings' Import Functions writes for `udfs`, from xlwings' own generator.

    As on Windows: `udfs` is loaded afresh under xlwings' desktop decorators (xlfunc, xlarg,
    xlret), and xlwings.udfs' Windows COM imports are stubbed (the generator uses none of them)."""
    import xlwings

    for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    sys.modules["win32com.client"].Dispatch = None
    sys.modules["pythoncom"].CoInitialize = None  # named at import (a thread pool initializer), never called
    monkeypatch.delitem(sys.modules, "xlwings.udfs", raising=False)
    desktop = importlib.import_module("xlwings.udfs")
    monkeypatch.delitem(sys.modules, "xlwings.udfs")
    for name, decorator in (("func", desktop.xlfunc), ("arg", desktop.xlarg), ("ret", desktop.xlret)):
        monkeypatch.setattr(xlwings, name, decorator)
    spec = importlib.util.spec_from_file_location("udfs_desktop", udfs.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = io.StringIO()
    desktop.generate_vba_wrapper("udfs", module, out, types.SimpleNamespace(Name="si_tracker.xlsm"))
    return out.getvalue()


def test_the_generated_vba_uses_no_reserved_word_as_an_identifier(vba_wrapper):
    signatures = re.findall(r"^(Function|Sub) (\w+)\(([^)]*)\)", vba_wrapper, re.M)
    assert {name for _, name, _ in signatures} == set(udfs.__all__)
    for _, name, params in signatures:
        assert VBA_IDENTIFIER.match(name) and name.lower() not in VBA_RESERVED
        for param in filter(None, (p.strip() for p in params.split(","))):
            ident = param.removeprefix("Optional ").removeprefix("ParamArray ").removesuffix("()")
            assert VBA_IDENTIFIER.match(ident), f"{name}: {ident!r} is not a VBA identifier"
            assert ident.lower() not in VBA_RESERVED, f"{name}({params}): {ident} is a VBA reserved word"
            assert ident.lower() != name.lower()


def test_the_reserved_word_check_would_catch_the_old_names(vba_wrapper):
    assert "function" in VBA_RESERVED and "end" in VBA_RESERVED
    assert re.search(r"^Function SI_CONTACT\(level, Optional fn\)$", vba_wrapper, re.M)
    assert re.search(r"^Function SI_NETWORKDAYS\(start, end_date, Optional closures\)$", vba_wrapper, re.M)
    si_cases = vba_wrapper[vba_wrapper.index("Function SI_CASES("):]
    assert "Application.Volatile" in si_cases[:si_cases.index("End Function")]  # recalculated like TODAY()


# --- one Python call per recalculation ------------------------------------------------------------


def volatile_udfs() -> set[str]:
    """The SI_ functions declared volatile (Excel recalculates them like TODAY())."""
    return {f["name"] for f in custom_functions_meta(udfs)["functions"] if f.get("options", {}).get("volatile")}


def test_a_recalculation_calls_python_a_handful_of_times_whatever_the_size(demo_formulas, tmp_path):
    """Cells calling an SI_ function that depend on a volatile function (TODAY(), or a UDF
    declared volatile), directly or through other cells, are what Excel sends to Python on
    every edit (DESIGN §8)."""
    big = Workbook(build_tracker(tmp_path / "si_tracker.xlsm", {"Cases": bulk_rows(2000, AS_OF, 1, 0, 0)["Cases"]},
                                 as_of=AS_OF))
    small = demo_formulas
    assert len(big.cells) > 2000 * len(schema.COMPUTED)  # the picks are there, one per computed cell
    assert volatile_udfs() == {"SI_CASES"}
    assert small.python_calls_per_recalculation(volatile_udfs()) == big.python_calls_per_recalculation(
        volatile_udfs()) == 1
    volatile = {big.cells[c] for c in big.volatile_cells(VOLATILE | volatile_udfs())}
    assert any(f.startswith("INDEX(") for f in volatile)  # the picks recalculate too, natively
    assert not any("TODAY()" in f for f in big.cells.values())  # LibreOffice recalculates those: see CALC_FORMULA


def test_the_counter_counts_per_row_udfs_that_depend_on_today(demo_formulas):
    """The measure itself: per-row formulas as the tracker had them count once per row and column."""
    wb = demo_formulas
    status = schema.CASES.headers.index("Status") + 1
    rows = [r for (s, r, c) in wb.cells if s == "Cases" and c == status]
    for r in rows:
        wb.cells[("Cases", r, status)] = "SI_STATUS(Cases[[#This Row],[Due]],TODAY())"
        wb.cells[("Cases", r, status + 2)] = "SI_LEVEL(Cases[[#This Row],[Status]])"
    wb.__dict__.pop("_by_sheet", None)
    try:
        assert wb.python_calls_per_recalculation(volatile_udfs()) == 1 + 2 * len(rows)
    finally:  # the fixture is shared
        for r in rows:
            for k, c in ((2, status), (4, status + 2)):
                wb.cells[("Cases", r, c)] = f"INDEX(_xlfn.ANCHORARRAY(Calc!$A$2),ROW()-ROW(Cases[[#Headers],[Ref]]),{k})"


def test_the_calc_sheet_holds_one_dynamic_array_formula_and_cases_pick_from_it(demo_tracker, demo_formulas):
    wb = demo_formulas
    calc = {cell: f for cell, f in wb.cells.items() if cell[0] == schema.CALC_SHEET}
    assert calc == {(schema.CALC_SHEET, 2, 1): schema.CALC_FORMULA[1:]}
    sheet = xp.parts(demo_tracker)[xp.sheet_parts(demo_tracker)[schema.CALC_SHEET]].decode()
    n = len(demo_rows(AS_OF)["Cases"])
    assert re.search(rf'<c r="A2"[^>]* cm="1"><f t="array" ref="A2:F{n + 1}">SI_CASES\(', sheet)  # a spill
    assert "xl/metadata.xml" in xp.parts(demo_tracker) and 'state="hidden"' in re.search(
        rf'<sheet name="{schema.CALC_SHEET}"[^>]*>', xp.parts(demo_tracker)["xl/workbook.xml"].decode()).group(0)
    # the input block stops before the computed columns: no circular reference
    [block] = [r for r in wb.references(calc[(schema.CALC_SHEET, 2, 1)]) if r.text.startswith("Cases[")]
    computed = {schema.CASES.headers.index(h) + 1 for h in schema.COMPUTED}
    assert block.rects[0].c2 < min(computed) and block.rects[0].r1 == schema.CASES_HEADER_ROW
    for k, header in enumerate(schema.COMPUTED, start=1):
        col = schema.CASES.headers.index(header) + 1
        for r in range(schema.CASES_HEADER_ROW + 1, schema.CASES_HEADER_ROW + 1 + n):
            assert wb.cells[("Cases", r, col)] == \
                f"INDEX(_xlfn.ANCHORARRAY(Calc!$A$2),ROW()-ROW(Cases[[#Headers],[Ref]]),{k})"


def test_each_computed_header_note_gives_the_single_case_formula(demo_tracker):
    import openpyxl

    ws = openpyxl.load_workbook(demo_tracker)["Cases"]
    notes = {c.value: c.comment.text for c in ws[schema.CASES_HEADER_ROW] if c.comment}
    for header in schema.COMPUTED:
        assert "SI_CASES" in notes[header] and schema.CASES.column(header).example in notes[header]
    assert "=SI_LEVEL(Cases[@[Level]]" in notes["Recommended level"]


def test_a_write_keeps_the_spill_its_flag_and_its_values(demo_tracker, tmp_path):
    """The part-level writer (issue 13, DESIGN §13) keeps Calc!A2's dynamic-array flag (cm="1") and
    xl/metadata.xml, so the spill grows with the table; an edit appending a case extends the spill's ref
    and stores the new row's values; nothing forces a recalculation on load."""
    from spso_xl.tracker.edit import edit_tracker, TrackerEdit

    n = len(demo_rows(AS_OF)["Cases"])
    path = copy_tracker(demo_tracker, tmp_path)
    case = {"Ref": "SI-NEW", "Organisation": "Fife Council", "Function": "SWF", "Trigger": "Information overdue",
            "Level": 2, "Date notified": AS_OF}
    edit_tracker(path, TrackerEdit(append={"Cases": [case]}))
    parts = xp.parts(path)
    sheet = parts[xp.sheet_parts(path)[schema.CALC_SHEET]].decode()
    anchor = re.search(r'<c r="A2"[^>]*>.*?</c>', sheet).group(0)
    assert 'cm="1"' in anchor and "xl/metadata.xml" in parts
    assert parts["xl/metadata.xml"] == xp.parts(demo_tracker)["xl/metadata.xml"]
    assert f'<f t="array" ref="A2:F{n + 2}">SI_CASES(' in anchor and "<v></v>" not in anchor
    assert "fullCalcOnLoad" not in parts["xl/workbook.xml"].decode()
    cases = parts[xp.sheet_parts(path)["Cases"]].decode()
    row = re.search(rf'<row r="{schema.CASES_HEADER_ROW + n + 1}"[^>]*>.*?</row>', cases).group(0)
    assert row.count('cm="1"') == len(schema.COMPUTED) and "INDEX(_xlfn.ANCHORARRAY(Calc!$A$2)" in row


def test_the_built_tracker_stores_the_computed_values_for_readers_that_do_not_recalculate(demo_tracker):
    """DESIGN §8 "Readable without Python": the picks and the Calc spill carry what SI_CASES gives
    on the build date as cached values (read here with calamine, as pandas and the CLI read)."""
    from python_calamine import CalamineWorkbook

    from spso_xl.tracker.build import computed_values

    expected = computed_values(demo_rows(AS_OF), AS_OF)
    book = CalamineWorkbook.from_path(str(demo_tracker))
    cases = book.get_sheet_by_name("Cases").to_python(skip_empty_area=False)[schema.CASES_HEADER_ROW - 1:]
    first = cases[0].index(schema.COMPUTED[0])
    calc = book.get_sheet_by_name(schema.CALC_SHEET).to_python(skip_empty_area=False)
    assert [r[first:first + len(schema.COMPUTED)] for r in cases[1:]] == expected
    assert [r[:len(schema.COMPUTED)] for r in calc[1:]] == expected
    assert {r[1] for r in expected} >= {"OVERDUE", "ON TRACK"} and isinstance(expected[0][0], dt.date)
    assert '<calcPr calcId="124519"/>' in xp.parts(demo_tracker)["xl/workbook.xml"].decode()  # no forced recalculation


XBA = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" script:language="StarBasic">{}</script:module>
"""


def _excel_branch(vba: str) -> str:
    """The module as VBA compiles it under its own `#Const App = "Microsoft Excel"`: the Excel branch of
    each #If kept (LibreOffice Basic has no conditional compilation), Attribute lines dropped."""
    out, keep, stack = [], True, []
    for line in vba.splitlines():
        s = line.strip()
        if s.startswith("#If "):
            stack.append(keep)
            keep = keep and 'App = "Microsoft Excel"' in s
        elif s == "#Else":
            keep = stack[-1] and not keep
        elif s == "#End If":
            keep = stack.pop()
        elif keep and not s.startswith(("#Const", "Attribute ")):
            out.append(line)
    return "\n".join(out)


def _soffice(args: list[str], profile, timeout: float = 120) -> None:
    """LibreOffice headless in its own session, killed whole if it hangs (a Basic syntax error
    opens a dialog that headless LibreOffice waits on for ever)."""
    import os
    import signal
    import subprocess

    from spso_xl.outputs.libreoffice import soffice

    proc = subprocess.Popen([soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                            env={**os.environ, "HOME": str(profile)})
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.mark.libreoffice
def test_the_generated_vba_compiles_in_libreoffice_basic_vba_mode(vba_wrapper, tmp_path, libreoffice):
    """A second compiler for the wrapper: LibreOffice Basic with `Option VBASupport 1`. Running
    a Sub of a module compiles the whole module; the Sub writes a file only if it compiled. (Checked
    by hand: the same module with the old `Optional function` parameter does not compile.)"""
    from xml.sax.saxutils import escape

    profile, marker = tmp_path / "profile", tmp_path / "compiled.txt"
    _soffice(["--terminate_after_init"], profile)
    main = f'\nSub Main\n    Open "{marker}" For Output As #1\n    Print #1, "compiled"\n    Close #1\nEnd Sub\n'
    module = profile / "user" / "basic" / "Standard" / "Module1.xba"
    assert module.exists()
    module.write_text(XBA.format(escape("Option VBASupport 1\n" + _excel_branch(vba_wrapper) + main)), encoding="utf-8")
    _soffice(["macro:///Standard.Module1.Main"], profile)
    assert marker.exists(), "LibreOffice Basic (VBA mode) could not compile the module xlwings generates for udfs"

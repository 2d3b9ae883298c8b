"""The xlwings Lite edition through xlwings' own Lite entry points (DESIGN §14).

xlwings Lite calls `xlwings.server.custom_functions_meta/call` and `custom_scripts_meta/call`
on the workbook's main.py, with the workbook as a remote `xw.Book`. These tests do the same
with the main.py that `spso-xl new --lite` writes and payloads built from the Lite tracker
file; the scripts' returned actions are applied back to the file and re-read. What only
Excel can confirm (the add-in's UI, sheet buttons, the file area, Pyodide's installer) is
listed in the README.
"""

import asyncio
import datetime as dt
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlwings as xw
import xlwings.server

import macros.lite
import udfs
from spso_xl.policy import evidence
from spso_xl.tracker import lite_edition as lite
from spso_xl.tracker import schema
from spso_xl.new import build_tracker
from spso_xl.policy.cases import compute_cases
from spso_xl.calendar.dates import from_serial
from spso_xl.xlsx.refs import cell_position, excel_serial
from spso_xl.tracker.sample import demo_rows
from spso_xl.tracker.read import read_tracker
from spso_xl.calendar.workdays import networkdays, workday
from tests.support import remote
from tests.support.clicks import alerts, load_main, run_script
from tests.support.dates import TODAY
from tests.support.paths import ROOT
from tests.support.trackers import FIRST, copy_folder


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A Lite tracker and a classic one with the same demo data."""
    rows = demo_rows(TODAY)
    letter = next(c for c in rows["Cases"] if c["Ref"] == "SI-2026-009")
    letter["Date notified"] = None  # not yet notified: its letter is the notification (a past Due never is)
    folder = tmp_path_factory.mktemp("trackers")
    return (build_tracker(folder / "lite" / "si_tracker.xlsx", rows, as_of=TODAY, edition="lite"),
            build_tracker(folder / "classic" / "si_tracker.xlsm", rows, as_of=TODAY))


@pytest.fixture
def tracker(built, tmp_path):
    """A private copy of the Lite tracker, with what `new --lite` wrote beside it."""
    return copy_folder(built[0], tmp_path)


# --- the workbook and what comes with it ---------------------------------------------------------


def test_new_lite_writes_a_macro_free_workbook_and_what_lite_needs(built):
    path = built[0]
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        assert not [n for n in names if "vba" in n.lower()] and "macroEnabled" not in z.read("[Content_Types].xml").decode()
        sheets = openpyxl.load_workbook(path).sheetnames
    assert "xlwings.conf" not in sheets and {"Cases", "Summary", *schema.SHEETS} <= set(sheets)
    beside = {p.name for p in path.parent.iterdir()}
    assert {"main.py", "requirements.txt", "personal", "templates"} <= beside
    assert {p.name for p in (path.parent / "personal").iterdir()} == set(lite.PACKAGES)
    assert (path.parent / "personal" / "macros" / "lite.py").read_text() == Path(macros.lite.__file__).read_text()
    assert (path.parent / "templates" / "swf-level3.docx").exists()
    text = "\n".join(str(c.value) for c in openpyxl.load_workbook(path)["Instructions"]["A"] if c.value)
    assert "xlwings Lite" in text and "requirements.txt" in text and "main.py" in text and "personal" in text
    assert "Import Functions" not in text and "enable macros" not in text  # the classic set-up is not shown


def test_the_workbook_carries_xlwings_lite_its_main_py_and_requirements_as_lite_saves_them(built):
    """xlwings Lite stores a workbook's code as the add-in's document settings: workbooks it saved hold
    `main.py` and `requirements.txt` as JSON strings in xl/webextensions/webextension1.xml, referencing
    the add-in by its store id, with a task pane part (read from five such workbooks). The Lite edition is
    built the same way, so the pane opens with the tracker's code and nobody pastes it."""
    import xml.etree.ElementTree as ET

    from xlwings import __version__ as xlwings_version

    with zipfile.ZipFile(built[0]) as z:
        names = set(z.namelist())
        ext = ET.fromstring(z.read("xl/webextensions/webextension1.xml"))
        panes = z.read("xl/webextensions/taskpanes.xml").decode()
        types = z.read("[Content_Types].xml").decode()
        rels = z.read("_rels/.rels").decode()
        pane_rels = z.read("xl/webextensions/_rels/taskpanes.xml.rels").decode()
    we = "{http://schemas.microsoft.com/office/webextensions/webextension/2010/11}"
    assert ext.find(f"{we}reference").get("id").upper() == lite.ADDIN_STORE_ID
    assert ext.find(f"{we}reference").get("storeType") == "OMEX"
    props = {p.get("name"): json.loads(p.get("value")) for p in ext.iter(f"{we}property")}
    assert props["main.py"] == lite.MAIN_PY == (built[0].parent / "main.py").read_text()
    requirements = props["requirements.txt"].splitlines()
    assert requirements[0] == f"xlwings=={xlwings_version}  # required"
    assert [r for r in requirements if not r.startswith("#")] == [
        f"xlwings=={xlwings_version}  # required", *lite.LITE_REQUIRED, *lite.REQUIREMENTS, *lite.FROM_PYODIDE]
    assert 'visibility="1"' in panes and 'r:id="rId1"' in panes and 'Target="webextension1.xml"' in pane_rels
    assert "/xl/webextensions/webextension1.xml" in types and "/xl/webextensions/taskpanes.xml" in types
    assert 'Target="xl/webextensions/taskpanes.xml"' in rels
    assert {"xl/webextensions/webextension1.xml", "xl/webextensions/taskpanes.xml"} <= names
    with zipfile.ZipFile(built[1]) as z:  # the classic edition is not tied to the add-in
        assert not [n for n in z.namelist() if "webextension" in n]


def test_the_same_tracker_contract_as_the_classic_edition(built):
    lite_book, classic_book = (openpyxl.load_workbook(p) for p in built)
    for name in schema.SHEETS:
        [lt], [ct] = lite_book[name].tables.values(), classic_book[name].tables.values()
        assert (lt.name, lt.ref, [c.name for c in lt.tableColumns]) == (ct.name, ct.ref, [c.name for c in ct.tableColumns])
    lite_t, classic_t = (read_tracker(p) for p in built)
    assert not lite_t.problems and lite_t.cases.drop(columns="_row").equals(classic_t.cases.drop(columns="_row"))


def test_each_sheet_button_is_a_named_shape_linked_to_the_cell_its_script_names(built):
    main = load_main(built[0])
    meta = {m["function_name"]: m for m in xlwings.server.custom_scripts_meta(main)}
    with zipfile.ZipFile(built[0]) as z:
        drawings = {n: z.read(n).decode() for n in z.namelist() if re.fullmatch(r"xl/drawings/drawing\d+\.xml", n)}
        rels = {n: z.read(f"xl/drawings/_rels/{Path(n).name}.rels").decode() for n in drawings}
    for script, button in schema.LITE_BUTTONS.items():
        assert meta[script]["button"] == f"[{button.shape}]{button.sheet}!{button.cell}" and meta[script]["show_taskpane"]
        [drawing] = [n for n, xml in drawings.items() if f'name="{button.shape}"' in xml]
        rid = re.search(rf'name="{button.shape}"[^>]*><a:hlinkClick [^>]*r:id="(rId\d+)"', drawings[drawing]).group(1)
        assert re.search(rf'Id="{rid}"[^>]*Target="#\'{button.sheet}\'!{button.cell}"', rels[drawing])
    assert not [m for m in meta.values() if m["button"] and m["function_name"] not in schema.LITE_BUTTONS]


def test_names_the_lite_edition_cannot_take_are_refused(tmp_path):
    with pytest.raises(ValueError, match="no macros, name it .xlsx"):
        build_tracker(tmp_path / "t.xlsm", edition="lite")
    with pytest.raises(ValueError, match="--lite"):
        build_tracker(tmp_path / "t.xlsx")
    with pytest.raises(ValueError, match="not an edition"):
        build_tracker(tmp_path / "t.xlsx", edition="web")


# --- custom functions, as xlwings Lite calls them --------------------------------------------------


def _excel(value):
    """A cell value as Excel's client sends it to a custom function."""
    if isinstance(value, dt.datetime):
        return excel_serial(value.date())
    return "" if value is None else value


def _body(ws) -> list[list]:
    [table] = ws.tables.values()
    return [[_excel(c.value) for c in row] for row in ws[table.ref]][1:]


def _call(main, name, *args):
    payload = {"func_name": name, "version": xw.__version__, "client": "Office.js", "runtime": "1.4",
               "args": [None if a is None else a if isinstance(a, list) else [[a]] for a in args]}
    out = asyncio.run(xlwings.server.custom_functions_call(payload, main))
    return out[0][0] if len(out) == 1 and len(out[0]) == 1 else out


def _plain(value):
    """A result as a comparable Python value: serials to dates, blanks to None."""
    if value in ("", None) or value != value:
        return None
    if hasattr(value, "date") and not isinstance(value, dt.date):
        return value.date()  # pandas Timestamp
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def test_every_custom_function_answers_as_the_classic_edition_on_the_demo_data(built):
    """Each function in Lite's registry (`custom_functions_meta` of the Lite main.py), called
    through `custom_functions_call` with the Lite tracker's own cell values, against the classic
    tracker's answers computed by the core from its file."""
    lite_path, classic_path = built
    main = load_main(lite_path)
    meta = {f["name"]: [p["name"] for p in f["parameters"]] for f in xlwings.server.custom_functions_meta(main)["functions"]}
    assert set(meta) == set(udfs.__all__) and all(getattr(main, n) is getattr(udfs, n) for n in meta)

    classic = read_tracker(classic_path)
    oracle = compute_cases(classic.cases, TODAY, classic.settings, classic.calendar)
    wb = openpyxl.load_workbook(lite_path)
    cases = wb["Cases"]
    headers = [c.value for c in cases[schema.CASES_HEADER_ROW]]
    rows = [dict(zip(headers, r)) for r in _body(cases)]
    closures, settings, findings = _body(wb["Holidays"]), _body(wb["Settings"]), _body(wb["Findings"])
    called = set()

    def args_for(name, row, given):
        """Arguments by parameter name, as the tracker's formulas pass them."""
        out = []
        for p in meta[name]:
            header = {"fn": "Function", "function": "Function", "respond_by": "Respond by"}.get(
                p, p.replace("_", " ").capitalize())
            if p in given:
                out.append(given[p])
            elif p == "as_of":
                out.append(excel_serial(TODAY))
            elif p == "closures":
                out.append(closures)
            elif p == "settings":
                out.append(settings)
            elif header in row or (header == "Respond by" and "Extended to" in row):
                out.append(row.get(header, row.get("Extended to")))
            else:
                out.append(None)  # an optional argument the formula leaves out
        return out

    def check(name, row, expected, **given):
        called.add(name)
        got = _call(main, name, *args_for(name, row, given))
        if isinstance(got, (int, float)) and isinstance(expected, dt.date):
            got = from_serial(got)
        assert _plain(got) == _plain(expected), (name, row.get("Ref"), got, expected)

    assert len(rows) == len(oracle) > 20
    for row, (_, want) in zip(rows, oracle.iterrows()):
        due = excel_serial(want["Due"].date()) if want["Due"] == want["Due"] else ""
        check("SI_DEADLINE", row, want["Due"])
        check("SI_STATUS", row, want["Status"], due=due)
        check("SI_DAYS_OVERDUE", row, want["Working days overdue"], due=due)
        check("SI_LEVEL", row, want["Recommended level"], status=want["Status"], due=due)
        check("SI_REASON", row, want["Reason"], status=want["Status"], due=due)
        check("SI_CONTACT", row, want["Contact from"], level=want["Recommended level"])
        if row["Response received"] == "" and row["Closed"] == "":
            check("SI_OVERDUE", row, want["Status"] == "OVERDUE", due=due)
        if row["Date notified"] != "":
            start = from_serial(row["Date notified"])
            check("SI_WORKDAY", row, workday(start, 10, classic.calendar), start=row["Date notified"], days=10)
            check("SI_NETWORKDAYS", row, networkdays(start, TODAY, classic.calendar),
                  start=row["Date notified"], end=excel_serial(TODAY), end_date=excel_serial(TODAY))

    if "SI_CASES" in meta:  # the tracker's one call per recalculation (DESIGN §8): all six columns, every row
        called.add("SI_CASES")
        block_headers = headers[headers.index("Ref"):headers.index("Closed") + 1]
        block = [block_headers] + [[r[h] for h in block_headers] for r in rows]
        got = _call(main, "SI_CASES", block, excel_serial(TODAY), closures, settings)
        assert len(got) == len(oracle)
        for g, (_, want) in zip(got, oracle.iterrows()):
            due = from_serial(g[0]) if isinstance(g[0], (int, float)) else g[0]
            assert [_plain(due), *map(_plain, g[1:])] == [_plain(want[h]) for h in schema.COMPUTED], g

    def column(header, values=None):
        return [[v] for v in (values if values is not None else [r.get(header, r.get("Extended to")) for r in rows])]

    dues = ["" if d != d else excel_serial(d.date()) for d in oracle["Due"]]
    arrays = {
        "SI_DEADLINE_ARRAY": (dict(dates_notified=column("Date notified"), levels=column("Level"), urgent=column("Urgent"),
                                   extended_to=column("Extended to"), respond_by=column("Respond by"),
                                   functions=column("Function"), triggers=column("Trigger")), oracle["Due"]),
        "SI_STATUS_ARRAY": (dict(dues=column("", dues), responses=column("Response received"),
                                 closed=column("Closed")), oracle["Status"]),
        "SI_LEVEL_ARRAY": (dict(levels=column("Level"), triggers=column("Trigger"), statuses=column("", oracle["Status"]),
                                chasers=column("Chasers"), resolved=column("Resolved"), recurred=column("Recurred"),
                                significant=column("Significant"), refused=column("Refused"),
                                mitigating=column("Mitigating"), functions=column("Function"),
                                last_chased=column("Last chased"), dues=column("", dues)),
                           oracle["Recommended level"]),
        "SI_WORKDAY_ARRAY": (dict(starts=column("Date notified"), days=10),
                             [workday(from_serial(r["Date notified"]), 10, classic.calendar) if r["Date notified"] != ""
                              else None for r in rows]),
        "SI_NETWORKDAYS_ARRAY": (dict(starts=column("Date notified"), ends=column("", [excel_serial(TODAY)] * len(rows))),
                                 [networkdays(from_serial(r["Date notified"]), TODAY, classic.calendar)
                                  if r["Date notified"] != "" else None for r in rows]),
    }
    for name, (given, expected) in arrays.items():
        called.add(name)
        got = _call(main, name, *args_for(name, {}, given))
        got = [from_serial(v[0]) if isinstance(v[0], (int, float)) and name in ("SI_DEADLINE_ARRAY", "SI_WORKDAY_ARRAY")
               else v[0] for v in got]
        assert [_plain(v) for v in got] == [_plain(v) for v in expected], name

    parsed = classic.parsed["Findings"]
    funnel = evidence.funnel(parsed, None, None, classic.settings.funnel_inner, classic.settings.funnel_outer)
    table = _call(main, "SI_UPHOLD_TABLE", findings, None, None, settings)
    called.add("SI_UPHOLD_TABLE")
    assert table[0] == list(funnel.columns) and len(table) == len(funnel) + 1 > 2
    for org, fn, flag in zip(funnel["organisation"], funnel["function"], funnel["flag"]):  # per function (DESIGN §7)
        called.add("SI_UPHOLD")
        assert _call(main, "SI_UPHOLD", org, findings, None, None, settings, None, fn) == flag
    for org, theme in sorted({(r[1], r[5]) for r in findings})[:10]:
        called.add("SI_RECURRENCE")
        s = classic.settings
        assert _call(main, "SI_RECURRENCE", org, theme, findings, excel_serial(TODAY), settings) == \
            evidence.is_recurrent(parsed, org, theme, TODAY, s.recurrence_months, s.recurrence_threshold).describe(
                s.recurrence_months)
    assert called == set(meta), f"not exercised: {set(meta) - called}"


# --- scripts, as xlwings Lite runs them ------------------------------------------------------------


def case_row(path, ref) -> int:
    return FIRST + list(read_tracker(path).cases["Ref"]).index(ref)


@pytest.fixture
def files(tmp_path, monkeypatch):
    """Lite's file area (/data), here a folder, with the letter templates uploaded to it."""
    area = tmp_path / "data"
    shutil.copytree(tmp_path / "templates", area / "templates")
    monkeypatch.setattr(macros.lite, "FILES", area)
    monkeypatch.setattr(macros.lite, "today", lambda: TODAY)
    return area


def test_the_scripts_lite_lists(tracker):
    meta = xlwings.server.custom_scripts_meta(load_main(tracker))
    assert {m["function_name"]: m["name"] for m in meta} == {
        "enter_formulas": "Enter formulas", "generate_letters": "Generate letters", "record_chaser": "Record chaser",
        "record_escalation": "Record escalation", "build_summary": "Build summary", "check_tracker": "Check tracker"}


def test_enter_formulas_types_the_si_cases_formula_into_calc_through_the_workbook_api(tracker, files):
    """Excel binds a web add-in's function when its formula is entered (OfficeDev/Excel-Custom-Functions
    issue 108: re-entering, not recalculating, fixed an unbound one): the script writes the Calc formula
    as xlwings' client writes a typed formula (setFormula: Office.js `range.formulas`), on the Calc sheet's
    anchor, and changes nothing else; the Instructions sheet names it."""
    actions = run_script(tracker, "enter_formulas", active="Instructions", selection="A1")
    [(message, mode)] = alerts(actions)
    assert mode == "info" and "Ctrl+Alt+F9" in message
    [formula] = [a for a in actions if a["func"] != "alert"]
    sheets = openpyxl.load_workbook(tracker).sheetnames
    assert formula["func"] == "setFormula" and formula["values"] == [[schema.CALC_FORMULA]]
    assert sheets[formula["sheet_position"]] == schema.CALC_SHEET
    row, col = (n - 1 for n in cell_position(schema.CALC_ANCHOR))
    assert (formula["start_row"], formula["start_column"], formula["row_count"], formula["column_count"]) == (row, col, 1, 1)
    remote.apply(tracker, actions)  # the file as Excel would save it: the same formula in the same cell
    wb = openpyxl.load_workbook(tracker)
    cell = wb[schema.CALC_SHEET][schema.CALC_ANCHOR.replace("$", "")].value
    assert getattr(cell, "text", cell) == schema.CALC_FORMULA
    text = "\n".join(str(c.value) for c in wb["Instructions"]["A"] if c.value)
    assert "Enter formulas" in text and "Ctrl+Alt+F9" in text


def test_enter_formulas_refuses_a_workbook_without_the_calc_sheet(tracker, files):
    payload = remote.payload(tracker)
    for sheet in payload["sheets"]:
        if sheet["name"] == schema.CALC_SHEET:
            sheet["name"] = "Renamed"
    main = load_main(tracker)
    book = xw.Book(json=payload)
    asyncio.run(xlwings.server.custom_scripts_call(main, "enter_formulas", typehint_to_value={xw.Book: book}, args=[]))
    [(message, mode)] = alerts(book.json()["actions"])
    assert mode == "critical" and "no 'Calc' sheet" in message and "Nothing was changed" in message


def test_record_chaser_on_the_selected_rows_then_by_ref(tracker, files):
    before = read_tracker(tracker).cases.set_index("Ref")["Chasers"]
    a, b = "SI-2026-001", "SI-2026-002"
    actions = run_script(tracker, "record_chaser", selection=f"B{case_row(tracker, a)}:C{case_row(tracker, b)}")
    [(message, mode)] = alerts(actions)
    assert mode == "info" and a in message and b in message
    remote.apply(tracker, actions)
    actions = run_script(tracker, "record_chaser", f"{b.lower()}", selection="A1", active="Instructions")
    assert alerts(actions)[0][1] == "info"
    remote.apply(tracker, actions)
    t = read_tracker(tracker)
    after = t.cases.set_index("Ref")["Chasers"]
    assert (after[a], after[b]) == (before[a] + 1, before[b] + 2)
    log = t.parsed["Actions"]
    assert list(log[log["Action"] == "Chaser"]["Ref"])[-3:] == [a, b, b] and not t.problems


def test_an_unknown_ref_or_no_selection_changes_nothing(tracker, files):
    for args, kwargs, words in ((["SI-9999"], {}, "No case with the Ref 'SI-9999'"),
                                ([], {"selection": None}, "Select one or more case rows")):
        actions = run_script(tracker, "record_escalation", *args, **kwargs)
        assert [a["func"] for a in actions] == ["alert"]
        [(message, mode)] = alerts(actions)
        assert words in message and mode == "critical" and "Nothing was changed" in message


def test_record_escalation_by_ref(tracker, files):
    t = read_tracker(tracker)
    due = compute_cases(t.cases, TODAY, t.settings, t.calendar)
    moving = t.cases[due["Recommended level"] > t.cases["Level"].fillna(0)]
    ref = moving["Ref"].iloc[0]
    actions = run_script(tracker, "record_escalation", ref)
    [(message, mode)] = alerts(actions)
    assert mode == "info" and f"Escalated {ref} to level" in message
    remote.apply(tracker, actions)
    after = read_tracker(tracker).cases.set_index("Ref").loc[ref]
    assert after["Level"] > moving["Level"].fillna(0).iloc[0] and after["Date notified"].date() == TODAY


def test_generate_letters_go_to_the_file_area(tracker, files):
    ref = "SI-2026-009"
    actions = run_script(tracker, "generate_letters", selection=f"A{case_row(tracker, ref)}")
    [(message, mode)] = alerts(actions)
    assert mode == "info" and ref in message and "Files > Import/Export" in message
    [letter] = (files / "letters").glob("*.docx")
    assert letter.name.startswith(f"{ref} L3 ")
    remote.apply(tracker, actions)
    [logged] = read_tracker(tracker).parsed["Letters"].to_dict("records")
    assert logged["Ref"] == ref and logged["Level"] == 3


def test_letters_without_the_templates_uploaded_say_how_to_upload_them(tracker, files, monkeypatch):
    from spso_xl.letters import templates as letters

    shutil.rmtree(files / "templates")
    monkeypatch.setattr(letters, "TEMPLATES", files / "nowhere")  # a wheel whose data files Pyodide did not install
    actions = run_script(tracker, "generate_letters", "SI-2026-009")
    assert [a["func"] for a in actions] == ["alert"]
    assert "drop the 'templates' folder" in alerts(actions)[0][0] and not (files / "letters").exists()


@pytest.mark.parametrize("args, where", [
    (["2026-27 Q2"], {"active": "Cases", "selection": "A1"}),  # App Mode's Quarter field
    ([], {"active": "Summary", "selection": schema.LITE_BUTTONS["build_summary"].cell}),  # the sheet button
])
def test_build_summary_writes_the_sheet_and_a_workbook_to_download(tracker, files, args, where):
    actions = run_script(tracker, "build_summary", *args, **where)
    [(message, mode)] = alerts(actions)
    assert mode == "info" and "2026-27 Q2" in message and "Files > Import/Export" in message
    assert [a["args"][1] for a in actions if a["func"] == "addSheet"] == ["Summary 2026-27 Q2"]
    assert len([a for a in actions if a["func"] == "addPicture"]) >= 2
    standalone = files / "SI summary 2026-27 Q2.xlsx"
    assert "level 3" in " ".join(str(c.value) for row in openpyxl.load_workbook(standalone).active.iter_rows()
                                 for c in row if c.value).lower()


def test_check_tracker_reports_and_changes_nothing(tracker, files):
    actions = run_script(tracker, "check_tracker", active="Cases", selection=schema.LITE_BUTTONS["check_tracker"].cell)
    assert [a["func"] for a in actions] == ["alert"]
    message = alerts(actions)[0][0]
    assert re.match(r"\d+ cases on 23/11/2026: \d+ ", message) and "OVERDUE" in message
    assert "Every cell reads correctly." in message


# --- what xlwings Lite (Pyodide) can install and run ------------------------------------------------


LITE_RUN = r"""
import asyncio, json, subprocess, sys, threading
sys.modules["python_calamine"] = None  # Pyodide has no build of it: importing it raises ImportError
import matplotlib.font_manager  # its one-off font cache build runs fc-list on Linux; Pyodide's matplotlib bundles its fonts
started = []
subprocess.Popen.__init__ = lambda self, *a, **k: started.append(("process", a)) or (_ for _ in ()).throw(OSError("no processes in Pyodide"))
threading.Thread.start = lambda self: started.append(("thread", self.name))
import importlib.util, xlwings as xw, xlwings.server
baseline = sorted(sys.modules)  # the interpreter's, matplotlib's cache build and xlwings' own (Lite brings xlwings)
from pathlib import Path
from tests.support import remote
import macros.lite
path = Path(sys.argv[1])
spec = importlib.util.spec_from_file_location("main", path.parent / "main.py")
main = importlib.util.module_from_spec(spec); spec.loader.exec_module(main)
macros.lite.FILES = path.parent / "data"
names = [f["name"] for f in xlwings.server.custom_functions_meta(main)["functions"]]
for name, args in (("SI_WORKDAY", [[[46000]], [[10]]]), ("SI_LEVEL", [[["L2"]], [["Information overdue"]], [["OVERDUE"]], [[2]]] + [[[""]]] * 5)):
    asyncio.run(xlwings.server.custom_functions_call({"func_name": name, "version": xw.__version__, "client": "Office.js", "runtime": "1.4", "args": args}, main))
messages = {}
for script, args, kw in (("check_tracker", [], {}), ("record_chaser", ["SI-2026-001"], {}), ("generate_letters", ["SI-2026-009"], {}),
                         ("build_summary", ["2026-27 Q2"], {})):
    book = xw.Book(json=remote.payload(path, **kw))
    asyncio.run(xlwings.server.custom_scripts_call(main, script, typehint_to_value={xw.Book: book}, args=args))
    messages[script] = [a["args"][3] for a in book.json()["actions"] if a["func"] == "alert"]
    if script == "record_chaser":
        remote.apply(path, book.json()["actions"])
print(json.dumps({"final": sorted(set(sys.modules) - set(baseline)), "started": started, "messages": messages,
                  "calamine": sys.modules.get("python_calamine") is None}))
"""


def test_the_lite_path_runs_without_calamine_processes_or_threads(tracker, files):
    """main.py, every kind of script and the functions, in a fresh interpreter where
    python-calamine cannot be imported and starting a process or a thread is recorded."""
    out = subprocess.run([sys.executable, "-c", LITE_RUN, str(tracker)], cwd=ROOT, capture_output=True, text=True,
                         timeout=300, env={"XLWINGS_ON_SERVER": "true", "XLWINGS_LICENSE_KEY": "noncommercial",
                                           "PATH": "/usr/bin:/bin", "HOME": str(tracker.parent), "MPLBACKEND": "Agg"})
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["calamine"] and result["started"] == []
    assert all(modes == ["info"] for modes in result["messages"].values()), result["messages"]
    assert (tracker.parent / "data" / "letters").is_dir() and (tracker.parent / "data" / "SI summary 2026-27 Q2.xlsx").exists()
    ours = [m for m in result["final"] if m.split(".")[0] in lite.PACKAGES]
    for heavy in ("spso_xl.outputs.libreoffice", "spso_xl.cli", "spso_xl.tracker.build", "spso_xl.new"):
        assert heavy not in ours, heavy  # processes, the command line, XlsxWriter: never on the Lite path

    # every distribution the Lite path imported is one requirements.txt names, one Pyodide or
    # xlwings Lite provides, or a dependency of those (which Pyodide's installer resolves itself)
    from importlib.metadata import PackageNotFoundError, packages_distributions, requires

    from packaging.requirements import Requirement

    dists = packages_distributions()
    used = {_canon(d) for m in result["final"] for d in dists.get(m.split(".")[0], [])}
    allowed, todo = set(), [*_names(lite.REQUIREMENTS), *lite.FROM_PYODIDE, "xlwings", "spso-xl"]
    while todo:
        name = _canon(todo.pop())
        if name in allowed:
            continue
        allowed.add(name)
        try:
            todo += [r.name for r in map(Requirement, requires(name) or []) if r.marker is None or r.marker.evaluate()]
        except PackageNotFoundError:
            pass
    assert used - allowed == set()


def _canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _names(requirements) -> list[str]:
    return [re.split(r"[<>=!~\[ ;]", r)[0] for r in requirements]


def test_requirements_txt_matches_the_wheels_dependencies_for_pyodide(tmp_path):
    """The spso-xl wheel is pure Python (py3-none-any), and what it asks Pyodide's installer
    for (its dependencies with markers evaluated for sys_platform 'emscripten') is exactly
    what requirements.txt lists plus xlwings, which Lite brings."""
    from packaging.markers import default_environment
    from packaging.requirements import Requirement

    src = tmp_path / "src"
    src.mkdir()
    for part in ("pyproject.toml", "README.md", "spso_xl", "udfs", "macros", "workbook/templates"):
        (shutil.copytree if (ROOT / part).is_dir() else shutil.copy2)(ROOT / part, src / part)
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path / "dist")], check=True, capture_output=True, timeout=300)
    [wheel] = (tmp_path / "dist").glob("*.whl")
    assert wheel.name == "spso_xl-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        metadata = z.read("spso_xl-0.1.0.dist-info/METADATA").decode()
        assert "Root-Is-Purelib: true" in z.read("spso_xl-0.1.0.dist-info/WHEEL").decode()
    assert not [n for n in names if n.endswith((".so", ".pyd", ".dylib"))]
    assert {"macros/lite.py", "udfs/__init__.py", "spso_xl/tracker/lite_edition.py", "spso_xl/tracker/read.py"} <= set(names)
    pyodide = default_environment() | {"sys_platform": "emscripten", "platform_system": "Emscripten", "extra": ""}
    wanted = {_canon(r.name) for r in map(Requirement, re.findall(r"^Requires-Dist: (.+)$", metadata, re.M))
              if r.marker is None or r.marker.evaluate(pyodide)}
    listed = {_canon(n) for n in [*_names(lite.REQUIREMENTS), *lite.FROM_PYODIDE]}
    assert wanted == (listed - {"lxml"}) | {"xlwings"}  # lxml: docxtpl's, named because Pyodide provides it
    runtime = {_canon(r.name) for r in map(Requirement, re.findall(r"^Requires-Dist: (.+)$", metadata, re.M))
               if "extra" not in str(r.marker)}
    assert runtime == wanted | {_canon(n) for n in lite.NOT_IN_LITE}  # each left out of Lite says why
    text = lite.requirements_txt("0.1.0")
    assert [line for line in text.splitlines() if not line.startswith("#")] == [*lite.REQUIREMENTS, *lite.FROM_PYODIDE]
    assert "spso_xl-0.1.0-py3-none-any.whl" in text


def test_the_reader_without_calamine_reads_the_same_tracker(built, monkeypatch):
    """Pyodide has no python-calamine: openpyxl reads the same values (tracker.sheet_values)."""
    fast = read_tracker(built[1])
    monkeypatch.setitem(sys.modules, "python_calamine", None)
    slow = read_tracker(built[1])
    for name in schema.SHEETS:
        assert slow.parsed[name].equals(fast.parsed[name]), name
    assert slow.problems == fast.problems

"""Building a tracker workbook (DESIGN §3) from the schema, with xlwings' own VBA.

XlsxWriter writes the file: Tables with calculated columns, dropdowns, conditional
formats, Names and Form Control buttons. The VBA project is copied at build time from
the installed xlwings' `quickstart.xlsm`, exactly as `xlwings quickstart` does: its
`SampleCall` macro runs `RunPython "import <workbook name>; <workbook name>.main()"`,
so an entry module named like the workbook is written beside it.

Every sheet gets a unique VBA codeName: `Cases` and `xlwings.conf` take the quickstart
project's `Sheet1` and `Sheet2` document modules, the others the next free `SheetN`, as
Excel itself numbers them (duplicate or missing codeNames make Excel repair the file).

The computed Cases columns are native INDEX picks from one `SI_CASES` spill on the hidden
Calc sheet (schema.CALC_FORMULA), so a recalculation calls Python once, not once per cell.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import zipfile
from pathlib import Path

import xlsxwriter

from spso_xl import __version__
from spso_xl.calendar.quarters import last_full_quarter, recent_quarters
from spso_xl.calendar.workdays import bank_holidays
from spso_xl.policy.settings import SPECS
from spso_xl.tracker import lite_edition, schema, today
from spso_xl.tracker.computed import compute_block
from spso_xl.tracker.councils import ORGANISATIONS
from spso_xl.tracker.read import tracker_from_sheets
from spso_xl.xlsx.refs import cell_position, cell_ref, column_letters, excel_serial

ENTRY_MODULE = '''"""xlwings entry module for the tracker workbook of the same name.

The workbook's buttons run xlwings' `SampleCall` macro, which imports the module named
like the workbook and calls `main()` (the `xlwings quickstart` convention).
"""

from macros import main

if __name__ == "__main__":  # run a button's action from Python against the open workbook
    import xlwings as xw

    xw.Book(__file__.replace(".py", ".xlsm")).set_mock_caller()
    main()
'''

# The xlwings.conf sheet: xlwings reads keys from A1 down to the first blank row, and a key
# present there overrides the xlwings ribbon even when its value is blank, so only keys
# that carry a value are written.
XLWINGS_CONF = (("UDF Modules", "udfs"),)
XLWINGS_CONF_NOTE = ("xlwings reads these settings from A1 down to the first blank row; each one overrides the "
                     "xlwings ribbon, even when blank. To point at a Python, add a row such as "
                     "Interpreter_Win | C:\\path\\to\\python.exe directly below (no blank row).")

# codeNames of the document modules in xlwings' quickstart VBA project; other sheets get the next free SheetN
CODE_NAMES = {"Cases": "Sheet1", "xlwings.conf": "Sheet2"}

SETUP = {  # the Instructions sheet's set-up section, per edition
    "classic": (
        ("Set-up, once per computer (desktop Excel; the SI_ functions need Windows and Excel 2021 or Microsoft 365)", "h"),
        ("1. Install Python 3.11 or later, then in a copy of the spso-xl repository: pip install .   "
         "(this installs xlwings too)", ""),
        ("2. Install the xlwings Excel add-in: xlwings addin install   (then restart Excel)", ""),
        ("3. In Excel: File > Options > Trust Center > Trust Center Settings > Macro Settings: tick "
         "'Trust access to the VBA project object model'. Import Functions writes a VBA module into this workbook "
         "and needs it.", ""),
        ("4. Open this tracker, enable macros, and on the xlwings ribbon tab click 'Import Functions', then press "
         "Ctrl+Alt+F9 (recalculate everything): xlwings does not recalculate after importing.", ""),
        ("   The grey columns on Cases then calculate. Until then they show #NAME? or #REF!.", ""),
        ("5. Keep the .py file that came with this workbook beside it and named like it: the buttons run it. "
         "A copy or a rename such as 'si_tracker (1).xlsm' breaks the buttons: give the workbook a name of letters, "
         "digits and underscores, then run: spso-xl doctor --fix NEWNAME.xlsm (it writes the matching .py).", ""),
        ("   spso-xl doctor TRACKER.xlsm checks this computer and this workbook (Python, xlwings, the add-in, the .py "
         "file, the xlwings.conf sheet, the Trust Center setting) and says how to fix each problem.", ""),
        ("6. If Python is not found, set the interpreter in the xlwings ribbon, or add a row Interpreter_Win "
         "(or Interpreter_Mac) with its full path directly below the rows of the xlwings.conf sheet.", ""),
        ("On a Mac the buttons work, the SI_ functions do not (xlwings runs them on Windows only): there the grey "
         "columns keep the values last stored in the file; spso-xl report TRACKER.xlsm computes them, or use the "
         "xlwings Lite edition.", ""),
        ("LibreOffice opens the tracker but recalculates the grey columns on opening and shows #NAME? there (the SI_ "
         "functions need xlwings): use spso-xl report TRACKER.xlsm, or the xlwings Lite edition.", ""),
        ("No Python or macros allowed on your PC? The xlwings Lite edition (spso-xl new --lite) runs in Excel on "
         "Windows, Mac and the web with nothing installed but an add-in.", "hint"),
    ),
    "lite": (
        ("Set-up (xlwings Lite: Excel on Windows, Mac or the web; no Python to install, no macros)", "h"),
        ("1. Open this workbook in Excel. It carries xlwings Lite and its code: the xlwings Lite pane opens on the right "
         "with this tracker's main.py and requirements.txt already in it (if Excel asks to add or trust the xlwings "
         "add-in, accept; if no pane opens: Home > Add-ins, search for xlwings, click Add).", ""),
        ("2. Once per computer, spso-xl's own code and the letter templates: xlwings Lite menu > Files > Import/Export, "
         "drop the 'personal' and 'templates' folders that came with this tracker there, then menu > Restart.", ""),
        ("   (If the pane's requirements.txt tab ends with the web address of the spso-xl wheel, your team serves "
         "spso-xl's code: drop only the 'templates' folder. See the README.)", ""),
        ("3. Once per workbook, run the script 'Enter formulas' in the pane: it enters the SI_CASES formula so that "
         "Excel ties it to xlwings Lite. The grey columns on Cases then calculate; if a cell still shows #NAME?, "
         "press Ctrl+Alt+F9 (Mac: Cmd+Option+F9).", ""),
        ("If the pane shows its sample code instead of this tracker's, paste the main.py and requirements.txt files "
         "that came with this tracker into its main.py and requirements.txt tabs.", "hint"),
        ("Optional: Settings > Workbook > App Mode turns the pane into one button per action.", ""),
    ),
}

BUTTONS = {  # how the actions are run, per edition
    "classic": (
        ("Buttons on Cases: select one or more rows, choose an action beside the button, click 'Run action':", ""),
        ("   Generate letters - the Word letter each level requires, logged in Letters and Actions.", ""),
        ("   Record chaser - one more Chaser, Last chased today.   Record escalation - the recommended level, notified today; "
         "clears Response received, Resolved, Recurred, Chasers, Last chased, Respond by.", ""),
        ("Summary: choose a quarter and click 'Build summary' for the quarterly report (policy paras 18-20).", ""),
    ),
    "lite": (
        ("Actions, in the xlwings Lite pane: select one or more case rows, choose the script, click its button (or F5):", ""),
        ("   Generate letters - the Word letter each level requires, logged in Letters and Actions.", ""),
        ("   Record chaser - one more Chaser, Last chased today.   Record escalation - the recommended level, notified today; "
         "clears Response received, Resolved, Recurred, Chasers, Last chased, Respond by.", ""),
        ("   In App Mode you can type the cases' Refs (e.g. SI-2026-005, SI-2026-009) instead of selecting rows.", ""),
        ("Summary: choose a quarter and click 'Build summary' (or run it from the pane) for the quarterly report "
         "(policy paras 18-20).", ""),
        ("'Check tracker' on Cases lists every cell the rules cannot read. Open the xlwings Lite pane once per session "
         "so that the sheet buttons work.", ""),
        ("Letters and summary workbooks are saved in xlwings Lite's file area: menu > Files > Import/Export, where you "
         "download them.", ""),
    ),
}


def instructions(edition: str) -> tuple:
    """The Instructions sheet's lines (text, style) for an edition."""
    return (
        ("SPSO Support and Intervention tracker", "title"),
        *SETUP[edition],
        ("Daily use", "h"),
        ("Cases: one row per issue. Type in the blue-headed columns; the grey-headed columns are computed:", ""),
        ("   Due (working days, Scottish holidays and the Holidays sheet), Status, Working days overdue,", ""),
        ("   Recommended level, Contact from and Reason (the policy paragraph or leaflet appendix row it rests on).", ""),
        ("   The recommendation is advice: the Level column records what you actually did.", ""),
        ("   One formula on the hidden Calc sheet, =SI_CASES(...), computes them for every row (one call to Python "
         "per recalculation); sorting and filtering the table keep working.", ""),
        *BUTTONS[edition],
        ("Today: the day's lists (overdue, due today, due soon, escalation recommended, chaser due, rows to check), "
         "computed by Excel itself from the Cases table; type an Owner at the top to see one person's cases. "
         "spso-xl digest sends the same lists by email.", ""),
        ("Holidays: add office closures (Kind = Closure) or bank holidays the office works (Kind = Working day).", ""),
        ("Contacts: who each function's letters go to (the SWF manager is not the complaints lead), with the levels they "
         "are written to at and the Salutation after 'Dear' (e.g. Dr Murray). Cases Theme: the Findings theme the issue "
         "is about; its letters cite that theme's upheld findings only.", ""),
        ("Letters: the Word templates (one per level of each scale: swf-level1..6, policy-level1..5 for Complaints and "
         "INWO) are in the 'templates' folder beside this workbook (with xlwings Lite: the copy uploaded under Files); edit "
         "them in Word (fields such as {{ recipient_name }} are listed in templates/README.md).", ""),
        ("Settings: response windows, recurrence and funnel-plot thresholds, quarter convention, letters folder, who signs "
         "each level's letters for each function (name, then title after a comma), each function's phone and website.", ""),
        ("Organisations: Scotland's councils and NHS boards are listed with their sector; add any other body you write "
         "to (a row here, or spso-xl import TRACKER FILE --into Organisations).", ""),
        ("Without Excel, the same from a terminal: spso-xl check / report / letters / summary / chase / escalate / add / "
         "update / import TRACKER  (--help for more); each change is logged in Actions with who made it (Settings: "
         "User).", ""),
        ("Values: dates as dd/mm/yyyy; Y/N columns accept Y, Yes, TRUE, 1; levels accept 3, L3, Level 3.", ""),
        ("Tabs may be renamed, moved or added, and tables given a Total Row: spso-xl finds each table by its name "
         "(Cases, Actions, Letters ...), so keep those names (Table Design > Table Name), one table of each.", ""),
        ("Custom functions", "h"),
        ("SI_CASES (the whole table), SI_WORKDAY, SI_NETWORKDAYS, SI_DEADLINE, SI_STATUS, SI_OVERDUE, SI_DAYS_OVERDUE, "
         "SI_LEVEL, SI_REASON, SI_CONTACT,", ""),
        ("SI_RECURRENCE, SI_UPHOLD and the array forms: see the function wizard (fx) for each one's arguments.", ""),
        ("Each grey header's note shows the single-case formula, e.g. =SI_LEVEL(...), to use in any cell.", ""),
    )


EDITIONS = tuple(SETUP)


def vba_project() -> bytes:
    """xlwings' own VBA (the RunPython caller) from the installed package's quickstart workbook."""
    import xlwings

    with zipfile.ZipFile(Path(xlwings.__file__).parent / "quickstart.xlsm") as z:
        return z.read("xl/vbaProject.bin")


def default_rows(as_of: dt.date) -> dict[str, list[dict]]:
    """What a new tracker holds: the councils and NHS boards with their sectors (`tracker.councils`), Scotland's
    bank holidays around today, every setting."""
    years = range(as_of.year - 1, as_of.year + 3)
    return {
        "Organisations": [{"Organisation": o["Organisation"], "Sector": o["Sector"]} for o in ORGANISATIONS],
        "Holidays": [{"Date": d, "Name": n, "Kind": "Bank holiday"}
                     for d, n in sorted(bank_holidays().items()) if d.year in years],
        "Settings": [{"Setting": s.key, "Value": s.default, "Notes": s.note} for s in SPECS],
    }


def build_workbook(path: Path, data: dict[str, list[dict]], as_of: dt.date, edition: str = "classic",
                   wheel_url: str | None = None) -> None:
    """Write the tracker workbook itself to `path` (a new file: `new.build_tracker` publishes it)."""
    _Builder(path, data, as_of, edition, wheel_url).build()


class _Builder:
    def __init__(self, path: Path, data: dict, as_of: dt.date, edition: str = "classic", wheel_url: str | None = None):
        self.path, self.data, self.as_of, self.edition, self.wheel_url = path, data, as_of, edition, wheel_url
        self.wb = xlsxwriter.Workbook(str(path), {"default_date_format": "dd/mm/yyyy", "strings_to_numbers": False,
                                                  "strings_to_formulas": False, "strings_to_urls": False})
        created = dt.datetime.combine(as_of, dt.time())
        self.wb.set_properties({"title": "SPSO Support and Intervention tracker", "created": created,
                                "author": "spso-xl", "comments": "Built by spso-xl; see the Instructions sheet"})
        if edition == "classic":
            self.wb.add_vba_project(io.BytesIO(vba_project()), is_stream=True)
            self.wb.set_vba_name("ThisWorkbook")
        # Cached values are stored for every formula (DESIGN §8), so readers that do not recalculate
        # show them; Excel recalculates on opening anyway, the file's calcId being older than its own.
        self.wb.calc_on_load = False
        f = self.wb.add_format
        self.fmt = {
            "date": f({"num_format": "dd/mm/yyyy"}),
            "input": f({"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E79", "text_wrap": True, "valign": "top"}),
            "computed": f({"bold": True, "font_color": "#000000", "bg_color": "#BFBFBF", "text_wrap": True, "valign": "top"}),
            "calc": f({"bg_color": "#F2F2F2", "font_color": "#404040"}),
            "calc_date": f({"bg_color": "#F2F2F2", "font_color": "#404040", "num_format": "dd/mm/yyyy"}),
            "wrap": f({"text_wrap": True, "valign": "top"}),
            "title": f({"bold": True, "font_size": 16, "font_color": "#1F4E79"}),
            "h": f({"bold": True, "font_size": 12, "font_color": "#1F4E79"}),
            "pick": f({"bg_color": "#FFF2CC", "border": 1, "bold": True}),
            "red": f({"bg_color": "#FFC7CE", "font_color": "#9C0006"}),
            "amber": f({"bg_color": "#FFEB9C", "font_color": "#9C5700"}),
            "hint": f({"italic": True, "font_color": "#595959"}),
            "plain": f({}),
        }
        self.shape_names = {}  # a Lite button's caption (its shape's alt text) -> the shape name its script expects

    def build(self):
        self.instructions()
        self.cases()
        self.summary()
        self.today()  # after Summary: the summary sheets a button adds go straight after Summary, as before
        for name in ("Organisations", "Contacts", "Findings", "Actions", "Holidays", "Settings", "Letters"):
            self.table(self.wb.add_worksheet(name), schema.SHEETS[name], 0)
        if self.edition == "classic":
            self.xlwings_conf()
        self.lists()
        self.calc()
        self.names()
        self.code_names()
        self.wb.get_worksheet_by_name("Instructions").activate()
        self.wb.close()
        _finish(self.path, self.shape_names, lite_edition.webextension_parts(lite_edition.workbook_requirements(
            __version__, _xlwings_version(), self.wheel_url)) if self.edition == "lite" else {})

    def code_names(self):
        free = (f"Sheet{i}" for i in itertools.count(1) if f"Sheet{i}" not in CODE_NAMES.values())
        for ws in self.wb.worksheets():
            ws.set_vba_name(CODE_NAMES.get(ws.name) or next(free))

    # --- sheets ------------------------------------------------------------------

    def table(self, ws, sheet: schema.Sheet, top: int):
        rows = self.data.get(sheet.name) or [{}]
        body = [[_cell(r.get(c.header)) for c in sheet.columns] for r in rows]
        columns = []
        for i, col in enumerate(sheet.columns):
            spec = {"header": col.header, "header_format": self.fmt["computed" if col.kind == "computed" else "input"]}
            if col.kind == "computed":
                spec["formula"] = file_formula(schema.pick_formula(col.header))
                spec["format"] = self.fmt["calc_date" if col.header == "Due" else "calc"]
            elif col.kind == "date":
                spec["format"] = self.fmt["date"]
            columns.append(spec)
            ws.set_column(i, i, col.width, self.fmt["date"] if col.kind == "date" else
                          self.fmt["wrap"] if col.width >= 40 else None)
        last = top + len(body)
        ws.add_table(top, 0, last, len(sheet.columns) - 1,
                     {"name": sheet.name, "columns": columns, "data": body, "style": "Table Style Medium 2"})
        ws.set_row(top, 32)
        ws.freeze_panes(top + 1, 1 if sheet is schema.CASES else 0)
        for i, col in enumerate(sheet.columns):
            self.validate(ws, top + 1, i, col)
            if col.kind == "computed":
                ws.write_comment(top, i, computed_note(col), {"x_scale": 3, "y_scale": 1.6})
            elif col.note:
                ws.write_comment(top, i, col.note, {"x_scale": 2, "y_scale": 0.8})
        return last

    def validate(self, ws, first_row: int, col: int, column: schema.Column):
        rng = (first_row, col, first_row + 4999, col)
        if column.kind == "org":
            source = "=OrganisationList"
        elif column.choices:
            source = f"={column.choices}List"
        elif column.kind == "date":
            ws.data_validation(*rng, {"validate": "date", "criteria": "between", "minimum": dt.date(1990, 1, 1),
                                      "maximum": dt.date(2100, 12, 31), "error_type": "warning",
                                      "error_title": column.header, "error_message": "Type a date as dd/mm/yyyy."})
            return
        else:
            return
        ws.data_validation(*rng, {"validate": "list", "source": source, "error_type": "warning",
                                  "error_title": column.header,
                                  "error_message": "Not in the list: spso-xl check will flag it unless it is a "
                                                   "variant it understands (e.g. L3 for a level)."})

    def instructions(self):
        ws = self.wb.add_worksheet("Instructions")
        ws.set_column(0, 0, 120)
        ws.hide_gridlines(2)
        lines = instructions(self.edition)
        for r, (text, style) in enumerate(lines):
            ws.write_string(r + (1 if style == "h" else 0) + sum(1 for t, s in lines[:r] if s == "h"), 0,
                            text, self.fmt.get(style))

    def cases(self):
        ws = self.wb.add_worksheet("Cases")
        ws.write_string(0, 0, "Support and Intervention cases", self.fmt["title"])
        if self.edition == "classic":
            ws.write_string(0, 3, "Action for the selected rows:", self.fmt["hint"])
            ws.write_string(0, 5, schema.CASE_ACTIONS[0], self.fmt["pick"])
            ws.data_validation(0, 5, 0, 5, {"validate": "list", "source": list(schema.CASE_ACTIONS)})
            ws.insert_button(0, 7, {"macro": "SampleCall", "caption": "Run action", "width": 110, "height": 36})
            how = "Select rows, pick an action, click Run action."
        else:
            self.lite_button(ws, schema.LITE_BUTTONS["check_tracker"])
            how = ("Select rows, then run Generate letters, Record chaser or Record escalation in the xlwings Lite "
                   "pane.")
        ws.write_string(1, 0, f"Blue headers: type here. Grey headers: computed by the SI_ functions. {how}",
                        self.fmt["hint"])
        top = schema.CASES_HEADER_ROW - 1
        last = self.table(ws, schema.CASES, top)
        self.computed = computed_values(self.data, self.as_of)
        for i, values in enumerate(self.computed):
            for header, value in zip(schema.COMPUTED, values):
                col = schema.CASES.headers.index(header)
                ws.write_dynamic_array_formula(top + 1 + i, col, top + 1 + i, col,
                                               file_formula(schema.pick_formula(header)),
                                               self.fmt["calc_date" if header == "Due" else "calc"], _cached(value))
        status = column_letters(schema.CASES.headers.index("Status") + 1)
        span = (top + 1, 0, max(last, top + 2000), len(schema.CASES.columns) - 1)
        first = top + 2
        ws.conditional_format(*span, {"type": "formula", "criteria": f'=${status}{first}="OVERDUE"',
                                      "format": self.fmt["red"]})
        ws.conditional_format(*span, {"type": "formula",
                                      "criteria": f'=OR(${status}{first}="DUE TODAY",${status}{first}="DUE SOON")',
                                      "format": self.fmt["amber"]})
        self.wb.define_name(schema.ACTION_CELL, f"=Cases!{cell_ref(1, 6, absolute=True)}")

    def today(self):
        """The Today sheet (DESIGN §15): each section of the day as a native FILTER/SORT over the Cases table
        (no Python call), side by side, with the values for the build date cached (DESIGN §8)."""
        ws = self.wb.add_worksheet(today.TODAY_SHEET)
        ws.write_string(0, 0, "Today: the day's lists", self.fmt["title"])
        ws.write_string(1, 0, "Each list is computed by Excel itself (FILTER and SORT over the Cases table, no Python "
                              "call), earliest Due first: the same lists as spso-xl digest. Letters to write: the "
                              "Generate letters button, or spso-xl letters --due.", self.fmt["hint"])
        ws.write_string(2, 0, f"Stored on {self.as_of:%d/%m/%Y}; Excel keeps the lists current", self.fmt["hint"])
        ws.write_string(2, 3, "Owner:", self.fmt["h"])
        ws.write_blank(2, 4, None, self.fmt["pick"])
        ws.write_string(2, 5, "blank: everyone's cases; type an Owner to see only theirs", self.fmt["hint"])
        self.wb.define_name(today.OWNER_CELL, f"={today.TODAY_SHEET}!$E$3")
        inputs = self.data.get("Cases") or [{}]
        rows = [dict(r) | dict(zip(schema.COMPUTED, values)) for r, values in zip(inputs, self.computed)]
        lists = today.today_rows(rows)
        width = len(today.COLUMNS) + 1
        for k, section in enumerate(s for s in today.SECTIONS if today.on_today(s)):
            c0 = k * width
            hits = lists[section.key]
            title = f'="{section.title} ("&{today.count_formula(section)[1:]}&")"'
            ws.write_dynamic_array_formula(4, c0, 4, c0, title, self.fmt["h"], f"{section.title} ({len(hits)})")
            ws.write_string(5, c0, section.meaning, self.fmt["hint"])
            for j, (heading, _, w) in enumerate(today.COLUMNS):
                ws.write_string(6, c0 + j, heading, self.fmt["computed"])
                ws.set_column(c0 + j, c0 + j, w, self.fmt["date"] if heading == "Due" else
                              self.fmt["wrap"] if w >= 40 else None)
            ws.set_column(c0 + width - 1, c0 + width - 1, 3)
            grid = [[_cached(v) for v in (r.get("Ref"), r.get("Organisation"), r.get("Level"), r.get("Due"),
                                          r.get("Working days overdue"), r.get("Owner"), r.get("Reason"))]
                    for r in hits] or [[today.NONE]]
            grid = [["" if v is None else v for v in row] for row in grid]
            ws.write_dynamic_array_formula(7, c0, 7 + len(grid) - 1, c0 + len(grid[0]) - 1,
                                           today.list_formula(section), None, grid[0][0])
            for i, row in enumerate(grid):
                for j, value in enumerate(row):
                    if i or j:  # the rest of the spill holds plain values, as Excel stores one
                        ws.write(7 + i, c0 + j, value, self.fmt["date"] if j == today.DUE_COLUMN - 1 else None)
        ws.freeze_panes(7, 0)

    def summary(self):
        ws = self.wb.add_worksheet(schema.SUMMARY_SHEET)
        ws.set_column(0, 0, 22)
        ws.set_column(1, 1, 16)
        ws.write_string(0, 0, "Quarterly summary", self.fmt["title"])
        ws.write_string(2, 0, "Quarter:", self.fmt["h"])
        convention = next((r["Value"] for r in self.data["Settings"] if r["Setting"] == "Quarter convention"),
                          "Financial") or "Financial"
        ws.write_string(2, 1, last_full_quarter(self.as_of, str(convention)).label, self.fmt["pick"])
        ws.data_validation(2, 1, 2, 1, {"validate": "list", "source": "=QuarterList", "error_type": "warning"})
        if self.edition == "classic":
            ws.insert_button(2, 3, {"macro": "SampleCall", "caption": "Build summary", "width": 120, "height": 30})
        else:
            self.lite_button(ws, schema.LITE_BUTTONS["build_summary"])
        ws.write_string(4, 0, "Builds a sheet 'Summary <quarter>' here and a standalone workbook beside the tracker: "
                              "level 1-2 actions by trigger, area and organisation; every level 3+ action; "
                              "uphold-rate funnel plot (policy paras 18-20).", self.fmt["hint"])
        self.wb.define_name(schema.QUARTER_CELL, f"={schema.SUMMARY_SHEET}!$B$3")

    def lite_button(self, ws, button: schema.SheetButton):
        """A shape whose hyperlink selects the cell behind it: xlwings Lite runs the script named for it."""
        row, col = (n - 1 for n in cell_position(button.cell))  # XlsxWriter counts from 0
        ws.insert_textbox(row, col, button.caption, {
            "width": 120, "height": 30, "url": f"internal:'{button.sheet}'!{button.cell}", "tip": button.caption,
            "description": button.caption, "font": {"bold": True, "color": "white"},
            "align": {"vertical": "middle", "horizontal": "center"}, "fill": {"color": "#1F4E79"},
            "line": {"color": "#1F4E79"}})
        self.shape_names[button.caption] = button.shape

    def xlwings_conf(self):
        ws = self.wb.add_worksheet("xlwings.conf")
        ws.set_column(0, 0, 22)
        ws.set_column(1, 1, 40)
        for r, (key, value) in enumerate(XLWINGS_CONF):
            ws.write_string(r, 0, key)
            ws.write(r, 1, value)
        ws.write_string(0, 3, XLWINGS_CONF_NOTE, self.fmt["hint"])

    def calc(self):
        """The hidden sheet whose one SI_CASES formula computes every Cases row (a dynamic array)."""
        ws = self.wb.add_worksheet(schema.CALC_SHEET)
        for c, header in enumerate(schema.COMPUTED):
            ws.write_string(0, c, header, self.fmt["computed"])
            ws.set_column(c, c, schema.CASES.column(header).width, self.fmt["date"] if header == "Due" else None)
        row, col = (n - 1 for n in cell_position(schema.CALC_ANCHOR))  # XlsxWriter counts from 0
        spill = self.computed
        ws.write_dynamic_array_formula(row, col, row + len(spill) - 1, col + len(schema.COMPUTED) - 1,
                                       schema.CALC_FORMULA, None, _cached(spill[0][0]))
        for i, values in enumerate(spill):
            for j, value in enumerate(values):
                if not (i or j):
                    continue  # the rest of the spill holds plain values, as Excel stores one
                if value == "":
                    ws.write_blank(row + i, col + j, None, self.fmt["date" if j == 0 else "plain"])
                else:
                    ws.write(row + i, col + j, value)
        ws.write_string(0, len(schema.COMPUTED) + 1,
                        "This one formula computes the grey columns of every Cases row (one Python call per "
                        "recalculation); the Cases columns pick their row from it. Do not type here.",
                        self.fmt["hint"])
        ws.hide()

    def lists(self):
        ws = self.wb.add_worksheet("Lists")
        convention = "Financial"
        lists = dict(schema.LISTS, Quarter=tuple(q.label for q in recent_quarters(self.as_of, convention, 12)))
        self.list_ranges = {}
        for c, (key, values) in enumerate(lists.items()):
            ws.write_string(0, c, key)
            for r, v in enumerate(values, start=1):
                ws.write(r, c, v)
            col = column_letters(c + 1)
            self.list_ranges[key] = f"=Lists!${col}$2:${col}${len(values) + 1}"
        ws.hide()

    def names(self):
        for key, ref in self.list_ranges.items():
            self.wb.define_name(f"{key}List", ref)
        self.wb.define_name("OrganisationList", "=Organisations[Organisation]")
        self.wb.define_name("ThemeList", "=Findings[Theme]")  # the Cases Theme dropdown: the themes Findings use
        self.wb.define_name(schema.CLOSURES_NAME, "=Holidays[[Date]:[Kind]]")


def file_formula(formula: str) -> str:
    """A formula as the file stores it: the spill reference `A1#` is `_xlfn.ANCHORARRAY(A1)`."""
    return re.sub(r"((?:[A-Za-z_][\w.]*!)?\$?[A-Z]{1,3}\$?\d+)#", r"_xlfn.ANCHORARRAY(\1)", formula)


def computed_note(column: schema.Column) -> str:
    """A computed header's comment: where the value comes from, and the single-case formula."""
    return (f"Computed for every row at once by =SI_CASES(...) on the hidden {schema.CALC_SHEET} sheet: one Python "
            f"call per recalculation. Leave these cells alone. The same for one case, in any cell:\n"
            f"{column.example}")


def computed_values(data: dict, as_of: dt.date) -> list[list]:
    """The six computed columns of every Cases row as of the build date (what SI_CASES gives),
    read from the rows as the tracker reader would read them from the file."""
    grids = {name: [list(sheet.headers)] + [[r.get(h) for h in sheet.headers] for r in data.get(name) or [{}]]
             for name, sheet in schema.SHEETS.items()}
    grids["Cases"] = [[] for _ in range(schema.CASES_HEADER_ROW - 1)] + grids["Cases"]
    tracker = tracker_from_sheets(grids)
    inputs = [c.header for c in schema.CASES.inputs]
    block = [inputs] + [[_cell(r.get(h)) for h in inputs] for r in data.get("Cases") or [{}]]
    return compute_block(block, as_of, tracker.settings, tracker.calendar)


def _cached(value):
    """A computed value as a formula cell's cached value: dates as Excel serial numbers."""
    return excel_serial(value) if isinstance(value, dt.date) else value


def _xlwings_version() -> str:
    from importlib.metadata import version

    return version("xlwings")


def _finish(path: Path, names: dict[str, str], parts: dict[str, bytes]) -> None:
    """What XlsxWriter cannot write, in one pass over the package:
    - shapes, found by their alt text, get the names their Lite scripts expect (XlsxWriter calls every
      one 'TextBox n');
    - a table column whose formula is a dynamic array (a spill reference: `_xlfn.ANCHORARRAY`) is marked
      `calculatedColumnFormula array="1"`, as Excel marks one (its cells are array formulas), so the rows
      Excel adds to the table get an array formula too;
    - the Lite edition's web-extension parts (lite_edition.webextension_parts): new parts added, and the
      content types and package relationships they need appended to those parts."""
    with zipfile.ZipFile(path) as z:
        entries = [(info, z.read(info)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in entries:
            if info.filename.startswith("xl/drawings/drawing"):
                for caption, name in names.items():
                    data = re.sub(rf'name="TextBox \d+" descr="{re.escape(caption)}"'.encode(),
                                  f'name="{name}" descr="{caption}"'.encode(), data)
            elif info.filename.startswith("xl/tables/table"):
                data = re.sub(rb"<calculatedColumnFormula>(?=[^<]*_xlfn\.ANCHORARRAY\()",
                              b'<calculatedColumnFormula array="1">', data)
            elif info.filename == "[Content_Types].xml" and info.filename in parts:
                data = data.replace(b"</Types>", parts[info.filename] + b"</Types>")
            elif info.filename == "_rels/.rels" and info.filename in parts:
                data = data.replace(b"</Relationships>", parts[info.filename] + b"</Relationships>")
            z.writestr(info, data)
        for name, data in parts.items():
            if name not in ("[Content_Types].xml", "_rels/.rels"):
                z.writestr(name, data)


def _cell(value):
    """A value as XlsxWriter should write it: dates stay dates, blanks stay blank."""
    if isinstance(value, dt.datetime):
        return value.date()
    return value

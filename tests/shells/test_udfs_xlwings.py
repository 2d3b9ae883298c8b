"""The custom functions called the way Excel calls them: through xlwings' server-side
custom-function entry point, so the @xw.arg/@xw.ret conversions run for real.

Excel sends every argument as a 2D array: dates as serial numbers, blanks as "", errors
as error objects; omitted optional arguments as null. Dates come back as serials.
"""

import asyncio
import datetime as dt
import re

import pytest
import xlwings as xw
import xlwings.server

import udfs
from spso_xl.tracker import schema
from spso_xl.tracker.build import default_rows
from spso_xl.calendar.dates import from_serial
from spso_xl.xlsx.refs import excel_serial
from tests.support.dates import AS_OF

NA = {"type": "Error", "errorType": "NotAvailable", "basicValue": "#N/A"}
BLANK = ""


def excel(value):
    """A Python value as Excel's client sends it."""
    if isinstance(value, dt.date):
        return excel_serial(value)
    return value


def call(name, *args):
    """Call a UDF as Excel would; returns the single cell (or the array) Excel gets back."""
    payload = {"func_name": name, "version": xw.__version__, "client": "Office.js", "runtime": "1.2",
               "args": [None if a is None else
                        [[excel(v) for v in row] for row in a] if isinstance(a, list) else [[excel(a)]]
                        for a in args]}
    out = asyncio.run(xlwings.server.custom_functions_call(payload, udfs))
    return out[0][0] if len(out) == 1 and len(out[0]) == 1 else out


def as_date(serial):
    return from_serial(serial)


def holidays_range(extra=()):
    rows = [[r["Date"], r["Name"], r["Kind"]] for r in default_rows(dt.date(2026, 11, 22))["Holidays"]]
    return [["Date", "Name", "Kind"]] + rows + [list(e) for e in extra]


SETTINGS = [[r["Setting"], r["Value"], r["Notes"]] for r in default_rows(dt.date(2026, 11, 22))["Settings"]]


def test_every_function_is_registered_with_xlwings():
    meta = xlwings.server.custom_functions_meta(udfs)
    names = {f["name"] for f in meta["functions"]}
    assert names == set(udfs.__all__)
    level = next(f for f in meta["functions"] if f["name"] == "SI_LEVEL")
    assert [p["name"] for p in level["parameters"]][:3] == ["level", "trigger", "status"]
    assert level["parameters"][-1].get("optional") is True


def test_deadline_through_xlwings_with_closures_and_settings():
    due = call("SI_DEADLINE", dt.date(2026, 11, 20), "L2", BLANK, BLANK, "SWF", BLANK, holidays_range(), SETTINGS)
    assert as_date(due) == dt.date(2026, 12, 7)  # St Andrew's Day skipped
    closed = holidays_range([(dt.date(2026, 12, 7), "Office move", "Closure")])
    assert as_date(call("SI_DEADLINE", dt.date(2026, 11, 20), 2, BLANK, BLANK, BLANK, BLANK, closed, SETTINGS)) == \
        dt.date(2026, 12, 8)
    worked = holidays_range([(dt.date(2026, 11, 30), "Saint Andrew's Day", "Working day")])
    assert as_date(call("SI_DEADLINE", dt.date(2026, 11, 20), 2, None, None, None, None, worked)) == dt.date(2026, 12, 4)


def test_blank_and_no_deadline_give_an_empty_cell():
    assert call("SI_DEADLINE", BLANK, 2) == ""
    assert call("SI_DEADLINE", dt.date(2026, 11, 20), 6, BLANK, BLANK, "SWF") == ""
    assert call("SI_CONTACT", BLANK) == ""


def test_bad_input_is_a_hash_message_naming_the_value():
    assert call("SI_DEADLINE", "31/02/2026", 2) == "#DATE? '31/02/2026' is not a date"
    assert call("SI_DEADLINE", dt.date(2026, 11, 20), "Level 9") == "#LEVEL? 'Level 9' is not a level: use 1-6 (SWF scale)"
    assert call("SI_LEVEL", 2, "Overdue stuff", "OVERDUE", 0, "", "", "", "", "").startswith("#TRIGGER? 'Overdue stuff'")
    assert call("SI_WORKDAY", NA, 3).startswith("#DATE? '#N/A' is not a date")  # err_to_str: the error, never a blank
    assert call("SI_WORKDAY", dt.date(2026, 1, 5), "ten").startswith("#DAYS? 'ten'")


def test_status_overdue_and_days_overdue():
    due = dt.date(2026, 12, 7)
    assert call("SI_STATUS", due, BLANK, dt.date(2026, 12, 3)) == "DUE SOON"
    assert call("SI_STATUS", due, BLANK, dt.date(2026, 12, 8), BLANK, SETTINGS) == "OVERDUE"
    assert call("SI_STATUS", due, dt.date(2026, 12, 9), dt.date(2026, 12, 10)) == "RESPONDED LATE"
    assert call("SI_OVERDUE", due, BLANK, dt.date(2026, 12, 8)) is True
    assert call("SI_OVERDUE", due, dt.date(2026, 12, 1), dt.date(2026, 12, 8)) is False
    assert call("SI_DAYS_OVERDUE", due, BLANK, dt.date(2026, 12, 14), holidays_range()) == 5


def test_level_reason_and_contact_cite_the_policy():
    args = (2, "information overdue", "OVERDUE", 2, "", "", "", "", "", "SWF")
    assert call("SI_LEVEL", *args) == 3
    reason = call("SI_REASON", *args, BLANK, BLANK, BLANK, BLANK, dt.date(2026, 12, 4))
    assert reason.startswith("Escalate to level 3") and "04/12/2026" in reason and "leaflet §3 level 2" in reason
    assert call("SI_CONTACT", 3, "SWF") == "Head of Service"
    assert call("SI_CONTACT", "L4", "Complaints") == "Ombudsman"
    assert call("SI_LEVEL", "", "Advice requested", "", "", "", "", "", "", "") == 0
    assert call("SI_CONTACT", 1, "INWO") == "SPSO officer"


def test_level_reads_the_chaser_window_through_xlwings():
    """A chaser gives the organisation the chaser window (Settings, 5 working days) before the next step."""
    args = (1, "Information overdue", "OVERDUE", 2, "", "", "", "", "", "SWF", dt.date(2026, 12, 7))
    assert call("SI_LEVEL", *args, dt.date(2026, 12, 14), holidays_range(), SETTINGS) == 1
    assert call("SI_LEVEL", *args, dt.date(2026, 12, 15), holidays_range(), SETTINGS) == 2
    reason = call("SI_REASON", *args, dt.date(2026, 12, 14), holidays_range(), SETTINGS, dt.date(2026, 12, 4))
    assert "until 14/12/2026" in reason
    closed = holidays_range([(dt.date(2026, 12, 14), "Office move", "Closure")])
    assert call("SI_LEVEL", *args, dt.date(2026, 12, 15), closed, SETTINGS) == 1  # the window moved a day


def test_deadline_non_payment_of_an_award_is_urgent_unless_n():
    notified = dt.date(2026, 11, 20)
    assert as_date(call("SI_DEADLINE", notified, 2, BLANK, BLANK, "SWF", "Non-payment of award")) == \
        dt.date(2026, 11, 24)
    assert as_date(call("SI_DEADLINE", notified, 2, "N", BLANK, "SWF", "Non-payment of award")) == \
        dt.date(2026, 12, 7)
    assert as_date(call("SI_DEADLINE", notified, 6, BLANK, dt.date(2027, 1, 8), "SWF")) == dt.date(2027, 1, 8)


def test_workday_matches_excel_semantics_through_xlwings():
    sat = dt.date(2026, 11, 28)
    assert as_date(call("SI_WORKDAY", sat, 0)) == sat
    assert as_date(call("SI_WORKDAY", sat, 1.9)) == dt.date(2026, 12, 1)
    assert as_date(call("SI_WORKDAY", "28/11/2026", -1)) == dt.date(2026, 11, 27)
    assert call("SI_NETWORKDAYS", dt.date(2026, 12, 4), dt.date(2026, 11, 23)) == -9


def test_array_forms_spill_a_column():
    starts = [[dt.date(2026, 11, 20)], [BLANK], [dt.date(2026, 12, 18)]]
    out = call("SI_WORKDAY_ARRAY", starts, 10, holidays_range())
    assert [as_date(r[0]) if r[0] != "" else "" for r in out] == [dt.date(2026, 12, 7), "", dt.date(2027, 1, 7)]
    levels = call("SI_LEVEL_ARRAY", [[2], [1], ["L9"]], [["Information overdue"]] * 3, [["OVERDUE"]] * 3,
                  [[2], [0], [0]], [[""]] * 3, [[""]] * 3, [[""]] * 3, [[""]] * 3, [[""]] * 3)
    assert levels[:2] == [[3], [1]] and levels[2][0].startswith("#LEVEL?")
    dues = call("SI_DEADLINE_ARRAY", [[dt.date(2026, 11, 20)], [dt.date(2026, 11, 20)]], [[2], [6]])
    assert as_date(dues[0][0]) == dt.date(2026, 12, 7) and dues[1][0] == ""


FINDINGS = [["Case ref", "Organisation", "Function", "Decision date", "Outcome", "Theme", "Fed back"]] + [
    [f"C{i}", "Fife Council", "SWF", dt.date(2026, 1 + i, 10), "Upheld", "Delay", "Y"] for i in range(4)] + [
    [f"D{i}", "Angus Council", "SWF", dt.date(2026, 2, 1), "Not upheld", "Delay", "N"] for i in range(30)] + [
    [f"E{i}", "Moray Council", "SWF", dt.date(2026, 2, 1), "Not upheld" if i % 2 else "Upheld", "Delay", "N"]
    for i in range(30)] + [
    [f"F{i}", "Fife Council", "SWF", dt.date(2025, 6, 1), "Upheld", "Communication", "Y"] for i in range(8)]


def test_recurrence_and_uphold_over_the_findings_table():
    # fed back in every decision, the last (C3) included: nothing upheld since shows it unresolved (row 2, not row 4)
    assert call("SI_RECURRENCE", "fife council", "delay", FINDINGS, dt.date(2026, 11, 22), SETTINGS) == (
        "4 upheld findings in 12 months: recurrent, last fed back 10/04/2026, none upheld since (Recurred = N)")
    once = [r[:6] + ["Y" if r[0] == "C1" else "N"] if r[0] in ("C1", "C2", "C3") else r for r in FINDINGS]
    assert call("SI_RECURRENCE", "fife council", "delay", once, dt.date(2026, 11, 22), SETTINGS) == (
        "4 upheld findings in 12 months: recurrent, last fed back 10/02/2026, 2 upheld since (Recurred = Y)")
    assert call("SI_RECURRENCE", "Fife Council", "Delay", FINDINGS, dt.date(2027, 3, 1), SETTINGS) == (
        "2 upheld findings in 12 months: not recurrent")
    assert call("SI_RECURRENCE", "Fife Council", "Delay", FINDINGS, dt.date(2026, 11, 22), SETTINGS,
                "Complaints") == "0 upheld findings in 12 months: not recurrent"
    assert call("SI_UPHOLD", "Fife Council", FINDINGS) == "abnormally high"
    assert call("SI_UPHOLD", "Fife Council", FINDINGS, BLANK, BLANK, BLANK, BLANK, "Complaints") == ""
    table = call("SI_UPHOLD_TABLE", FINDINGS)
    assert table[0][:4] == ["function", "sector", "organisation", "n"] and len(table) == 4
    # each organisation against its own sector: Fife alone in its sector cannot be judged
    orgs = [["Organisation", "Sector"], ["Fife Council", "Island councils"], ["Angus Council", "Councils"],
            ["Moray Council", "Councils"]]
    assert call("SI_UPHOLD", "Fife Council", FINDINGS, BLANK, BLANK, SETTINGS, orgs) == "too few to judge"
    assert call("SI_UPHOLD", "Angus Council", FINDINGS, BLANK, BLANK, SETTINGS, orgs) == "low"


# --- SI_CASES: the tracker's one call per recalculation ------------------------------------------


def table_values(path, name: str, first: str | None = None, last: str | None = None, headers: bool = True):
    """A table's columns first..last as Excel's client sends them (dates as serials, blanks as "")."""
    import openpyxl
    from openpyxl.utils import range_boundaries

    for ws in openpyxl.load_workbook(path).worksheets:
        if name in ws.tables:
            c1, r1, c2, r2 = range_boundaries(ws.tables[name].ref)
            rows = [list(r) for r in ws.iter_rows(min_row=r1, max_row=r2, min_col=c1, max_col=c2, values_only=True)]
    a = rows[0].index(first) if first else 0
    b = rows[0].index(last) + 1 if last else len(rows[0])
    return [["" if v is None else excel(v.date() if isinstance(v, dt.datetime) else v) for v in r[a:b]]
            for r in rows[0 if headers else 1:]]


def per_row(example: str, row: dict, as_of, closures, settings):
    """A computed column's single-case formula (its header note), evaluated for one row the way
    Excel would: each argument resolved, then the function called through xlwings."""
    name, args = re.fullmatch(r"=(SI_\w+)\((.*)\)", example).groups()
    values = []
    for arg in re.split(r",(?![^\[]*\])", args):
        if ref := re.fullmatch(r"Cases\[@\[(.+)\]\]", arg):
            values.append(row[ref.group(1)])
        else:
            values.append({"TODAY()": excel(as_of), "Closures": closures, "Settings[]": settings}[arg])
    return call(name, *values)


def test_si_cases_equals_the_per_row_functions_row_by_row(demo_tracker):
    """The Calc sheet's one formula, =SI_CASES(Cases[[#All],[Ref]:[Closed]],,Closures,Settings[]),
    gives every row what the single-case formulas in the header notes give it, cell by cell."""
    block = table_values(demo_tracker, "Cases", "Ref", "Closed")
    closures = table_values(demo_tracker, "Holidays", "Date", "Kind", headers=False)
    settings = table_values(demo_tracker, "Settings", headers=False)
    spill = call("SI_CASES", block, AS_OF, closures, settings)
    assert len(spill) == len(block) - 1 and {len(r) for r in spill} == {len(schema.COMPUTED)}
    statuses = set()
    for cells, values in zip(spill, block[1:]):
        row = dict(zip(block[0], values))
        for header in schema.COMPUTED:  # in order: Status needs Due, Reason needs Status
            row[header] = per_row(schema.CASES.column(header).example, row, AS_OF, closures, settings)
        assert cells == [row[h] for h in schema.COMPUTED], row["Ref"]
        statuses.add(row["Status"])
    assert {"OVERDUE", "ON TRACK", "DUE SOON"} <= statuses  # the demo exercises the rules, not blanks


def test_si_cases_blank_rows_bad_cells_and_a_block_without_headers():
    headers = list(schema.CASES.headers[:schema.CASES.headers.index("Closed") + 1])
    row = dict.fromkeys(headers, BLANK) | {"Ref": "SI-1", "Organisation": "Fife Council", "Function": "SWF",
                                           "Trigger": "Information overdue", "Level": 1,
                                           "Date notified": excel(dt.date(2026, 11, 2))}
    bad = row | {"Ref": "SI-2", "Date notified": "31/02/2026"}
    spill = call("SI_CASES", [headers, list(row.values()), [BLANK] * len(headers), list(bad.values())], AS_OF)
    assert as_date(spill[0][0]) == dt.date(2026, 11, 16) and spill[0][1] == "OVERDUE"
    assert spill[1] == [""] * 6  # a blank row stays blank
    assert spill[2][:5] == ["", "CHECK", "", "", ""]  # DESIGN §3: the row says CHECK, its Reason says why
    assert spill[2][5] == "#DATE? '31/02/2026' is not a date (Date notified)"
    assert call("SI_CASES", [headers, list(row.values())], None) == \
        call("SI_CASES", [headers, list(row.values())], dt.date.today())  # as the Calc formula calls it
    headless = call("SI_CASES", [list(row.values())], AS_OF)  # Cases[] instead of Cases[[#All],...]
    assert headless[0][1].startswith("#CASES? the column") and "header row" in headless[0][1]


REF = {"type": "Error", "errorType": "Ref", "basicValue": "#REF!"}


def _block(**cells):
    headers = list(schema.CASES.headers[:schema.CASES.headers.index("Closed") + 1])
    row = dict.fromkeys(headers, BLANK) | {"Ref": "SI-1", "Organisation": "Fife Council", "Function": "SWF",
                                           "Trigger": "Information overdue", "Level": 1,
                                           "Date notified": excel(dt.date(2026, 11, 2))}
    return [headers, list((row | cells).values())]


@pytest.mark.parametrize("header", ["Date notified", "Level", "Urgent", "Respond by", "Chasers", "Closed", "Function"])
def test_an_error_value_in_a_cases_cell_says_check_and_names_its_column(header):
    """An error value in any input cell (Office.js sends it as an error object) is a visible message
    naming its column, not a blank: a #REF! in Date notified must not read as 'not notified yet'."""
    [row] = call("SI_CASES", _block(**{header: REF}), AS_OF)
    assert row[:5] == ["", "CHECK", "", "", ""]
    assert row[5] == f"#ERROR? the cell shows the error #REF!, not a value: fix its formula or type the value ({header})"


def test_an_error_value_in_a_per_row_argument_is_named_not_blank():
    assert call("SI_DEADLINE", REF, 2).startswith("#DATE? '#REF!' is not a date")
    assert call("SI_STATUS", dt.date(2026, 12, 7), REF, dt.date(2026, 12, 8)).startswith("#DATE? '#REF!' is not a date")
    assert call("SI_LEVEL", REF, "Information overdue", "OVERDUE", 2, "", "", "", "", "").startswith("#LEVEL? '#REF!'")
    assert call("SI_CONTACT", 3, REF).startswith("#FUNCTION? '#REF!'")
    # text the function only looks up (an organisation, a theme) would find nothing and say so quietly
    assert call("SI_RECURRENCE", REF, "Delay", FINDINGS) == "#ERROR? organisation is the error #REF!: fix the cell it comes from"
    assert call("SI_UPHOLD", "Fife Council", FINDINGS, REF).startswith("#DATE? '#REF!'")


def test_si_cases_recomputes_a_changed_row_and_only_that_one(monkeypatch):
    """An edit changes one row: the others come from the cache, and the answer equals a fresh computation,
    whatever was cached before (the day, Closures and Settings are part of the fingerprint)."""
    import udfs as module

    headers, row = _block()
    block = [headers] + [[f"SI-{i}"] + row[1:] for i in range(50)]
    computed = []
    real = module.compute_block
    monkeypatch.setattr(module, "compute_block", lambda rows, *a: computed.append(len(rows) - 1) or real(rows, *a))
    module._CASES.__init__()
    first = call("SI_CASES", block, AS_OF)
    assert computed == [50]
    assert call("SI_CASES", block, AS_OF) == first and computed == [50]  # unchanged: not computed again
    block[7][headers.index("Date notified")] = excel(dt.date(2026, 11, 16))
    second = call("SI_CASES", block, AS_OF)
    assert computed == [50, 1] and second[6] != first[6] and second[:6] + second[7:] == first[:6] + first[7:]
    module._CASES.__init__()
    assert call("SI_CASES", block, AS_OF) == second  # the same as computing afresh
    later = call("SI_CASES", block, dt.date(2026, 12, 21))  # another day: every row again
    assert computed[-1] == 50 and later != second
    settings = [["Chaser working days", 9, ""]]
    computed.clear()
    call("SI_CASES", block, dt.date(2026, 12, 21), None, settings)
    assert computed == [50]  # other Settings: every row again
    block[3][headers.index("Level")] = True  # TRUE is not 1: a different row
    call("SI_CASES", block, dt.date(2026, 12, 21), None, settings)
    assert computed[-1] == 1


def test_si_cases_headless_block_is_computed_whole():
    headers, row = _block()
    module = udfs
    module._CASES.__init__()
    headless = call("SI_CASES", [row, row], AS_OF)
    assert all(r[1].startswith("#CASES? the column") for r in headless)


def test_si_cases_hands_out_fresh_rows():
    """The cached result is never handed out itself: a caller changing it changes nothing."""
    headers, row = _block()
    first = udfs.SI_CASES([headers, row], AS_OF)
    first[0][1] = "changed by a caller"
    assert udfs.SI_CASES([headers, row], AS_OF)[0][1] == "OVERDUE"


def test_si_cases_reads_pyodides_null_for_an_empty_cell_as_blank(monkeypatch):
    """In xlwings Lite (Pyodide 0.28 and later) an empty cell of a range arrives as the JsNull sentinel, not
    None or "": the raw block is fingerprinted and read with it as a blank, giving what "" gives."""
    import sys
    import types

    ffi = types.ModuleType("pyodide.ffi")

    class JsNull:
        def __repr__(self):
            return "null"

    ffi.JsNull = JsNull
    monkeypatch.setitem(sys.modules, "pyodide", types.ModuleType("pyodide"))
    monkeypatch.setitem(sys.modules, "pyodide.ffi", ffi)
    headers, row = _block()
    expected = call("SI_CASES", [headers, row, [BLANK] * len(row)], AS_OF)
    for singleton in (False, True):  # Pyodide's one `jsnull`, or instances
        null = JsNull()
        if singleton:
            ffi.jsnull = null
        udfs._CASES.__init__()
        got = call("SI_CASES", [headers, [null if v == BLANK else v for v in row], [null] * len(row)], AS_OF)
        assert got == expected and got[0][1] == "OVERDUE" and got[1] == [""] * 6


def test_si_cases_as_desktop_excel_calls_it(monkeypatch):
    """Desktop Excel (COM) converts the block itself (err_to_str: an error as its text, dates as datetimes)
    and takes dates back as dates: the same rows, the same cache, Due a date rather than a serial."""
    monkeypatch.setattr(udfs, "RAW", False)
    monkeypatch.setattr(udfs, "_CASES", udfs._CasesCache())
    headers, row = _block()
    notified = headers.index("Date notified")
    row = [None if v == BLANK else v for v in row]
    row[notified] = dt.datetime(2026, 11, 2)
    bad = list(row)
    bad[notified] = "#REF!"
    good, check = udfs.SI_CASES([headers, row, bad], AS_OF)
    assert good[:2] == [dt.date(2026, 11, 16), "OVERDUE"]
    assert check[1] == "CHECK" and "#REF!" in check[5] and check[5].endswith("(Date notified)")

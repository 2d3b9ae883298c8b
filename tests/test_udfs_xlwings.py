"""The custom functions called the way Excel calls them: through xlwings' server-side
custom-function entry point, so the @xw.arg/@xw.ret conversions run for real.

Excel sends every argument as a 2D array: dates as serial numbers, blanks as "", errors
as error objects; omitted optional arguments as null. Dates come back as serials.
"""

import asyncio
import datetime as dt

import xlwings as xw
import xlwings.server

import udfs
from spso_xl.build import default_rows
from spso_xl.dates import from_serial, to_serial

NA = {"type": "Error", "errorType": "NotAvailable", "basicValue": "#N/A"}
BLANK = ""


def excel(value):
    """A Python value as Excel's client sends it."""
    if isinstance(value, dt.date):
        return to_serial(value)
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
    due = call("SI_DEADLINE", dt.date(2026, 11, 20), "L2", BLANK, BLANK, "SWF", holidays_range(), SETTINGS)
    assert as_date(due) == dt.date(2026, 12, 7)  # St Andrew's Day skipped
    closed = holidays_range([(dt.date(2026, 12, 7), "Office move", "Closure")])
    assert as_date(call("SI_DEADLINE", dt.date(2026, 11, 20), 2, BLANK, BLANK, BLANK, closed, SETTINGS)) == \
        dt.date(2026, 12, 8)
    worked = holidays_range([(dt.date(2026, 11, 30), "Saint Andrew's Day", "Working day")])
    assert as_date(call("SI_DEADLINE", dt.date(2026, 11, 20), 2, None, None, None, worked)) == dt.date(2026, 12, 4)


def test_blank_and_no_deadline_give_an_empty_cell():
    assert call("SI_DEADLINE", BLANK, 2) == ""
    assert call("SI_DEADLINE", dt.date(2026, 11, 20), 6, BLANK, BLANK, "SWF") == ""
    assert call("SI_CONTACT", BLANK) == ""


def test_bad_input_is_a_hash_message_naming_the_value():
    assert call("SI_DEADLINE", "31/02/2026", 2) == "#DATE? '31/02/2026' is not a date"
    assert call("SI_DEADLINE", dt.date(2026, 11, 20), "Level 9") == "#LEVEL? 'Level 9' is not a level: use 1-6 (SWF scale)"
    assert call("SI_LEVEL", 2, "Overdue stuff", "OVERDUE", 0, "", "", "", "", "").startswith("#TRIGGER? 'Overdue stuff'")
    assert call("SI_WORKDAY", NA, 3).startswith("#DATE?")  # an error cell arrives as blank
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
    reason = call("SI_REASON", *args, dt.date(2026, 12, 4))
    assert reason.startswith("Escalate to level 3") and "04/12/2026" in reason and "para 10" in reason
    assert call("SI_CONTACT", 3, "SWF") == "Head of Service"
    assert call("SI_CONTACT", "L4", "Complaints") == "Ombudsman"
    assert call("SI_LEVEL", "", "Advice requested", "", "", "", "", "", "", "") == 0


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
    assert call("SI_RECURRENCE", "fife council", "delay", FINDINGS, dt.date(2026, 11, 22), SETTINGS) == 4
    assert call("SI_RECURRENCE", "Fife Council", "Delay", FINDINGS, dt.date(2027, 3, 1), SETTINGS) == 2
    assert call("SI_UPHOLD", "Fife Council", FINDINGS) == "abnormally high"
    table = call("SI_UPHOLD_TABLE", FINDINGS)
    assert table[0][:3] == ["organisation", "n", "k"] and len(table) == 4

"""The quarterly summary: counts against hand-worked and independently computed answers, the
funnel, both quarter conventions, the empty cases, and the files it writes (tracker intact)."""

import datetime as dt
import math
import random
import zipfile
from math import comb

import openpyxl
import pandas as pd
import pytest

from spso_xl.tracker import schema
from spso_xl.new import build_tracker
from spso_xl.cli import main
from spso_xl.policy.deadlines import Status, due_date, status
from spso_xl.errors import InputError
from spso_xl.outputs.libreoffice import convert
from spso_xl.calendar.quarters import parse_quarter
from spso_xl.summary.figures import FROM_CASES, build_summary
from spso_xl.summary.layout import summary_grid, summary_layout
from spso_xl.summary.pictures import chart_pngs
from spso_xl.summary.publish import write_summary
from spso_xl.tracker.read import read_tracker, tracker_from_sheets
from spso_xl.policy.vocab import norm
from spso_xl.calendar.workdays import scottish_calendar, working_days_after
from tests.support import xlsx_parts as xp
from tests.support.trackers import copy_tracker
from openpyxl.utils.cell import coordinate_to_tuple

D = dt.date
AS_OF = D(2026, 11, 22)
Q2 = "2026-27 Q2"  # 01/07/2026 - 30/09/2026; Monday 03/08/2026 is a Scottish bank holiday
FORMULA_TEXT = '=HYPERLINK("http://example.org","click")'


def case(ref, org, trigger, level=None, notified=None, identified=None, function="SWF", area="Complaint handling",
         **more):
    return {"Ref": ref, "Organisation": org, "Function": function, "Area": area, "Trigger": trigger,
            "Description": more.pop("description", f"Issue {ref}"), "Level": level, "Date notified": notified,
            "Date identified": identified or notified, **more}


def act(day, ref, kind, level=None):
    return {"Date": day, "Ref": ref, "Level": level, "Action": kind, "By": "AB"}


# Each case's answer is worked by hand in the comments (quarter 2026-27 Q2, as of 22/11/2026).
CASES = [
    # A: opened in Q1 (first action 30/06); a chaser on 01/07 and a response on 10/07 in Q2: 8 working days.
    case("SI-A", "Fife Council", "Information overdue", 1, D(2026, 6, 30), D(2026, 6, 20),
         **{"Response received": D(2026, 7, 10), "Resolved": "Y", "Closed": D(2026, 7, 15)}),
    # B: opened 01/07, escalated twice in Q2 (to 3 on 03/08, to 4 on 30/09); Complaints level 4 has no deadline.
    case("SI-B", "Glasgow City Council", "No response after two requests", 4, D(2026, 9, 30), D(2026, 6, 25),
         function="Complaints", area="Engagement with SPSO", **{"Response received": D(2026, 10, 5)}),
    # C: level 2 from 01/09, due 15/09, escalated after the quarter: overdue at 30/09 by 11 working days.
    case("SI-C", "City of Edinburgh Council", "Poor response", 3, D(2026, 10, 20), D(2026, 8, 28)),
    # D: nothing logged; notified 14/09 (opened in Q2), due 28/09, replied 02/10: overdue at 30/09 by 2.
    case("SI-D", "Fife Council", "Non-compliance", 2, D(2026, 9, 14), D(2026, 9, 10),
         **{"Response received": D(2026, 10, 2)}),
    # E: identified on the quarter's last day, nothing else: opened, never overdue.
    case("SI-E", "Highland Council", "Recurrent issue", identified=D(2026, 9, 30)),
    # F: everything on 01/10, the day after the quarter: not counted anywhere.
    case("SI-F", "Aberdeen City Council", "Information overdue", 1, D(2026, 10, 1)),
    # G: letter 04/08, response 20/08 (12 working days, the bank holiday skipped); resolved after the quarter.
    case("SI-G", "Dundee City Council", "Incomplete response", 2, D(2026, 8, 4),
         **{"Response received": D(2026, 8, 20), "Closed": D(2026, 10, 10)}),
    # H: level 3 letter 15/07, resolved and closed on 30/09; its description looks like a formula.
    case("SI-H", "Glasgow City Council", "Systemic failure", 3, D(2026, 7, 15), description=FORMULA_TEXT,
         **{"Closed": D(2026, 9, 30), "Significant": "Y"}),
    # I: notified 20/07 at level 1 (due 04/08), a chaser with no level logged: overdue at 30/09 by 41.
    case("SI-I", "Fife Council", "Information overdue", 1, D(2026, 7, 20)),
    # K: all in Q1.
    case("SI-K", "Moray Council", "Information overdue", 1, D(2026, 6, 15), **{"Response received": D(2026, 6, 20)}),
]
ACTIONS = [
    act(D(2026, 6, 30), "SI-A", "Contact", 1), act(D(2026, 7, 1), "SI-A", "Chaser", 1),
    act(D(2026, 7, 10), "si-a ", "Response"),  # level blank: the previous action's (1); Ref typed loosely
    act(D(2026, 7, 1), "SI-B", "Contact", 2), act(D(2026, 8, 3), "SI-B", "Escalation", 3),
    act(D(2026, 8, 3), "SI-B", "Letter", 3), act(D(2026, 9, 30), "SI-B", "Escalation", 4),
    act(D(2026, 10, 5), "SI-B", "Response", 4),
    act(D(2026, 9, 1), "SI-C", "Contact", 2), act(D(2026, 10, 20), "SI-C", "Escalation", 3),
    act(D(2026, 10, 1), "SI-F", "Contact", 1),
    act(D(2026, 8, 4), "SI-G", "Letter", 2), act(D(2026, 8, 20), "SI-G", "Response"),
    act(D(2026, 10, 10), "SI-G", "Resolution", 2),
    act(D(2026, 7, 15), "SI-H", "Letter", 3), act(D(2026, 9, 30), "SI-H", "Resolution", 3),
    act(D(2026, 8, 10), "SI-I", "Chaser"),  # no level logged, none earlier: the case's level (1)
    act(D(2026, 7, 7), "SI-ZZ", "Contact", 1),  # a Ref not on Cases
    act(D(2026, 6, 15), "SI-K", "Contact", 1),
]
# Findings in Q2: ten councils with 12 of 40 upheld each, Glasgow with 30 of 40 (abnormally high);
# decisions on 30/06 and 01/10 are outside the quarter.
FUNNEL_ORGS = ["Angus Council", "Falkirk Council", "Fife Council", "Highland Council", "Moray Council",
               "Stirling Council", "Inverclyde Council", "Midlothian Council", "Orkney Islands Council",
               "Renfrewshire Council"]


def findings_rows():
    rows = []
    for org, upheld in [(o, 12) for o in FUNNEL_ORGS] + [("Glasgow City Council", 30)]:
        for i in range(40):
            rows.append({"Case ref": f"{org[:3]}{i}", "Organisation": org, "Function": "SWF",
                         "Decision date": D(2026, 7, 1) + dt.timedelta(days=i * 2),
                         "Outcome": "Upheld" if i < upheld else "Not upheld", "Theme": "Delay"})
    rows += [{"Case ref": "OUT1", "Organisation": "Angus Council", "Decision date": D(2026, 6, 30), "Outcome": "Upheld"},
             {"Case ref": "OUT2", "Organisation": "Angus Council", "Decision date": D(2026, 10, 1), "Outcome": "Upheld"}]
    return rows


def _build(path, findings=True, settings=None, actions=ACTIONS):
    from spso_xl.tracker.build import default_rows

    rows = {"Cases": CASES, "Actions": actions}
    if findings:
        rows["Findings"] = findings_rows()
    if settings:
        defaults = default_rows(AS_OF)["Settings"]
        rows["Settings"] = [r | ({"Value": settings[r["Setting"]]} if r["Setting"] in settings else {}) for r in defaults]
    return build_tracker(path, rows=rows, as_of=AS_OF)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("summary") / "si_sample.xlsm")


@pytest.fixture(scope="module")
def summary(sample):
    return build_summary(read_tracker(sample), Q2, AS_OF)


# --- counts against hand-worked answers ----------------------------------------------------------


def test_key_figures_match_the_hand_worked_answers(summary):
    f = summary.figures
    # D's level 2, given on Cases on 14/09 and never logged, is an action (DESIGN §11, issue 25)
    assert (f["actions"], f["level1_actions"], f["level2_actions"], f["level3_actions"]) == (14, 4, 5, 5)
    assert (f["level12_cases"], f["level3_cases"]) == (7, 2)  # D counted
    assert f["opened"] == 7  # B C D E G H I
    assert (f["escalations"], f["escalated_cases"]) == (2, 1)  # B twice
    assert (f["resolutions"], f["resolved_cases"], f["closed"]) == (1, 1, 2)  # H; A and H closed; G after
    assert f["overdue"] == 3
    assert (f["responses"], f["response_median"], f["response_p90"]) == (2, 10.0, pytest.approx(11.6))
    assert (f["decisions"], f["outer_outliers"]) == (440, 1)


def test_overdue_at_quarter_end_uses_the_state_then(summary):
    od = summary.tables["overdue"].frame.set_index("Ref")
    assert od["Working days overdue"].to_dict() == {"SI-I": 41, "SI-C": 11, "SI-D": 2}
    assert od.loc["SI-C", "Level"] == 2 and od.loc["SI-C", "Due"] == pd.Timestamp(2026, 9, 15)  # not today's level 3
    assert summary.tables["overdue"].title == "Cases overdue on 30/09/2026"


def test_level_1_and_2_actions_by_trigger_area_and_kind(summary):
    trig = summary.tables["level12_trigger"].frame.set_index("Trigger")
    assert trig.loc["Information overdue"].tolist() == [3, 0, 3]  # A chaser + response, I chaser
    assert trig.loc["Not on Cases"].tolist() == [1, 0, 1]
    assert trig.loc["No response after two requests"].tolist() == [0, 1, 1]
    assert trig.loc["Non-compliance"].tolist() == [0, 1, 1]  # D: its level on Cases, never logged
    assert trig["Total"].sum() == 9 and list(trig["Total"]) == sorted(trig["Total"], reverse=True)
    area = summary.tables["level12_area"].frame.set_index("Area")
    assert area.loc["Complaint handling", "Total"] == 7 and area.loc["Engagement with SPSO", "Total"] == 1
    kind = summary.tables["level12_kind"].frame.set_index("Action")
    assert kind["Total"].to_dict() == {"Contact": 3, "Chaser": 2, "Response": 2, "Letter": 1, FROM_CASES: 1}


def test_level_3_details_one_row_per_case(summary):
    d = summary.tables["level3"].frame.set_index("Ref")
    assert list(d.index) == ["SI-B", "SI-H"]
    b, h = d.loc["SI-B"], d.loc["SI-H"]
    assert (b["Level"], b["Function"], b["Contact from"], b["Status at quarter end"]) == (
        4, "Complaints", "Ombudsman", "NO DEADLINE")
    assert b["Actions this quarter"] == "03/08/2026 Escalation (L3); 03/08/2026 Letter (L3); 30/09/2026 Escalation (L4)"
    assert pd.isna(b["Response received"])  # it came on 05/10, after the quarter
    assert (h["Level"], h["Contact from"], h["Status at quarter end"], h["Issue"]) == (
        3, "Head of Service", "CLOSED", FORMULA_TEXT)


def test_by_month_and_by_organisation(summary):
    m = summary.tables["levels_by_month"].frame.set_index("Month")
    assert m.loc["Jul 2026", ["Level 1", "Level 2", "Level 3"]].tolist() == [3, 1, 1]
    assert m.loc["Aug 2026", ["Level 1", "Level 2", "Level 3"]].tolist() == [1, 2, 2]
    assert m.loc["Sep 2026", ["Level 2", "Level 3", "Level 4"]].tolist() == [2, 1, 1]  # D's level 2 on Cases
    org = summary.tables["by_org"].frame.set_index("Organisation")
    assert org.loc["Fife Council", ["All actions", "Cases opened", "Overdue at quarter end"]].tolist() == [4, 2, 2]
    assert org.loc["Glasgow City Council", ["Level 3+ actions", "Escalations", "Resolutions", "Decisions", "Upheld"]
                   ].tolist() == [5, 2, 1, 40, 30]
    assert org.loc["Glasgow City Council", "Funnel"].startswith("Abnormally high")


def test_notes_say_what_was_left_out(summary):
    text = " ".join(summary.notes)
    assert "1 action in 2026-27 Q2 names a Ref that is not on Cases" in text


# --- the funnel -----------------------------------------------------------------------------------


def _quantile(n, p, prob):
    """The smallest r with P(X <= r) >= prob, X ~ Binomial(n, p), by exact sums."""
    total = 0.0
    for r in range(n + 1):
        total += comb(n, r) * p ** r * (1 - p) ** (n - r)
        if total >= prob - 1e-12:
            return r / n
    return 1.0


def test_funnel_limits_and_outliers(summary):
    f = summary.tables["funnel"].frame.set_index("Organisation")
    p = (12 * 10 + 30) / 440
    row = f.loc["Glasgow City Council"]
    assert (row["Decisions"], row["Upheld"], row["Sector rate"]) == (40, 30, pytest.approx(p))
    for col, prob in (("95% lower", 0.025), ("95% upper", 0.975), ("99.8% lower", 0.001), ("99.8% upper", 0.999)):
        assert row[col] == pytest.approx(_quantile(40, p, prob))
    assert row["Uphold rate"] > row["99.8% upper"]
    assert summary.outliers == {"abnormally high": ["Glasgow City Council"], "high": [], "low": []}
    assert f.index[0] == "Glasgow City Council"  # outliers first
    assert (f.drop("Glasgow City Council")["Funnel"] == "Within limits").all()
    grid = summary_grid(summary)
    named = [r for r in grid if r[0] == "Above the 99.8% limit (abnormally high)"]
    assert named and named[0][1] == "Glasgow City Council"


# --- an independent computation on a generated dataset --------------------------------------------

BOUNDARY = [D(2026, 6, 30), D(2026, 7, 1), D(2026, 9, 30), D(2026, 10, 1), D(2026, 8, 3), D(2026, 8, 4)]


def _generated(seed):
    """Cases told as stories in date order (levels rising, responses, resolutions), dates crowded at
    the quarter's edges; Cases rows hold each story's latest state, as a team would keep them."""
    rng = random.Random(seed)
    orgs = ["Fife Council", "Angus Council", "Moray Council", "Highland Council"]
    cases, actions = [], []

    def day(after):
        if rng.random() < 0.3:
            options = [d for d in BOUNDARY if d >= after]
            if options:
                return rng.choice(options)
        return after + dt.timedelta(days=rng.choice([0, 1, 2, 5, 9, 14, 20, 31, 45]))

    for i in range(160):
        ref = f"SI-{i:03d}"
        t = D(2026, 5, 1) + dt.timedelta(days=rng.randrange(200))
        identified, level, notified, received, closed = t, None, None, None, None
        for _ in range(rng.randrange(0, 7)):
            t = day(t)
            kind = rng.choice(["Contact", "Chaser", "Letter", "Response", "Escalation", "Resolution", "Meeting"])
            if kind in ("Contact", "Letter") and level is None or kind == "Escalation":
                level = min((level or 0) + 1, 5)
                notified, received = t, None
            elif kind == "Response" and notified:
                received = received or t
            elif kind == "Resolution" and level:
                closed = closed or t
            logged = None if rng.random() < 0.2 else (level or 1)
            actions.append(act(t, ref if rng.random() < 0.9 else f" {ref.lower()}", kind, logged))
        if level is None and rng.random() < 0.5:
            level, notified = 1, day(identified)
        cases.append(case(ref, rng.choice(orgs), rng.choice(["Information overdue", "Poor response", "Non-compliance"]),
                          level, notified, identified, function=rng.choice(["SWF", "Complaints"]),
                          **{"Response received": received, "Closed": closed,
                             "Urgent": "Y" if rng.random() < 0.1 else None,
                             "Respond by": notified + dt.timedelta(days=25) if notified and rng.random() < 0.1
                             else None}))
    return cases, actions


def _sheets(cases, actions):
    def rows(sheet, records, top=0):
        return [[]] * top + [list(sheet.headers)] + [[r.get(h) for h in sheet.headers] for r in records]

    return {"Cases": rows(schema.CASES, cases, schema.CASES_HEADER_ROW - 1),
            "Organisations": rows(schema.ORGANISATIONS, [{"Organisation": o} for o in
                                                          ("Fife Council", "Angus Council", "Moray Council",
                                                           "Highland Council")]),
            **{s: rows(schema.SHEETS[s], []) for s in ("Findings", "Holidays", "Settings", "Letters")},
            "Actions": rows(schema.ACTIONS, actions)}


def _percentile(xs, q):
    xs = sorted(xs)
    h = (len(xs) - 1) * q
    lo = math.floor(h)
    return xs[lo] + (h - lo) * (xs[min(lo + 1, len(xs) - 1)] - xs[lo])


def _oracle(cases, actions, start, end):
    """The definitions, one record at a time, with the scalar deadline functions."""
    cal = scottish_calendar()
    by_ref = {norm(c["Ref"]): c for c in cases}
    logged_refs = {norm(a["Ref"]) for a in actions}  # DESIGN §11: a level given on Cases and never logged counts
    actions = actions + [{"Date": c["Date notified"], "Ref": c["Ref"], "Level": c["Level"], "Action": FROM_CASES}
                         for c in cases if c.get("Date notified") and c.get("Level") and norm(c["Ref"]) not in
                         logged_refs and norm(c["Ref"]) not in {norm(x["Ref"]) for x in cases[:cases.index(c)]}]
    acts = sorted(({**a, "key": norm(a["Ref"]), "i": i} for i, a in enumerate(actions)),
                  key=lambda a: (a["key"], a["Date"], a["i"]))
    logged = {}
    for a in acts:
        a["lv"] = a["Level"] or logged.get(a["key"]) or (by_ref.get(a["key"]) or {}).get("Level")
        if a["Level"]:
            logged[a["key"]] = a["Level"]
    inq = [a for a in acts if start <= a["Date"] <= end]
    out = {"actions": len(inq), "level1_actions": sum(a["lv"] == 1 for a in inq),
           "level2_actions": sum(a["lv"] == 2 for a in inq), "level3_actions": sum((a["lv"] or 0) >= 3 for a in inq),
           "escalations": sum(a["Action"] == "Escalation" for a in inq),
           "escalated_cases": len({a["key"] for a in inq if a["Action"] == "Escalation"}),
           "resolutions": sum(a["Action"] == "Resolution" for a in inq),
           "closed": sum(1 for c in cases if c.get("Closed") and start <= c["Closed"] <= end)}
    opened = overdue = 0
    for k, c in by_ref.items():
        mine = [a for a in acts if a["key"] == k]
        first = mine[0]["Date"] if mine else c["Date notified"] or c["Date identified"]
        opened += bool(first and start <= first <= end)
        past = [a for a in mine if a["Date"] <= end]
        if c["Date notified"] and c["Date notified"] <= end:
            level, since, ext = c["Level"], c["Date notified"], c.get("Respond by")
            got = c.get("Response received") if c.get("Response received") and c["Response received"] <= end else None
        elif past:
            j = len(past) - 1
            while j and past[j - 1]["lv"] == past[-1]["lv"]:
                j -= 1
            level, since, ext, got = past[-1]["lv"], past[j]["Date"], None, None
        else:
            continue
        got = min([d for d in [got] + [a["Date"] for a in past if a["Action"] == "Response" and a["Date"] >= since]
                   if d], default=None)
        shut = min([d for d in [c.get("Closed") if c.get("Closed") and c["Closed"] <= end else None] +
                    [a["Date"] for a in past if a["Action"] == "Resolution" and a["Date"] >= since] if d], default=None)
        due = due_date(since, level, c.get("Urgent") == "Y", ext, c["Function"], cal=cal)
        overdue += status(due, got, end, shut, cal=cal) == Status.OVERDUE
    responses = {}
    for a in inq:
        if a["Action"] == "Response":
            responses.setdefault((a["key"], a["Date"]), a)
    for k, c in by_ref.items():
        if c.get("Response received") and start <= c["Response received"] <= end:
            responses.setdefault((k, c["Response received"]), c)
    days = []
    for (k, when) in responses:
        asked = [a["Date"] for a in acts if a["key"] == k and a["Action"] in ("Contact", "Letter", "Escalation")
                 and a["Date"] <= when]
        c = by_ref.get(k)
        if c and c["Date notified"] and c["Date notified"] <= when:
            asked.append(c["Date notified"])
        if asked:
            days.append(working_days_after(max(asked), when, cal))
    out |= {"opened": opened, "overdue": overdue, "responses": len(days),
            "response_median": _percentile(days, 0.5) if days else None,
            "response_p90": _percentile(days, 0.9) if days else None}
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("quarter", ["2026-27 Q1", "2026-27 Q2", "2026 Q3", "2026-27 Q3"])
def test_counts_agree_with_an_independent_computation(seed, quarter):
    cases, actions = _generated(seed)
    tracker = tracker_from_sheets(_sheets(cases, actions))
    assert not [p for p in tracker.problems if p.sheet in ("Actions", "Cases") and p.column != "Response received"]
    q = parse_quarter(quarter, tracker.settings.quarters)  # "2026 Q3" on a financial tracker: 2026-27 Q3
    s = build_summary(tracker, quarter, AS_OF)
    expected = _oracle(cases, actions, q.start, min(q.end, AS_OF))
    got = {k: s.figures[k] for k in expected}
    assert got == pytest.approx(expected)


# --- quarters, and the quiet cases ------------------------------------------------------------------


def test_both_quarter_conventions(tmp_path, sample):
    calendar = read_tracker(_build(tmp_path / "si_calendar.xlsm", settings={"Quarter convention": "Calendar"}))
    by_default = build_summary(calendar, None, AS_OF)
    assert (by_default.quarter.label, by_default.sheet_name, by_default.file_name) == (
        "2026 Q3", "Summary 2026 Q3", "SI summary 2026 Q3.xlsx")
    assert by_default.figures == build_summary(read_tracker(sample), None, AS_OF).figures  # the same three months
    financial = build_summary(read_tracker(sample), None, AS_OF)
    assert financial.quarter.label == Q2 and financial.convention == "Financial"
    q4 = build_summary(calendar, "2026-27 Q4", D(2027, 4, 30))  # a label in the other convention is taken as it says
    assert (q4.quarter.start, q4.quarter.end, q4.convention) == (D(2027, 1, 1), D(2027, 3, 31), "Financial")
    # YYYYQn counts quarters as the tracker does, and the summary says what it was read as, with the dates
    on_financial = build_summary(read_tracker(sample), "2026Q2", AS_OF)
    assert on_financial.quarter.label == Q2 and on_financial.figures == financial.figures
    assert "'2026Q2' is read as 2026-27 Q2, 1 July 2026 to 30 September 2026: this tracker counts financial " \
           "quarters (Settings)." in on_financial.notes
    on_calendar = build_summary(calendar, "2026Q2", AS_OF)
    assert (on_calendar.quarter.start, on_calendar.quarter.end) == (D(2026, 4, 1), D(2026, 6, 30))
    assert not any("read as" in n for n in on_calendar.notes)
    assert "Quarter: 2026 Q3, 01/07/2026 to 30/09/2026 (calendar quarters" in by_default.definitions[0]


def test_future_current_and_empty_quarters_say_so(sample):
    tracker = read_tracker(sample)
    with pytest.raises(InputError, match=r"^2027-28 Q1 \(1 April 2027 to 30 June 2027\) has not started yet on "
                                         r"22/11/2026: there is nothing to summarise"):
        build_summary(tracker, "2027-28 Q1", AS_OF)
    current = build_summary(tracker, "2026-27 Q3", AS_OF)
    assert current.notes[0] == ("2026-27 Q3 is not over: figures are to date, 1 October 2026 to 22 November 2026 "
                                "(the quarter ends 31/12/2026).")
    assert current.cutoff == AS_OF and current.figures["actions"] == 4  # 01/10, 05/10, 10/10, 20/10
    assert (current.title, current.file_name) == ("2026-27 Q3 to date", "SI summary 2026-27 Q3 to date.xlsx")
    grid = summary_grid(current)
    assert grid[0][0] == "Support and Intervention summary 2026-27 Q3 to date"
    assert grid[1][0].startswith("1 October 2026 to 22 November 2026 (financial quarter, to date: the quarter ends "
                                 "31 December 2026)")
    empty = build_summary(tracker, "2025-26 Q1", AS_OF)
    assert "No actions were logged in 2025-26 Q1." in empty.notes
    assert "No casework decisions (Findings) are dated in 2025-26 Q1: no uphold-rate funnel." in empty.notes
    grid = summary_grid(empty)
    assert ["No level 3 or higher actions were taken in 2025-26 Q1."] == [v for v in grid[
        next(i for i, r in enumerate(grid) if r[0] == "Level 3+ actions: details") + 2] if v is not None]


def test_a_tracker_with_no_findings(tmp_path):
    s = build_summary(read_tracker(_build(tmp_path / "si_nofind.xlsm", findings=False)), Q2, AS_OF)
    assert "The tracker has no Findings (casework decisions): the uphold-rate funnel needs them." in s.notes
    assert s.figures["decisions"] == 0 and s.figures["sector_rate"] is None
    assert [c.key for c in s.charts] == ["levels_by_month", "level12_by_trigger"]


def test_layout_is_rectangular_and_charts_do_not_cover_cells(summary):
    lay = summary_layout(summary)
    assert len({len(r) for r in lay.rows}) == 1
    assert [c.key for c in lay.charts] == ["levels_by_month", "level12_by_trigger", "funnel"]
    top, bottom = coordinate_to_tuple(lay.charts[0].anchor)[0], coordinate_to_tuple(lay.charts[-1].end)[0]
    assert all(v is None for r in lay.rows[top - 1:bottom - 1] for v in r)  # the band the charts cover is empty
    first, second, third = lay.charts  # two side by side, the third below at column A
    assert (first.anchor[0], second.anchor[0], third.anchor[0]) == ("A", first.end[0], "A")
    assert first.anchor[1:] == second.anchor[1:] and int(third.anchor[1:]) > int(first.end[1:])
    assert len(summary.sheet_name) <= 31


def test_chart_pngs(summary, tmp_path):
    files = chart_pngs(summary, tmp_path)
    assert [f.name for f in files] == [f"Summary-2026-27-Q2-{k}.png" for k in
                                       ("levels_by_month", "level12_by_trigger", "funnel")]
    assert all(f.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for f in files)


# --- the files ---------------------------------------------------------------------------------------


@pytest.fixture
def copy(sample, tmp_path):
    return copy_tracker(sample, tmp_path)


def test_writes_the_sheet_and_keeps_the_tracker_intact(sample, copy):
    result = write_summary(copy, Q2, as_of=AS_OF)
    assert result.backup.read_bytes() == sample.read_bytes()
    before, after = xp.parts(sample), xp.parts(copy)
    assert after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"]
    assert xp.buttons(copy) == xp.buttons(sample) == [("Build summary", "[0]!SampleCall"),
                                                      ("Run action", "[0]!SampleCall")]
    names = list(xp.sheet_parts(sample))
    assert list(xp.sheet_parts(copy)) == names[:names.index("Summary") + 1] + ["Summary 2026-27 Q2"] + \
        names[names.index("Summary") + 1:]
    assert xp.tables(copy) == xp.tables(sample) and xp.defined_names(copy) == xp.defined_names(sample)
    for sheet in ("Cases", "Summary", "Actions"):
        for element in ("dataValidation", "conditionalFormatting", "legacyDrawing"):
            assert xp.count(copy, sheet, element) == xp.count(sample, sheet, element), (sheet, element)
    wb = openpyxl.load_workbook(copy)
    ws = wb["Summary 2026-27 Q2"]
    assert ws["A1"].value == "Support and Intervention summary 2026-27 Q2"
    assert ws["A1"].font.b and ws["A1"].font.sz == 16  # headings keep their look; the charts are in the workbook
    assert wb.active.title == openpyxl.load_workbook(sample).active.title
    changed = {n for n in before if after.get(n) != before[n]}
    assert changed == {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"}
    assert set(after) - set(before) == {xp.sheet_parts(copy)["Summary 2026-27 Q2"]}

    once = xp.parts(copy)
    write_summary(copy, Q2, as_of=AS_OF)  # again: replaced, not added, and its formats found, not added again
    assert {n for n, data in xp.parts(copy).items() if once[n] != data} == set()
    write_summary(copy, "2026-27 Q1", as_of=AS_OF)
    wb = openpyxl.load_workbook(copy, keep_vba=True)
    assert [n for n in wb.sheetnames if n.startswith("Summary ")] == ["Summary 2026-27 Q1", "Summary 2026-27 Q2"]
    assert xp.buttons(copy) == xp.buttons(sample) and xp.parts(copy)["xl/vbaProject.bin"] == before["xl/vbaProject.bin"]


def test_standalone_workbook_is_values_only(copy):
    result = write_summary(copy, Q2, as_of=AS_OF, sheet=False)
    assert result.workbook == copy.with_name("SI summary 2026-27 Q2.xlsx") and result.sheet is None
    with zipfile.ZipFile(result.workbook) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in sheets)
        assert any(n.startswith("xl/charts/chart") for n in z.namelist())
    ws = openpyxl.load_workbook(result.workbook).active
    cells = {c.value: c for row in ws.iter_rows() for c in row if c.value is not None}
    assert cells[FORMULA_TEXT].data_type == "s"
    assert ws.title == "Summary 2026-27 Q2"
    grid = summary_grid(result.summary)
    assert [[c.value for c in row] for row in ws.iter_rows(max_row=len(grid), max_col=len(grid[0]))][3] == \
        [v if not isinstance(v, dt.date) else dt.datetime.combine(v, dt.time()) for v in grid[3]]


def test_refuses_a_tracker_open_in_excel(copy):
    (copy.parent / f"~${copy.name}").write_text("owner")
    original = copy.read_bytes()
    assert main(["summary", str(copy), "--quarter", "2026-27Q2", "--as-of", "22/11/2026"]) == 1
    assert copy.read_bytes() == original


@pytest.mark.libreoffice
def test_cli_output_opens_in_libreoffice_with_pdf(copy, libreoffice, capsys, tmp_path):
    out = tmp_path / "out" / "forward me.xlsx"
    out.parent.mkdir()
    assert main(["summary", str(copy), "--quarter", "2026Q2", "--output", str(out), "--pdf", "--as-of",
                 "22/11/2026"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("2026-27 Q2: 1 July 2026 to 30 September 2026 (financial quarter)\n")
    assert "note: '2026Q2' is read as 2026-27 Q2" in printed
    assert "Summary 2026-27 Q2" in printed and out.name in printed
    assert out.with_suffix(".pdf").read_bytes()[:5] == b"%PDF-"
    csv_file = convert(out, "csv", tmp_path / "csv")[0]
    text = csv_file.read_text(encoding="utf-8", errors="replace")
    assert "Support and Intervention summary 2026-27 Q2" in text and "Glasgow City Council" in text
    assert FORMULA_TEXT.replace('"', '""') in text  # still text, not evaluated
    tracker_csv = convert(copy, "pdf", tmp_path / "tracker")[0]  # the tracker still opens
    assert tracker_csv.read_bytes()[:5] == b"%PDF-"


def test_a_fresh_tracker_gives_a_summary_that_says_so(tracker):
    result = write_summary(tracker, Q2, as_of=AS_OF)
    assert result.summary.notes == [
        "No actions were logged in 2026-27 Q2.",
        "The tracker has no Findings (casework decisions): the uphold-rate funnel needs them."]
    assert result.summary.figures["overdue"] == 0 and result.summary.charts == []
    assert not openpyxl.load_workbook(result.workbook).active._charts


# --- printing: A4 landscape at full size, the period's dates everywhere, never an earlier file overwritten --------

def test_a_second_summary_is_a_new_version_never_an_overwrite(copy, capsys):
    first = write_summary(copy, Q2, as_of=AS_OF, sheet=False).workbook
    kept = first.read_bytes()
    assert main(["summary", str(copy), "--quarter", Q2, "--as-of", "22/11/2026", "--no-sheet"]) == 0
    second = copy.parent / "SI summary 2026-27 Q2 (2).xlsx"
    assert f"wrote {second}" in capsys.readouterr().out
    assert first.name == "SI summary 2026-27 Q2.xlsx" and first.read_bytes() == kept and second.exists()


def test_a_quarter_not_yet_started_is_refused_and_nothing_is_written(copy, capsys):
    before, tracker = sorted(copy.parent.iterdir()), copy.read_bytes()
    code = main(["summary", str(copy), "--quarter", "2027-28Q1", "--as-of", "22/11/2026"])
    captured = capsys.readouterr()
    assert code == 2 and "Traceback" not in captured.err and captured.err.count("\n") == 1
    assert "2027-28 Q1 (1 April 2027 to 30 June 2027) has not started yet on 22/11/2026" in captured.err
    assert sorted(copy.parent.iterdir()) == before and copy.read_bytes() == tracker


def test_a_running_quarter_is_labelled_to_date(copy, capsys):
    assert main(["summary", str(copy), "--quarter", "2026-27Q3", "--as-of", "22/11/2026", "--no-sheet"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2026-27 Q3 to date: 1 October 2026 to 22 November 2026 (financial quarter)")
    ws = openpyxl.load_workbook(copy.parent / "SI summary 2026-27 Q3 to date.xlsx").active
    assert ws["A1"].value == "Support and Intervention summary 2026-27 Q3 to date"
    assert "to date" in ws.oddFooter.left.text


def _long(summary, rows=90):
    """The summary with a By organisation table longer than a printed page."""
    import dataclasses

    frame = summary.tables["by_org"].frame
    big = pd.concat([frame] * (rows // max(len(frame), 1) + 1), ignore_index=True).head(rows)
    tables = dict(summary.tables, by_org=dataclasses.replace(summary.tables["by_org"], frame=big))
    return dataclasses.replace(summary, tables=tables)


def test_layout_pages_sections_and_repeats_long_tables_headers(summary):
    from spso_xl.summary.layout import _cm, PAGE_CM, PAGE_PT

    lay = summary_layout(_long(summary))
    assert lay.breaks == sorted(set(lay.breaks)) and lay.breaks
    bands = {coordinate_to_tuple(c.anchor)[0] - 1 for c in lay.charts}
    for b in lay.breaks:  # a page starts with a section's title, a band of charts or a long table's header again
        assert lay.styles.get(b) in ("section", "header") or b in bands, (b, lay.rows[b][:2])
    org = lay.blocks["by_org"]
    repeats = [r for r in range(org.header_row + 1, org.last_row + 1) if lay.styles.get(r) == "header"]
    assert repeats and all(r in lay.breaks for r in repeats)
    assert all(lay.rows[r][:3] == lay.rows[org.header_row][:3] for r in repeats)
    pages = [0, *lay.breaks, len(lay.rows)]  # no page holds more than a page of rows (charts aside)
    for a, b in zip(pages, pages[1:]):
        height = sum(lay.heights.get(r, 15.0) for r in range(max(a, 2), b))
        assert height <= PAGE_PT + 15 * 18 or any(coordinate_to_tuple(c.anchor)[0] - 1 in range(a, b) for c in lay.charts)
    for chart in lay.charts:  # every chart ends before the printed page's edge, two to a band
        end = coordinate_to_tuple(chart.end)[1] - 1
        assert sum(_cm(w) for w in lay.widths[:end]) + chart.right_cm <= PAGE_CM
    assert lay.header == "Support and Intervention summary 2026-27 Q2: 1 July 2026 to 30 September 2026"


def _word_heights(pdf) -> list[list[tuple[float, str]]]:
    import re
    import subprocess

    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    word = re.compile(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>')
    return [[(float(b) - float(a), w) for a, b, w in word.findall(page)] for page in html.split("<page ")[1:]]


@pytest.mark.libreoffice
def test_the_summary_prints_on_a4_landscape_at_9_pt_or_more(copy, libreoffice, tmp_path):
    """DESIGN §11: laid out to print legibly on A4 landscape (body text at least 9 pt; tables that do not
    fit one page width repeat their headers across pages rather than shrink)."""
    import subprocess

    result = write_summary(copy, Q2, pdf=True, as_of=AS_OF, sheet=False)
    ws = openpyxl.load_workbook(result.workbook).active
    assert (ws.page_setup.orientation, int(ws.page_setup.paperSize)) == ("landscape", int(ws.PAPERSIZE_A4))
    assert not ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.scale in (None, 100)
    assert (ws.print_title_rows, ws.print_title_cols) == ("$1:$2", "$A:$A") and ws.row_breaks.brk
    reference = openpyxl.Workbook()  # 9 pt in the same font, printed by the same LibreOffice
    reference.active["A1"].value = "Reference"
    reference.active["A1"].font = openpyxl.styles.Font("Calibri", size=9)
    reference.save(tmp_path / "nine.xlsx")
    [(nine, _)] = _word_heights(convert(tmp_path / "nine.xlsx", "pdf", tmp_path / "nine")[0])[0]
    pages = _word_heights(result.pdf)
    assert len(pages) > 1
    info = subprocess.run(["pdfinfo", str(result.pdf)], capture_output=True, text=True).stdout
    assert "841.89 x 595.3" in info  # A4 landscape, in points
    smallest = min(h for page in pages for h, _ in page)
    assert smallest >= nine - 0.05, (smallest, nine)
    for page in pages:  # the period's dates head every page
        text = " ".join(w for _, w in page)
        assert "1 July 2026 to 30 September 2026" in text


@pytest.mark.libreoffice
def test_the_demo_summary_prints_as_short_as_its_content(demo_copy, libreoffice):
    """DESIGN §11: "The printed summary is as short as its content: the 24-case demo printed 25 A4 pages,
    several holding only a repeated first column — a table that is too wide is split by meaning (or
    turned), not by columns." Every table fits the page's width, so no page repeats another's column A
    with nothing beside it, and the demo (32 organisations, each in four table parts) prints in 18 pages."""
    import re
    import subprocess

    from tests.support.dates import AS_OF as DEMO_AS_OF

    result = write_summary(demo_copy, Q2, pdf=True, as_of=DEMO_AS_OF, sheet=False)
    info = subprocess.run(["pdfinfo", str(result.pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages <= 18, pages
    html = subprocess.run(["pdftotext", "-bbox", str(result.pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    word = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">([^<]*)</word>')
    seen = {}
    for n, page in enumerate(html.split("<page ")[1:], 1):  # column A's words where they stand, titles aside
        first = tuple((round(float(y)), w) for x, y, w in word.findall(page) if float(x) < 150 and 75 < float(y) < 540)
        assert not first or first not in seen, f"page {n} repeats page {seen.get(first)}'s first column alone"
        seen[first] = n

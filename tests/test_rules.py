"""Every rule of DESIGN §6 on both scales: level, contact and the citation in the reason."""

import datetime as dt

import pandas as pd
import pytest

from spso_xl.deadlines import Status
from spso_xl.errors import InputError
from spso_xl.policy import FUNCTIONS, TRIGGERS
from spso_xl.rules import (ADVICE_CONTACT, ENTRY, RULES, SCALE_RULES, Case, Recommendation, case_from_cells, contact,
                           entry_level, recommend, recommend_cells, recommend_frame)

DUE = "04/12/2026"
SWF, CH, INWO = "SWF", "Complaints", "INWO"
TM, HOS, LT, OMB, CR = "Team Manager", "Head of Service", "Member of SPSO Leadership Team", "Ombudsman", "Case Reviewer"


def rec(level, trigger, status=None, chasers=0, resolved=None, recurred="N", significant="N", refused="N",
        mitigating="N", function=SWF, due=DUE) -> Recommendation:
    return recommend_cells(level, trigger, status, chasers, resolved, recurred, significant, refused, mitigating,
                           function, due)


def check(r: Recommendation, level, who, rule, *cites):
    assert (r.level, r.contact, r.rule) == (level, who, rule), r
    for cite in cites:
        assert cite in r.reason, (cite, r.reason)
    assert r.reason.count("(") >= 1 and r.reason.endswith(")"), r.reason  # ends with its citation


# --- rule 1: advice -------------------------------------------------------------------------

@pytest.mark.parametrize("function", [SWF, CH, INWO])
@pytest.mark.parametrize("level", [None, 0, 2])
def test_rule1_advice_is_not_si_action(function, level):
    r = rec(level, "Advice requested", "OVERDUE", function=function)
    check(r, 0, ADVICE_CONTACT, "advice", "policy para 6")
    assert r.reason.startswith("Take no S&I action:")


# --- rule 2: entry level for a new issue ------------------------------------------------------------

ENTRIES = [  # function, trigger, significant, recurred -> level, contact, cite
    (SWF, "Intentional non-compliance", "N", "N", 5, OMB, "policy para 12"),
    (SWF, "Risk of harm", "N", "N", 5, OMB, "leaflet §3"),
    (CH, "Intentional non-compliance", "N", "N", 4, OMB, "policy para 12"),
    (INWO, "Risk of harm", "Y", "N", 4, OMB, "policy para 12"),
    (SWF, "Refusal to comply", "N", "N", 2, TM, "policy para 11"),
    (SWF, "Refusal to comply", "Y", "N", 3, HOS, "policy para 11"),
    (CH, "Systemic failure", "N", "N", 2, TM, "policy para 11"),
    (CH, "Systemic failure", "Y", "N", 3, HOS, "policy para 11"),
    (SWF, "No response after two requests", "N", "N", 2, TM, "appendix row 3"),
    (CH, "No response after two requests", "N", "N", 2, TM, "appendix row 3"),
    (SWF, "High uphold rate", "N", "N", 2, TM, "policy para 8"),
    (CH, "High uphold rate", "N", "N", 2, TM, "policy para 8"),
    (SWF, "Recurrent issue", "N", "N", 1, CR, "appendix row 2"),
    (SWF, "Recurrent issue", "N", "Y", 2, TM, "appendix row 4"),
    (CH, "Recurrent issue", "N", "Y", 2, TM, "appendix row 4"),
    (SWF, "Information overdue", "N", "N", 1, CR, "policy para 10"),
    (SWF, "Information overdue", "Y", "N", 2, TM, "policy para 11"),
    (CH, "Poor response", "N", "N", 1, CR, "policy para 10"),
    (CH, "Non-compliance", "Y", "N", 2, TM, "policy para 11"),
    (SWF, "Non-payment of award", "N", "N", 1, CR, "leaflet §3"),
]


@pytest.mark.parametrize("function, trigger, significant, recurred, level, who, cite", ENTRIES)
def test_rule2_new_issue_starts_at_entry_level(function, trigger, significant, recurred, level, who, cite):
    r = rec(None, trigger, "OVERDUE", significant=significant, recurred=recurred, function=function)
    check(r, level, who, "new-issue", cite)
    assert r.reason.startswith(f"Start at level {level}: ")


def test_every_trigger_kind_has_an_entry_rule_and_every_scale_its_data():
    assert {t.entry for t in TRIGGERS.values()} <= ENTRY.keys()
    for scale in {s.name: s for s in FUNCTIONS.values()}.values():
        rules = SCALE_RULES[scale.name]
        assert 1 < rules.serious_entry <= scale.top
        assert rules.gates[scale.top].opens_on == ()  # the top of the scale stays
    assert RULES[-1].__name__ == "hold"


# --- rule 3: closed or resolved ---------------------------------------------------------------------

@pytest.mark.parametrize("function, level, who", [(SWF, 3, HOS), (CH, 4, OMB)])
def test_rule3_closed_or_resolved_stays(function, level, who):
    check(rec(level, "Poor response", "CLOSED", resolved="N", recurred="Y", function=function), level, who, "settled",
          "policy para 10", "closed")
    check(rec(level, "Poor response", "OVERDUE", resolved="Y", function=function), level, who, "settled",
          "policy para 10", "resolved")
    # resolved but recurred is not settled: rule 7 applies
    assert rec(level, "Poor response", "RESPONDED", resolved="Y", recurred="Y", function=function).rule in (
        "escalate", "capped")
    assert rec(3, "Poor response", "RESPONDED", resolved="Y", recurred="Y", function=function).level == 4


# --- rule 4: below the entry level --------------------------------------------------------------

@pytest.mark.parametrize("function, level, trigger, significant, expected, who, cite", [
    (SWF, 1, "Systemic failure", "Y", 3, HOS, "policy para 11"),
    (SWF, 2, "Risk of harm", "N", 5, OMB, "policy para 12"),
    (CH, 1, "Intentional non-compliance", "N", 4, OMB, "policy para 12"),
    (CH, 1, "No response after two requests", "N", 2, TM, "appendix row 3"),
])
def test_rule4_below_entry_goes_to_entry(function, level, trigger, significant, expected, who, cite):
    r = rec(level, trigger, "ON TRACK", significant=significant, function=function)
    check(r, expected, who, "below-entry", cite)
    assert r.reason.startswith(f"Escalate to level {expected}: ") and f"current level {level}" in r.reason


# --- rule 5: awaiting the organisation -------------------------------------------------------------

@pytest.mark.parametrize("function, level, who", [(SWF, 2, TM), (SWF, 4, LT), (CH, 3, HOS)])
@pytest.mark.parametrize("status", ["ON TRACK", "DUE SOON", "DUE TODAY"])
def test_rule5_awaiting_stays_and_names_the_due_date(function, level, who, status):
    r = rec(level, "Incomplete response", status, function=function)
    check(r, level, who, "awaiting", "policy para 7.5", f"due {DUE}")
    assert r.reason.startswith(f"Stay at level {level}: ")


def test_rule5_cites_the_level_on_each_scale_and_no_deadline():
    assert "leaflet §3 level 2" in rec(2, "Poor response", "ON TRACK").reason
    assert "policy para 9 level 3" in rec(3, "Poor response", "ON TRACK", function=CH).reason
    assert "not yet due" in rec(2, "Poor response", "ON TRACK", due=None).reason
    check(rec(5, "Poor response", "NO DEADLINE", due=None), 5, OMB, "awaiting", "no deadline", "leaflet §3 level 5")
    check(rec(4, "Poor response", "no deadline", function=INWO), 4, OMB, "awaiting", "policy para 9 level 4")


@pytest.mark.parametrize("status", ["RESPONDED", "RESPONDED LATE"])
@pytest.mark.parametrize("function", [SWF, CH])
def test_rule5_response_not_yet_assessed_stays(status, function):
    check(rec(2, "Poor response", status, resolved=None, function=function), 2, TM, "awaiting", "policy para 10",
          "record whether it resolves")


def test_rule5_recurred_does_not_wait():
    check(rec(2, "Poor response", "ON TRACK", recurred="Y"), 3, HOS, "escalate", "the issue has recurred")


# --- rule 6: chase at level 1 --------------------------------------------------------------------

@pytest.mark.parametrize("function", [SWF, CH])
@pytest.mark.parametrize("chasers, sent", [(0, "no chaser has"), (1, "1 chaser has")])
def test_rule6_overdue_at_level1_is_chased(function, chasers, sent):
    r = rec(1, "Information overdue", "OVERDUE", chasers=chasers, function=function)
    check(r, 1, CR, "chase", "appendix row 3", sent, DUE)
    assert r.reason.startswith("Chase: ")
    assert ("appendix row 1" if function == SWF else "policy para 9 level 1") in r.reason


@pytest.mark.parametrize("function, chasers", [(SWF, 2), (CH, 3)])
def test_rule6_two_chasers_then_level2(function, chasers):
    r = rec(1, "Information overdue", "OVERDUE", chasers=chasers, function=function)
    check(r, 2, TM, "escalate", "policy para 10", f"despite {chasers} chasers", DUE)
    if function == SWF:
        assert "appendix row 3" in r.reason and "leaflet §3 level 1" in r.reason


# --- rule 7: one level up, and its exceptions ------------------------------------------------------

def test_rule7_example_from_the_issue():
    r = rec(2, "Information overdue", "OVERDUE")
    assert r.reason.startswith(f"Escalate to level 3: the organisation has not responded by {DUE} after level 2 action")
    check(r, 3, HOS, "escalate", "policy para 10", "leaflet §3 level 2", "appendix row 5")


@pytest.mark.parametrize("level, status, resolved, recurred, refused, significant, expected, who, rule, cite", [
    (1, "RESPONDED", "N", "N", "N", "N", 2, TM, "escalate", "appendix row 4"),  # unresolved, not unanswered
    (2, "RESPONDED", "N", "N", "N", "N", 3, HOS, "escalate", "appendix row 5"),
    (3, "OVERDUE", None, "N", "N", "N", 4, LT, "escalate", "appendix row 6"),
    (3, "RESPONDED", "Y", "Y", "Y", "N", 4, LT, "escalate", "appendix row 6"),  # refused at 3 still goes to 4
    (4, "OVERDUE", None, "N", "N", "Y", 4, LT, "capped", "appendix row 7"),  # 4 -> 5 only if refused
    (4, "RESPONDED", "N", "N", "Y", "N", 5, OMB, "escalate", "appendix row 7"),
    (5, "OVERDUE", None, "N", "N", "N", 5, OMB, "capped", "appendix row 8"),
    (5, "OVERDUE", None, "N", "Y", "N", 6, OMB, "escalate", "appendix row 8"),
    (5, "RESPONDED", "N", "N", "N", "Y", 6, OMB, "escalate", "appendix row 8"),
    (6, "OVERDUE", None, "Y", "Y", "Y", 6, OMB, "capped", "appendix row 8"),
])
def test_rule7_swf_scale(level, status, resolved, recurred, refused, significant, expected, who, rule, cite):
    r = rec(level, "Poor response", status, resolved=resolved, recurred=recurred, refused=refused,
            significant=significant)
    check(r, expected, who, rule, cite)
    verb = "Escalate to" if expected > level else "Stay at"
    assert r.reason.startswith(f"{verb} level {expected}: ")
    if rule == "escalate" and level >= 4:
        assert ("refuses to comply" if refused == "Y" else "significant") in r.reason


@pytest.mark.parametrize("function", [CH, INWO])
@pytest.mark.parametrize("level, refused, significant, expected, who, rule, cite", [
    (1, "N", "N", 2, TM, "escalate", "policy para 9 level 2"),
    (2, "N", "N", 3, HOS, "escalate", "policy para 9 level 3"),
    (3, "N", "N", 4, OMB, "escalate", "policy para 9 level 4"),
    (4, "N", "N", 4, OMB, "capped", "policy para 9 level 5"),
    (4, "Y", "N", 5, OMB, "escalate", "policy para 9 level 5"),
    (4, "N", "Y", 5, OMB, "escalate", "policy para 9 level 5"),
    (5, "Y", "Y", 5, OMB, "capped", "policy para 9 level 5"),
])
def test_rule7_policy_scale(function, level, refused, significant, expected, who, rule, cite):
    r = rec(level, "Non-compliance", "RESPONDED", resolved="N", refused=refused, significant=significant,
            function=function)
    check(r, expected, who, rule, cite, "policy para 10" if rule == "escalate" else cite)


@pytest.mark.parametrize("function, level, who", [(SWF, 2, TM), (SWF, 4, LT), (CH, 3, HOS)])
def test_rule7_mitigating_factors_hold_unless_serious(function, level, who):
    r = rec(level, "Poor response", "OVERDUE", mitigating="Y", refused="Y", function=function)
    check(r, level, who, "mitigating", "policy para 10", "mitigating factors", DUE)
    serious = rec(level, "Risk of harm", "OVERDUE", mitigating="Y", refused="Y", function=function)
    assert serious.rule != "mitigating" and serious.level > level


def test_serious_failure_above_entry_still_needs_refusal_at_swf5():
    check(rec(5, "Intentional non-compliance", "OVERDUE", mitigating="Y"), 5, OMB, "capped", "appendix row 8")
    check(rec(5, "Intentional non-compliance", "OVERDUE", refused="Y"), 6, OMB, "escalate", "appendix row 8")


def test_fallback_with_nothing_recorded_stays():
    check(rec(3, "Poor response", None, due=None), 3, HOS, "hold", "policy para 10")
    check(rec(2, "Poor response", "", resolved="", function=CH), 2, TM, "hold", "policy para 10")


# --- contact, parsing and errors -----------------------------------------------------------------------

def test_contact_roles_come_from_policy():
    assert [contact(n) for n in range(7)] == [ADVICE_CONTACT, CR, TM, HOS, LT, OMB, OMB]
    assert [contact(n, "INWO") for n in range(1, 6)] == [CR, TM, HOS, OMB, OMB]


def test_case_from_cells_parses_what_people_type():
    c = case_from_cells(" level 3 ", " poor RESPONSE ", "responded late", 2.0, "no", "Yes", "TRUE", 1, "n",
                        "complaints", "04/12/2026")
    assert c == Case(3, "Poor response", Status.RESPONDED_LATE, 2, False, True, True, True, False, "Complaints",
                     dt.date(2026, 12, 4))
    blank = case_from_cells(None, "Poor response", "", None, "", None, "", None, None)
    assert (blank.level, blank.status, blank.chasers, blank.resolved, blank.recurred, blank.function) == (
        None, None, 0, None, False, None)


@pytest.mark.parametrize("cells, code, words", [
    (dict(trigger="Late reply"), "TRIGGER", ["'Late reply'", "Information overdue", "Advice requested"]),
    (dict(trigger=None), "TRIGGER", ["blank", "Poor response"]),
    (dict(level="7"), "LEVEL", ["'7'", "1-6"]),
    (dict(level=6, function="INWO"), "LEVEL", ["'6'", "1-5"]),
    (dict(level="L9", function="Housing"), "FUNCTION", ["'Housing'", "SWF, Complaints, INWO"]),  # function first
    (dict(status="LATE"), "STATUS", ["'LATE'", "OVERDUE", "ON TRACK"]),
    (dict(chasers=-1), "COUNT", ["'-1'"]),
    (dict(refused="maybe"), "YN", ["'maybe'"]),
    (dict(due="31/02/2026"), "DATE", ["31/02/2026"]),
])
def test_bad_cells_are_clear_errors(cells, code, words):
    args = dict(level=2, trigger="Poor response", status="OVERDUE", chasers=0, resolved=None, recurred="N",
                significant="N", refused="N", mitigating="N") | cells
    with pytest.raises(InputError) as e:
        recommend_cells(**args)
    assert e.value.code == code
    for w in words:
        assert w in str(e.value)


def test_case_validates_and_coerces_directly():
    assert Case("L2", "poor response", "overdue", function="swf") == Case(2, "Poor response", Status.OVERDUE,
                                                                          function="SWF")
    with pytest.raises(InputError):
        Case(9, "Poor response", None)
    with pytest.raises(InputError):
        Case(1, "Nope", None)


def test_recommend_and_entry_level_on_cases():
    c = Case(2, "Refusal to comply", Status.OVERDUE, significant=True, due=dt.date(2026, 12, 4))
    assert entry_level(c) == 3
    r = recommend(c)
    assert (r.level, r.rule) == (3, "below-entry")
    assert recommend(Case(3, "Poor response", Status.OVERDUE, due=dt.date(2026, 12, 4))).reason.count(DUE) == 1


# --- the batched path ----------------------------------------------------------------------------------

def _per_row(df):
    out = []
    for row in df.itertuples(index=False):
        try:
            r = recommend_cells(row.level, row.trigger, row.status, row.chasers, row.resolved, row.recurred,
                                row.significant, row.refused, row.mitigating, row.function, row.due)
            out.append((r.level, r.contact, r.reason, None))
        except InputError as e:
            out.append((None, None, None, e.cell_text()))
    return out


def _frame_rows(out):
    clean = lambda v: None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v  # noqa: E731
    return [tuple(clean(v) for v in row) for row in
            out[["recommended_level", "contact_from", "reason", "error"]].astype(object).itertuples(index=False)]


def test_frame_matches_row_by_row():
    from bench.bench_rules import cases
    for skew in (True, False):
        df = cases(3000, seed=7, skew=skew)
        df.loc[df.index[::97], "trigger"] = "Bogus"
        df.loc[df.index[::89], "status"] = "Later"
        df.loc[df.index[::83], "due"] = pd.NaT
        assert _frame_rows(recommend_frame(df)) == _per_row(df)


def test_frame_with_tracker_headers_missing_columns_and_mixed_types():
    df = pd.DataFrame({"Level": [1, 1.0, True, "1", None], "Trigger": ["Poor response"] * 5,
                       "Status": ["OVERDUE"] * 5, "Chasers": [2, 2, 2, 2, 2], "Due": [dt.date(2026, 12, 4)] * 5})
    out = recommend_frame(df)
    assert _frame_rows(out)[2][:3] == (None, None, None)
    assert [r[0] for r in _frame_rows(out)] == [2, 2, None, 2, 1]
    assert out["error"].iloc[2].startswith("#LEVEL? 'True'")
    assert f"by {DUE} despite 2 chasers" in out["reason"].iloc[0]
    assert list(out.columns[:5]) == list(df.columns)  # inputs kept as they were


def test_frame_empty():
    out = recommend_frame(pd.DataFrame(columns=["level", "trigger", "status"]))
    assert out.empty and {"recommended_level", "contact_from", "reason", "error"} <= set(out.columns)

"""Every rule of DESIGN §6 on both scales: level, contact and the citation in the reason."""

import datetime as dt

import pandas as pd
import pytest

from spso_xl.policy.deadlines import Status
from spso_xl.errors import InputError
from spso_xl.policy.tables import FUNCTIONS, TRIGGERS
from spso_xl.policy.rules import (ENTRY, NO_ACTION, RULES, SCALE_RULES, Case, Recommendation, case_from_cells, contact,
                           entry_level, is_serious, recommend, recommend_cells)
from spso_xl.policy.recommend import recommend_frame
from spso_xl.policy.settings import settings_from_rows

DUE = "04/12/2026"
AS_OF = dt.date(2027, 1, 4)
SWF, CH, INWO = "SWF", "Complaints", "INWO"
TM, HOS, LT, OMB, CR = "Team Manager", "Head of Service", "Member of SPSO Leadership Team", "Ombudsman", "Case Reviewer"
OFFICER = "SPSO officer"


def rec(level, trigger, status=None, chasers=0, resolved=None, recurred="N", significant="N", refused="N",
        mitigating="N", function=SWF, due=DUE) -> Recommendation:
    return recommend_cells(level, trigger, status, chasers, resolved, recurred, significant, refused, mitigating,
                           function, due)


def check(r: Recommendation, level, who, rule, *cites):
    assert (r.level, r.contact, r.rule) == (level, who, rule), r
    for cite in cites:
        assert cite in r.reason, (cite, r.reason)
    assert r.reason.endswith(")"), r.reason  # ends with its citation


# --- rule 1: advice -------------------------------------------------------------------------

@pytest.mark.parametrize("function", [SWF, CH, INWO])
@pytest.mark.parametrize("level", [None, 0, 2])
def test_rule1_advice_is_not_si_action(function, level):
    """Policy para 6: "Advice or support provided at an organisation's request is not a support or intervention
    action"."""
    r = rec(level, "Advice requested", "OVERDUE", function=function)
    check(r, 0, NO_ACTION, "advice", "policy para 6")
    assert r.reason.startswith("Take no S&I action:")


# --- rule 2: closed -------------------------------------------------------------------------------

@pytest.mark.parametrize("function, level, who", [(SWF, 3, HOS), (CH, 4, OMB)])
def test_rule2_closed_stays_and_cites_nothing(function, level, who):
    """No passage of the texts covers a closed case: "no citation is better than a wrong one" (DESIGN §6)."""
    r = recommend_cells(level, "Poor response", "CLOSED", 0, "N", "Y", "Y", "Y", "N", function, DUE,
                        closed="01/12/2026")
    assert (r.level, r.contact, r.rule) == (level, who, "closed")
    assert r.reason == f"Stay at level {level}: the case was closed on 01/12/2026"
    assert rec(level, "Poor response", "closed", function=function).reason.endswith("the case was closed")
    assert rec(None, "Poor response", "CLOSED").level == 0  # closed before any level was recorded


# --- rule 3: entry level for a new issue ------------------------------------------------------------

ENTRIES = [  # function, trigger, significant, recurred -> level, contact, cite
    (SWF, "Intentional non-compliance", "N", "N", 5, OMB, "policy para 12; leaflet §3"),
    (SWF, "Risk of harm", "Y", "N", 5, OMB, "policy para 12; leaflet §3"),
    (SWF, "Risk of harm", "N", "N", 2, TM, "policy paras 11 and 12.2"),
    (CH, "Intentional non-compliance", "N", "N", 4, OMB, "policy para 12"),
    (INWO, "Risk of harm", "Y", "Y", 4, OMB, "policy para 12"),
    (INWO, "Risk of harm", "Y", "N", 0, NO_ACTION, "footnote 3"),
    (SWF, "Refusal to comply", "N", "N", 2, TM, "policy para 11"),
    (SWF, "Refusal to comply", "Y", "N", 3, HOS, "policy para 11"),
    (CH, "Systemic failure", "N", "N", 2, TM, "policy para 11"),
    (CH, "Systemic failure", "Y", "N", 3, HOS, "policy para 11"),
    (SWF, "No response after two requests", "N", "N", 2, TM, "appendix row 3"),
    (CH, "No response after two requests", "N", "N", 2, TM, "policy para 10"),
    (SWF, "High uphold rate", "N", "N", 2, TM, "policy para 9 level 2; para 14"),
    (CH, "High uphold rate", "N", "N", 2, TM, "policy para 9 level 2; para 14"),
    (SWF, "Recurrent issue", "N", "N", 1, CR, "appendix row 2"),
    (SWF, "Recurrent issue", "N", "Y", 2, TM, "appendix row 4"),
    (CH, "Recurrent issue", "N", "Y", 2, TM, "policy para 9 level 2"),
    (SWF, "Information overdue", "N", "N", 1, CR, "policy para 10; appendix row 1"),
    (SWF, "Information overdue", "Y", "N", 2, TM, "policy para 11"),
    (CH, "Poor response", "N", "N", 1, OFFICER, "policy para 10"),
    (CH, "Non-compliance", "Y", "N", 2, TM, "policy para 11"),
    (SWF, "Non-payment of award", "N", "N", 1, CR, "policy para 10"),
]


@pytest.mark.parametrize("function, trigger, significant, recurred, level, who, cite", ENTRIES)
def test_rule3_new_issue_starts_at_entry_level(function, trigger, significant, recurred, level, who, cite):
    """Policy para 10: "Issues will normally be addressed through Level 1 action in the first instance"; para 11:
    "Level 2 or 3 action may be taken as a first step where the issue is significant"; para 12: "Level 4 or 5 action
    will not be taken as a first step unless there is a serious failure"."""
    r = rec(None, trigger, "OVERDUE", significant=significant, recurred=recurred, function=function)
    check(r, level, who, "new-issue", cite)
    assert r.reason.startswith(f"Start at level {level}: " if level else "Take no S&I action: ")
    if function != SWF:
        assert "appendix" not in r.reason and "leaflet" not in r.reason


@pytest.mark.parametrize("trigger, significant, recurred", [
    ("Systemic failure", "Y", "N"), ("Refusal to comply", "N", "N"), ("Risk of harm", "N", "N"),
    ("No response after two requests", "N", "N"), ("Recurrent issue", "N", "Y"), ("High uphold rate", "N", "N")])
def test_rule3_mitigating_factors_hold_a_higher_first_step_at_1(trigger, significant, recurred):
    """Policy para 10: "In determining whether to escalate an issue, SPSO will have regard to ... any mitigating
    factors"."""
    r = rec(None, trigger, None, significant=significant, recurred=recurred, mitigating="Y")
    check(r, 1, CR, "new-issue", "policy para 10")
    assert "mitigating factors are recorded" in r.reason and "was open as a first step" in r.reason
    assert rec(None, "Intentional non-compliance", None, mitigating="Y").level == 5  # never for a serious failure


def test_every_trigger_kind_has_an_entry_rule_and_every_scale_its_data():
    assert {t.entry for t in TRIGGERS.values()} <= ENTRY.keys()
    for scale in {s.name: s for s in FUNCTIONS.values()}.values():
        rules = SCALE_RULES[scale.name]
        assert 1 < rules.serious_entry <= scale.top
        assert rules.gates[scale.top] == ()  # the top of the scale stays
        assert set(rules.time) == set(range(1, scale.top + 1))
    assert RULES[-1].__name__ == "hold"


def test_serious_failure_is_intentional_non_compliance_or_a_significant_risk_of_harm():
    assert is_serious(Case(None, "Intentional non-compliance", None))
    assert is_serious(Case(None, "Risk of harm", None, significant=True))
    assert not is_serious(Case(None, "Risk of harm", None))
    assert not is_serious(Case(None, "Systemic failure", None, significant=True))


# --- rule 4: awaiting the organisation -------------------------------------------------------------

@pytest.mark.parametrize("function, level, who, cite", [(SWF, 2, TM, "leaflet §3, timeframes for level 2 or 3 action"),
                                                        (SWF, 4, LT, "leaflet §3, timeframes for level 4 action"),
                                                        (CH, 3, HOS, "policy para 7.5")])
@pytest.mark.parametrize("status", ["ON TRACK", "DUE SOON", "DUE TODAY"])
def test_rule4_awaiting_stays_and_names_the_due_date(function, level, who, cite, status):
    """Leaflet §3: "Your organisation will have a reasonable opportunity to respond to the concerns raised"; policy
    para 7.5: "given a fair opportunity to resolve these themselves"."""
    r = rec(level, "Incomplete response", status, function=function)
    check(r, level, who, "awaiting", cite, f"until {DUE}")
    assert r.reason.startswith(f"Stay at level {level}: ")


@pytest.mark.parametrize("flags", [dict(recurred="Y"), dict(resolved="N"), dict(refused="Y"),
                                   dict(significant="Y", trigger="Risk of harm"),
                                   dict(trigger="Intentional non-compliance", mitigating="Y")])
def test_rule4_awaiting_stays_whatever_else_is_flagged(flags):
    """Leaflet §3: "If the matter is not resolved or the issues reoccur (having allowed time for the agreed solution
    to take effect), we will consider higher level action." """
    args = dict(trigger="Poor response") | flags
    r = rec(2, args.pop("trigger"), "ON TRACK", **args)
    check(r, 2, TM, "awaiting", "nothing escalates before then")


def test_rule4_no_deadline_and_time_without_a_due_date():
    assert "has time to respond" in rec(2, "Poor response", "ON TRACK", due=None).reason
    check(rec(5, "Poor response", "NO DEADLINE", due=None), 5, OMB, "awaiting", "Respond by", "level 5 and 6")
    r = rec(4, "Poor response", "no deadline", function=INWO)
    # the policy sets no timeframe at all: the reason says so and cites "a fair opportunity" (para 7.5)
    check(r, 4, OMB, "awaiting", "Respond by", "the policy sets no timeframe", "(policy para 7.5)")
    assert "depends on the circumstances" not in r.reason and "leaflet" not in r.reason
    assert "Date notified" in rec(2, "Poor response", "NO DEADLINE", function=CH).reason


@pytest.mark.parametrize("status", ["RESPONDED", "RESPONDED LATE"])
@pytest.mark.parametrize("function", [SWF, CH])
def test_rule4_response_not_yet_assessed_stays(status, function):
    check(rec(2, "Poor response", status, resolved=None, recurred="Y", function=function), 2, TM, "awaiting",
          "policy para 10", "record whether it resolves")


# --- rule 5: resolved ----------------------------------------------------------------------------------

@pytest.mark.parametrize("function, level, who", [(SWF, 3, HOS), (CH, 4, OMB)])
def test_rule5_resolved_stays(function, level, who):
    """Policy para 10: "escalation to a higher level only where the issue remains unresolved"."""
    check(rec(level, "Poor response", "OVERDUE", resolved="Y", function=function), level, who, "resolved",
          "policy para 10", "consider closing")
    # resolved but recurred is not settled: rule 7 applies
    assert rec(3, "Poor response", "RESPONDED", resolved="Y", recurred="Y", function=function).level == 4


# --- rule 6: requests to comply at level 1, and the chaser window ---------------------------------------------

ROW1 = "We will contact you immediately to chase up the information needed."
ROW3 = "does not respond to an enquiry by the deadline we gave and fails to respond to two requests to comply."


@pytest.mark.parametrize("function, cite", [(SWF, "appendix row 1"), (CH, "policy para 9 level 1")])
@pytest.mark.parametrize("trigger", ["Information overdue", "No response after two requests"])
def test_rule6_the_level1_request_unanswered_is_chased_once(function, cite, trigger):
    """Appendix row 1: "We will contact you immediately to chase up the information needed." - the level-1 action is itself the first request to comply, so one chaser follows."""
    r = rec(1, trigger, "OVERDUE", chasers=0, function=function)
    check(r, 1, CR if function == SWF else OFFICER, "chase", cite, "first request", DUE, "second request")
    assert r.reason.startswith("Chase: ")
    assert ("appendix row 3" in r.reason) == (function == SWF)


@pytest.mark.parametrize("function, chasers, cite", [(SWF, 1, "appendix row 3"), (SWF, 2, "appendix row 3"),
                                                     (CH, 1, "policy para 10"), (INWO, 3, "policy para 10")])
def test_rule6_two_requests_to_comply_then_level2(function, chasers, cite):
    """Appendix row 3: "... fails to respond to two requests to comply.": the level 1 request and one chaser are
    two requests, never three."""
    r = rec(1, "Information overdue", "OVERDUE", chasers=chasers, function=function)
    check(r, 2, TM, "escalate", f"{chasers + 1} requests to comply", DUE, cite)
    assert "appendix row 1" not in r.reason


@pytest.mark.parametrize("trigger", ["Poor response", "Non-payment of award", "Incomplete response",
                                     "Non-compliance"])
@pytest.mark.parametrize("function", [SWF, CH])
def test_rule6_other_level1_issues_have_no_chase_twice_rule(trigger, function):
    """Policy para 10: escalation "where the issue remains unresolved or the organisation does not engage";
    leaflet §3: "Each of the later levels is usually an escalation from level 1." Rows 1 and 3 are about
    information requests, so they are not cited for feedback unanswered or an unpaid award."""
    r = rec(1, trigger, "OVERDUE", chasers=0, function=function)
    check(r, 2, TM, "escalate", "policy para 10", DUE)
    assert "appendix" not in r.reason
    assert ("leaflet §3" in r.reason) == (function == SWF)


@pytest.mark.parametrize("level, chasers", [(1, 1), (1, 0), (3, 1)])
def test_rule6_the_chaser_window_is_the_organisations_time(level, chasers):
    # Mon 07/12/2026 + 5 working days = Mon 14/12/2026
    pending = recommend_cells(level, "Information overdue", "OVERDUE", chasers, None, "N", "N", "N", "N", SWF, DUE,
                              last_chased="07/12/2026", as_of="14/12/2026")
    check(pending, level, pending.contact, "chase", "until 14/12/2026")
    passed = recommend_cells(level, "Information overdue", "OVERDUE", chasers, None, "N", "N", "N", "N", SWF, DUE,
                             last_chased="07/12/2026", as_of="15/12/2026")
    assert passed.level == (1 if level == 1 and chasers < 1 else level + 1), passed
    s = settings_from_rows([("Chaser working days", 10)])
    longer = recommend_cells(level, "Information overdue", "OVERDUE", chasers, None, "N", "N", "N", "N", SWF, DUE,
                             last_chased="07/12/2026", as_of="15/12/2026", settings=s)
    assert "until 21/12/2026" in longer.reason


# --- rule 7: one level up, and its exceptions ------------------------------------------------------

def test_rule7_example():
    r = rec(2, "Information overdue", "OVERDUE")
    assert r.reason.startswith(f"Escalate to level 3: the organisation has not responded by {DUE} after level 2 action")
    check(r, 3, HOS, "escalate", "leaflet §3 level 2")


@pytest.mark.parametrize("level, status, resolved, recurred, refused, significant, expected, who, rule, cite", [
    (1, "RESPONDED", "N", "N", "N", "N", 2, TM, "escalate", "policy para 10"),
    (2, "RESPONDED", "N", "N", "N", "N", 3, HOS, "escalate", "leaflet §3 level 2"),
    (3, "OVERDUE", None, "N", "N", "N", 4, LT, "escalate", "leaflet §3, timeframes for level 2 or 3 action"),
    (3, "RESPONDED", "Y", "Y", "Y", "N", 4, LT, "escalate", "appendix row 6"),  # refused at 3 still goes to 4
    (4, "OVERDUE", None, "N", "N", "N", 5, OMB, "escalate", "leaflet §3 level 4"),
    (4, "RESPONDED", "N", "N", "Y", "N", 5, OMB, "escalate", "appendix row 7"),
    (5, "OVERDUE", None, "N", "N", "N", 5, OMB, "capped", "appendix row 8"),
    (5, "OVERDUE", None, "N", "Y", "N", 6, OMB, "escalate", "appendix row 8"),
    (5, "RESPONDED", "N", "N", "N", "Y", 6, OMB, "escalate", "appendix row 8"),
    (6, "OVERDUE", None, "Y", "Y", "Y", 6, OMB, "capped", "leaflet §3"),
])
def test_rule7_swf_scale(level, status, resolved, recurred, refused, significant, expected, who, rule, cite):
    """Leaflet §3 level 2: "If level 2 action fails to address the matter, we will consider escalating this to a
    level 3 action (or higher)."; level 4: "the matter may be referred to the Ombudsman for formal action";
    appendix row 8: "An organisation refuses to comply or the Ombudsman has significant concerns"."""
    r = rec(level, "Poor response", status, resolved=resolved, recurred=recurred, refused=refused,
            significant=significant)
    check(r, expected, who, rule, cite)
    verb = "Escalate to" if expected > level else "Stay at"
    assert r.reason.startswith(f"{verb} level {expected}: ")
    if rule == "escalate" and level >= 5:
        assert ("refuses to comply" if refused == "Y" else "significant") in r.reason


@pytest.mark.parametrize("function", [CH, INWO])
@pytest.mark.parametrize("level, refused, significant, expected, who, rule, cite", [
    (1, "N", "N", 2, TM, "escalate", "para 9 level 2"),
    (2, "N", "N", 3, HOS, "escalate", "para 9 level 3"),
    (3, "N", "N", 4, OMB, "escalate", "para 9 level 4"),
    (4, "N", "N", 4, OMB, "capped", "policy para 9 level 5"),
    (4, "Y", "N", 5, OMB, "escalate", "para 9 level 5"),
    (4, "N", "Y", 5, OMB, "escalate", "para 9 level 5"),
    (5, "Y", "Y", 5, OMB, "capped", "policy para 9"),
])
def test_rule7_policy_scale(function, level, refused, significant, expected, who, rule, cite):
    """Policy para 9: "Level 5: use of the Ombudsman's statutory powers to alert the Scottish Parliament to a serious
    issue or address non-compliance with/obstruction of SPSO functions." """
    r = rec(level, "Non-compliance", "RESPONDED", resolved="N", refused=refused, significant=significant,
            function=function)
    check(r, expected, who, rule, cite, "policy para 10" if rule == "escalate" else cite)
    assert "appendix" not in r.reason and "level 6" not in r.reason


def test_rule7_refusal_at_3_notes_the_ombudsman():
    """Appendix row 7: "An organisation refuses to comply following level 3 and (usually*) level 4 action." """
    r = rec(3, "Refusal to comply", "OVERDUE", refused="Y")
    check(r, 4, LT, "escalate", "appendix row 7", "the Ombudsman may intervene next")


def test_rule7_an_overdue_case_below_its_entry_level_goes_to_it():
    check(rec(1, "Systemic failure", "OVERDUE", chasers=2, significant="Y"), 3, HOS, "escalate", "policy para 11")
    check(rec(2, "Risk of harm", "OVERDUE", significant="Y"), 5, OMB, "escalate", "policy para 12")
    check(rec(1, "Intentional non-compliance", "RESPONDED", resolved="N", function=CH), 4, OMB, "escalate",
          "policy para 12")


PARA10 = ("In determining whether to escalate an issue, SPSO will have regard to the seriousness of the issue, the "
          "past performance of the organisation and any mitigating factors")


@pytest.mark.parametrize("function, level, who", [(SWF, 2, TM), (SWF, 4, LT), (CH, 3, HOS)])
def test_rule7_mitigating_factors_hold_one_further_window_unless_serious(function, level, who):
    """Policy para 10: "SPSO will have regard to ... any mitigating factors": they hold an escalation for one chaser window past Due (04/12 + 5 = 11/12),
    then the recommendation rises and says they were weighed."""
    def at(day, **kw):
        return recommend_cells(level, "Poor response", "OVERDUE", 0, None, "N", "N", "Y", "Y", function, DUE,
                               as_of=day, **kw)
    r = at("11/12/2026")
    check(r, level, who, "mitigating", "policy para 10", "mitigating factors", DUE, f"escalation to level {level + 1}",
          "until 11/12/2026")
    after = at("14/12/2026")
    check(after, level + 1, after.contact, "escalate", "policy para 10", "mitigating factors were weighed")
    chased = at("16/12/2026", last_chased="10/12/2026")  # a chaser is the further opportunity: 10/12 + 5 = 17/12
    check(chased, level, who, "chase", "until 17/12/2026")
    check(at("18/12/2026", last_chased="10/12/2026"), level + 1, after.contact, "escalate", "were weighed")
    serious = rec(level, "Risk of harm", "OVERDUE", mitigating="Y", significant="Y", function=function)
    assert serious.rule == "escalate" and serious.level == SCALE_RULES[
        "SWF" if function == SWF else "policy"].serious_entry
    mere = rec(level, "Risk of harm", "OVERDUE", mitigating="Y", function=function)  # not significant: not serious
    assert mere.rule == "mitigating" and mere.level == level


def test_mitigating_factors_are_named_at_a_serious_failure():
    """Policy para 12: level 4 or 5 "will not be taken as a first step unless there is a serious failure"; para 10
    weighs mitigating factors in every escalation: they do not hold it, but the reason names them."""
    new = rec(None, "Intentional non-compliance", None, mitigating="Y")
    check(new, 5, OMB, "new-issue", "policy para 12", "mitigating factors are to be weighed before acting",
          "policy para 10")
    up = rec(2, "Risk of harm", "OVERDUE", significant="Y", mitigating="Y", function=CH)
    check(up, 4, OMB, "escalate", "policy para 12", "mitigating factors are to be weighed before acting")
    assert "mitigating" not in rec(None, "Intentional non-compliance", None).reason


def test_a_level1_information_request_with_mitigating_factors_waits_one_window_after_the_two_requests():
    """Two requests to comply unanswered (appendix row 3), mitigating factors recorded: one further chaser window
    (last chased 07/12 + 5 = 14/12, + 5 = 21/12) before level 2; no third request is suggested."""
    def at(day):
        return recommend_cells(1, "Information overdue", "OVERDUE", 1, None, "N", "N", "N", "Y", SWF, DUE,
                               last_chased="07/12/2026", as_of=day)
    check(at("15/12/2026"), 1, CR, "mitigating", "until 21/12/2026", "2 requests to comply", "policy para 10")
    assert not at("15/12/2026").reason.startswith("Chase")
    check(at("22/12/2026"), 2, TM, "escalate", "appendix row 3", "policy para 10", "were weighed")


def test_serious_failure_above_entry_still_needs_refusal_at_swf5():
    check(rec(5, "Intentional non-compliance", "OVERDUE", mitigating="Y"), 5, OMB, "capped", "appendix row 8")
    check(rec(5, "Intentional non-compliance", "OVERDUE", refused="Y"), 6, OMB, "escalate", "appendix row 8")
    check(rec(5, "Intentional non-compliance", "OVERDUE", refused="Y", mitigating="Y"), 5, OMB, "mitigating",
          "policy para 10")


def test_fallback_with_nothing_recorded_stays():
    """Policy para 10: escalation "only where the issue remains unresolved or the organisation does not engage"."""
    check(rec(3, "Poor response", None, due=None), 3, HOS, "hold", "policy para 10")
    check(rec(2, "Poor response", "", resolved="", function=CH), 2, TM, "hold", "policy para 10")


# --- contact, parsing and errors -----------------------------------------------------------------------

def test_contact_roles_come_from_policy():
    assert [contact(n) for n in range(7)] == [NO_ACTION, CR, TM, HOS, LT, OMB, OMB]
    assert [contact(n, "INWO") for n in range(1, 6)] == [OFFICER, TM, HOS, OMB, OMB]


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
    assert (r.level, r.rule) == (3, "escalate")
    assert recommend(Case(3, "Poor response", Status.OVERDUE, due=dt.date(2026, 12, 4))).reason.count(DUE) == 1


# --- the batched path ----------------------------------------------------------------------------------

def _per_row(df):
    out = []
    for row in df.itertuples(index=False):
        try:
            r = recommend_cells(row.level, row.trigger, row.status, row.chasers, row.resolved, row.recurred,
                                row.significant, row.refused, row.mitigating, row.function, row.due,
                                getattr(row, "last_chased", None), AS_OF, getattr(row, "closed", None))
            out.append((r.level, r.contact, r.reason, None))
        except InputError as e:
            out.append((None, None, None, e.cell_text()))
    return out


def _frame_rows(out):
    clean = lambda v: None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v  # noqa: E731
    return [tuple(clean(v) for v in row) for row in
            out[["recommended_level", "contact_from", "reason", "error"]].astype(object).itertuples(index=False)]


def test_frame_matches_row_by_row():
    from tests.support.rule_inputs import cases

    for skew in (True, False):
        df = cases(3000, seed=7, skew=skew)
        df.loc[df.index[::97], "trigger"] = "Bogus"
        df.loc[df.index[::89], "status"] = "Later"
        df.loc[df.index[::83], "due"] = pd.NaT
        assert _frame_rows(recommend_frame(df, AS_OF)) == _per_row(df)


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

"""The policy read a third time (issue 24): dated cases, from the date the organisation was notified to the advice.

Each scenario is a case as a manager records it — notified on a date, at a level, on a scale, with its flags —
judged on a date. The expected Due is worked by hand on Scotland's calendar (St Andrew's Day, Christmas and its
substitute days, 2 January, the first Monday of August; no Easter Monday), not by the tool. Every scenario quotes
the sentence of the texts it rests on (checked against shared/policy/), and is run through the three ways the
tracker computes: the per-cell functions (SI_DEADLINE, SI_STATUS, SI_LEVEL, SI_REASON), the whole Cases table
(`compute_cases`, the SI_CASES spill) and the core — which must agree on Due, Status, level and reason.
"""

import datetime as dt

import pandas as pd
import pytest

import udfs
from spso_xl.policy.cases import compute_cases
from tests.policy.test_policy_scenarios import (FAIR, L4_REFER, L56_TIME, PARA10_FIRST, PARA10_MITIGATING, PARA12_1,
                                                ROW3, ROW7, ROW8, TEN_DAYS, _text)
from tests.support.paths import POLICY

D = dt.date
SWF, CH, INWO = "SWF", "Complaints", "INWO"
CR, OFFICER, TM, HOS, LT, OMB = ("Case Reviewer", "SPSO officer", "Team Manager", "Head of Service",
                                 "Member of SPSO Leadership Team", "Ombudsman")

URGENT_L4 = "This is usually ten working days unless the issue is an urgent matter."
L1_TIME = ("Timeframes for level 1 action: These will range from a single short contact to several weeks. SPSO staff "
           "will give your organisation a reasonable opportunity to respond or resolve the issue")
ROW1_ACTION = "We will contact you immediately to chase up the information needed."
LATER_LEVELS = "Each of the later levels is usually an escalation from level 1."
ROW4_BOTH = ("Our casework data shows a recurrent issue in our findings about your organisation and this has been fed "
             "back as part of a previous decision. Our previous correspondence has not been responded to or the issue "
             "remains unresolved.")
L2_FAILS = "If level 2 action fails to address the matter, we will consider escalating this to a level 3 action (or higher)."


def S(id, quote, notified, level, as_of, due, expect, cite=(), never=(), **case):
    """A dated scenario: notified on `notified` at `level`, judged on `as_of`; the hand-worked Due; the advice."""
    return pytest.param(quote, dict(notified=notified, level=level, as_of=as_of) | case, due, expect, cite, never,
                        id=id)


SCENARIOS = [
    # --- timeframes per level (DESIGN §5) ---------------------------------------------------------------------
    # Fri 20/11/2026 + 10 working days, St Andrew's Day (Mon 30/11) skipped: Mon 07/12/2026
    S("SWF 2 urgent, not about an award, keeps its ten days and is on track on day 4", TEN_DAYS, D(2026, 11, 20), 2,
      D(2026, 11, 26), D(2026, 12, 7), (2, TM), ["until 07/12/2026", "leaflet §3, timeframes for level 2 or 3"],
      trigger="Poor response", urgent="Y"),
    S("SWF 2, an unpaid award is time sensitive: two working days", TEN_DAYS, D(2026, 11, 20), 2, D(2026, 11, 25),
      D(2026, 11, 24), (3, HOS), ["leaflet §3 level 2"], trigger="Non-payment of award"),
    S("SWF 2, an unpaid award marked Urgent = N keeps ten days", TEN_DAYS, D(2026, 11, 20), 2, D(2026, 11, 25),
      D(2026, 12, 7), (2, TM), ["until 07/12/2026"], trigger="Non-payment of award", urgent="N"),
    S("SWF 3 urgent significant harm is not sent to the Ombudsman on day 3", TEN_DAYS, D(2026, 11, 20), 3,
      D(2026, 11, 25), D(2026, 12, 7), (3, HOS), ["until 07/12/2026", "nothing escalates before then"],
      trigger="Risk of harm", urgent="Y", significant="Y"),
    S("SWF 4 urgent: the urgent window, and it waits until it has passed", URGENT_L4, D(2026, 11, 20), 4,
      D(2026, 11, 23), D(2026, 11, 24), (4, LT), ["until 24/11/2026", "leaflet §3, timeframes for level 4 action"],
      trigger="Poor response", urgent="Y"),
    S("SWF 4 urgent and overdue: referred to the Ombudsman", L4_REFER, D(2026, 11, 20), 4, D(2026, 11, 25),
      D(2026, 11, 24), (5, OMB), ["leaflet §3 level 4"], trigger="Poor response", urgent="Y"),
    # Mon 21/12/2026 + 10: 25/12 and Mon 28/12 (Boxing Day's substitute), 01/01 and Mon 04/01/2027 (2 January's)
    S("SWF 4 over Christmas and 2 January: due today", URGENT_L4, D(2026, 12, 21), 4, D(2027, 1, 8), D(2027, 1, 8),
      (4, LT), ["until 08/01/2027"], trigger="Poor response"),
    S("SWF 5: no default timeframe", L56_TIME, D(2026, 11, 20), 5, D(2026, 12, 8), None, (5, OMB),
      ["Respond by", "leaflet §3, timeframes for level 5 and 6"], trigger="Poor response", urgent="Y"),
    S("SWF 5 with Respond by, overdue, no refusal: the Ombudsman decides", ROW8, D(2026, 11, 20), 5, D(2027, 1, 18),
      D(2027, 1, 15), (5, OMB), ["appendix row 8"], trigger="Poor response", respond_by=D(2027, 1, 15)),
    S("Complaints 2: the team's own ten days, never the leaflet", FAIR, D(2026, 11, 20), 2, D(2026, 12, 4),
      D(2026, 12, 7), (2, TM), ["until 07/12/2026", "policy sets no timeframe", "policy para 7.5"],
      ["leaflet", "appendix"], fn=CH, trigger="Poor response"),
    S("Complaints 2 urgent: the team's urgent window", FAIR, D(2026, 11, 20), 2, D(2026, 11, 23), D(2026, 11, 24),
      (2, TM), ["until 24/11/2026", "policy para 7.5"], ["leaflet"], fn=CH, trigger="Poor response", urgent="Y"),
    S("INWO 4: the policy sets no timeframes, so Respond by", FAIR, D(2026, 11, 20), 4, D(2026, 12, 8), None,
      (4, OMB), ["Respond by", "the policy sets no timeframe", "policy para 7.5"], ["leaflet", "depends on"],
      fn=INWO, trigger="Non-compliance"),
    # --- the calendar ------------------------------------------------------------------------------------------
    # notified on St Andrew's Day (a holiday) counts from it as WORKDAY does: Mon 14/12/2026
    S("notified on St Andrew's Day", TEN_DAYS, D(2026, 11, 30), 2, D(2026, 12, 14), D(2026, 12, 14), (2, TM),
      ["until 14/12/2026"], trigger="Poor response"),
    # Thu 24/12/2026 + 10: 25/12, 28/12, 01/01, 04/01 skipped: Wed 13/01/2027
    S("notified on Christmas Eve", TEN_DAYS, D(2026, 12, 24), 2, D(2027, 1, 14), D(2027, 1, 13), (3, HOS),
      ["13/01/2027", "leaflet §3 level 2"], trigger="Poor response"),
    # Wed 31/12/2025 + 10: Thu 01/01 and Fri 02/01/2026 skipped: Fri 16/01/2026
    S("2 January is a holiday in Scotland", TEN_DAYS, D(2025, 12, 31), 3, D(2026, 1, 16), D(2026, 1, 16), (3, HOS),
      ["until 16/01/2026"], trigger="Poor response"),
    # Thu 02/04/2026 + 10: Good Friday skipped, Easter Monday worked: Fri 17/04/2026
    S("Easter Monday is a working day in Scotland", TEN_DAYS, D(2026, 4, 2), 2, D(2026, 4, 20), D(2026, 4, 17),
      (3, HOS), ["17/04/2026"], trigger="Poor response"),
    # --- requests to comply (appendix rows 1 and 3) --------------------------------------------------------------
    # Fri 24/07/2026 + 10, the first Monday of August (03/08) skipped: Mon 10/08/2026
    S("the level 1 request unanswered over the August holiday: chase once", ROW1_ACTION, D(2026, 7, 24), 1,
      D(2026, 8, 11), D(2026, 8, 10), (1, CR), ["Chase:", "second request", "10/08/2026", "appendix row 1"],
      trigger="Information overdue"),
    # chased Tue 11/08/2026: the chaser window (5 working days) runs to Tue 18/08/2026
    S("the second request's window is the organisation's time", ROW1_ACTION, D(2026, 7, 24), 1, D(2026, 8, 18),
      D(2026, 8, 10), (1, CR), ["until 18/08/2026"], ["Chase"], trigger="Information overdue", chasers=1,
      last_chased=D(2026, 8, 11)),
    S("two requests to comply unanswered: level 2, never a third", ROW3, D(2026, 7, 24), 1, D(2026, 8, 19),
      D(2026, 8, 10), (2, TM), ["2 requests to comply", "appendix row 3"], ["Chase", "appendix row 1"],
      trigger="Information overdue", chasers=1, last_chased=D(2026, 8, 11)),
    S("two requests unanswered on the policy scale: para 10", PARA10_FIRST, D(2026, 7, 24), 1, D(2026, 8, 19),
      D(2026, 8, 10), (2, TM), ["2 requests to comply", "policy para 10"], ["appendix"],
      fn=CH, trigger="Information overdue", chasers=1, last_chased=D(2026, 8, 11)),
    # --- other level-1 issues: no chase-twice rule (para 10) -------------------------------------------------------
    # Fri 18/12/2026 + 2 (an unpaid award): Tue 22/12/2026
    S("an unpaid award at level 1, its opportunity passed before Christmas", LATER_LEVELS, D(2026, 12, 18), 1,
      D(2026, 12, 23), D(2026, 12, 22), (2, TM), ["policy para 10", "leaflet §3"], ["appendix", "Chase"],
      trigger="Non-payment of award"),
    # Mon 23/11/2026 + 10, St Andrew's Day skipped: Tue 08/12/2026
    S("level 1 feedback unanswered goes to level 2 under para 10", PARA10_FIRST, D(2026, 11, 23), 1, D(2026, 12, 9),
      D(2026, 12, 8), (2, TM), ["policy para 10"], ["appendix row 1", "appendix row 3", "Chase"],
      trigger="Poor response"),
    S("level 1 feedback unanswered on the policy scale", PARA10_FIRST, D(2026, 11, 23), 1, D(2026, 12, 9),
      D(2026, 12, 8), (2, TM), ["policy para 10", "para 9 level 2"], ["appendix", "leaflet"], fn=INWO,
      trigger="Non-compliance"),
    S("a recurrent issue fed back at level 1 and unanswered is row 4", ROW4_BOTH, D(2026, 11, 23), 1, D(2026, 12, 9),
      D(2026, 12, 8), (2, TM), ["appendix row 4"], ["Chase"], trigger="Recurrent issue"),
    # --- mitigating factors (para 10): one further window, then weighed ----------------------------------------------
    # Due Mon 07/12/2026; one chaser window past it: Mon 14/12/2026
    S("mitigating factors hold level 2 for one chaser window", PARA10_MITIGATING, D(2026, 11, 20), 2, D(2026, 12, 14),
      D(2026, 12, 7), (2, TM), ["until 14/12/2026", "to be weighed first", "policy para 10"],
      trigger="Poor response", mitigating="Y"),
    S("then level 3, saying they were weighed", PARA10_MITIGATING, D(2026, 11, 20), 2, D(2026, 12, 15),
      D(2026, 12, 7), (3, HOS), ["were weighed", "policy para 10", "leaflet §3 level 2"], trigger="Poor response",
      mitigating="Y"),
    S("a serious failure is not held, but the reason names the mitigating factors", PARA12_1, D(2026, 11, 20), 1,
      D(2026, 12, 8), D(2026, 12, 7), (4, OMB), ["policy para 12", "mitigating factors are to be weighed"],
      ["appendix", "leaflet"], fn=CH, trigger="Intentional non-compliance", mitigating="Y"),
    # --- refusals ------------------------------------------------------------------------------------------------
    S("a refusal after level 4: row 7 names the refusal", ROW7, D(2026, 11, 20), 4, D(2026, 12, 8), D(2026, 12, 7),
      (5, OMB), ["refuses to comply", "appendix row 7"], trigger="Refusal to comply", refused="Y"),
    S("a refusal after level 3: level 4, and the Ombudsman may intervene", ROW7, D(2026, 11, 20), 3, D(2026, 12, 8),
      D(2026, 12, 7), (4, LT), ["refuses to comply", "appendix row 7"], trigger="Refusal to comply", refused="Y"),
    S("a response that does not resolve it after level 2", L2_FAILS, D(2026, 11, 20), 2, D(2026, 12, 8),
      D(2026, 12, 7), (3, HOS), ["leaflet §3 level 2", "not resolved"], trigger="Poor response",
      received=D(2026, 12, 3), resolved="N"),
    # --- closures ----------------------------------------------------------------------------------------------
    S("a closed case stays, with nothing to cite", PARA10_FIRST, D(2026, 11, 20), 3, D(2026, 12, 8), D(2026, 12, 7),
      (3, HOS), ["closed on 01/12/2026"], ["(", "para"], trigger="Poor response", closed=D(2026, 12, 1),
      refused="Y", mitigating="Y"),
]


def _cells(case):
    return dict(level=case["level"], trigger=case.get("trigger", "Poor response"), fn=case.get("fn", SWF),
                urgent=case.get("urgent"), respond_by=case.get("respond_by"), chasers=case.get("chasers", 0),
                received=case.get("received"), resolved=case.get("resolved"), recurred=case.get("recurred", "N"),
                significant=case.get("significant", "N"), refused=case.get("refused", "N"),
                mitigating=case.get("mitigating", "N"), last_chased=case.get("last_chased"),
                closed=case.get("closed"), notified=case["notified"], as_of=case["as_of"])


def _per_cell(c):
    """What the single-case formulas give, as a person would type them in a cell."""
    due = udfs.SI_DEADLINE(c["notified"], c["level"], c["urgent"], c["respond_by"], c["fn"], c["trigger"])
    due = due if isinstance(due, dt.date) else None
    status = udfs.SI_STATUS(due, c["received"], c["as_of"], c["closed"])
    flags = (c["level"], c["trigger"], status, c["chasers"], c["resolved"], c["recurred"], c["significant"],
             c["refused"], c["mitigating"], c["fn"], c["last_chased"], c["as_of"], None, None)
    level = udfs.SI_LEVEL(*flags, due)
    reason = udfs.SI_REASON(*flags, due, c["closed"])
    return due, status, level, udfs.SI_CONTACT(level, c["fn"]), reason


def _table(rows):
    """The whole Cases table at once (what SI_CASES spills), one row per scenario, each judged on its own date."""
    out = []
    for c in rows:
        frame = pd.DataFrame([{
            "Level": c["level"], "Function": c["fn"], "Urgent": {"Y": True, "N": False}.get(c["urgent"]),
            "Trigger": c["trigger"], "Date notified": c["notified"], "Respond by": c["respond_by"],
            "Chasers": c["chasers"], "Last chased": c["last_chased"], "Response received": c["received"],
            "Resolved": {"Y": True, "N": False}.get(c["resolved"]), "Recurred": c["recurred"] == "Y",
            "Significant": c["significant"] == "Y", "Refused": c["refused"] == "Y",
            "Mitigating": c["mitigating"] == "Y", "Closed": c["closed"]}])
        r = compute_cases(frame, c["as_of"]).iloc[0]
        due = None if pd.isna(r["Due"]) else r["Due"].date()
        out.append((due, r["Status"], int(r["Recommended level"]), r["Contact from"], r["Reason"]))
    return out


@pytest.mark.parametrize("quote, case, due, expect, cite, never", SCENARIOS)
def test_dated_scenario(quote, case, due, expect, cite, never):
    c = _cells(case)
    got_due, status, level, contact, reason = _per_cell(c)
    assert got_due == due, (got_due, due)
    assert (level, contact) == expect, reason
    for words in cite:
        assert words in reason, (words, reason)
    for words in never:
        assert words not in reason, (words, reason)
    assert _table([c]) == [(got_due, status, level, contact, reason)]  # the Reason column says the same


def test_every_dated_quote_is_in_the_texts():
    if not POLICY.exists():
        pytest.skip("the policy texts are not beside the repository")
    texts = _text("support-and-intervention-policy-2019.txt") + " " + _text(
        "swf-support-and-intervention-leaflet-2021.txt").replace("**", "")
    for p in SCENARIOS:
        assert " ".join(p.values[0].split()) in texts, (p.id, p.values[0])

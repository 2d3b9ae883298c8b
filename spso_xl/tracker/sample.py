"""Sample trackers: a realistic one for the demo, and large random ones for benchmarks.

All names of people are invented. Everything is a function of `as_of` (and a seed),
so the demo is the same every time for the same date.
"""

from __future__ import annotations

import datetime as dt
import random

from spso_xl.calendar.workdays import scottish_calendar, workday
from spso_xl.policy.settings import SPECS
from spso_xl.policy.tables import DEFAULT_FUNCTION, TRIGGERS
from spso_xl.tracker.councils import COUNCILS

FIRST = ("Aileen", "Calum", "Eilidh", "Fraser", "Isla", "Kirsty", "Lachlan", "Morag", "Niall", "Rhona", "Ruaridh",
         "Shona", "Struan", "Catriona", "Douglas", "Mhairi")
LAST = ("MacLeod", "Campbell", "Robertson", "Stewart", "Fraser", "Murray", "Henderson", "O'Neill", "Ferguson",
        "MacDonald", "Sinclair", "Drummond", "Urquhart", "Gillies")
THEMES = ("Delay in decision", "Failure to consider all evidence", "Failure to signpost to SPSO",
          "Poor quality decision letter", "Incorrect application of guidance", "Accessibility of the service")
SIGNATORIES = {  # Settings key -> who signs (name, then title)
    "Signatory: SWF Case Reviewer": "Alex Morrison, Case Reviewer, Scottish Welfare Fund",
    "Signatory: SWF Team Manager": "Jamie Reid, Team Manager, Scottish Welfare Fund",
    "Signatory: SWF Head of Service": "Morven Baird, Head of Investigation",
    "Signatory: Complaints SPSO officer": "Priya Shah, Complaints Reviewer",
    "Signatory: Complaints Team Manager": "Gordon Munro, Team Manager, Complaints",
    "Signatory: Complaints Head of Service": "Ailsa Grant, Head of Improvement, Standards and Engagement",
    "Signatory: INWO SPSO officer": "Tom Byrne, Whistleblowing Reviewer",
    "Signatory: INWO Team Manager": "Ishbel Reid, INWO Team Manager",
    "Signatory: INWO Head of Service": "Ailsa Grant, Head of Improvement, Standards and Engagement",
    "Signatory: Member of SPSO Leadership Team": "Euan Kerr, Director",
    "Signatory: Ombudsman": "Fiona Wallace, Scottish Public Services Ombudsman",
}
HIGH_UPHOLD = "Inverclyde Council"
RECURRING = {"Fife Council": "Failure to signpost to SPSO", "Highland Council": "Delay in decision",
             "Glasgow City Council": "Poor quality decision letter"}
RECURRING_COMPLAINTS = {"Fife Council": "Failure to signpost to SPSO"}


def _person(rng) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def organisations(rng) -> list[dict]:
    rows = []
    for name in COUNCILS:
        slug = name.lower().replace(" council", "").replace(" ", "-")
        town = name.replace(" Council", "").replace("City of ", "").replace("Comhairle nan Eilean Siar", "Steòrnabhagh")
        rows.append({"Organisation": name, "Sector": "Local government", "Recipient name": _person(rng),
                     "Recipient title": rng.choice(("Scottish Welfare Fund Manager", "Head of Customer Services",
                                                    "Service Manager, Revenues and Benefits")),
                     "Chief executive": _person(rng), "Address": f"Council Offices\n1 High Street\n{town}",
                     "Postcode": f"{rng.choice(('AB', 'DD', 'EH', 'FK', 'G', 'IV', 'KA', 'KY', 'PA', 'PH'))}"
                                 f"{rng.randint(1, 40)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRSTU')}",
                     "Email": f"swf@{slug}.example.gov.uk", "Preferred contact": rng.choice(("Email", "Phone", "Letter"))})
    return rows


def findings(rng, as_of: dt.date) -> list[dict]:
    """Two years of decisions: a sector uphold rate near 30%, one council well above it,
    and three councils with a theme upheld again and again in the last year."""
    rows = []
    n = 0
    for org in COUNCILS:
        rate = 0.62 if org == HIGH_UPHOLD else 0.3
        for _ in range(rng.randint(14, 34) + (20 if org == HIGH_UPHOLD else 0)):
            n += 1
            day = as_of - dt.timedelta(days=rng.randint(1, 730))
            upheld = rng.random() < rate
            rows.append({"Case ref": f"SWF-{day.year}-{n:05d}", "Organisation": org, "Function": "SWF",
                         "Decision date": day, "Outcome": "Upheld" if upheld else "Not upheld",
                         "Theme": rng.choice(THEMES), "Fed back": "Y" if upheld and rng.random() < 0.5 else "N"})
        if org in RECURRING:
            for k in range(4):
                n += 1
                day = as_of - dt.timedelta(days=30 + 70 * k)
                rows.append({"Case ref": f"SWF-{day.year}-{n:05d}", "Organisation": org, "Function": "SWF",
                             "Decision date": day, "Outcome": "Upheld", "Theme": RECURRING[org], "Fed back": "Y"})
        if org in RECURRING_COMPLAINTS:  # the same lesson unlearned in complaint handling
            for k in range(4):
                n += 1
                day = as_of - dt.timedelta(days=45 + 80 * k)
                rows.append({"Case ref": f"{day.year}{n:05d}", "Organisation": org, "Function": "Complaints",
                             "Decision date": day, "Outcome": "Upheld", "Theme": RECURRING_COMPLAINTS[org],
                             "Fed back": "Y"})
    return sorted(rows, key=lambda r: (r["Decision date"], r["Case ref"]))


# (trigger, function, level, working days since notified, chasers, response, resolved, flags, closed)
# response: None, "ontime", "late"; flags: a string of R(ecurred) S(ignificant) F(refused) M(itigating) U(rgent)
# P(ending): escalated yesterday with the reason logged, a respond-by date set, its letter not yet written
SCENARIOS = (
    ("Information overdue", "SWF", 1, 3, 0, None, None, "", False),          # on track
    ("Information overdue", "SWF", 1, 9, 0, None, None, "", False),          # due soon
    ("Information overdue", "SWF", 1, 10, 0, None, None, "", False),         # due today
    ("Information overdue", "SWF", 1, 14, 1, None, None, "", False),         # overdue: chase
    ("Information overdue", "SWF", 1, 25, 2, None, None, "", False),         # overdue after 2 chasers: to 2
    ("No response after two requests", "SWF", 2, 16, 1, None, None, "", False),  # to 3
    ("Recurrent issue", "SWF", 1, 30, 0, "ontime", False, "R", False),       # unresolved recurrence: to 2
    ("Recurrent issue", "SWF", 2, 40, 0, "late", False, "R", False),         # to 3
    ("Recurrent issue", "SWF", 3, 45, 0, None, None, "R", False),            # to 4
    ("Refusal to comply", "SWF", 4, 35, 2, None, None, "F", False),          # refused at 4: to 5
    ("Refusal to comply", "SWF", 5, 60, 0, "ontime", False, "F", False),     # refused at 5: to 6
    ("Systemic failure", "SWF", 6, 80, 0, None, None, "S", False),           # report to Parliament: stays
    ("Non-payment of award", "SWF", 1, 1, 0, None, None, "U", False),        # urgent, due soon
    ("Non-payment of award", "SWF", 2, 6, 0, None, None, "U", False),        # urgent, overdue: to 3
    ("Poor response", "SWF", 1, 20, 0, "ontime", True, "", True),            # closed
    ("Incomplete response", "SWF", 2, 22, 0, "late", None, "", False),       # responded late, not assessed
    ("High uphold rate", None, None, 0, 0, None, None, "", False),           # new issue: start at 2
    ("Intentional non-compliance", "SWF", 2, 5, 0, None, None, "", False),   # serious, but on track: waits
    ("Information overdue", "Complaints", 1, 18, 2, None, None, "", False),  # policy scale: to 2
    ("Non-compliance", "Complaints", 2, 30, 0, None, None, "M", False),      # mitigating: stay
    ("Recurrent issue", "Complaints", 4, 1, 0, None, None, "P", False),     # escalated to policy 4: letter due
    ("Risk of harm", "Complaints", 4, 12, 0, None, None, "S", False),        # no default deadline
    ("Systemic failure", "INWO", 2, 8, 0, None, None, "S", False),           # below entry 3, on track: waits
    ("Advice requested", "INWO", None, 0, 0, None, None, "", False),         # not an S&I action
)
_AREA = {"SWF": "SWF review handling", "Complaints": "Complaint handling", "INWO": "Whistleblowing handling"}


def cases_and_actions(rng, as_of: dt.date) -> tuple[list[dict], list[dict]]:
    cal = scottish_calendar()
    cases, actions = [], []
    orgs = [c for c in COUNCILS if c not in RECURRING] + list(RECURRING)
    for i, (trigger, function, level, age, chasers, response, resolved, flags, closed) in enumerate(SCENARIOS, 1):
        org = list(RECURRING)[i % 3] if trigger == "Recurrent issue" else \
            HIGH_UPHOLD if trigger == "High uphold rate" else orgs[(i * 7) % len(orgs)]
        ref = f"SI-{as_of.year}-{i:03d}"
        notified = workday(as_of, -age, cal) if level else None
        history = _history(rng, ref, level or 0, notified, cal) if level else []
        if "P" in flags:  # the escalation logged as the Record escalation button logs it; the letter still to write
            history = [a for a in history if not (a["Level"] == level and a["Action"] == "Letter")]
            history[-1]["Notes"] = (f"Escalated from level {level - 1}. Escalate to level {level}: the issue has "
                                    f"recurred after level {level - 1} action (policy para 10)")
        identified = history[0]["Date"] if history else as_of - dt.timedelta(days=2)
        received = None
        if response:
            received = workday(notified, 8 if response == "ontime" else 13, cal)
            history.append({"Date": received, "Ref": ref, "Level": level, "Action": "Response",
                            "By": "", "Notes": "Response received"})
        chased = [workday(notified, 11 + 3 * k, cal) for k in range(chasers)]
        for k, day in enumerate(chased):
            history.append({"Date": day, "Ref": ref, "Level": level, "Action": "Chaser", "By": "",
                            "Notes": f"Chaser {k + 1}"})
        closed_on = workday(received, 2, cal) if closed and received else None
        if closed_on:
            history.append({"Date": closed_on, "Ref": ref, "Level": level, "Action": "Resolution",
                            "By": "", "Notes": "Resolved: action plan agreed"})
        cases.append({
            "Ref": ref, "Organisation": org, "Function": function, "Area": _AREA.get(function or DEFAULT_FUNCTION),
            "Trigger": trigger, "Description": _description(trigger, org, function),
            "Evidence": _evidence(trigger, function, ref, identified),
            "Date identified": identified, "Level": level, "Date notified": notified,
            "Urgent": "Y" if "U" in flags else None, "Chasers": chasers or None,
            "Last chased": chased[-1] if chased else None, "Response received": received,
            "Respond by": workday(as_of, 20, cal) if "P" in flags else None,
            "Resolved": None if resolved is None else ("Y" if resolved else "N"),
            "Recurred": "Y" if "R" in flags else None, "Significant": "Y" if "S" in flags else None,
            "Refused": "Y" if "F" in flags else None, "Mitigating": "Y" if "M" in flags else None,
            "Owner": rng.choice(("AM", "JR", "MB")), "Closed": closed_on,
        })
        actions.extend(sorted(history, key=lambda a: a["Date"]))
    return cases, sorted(actions, key=lambda a: (a["Date"], a["Ref"]))


def _history(rng, ref: str, level: int, notified: dt.date, cal) -> list[dict]:
    """Contact at level 1, then a letter and an escalation at each level up to `level`."""
    days = sorted({workday(notified, -25 * k, cal) for k in range(level)})
    rows = [{"Date": days[0], "Ref": ref, "Level": 1, "Action": "Contact", "By": "AM", "Notes": "Phoned the service"}]
    for lvl, day in enumerate(days[1:], start=2):
        rows.append({"Date": day, "Ref": ref, "Level": lvl, "Action": "Escalation", "By": "JR",
                     "Notes": f"Escalated to level {lvl}"})
        rows.append({"Date": day, "Ref": ref, "Level": lvl, "Action": "Letter", "By": "JR",
                     "Notes": f"Level {lvl} letter sent"})
    return rows


def _evidence(trigger: str, function: str | None, ref: str, identified: dt.date) -> str:
    """What a manager types in Evidence: the casework reference, and for a request the date it was made."""
    if trigger in ("Recurrent issue", "High uphold rate"):
        return "See Findings"  # as managers do: the letters cite the findings themselves
    case = f"{'complaint' if function in ('Complaints', 'INWO') else 'SWF review'} {ref[3:]}"
    if trigger in ("Information overdue", "No response after two requests"):
        return f"Our request of {identified.day} {identified:%B %Y} for the papers of {case}"
    return case[0].upper() + case[1:]


RECURRING_DESCRIPTIONS = {
    ("SWF", "Failure to signpost to SPSO"): "Decision letters again fail to tell applicants that they can ask SPSO "
                                            "to review the decision",
    ("SWF", "Delay in decision"): "Crisis grant decisions are again made outside the statutory timescales",
    ("SWF", "Poor quality decision letter"): "Decision letters again fail to explain the reasons for the decision",
    ("Complaints", "Failure to signpost to SPSO"): "Final responses to complaints again fail to tell complainants "
                                                   "that they can bring their complaint to SPSO",
}


def _description(trigger: str, org: str, function: str | None = None) -> str:
    if trigger == "Recurrent issue":
        theme = (RECURRING_COMPLAINTS if function == "Complaints" else RECURRING).get(org)
        if (function or DEFAULT_FUNCTION, theme) in RECURRING_DESCRIPTIONS:
            return RECURRING_DESCRIPTIONS[function or DEFAULT_FUNCTION, theme]
    return {
        "Information overdue": "Case file requested for an SWF review not received by the deadline",
        "No response after two requests": "Two requests for the review papers have gone unanswered",
        "Recurrent issue": "Decision letters again fail to explain the reasons for the decision",
        "Refusal to comply": "The council declines to reconsider applications as SPSO directed",
        "Systemic failure": "Failures across crisis grant and community care grant handling",
        "Non-payment of award": "Crisis grant substituted by SPSO not yet paid",
        "Poor response": "Response did not address the points raised",
        "Incomplete response": "Response omitted the applicant's supporting evidence",
        "High uphold rate": f"{org}'s uphold rate is above the sector's 99.8% limit",
        "Intentional non-compliance": "Deliberate refusal to apply the SWF statutory guidance",
        "Non-compliance": "Complaints handled outside the Model CHP timescales",
        "Risk of harm": "Vulnerable applicant left without support",
        "Advice requested": "Council asked for advice on its decision letter template",
    }[trigger]


def demo_rows(as_of: dt.date, seed: int = 2026) -> dict[str, list[dict]]:
    """A realistic tracker's contents for the demo (the defaults fill the other sheets)."""
    rng = random.Random(seed * 100_000 + as_of.toordinal())
    cases, actions = cases_and_actions(rng, as_of)
    settings = [{"Setting": s.key, "Value": s.default, "Notes": s.note} for s in SPECS]
    for row in settings:
        row["Value"] = SIGNATORIES.get(row["Setting"], row["Value"])
    return {"Organisations": organisations(rng), "Findings": findings(rng, as_of), "Cases": cases,
            "Actions": actions, "Settings": settings}


def bulk_rows(n_cases: int, as_of: dt.date, seed: int = 1, actions_per_case: int = 4,
              findings_per_case: int = 4) -> dict[str, list[dict]]:
    """Many random but valid rows, for load tests and benchmarks."""
    rng = random.Random(seed)
    triggers = [t for t in TRIGGERS]
    functions = ("SWF", "SWF", "Complaints", "INWO")
    cases = []
    for i in range(n_cases):
        function = rng.choice(functions)
        level = rng.randint(1, 6 if function == "SWF" else 5)
        notified = as_of - dt.timedelta(days=rng.randint(0, 720))
        received = notified + dt.timedelta(days=rng.randint(1, 30)) if rng.random() < 0.5 else None
        cases.append({"Ref": f"SI-{i:06d}", "Organisation": COUNCILS[i % 32], "Function": function,
                      "Trigger": rng.choice(triggers), "Level": level, "Date notified": notified,
                      "Date identified": notified - dt.timedelta(days=3),
                      "Chasers": rng.randint(0, 3), "Response received": received,
                      "Resolved": rng.choice((None, "Y", "N")) if received else None,
                      "Recurred": rng.choice(("Y", "N", None)), "Significant": rng.choice(("Y", "N")),
                      "Refused": "Y" if rng.random() < 0.1 else "N", "Mitigating": "Y" if rng.random() < 0.1 else None,
                      "Urgent": "Y" if rng.random() < 0.05 else None,
                      "Closed": received + dt.timedelta(days=5) if received and rng.random() < 0.3 else None})
    kinds = ("Contact", "Chaser", "Letter", "Meeting", "Response", "Escalation", "Resolution")
    actions = [{"Date": as_of - dt.timedelta(days=rng.randint(0, 720)), "Ref": f"SI-{rng.randrange(n_cases):06d}",
                "Level": rng.randint(1, 5), "Action": rng.choice(kinds)} for _ in range(n_cases * actions_per_case)]
    found = [{"Case ref": f"C{j}", "Organisation": COUNCILS[rng.randrange(32)], "Function": "SWF",
              "Decision date": as_of - dt.timedelta(days=rng.randint(0, 720)),
              "Outcome": "Upheld" if rng.random() < 0.3 else "Not upheld", "Theme": rng.choice(THEMES)}
             for j in range(n_cases * findings_per_case)]
    return {"Cases": cases, "Actions": actions, "Findings": found}

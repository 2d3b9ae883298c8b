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
from spso_xl.tracker.councils import COUNCILS, LOCAL_AUTHORITY, NHS

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


# Each council's offices: address lines, then a postcode of that town (the demo's letters are read as real ones).
OFFICES = {
    "Aberdeen City Council": ("Marischal College\nBroad Street\nAberdeen", "AB10 1AB"),
    "Aberdeenshire Council": ("Woodhill House\nWestburn Road\nAberdeen", "AB16 5GB"),
    "Angus Council": ("Angus House\nOrchardbank Business Park\nForfar", "DD8 1AN"),
    "Argyll and Bute Council": ("Kilmory\nLochgilphead", "PA31 8RT"),
    "City of Edinburgh Council": ("Waverley Court\n4 East Market Street\nEdinburgh", "EH8 8BG"),
    "Clackmannanshire Council": ("Kilncraigs\nGreenside Street\nAlloa", "FK10 1EB"),
    "Comhairle nan Eilean Siar": ("Sandwick Road\nSteòrnabhagh (Stornoway)\nIsle of Lewis", "HS1 2BW"),
    "Dumfries and Galloway Council": ("Council Offices\nEnglish Street\nDumfries", "DG1 2DD"),
    "Dundee City Council": ("Dundee House\n50 North Lindsay Street\nDundee", "DD1 1QE"),
    "East Ayrshire Council": ("Council Headquarters\nLondon Road\nKilmarnock", "KA3 7BU"),
    "East Dunbartonshire Council": ("12 Strathkelvin Place\nKirkintilloch", "G66 1XT"),
    "East Lothian Council": ("John Muir House\nHaddington", "EH41 3HA"),
    "East Renfrewshire Council": ("Council Offices\nEastwood Park\nGiffnock", "G46 6UG"),
    "Falkirk Council": ("Municipal Buildings\nWest Bridge Street\nFalkirk", "FK1 5RS"),
    "Fife Council": ("Fife House\nNorth Street\nGlenrothes", "KY7 5LT"),
    "Glasgow City Council": ("City Chambers\nGeorge Square\nGlasgow", "G2 1DU"),
    "Highland Council": ("Council Headquarters\nGlenurquhart Road\nInverness", "IV3 5NX"),
    "Inverclyde Council": ("Municipal Buildings\nClyde Square\nGreenock", "PA15 1LY"),
    "Midlothian Council": ("Midlothian House\nBuccleuch Street\nDalkeith", "EH22 1DN"),
    "Moray Council": ("Council Office\nHigh Street\nElgin", "IV30 1BX"),
    "North Ayrshire Council": ("Cunninghame House\nFriars Croft\nIrvine", "KA12 8EE"),
    "North Lanarkshire Council": ("Civic Centre\nWindmillhill Street\nMotherwell", "ML1 1AB"),
    "Orkney Islands Council": ("Council Offices\nSchool Place\nKirkwall", "KW15 1NY"),
    "Perth and Kinross Council": ("Pullar House\n35 Kinnoull Street\nPerth", "PH1 5GD"),
    "Renfrewshire Council": ("Renfrewshire House\nCotton Street\nPaisley", "PA1 1AN"),
    "Scottish Borders Council": ("Council Headquarters\nNewtown St Boswells\nMelrose", "TD6 0SA"),
    "Shetland Islands Council": ("8 North Ness Business Park\nLerwick", "ZE1 0LZ"),
    "South Ayrshire Council": ("County Buildings\nWellington Square\nAyr", "KA7 1DR"),
    "South Lanarkshire Council": ("Council Offices\nAlmada Street\nHamilton", "ML3 0AA"),
    "Stirling Council": ("Old Viewforth\nStirling", "FK8 2ET"),
    "West Dunbartonshire Council": ("16 Church Street\nDumbarton", "G82 1QL"),
    "West Lothian Council": ("West Lothian Civic Centre\nHowden South Road\nLivingston", "EH54 6FF"),
}
# The NHS boards the demo's whistleblowing (INWO) cases are about: INWO looks at NHS services, not councils.
DEMO_BOARDS = {
    "NHS Lothian": ("Waverleygate\n2-4 Waterloo Place\nEdinburgh", "EH1 3EG"),
    "NHS Highland": ("Assynt House\nBeechwood Park\nInverness", "IV2 3BW"),
}
FEMALE = {"Aileen", "Eilidh", "Isla", "Kirsty", "Morag", "Rhona", "Shona", "Catriona", "Mhairi"}
# Who each function's letters go to below the Chief Executive (levels 1-2), by function.
CONTACT_TITLES = {"SWF": "Scottish Welfare Fund Manager", "Complaints": "Customer Feedback Manager",
                  "INWO": "Whistleblowing Lead"}


def _person(rng) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _honorific(name: str, rng) -> tuple[str, str]:
    """(name as written in an address, salutation): 'Dr Catriona Murray', 'Dr Murray'."""
    first, last = name.split(" ", 1)
    title = rng.choice(("Ms", "Mrs", "Dr") if first in FEMALE else ("Mr", "Dr"))
    return f"{title} {name}", f"{title} {last}"


def organisations(rng) -> list[dict]:
    """The 32 councils and two NHS boards, each at its own address (the random draws are those of earlier
    versions, so the rest of the demo is unchanged)."""
    rows = []
    for name in COUNCILS:
        slug = name.lower().replace(" council", "").replace(" ", "-")
        recipient, chief = _person(rng), None
        rng.choice(("Scottish Welfare Fund Manager", "Head of Customer Services",
                    "Service Manager, Revenues and Benefits"))
        chief = _person(rng)
        rng.choice(('AB', 'DD', 'EH', 'FK', 'G', 'IV', 'KA', 'KY', 'PA', 'PH')), rng.randint(1, 40), rng.randint(1, 9)
        rng.choice('ABDEFGHJ'), rng.choice('LNPQRSTU')
        address, postcode = OFFICES[name]
        rows.append({"Organisation": name, "Sector": LOCAL_AUTHORITY, "Recipient name": recipient,
                     "Recipient title": "Head of Customer Services", "Chief executive": chief, "Address": address,
                     "Postcode": postcode, "Email": f"customer.services@{slug}.example.gov.uk",
                     "Preferred contact": rng.choice(("Email", "Phone", "Letter"))})
    return rows


def nhs_boards(rng) -> list[dict]:
    return [{"Organisation": name, "Sector": NHS, "Recipient name": _person(rng),
             "Recipient title": "Director of Nursing", "Chief executive": _person(rng), "Address": address,
             "Postcode": postcode, "Email": f"feedback@{name.lower().replace(' ', '-')}.example.scot.nhs.uk",
             "Preferred contact": "Email"} for name, (address, postcode) in DEMO_BOARDS.items()]


def contacts(rng, orgs: list[dict], cases: list[dict]) -> list[dict]:
    """For each organisation and function the demo's cases write to: the function's manager (levels 1-2) and
    the Chief Executive (levels 3-6), each with a salutation, at the organisation's address."""
    by_name = {o["Organisation"]: o for o in orgs}
    rows, seen = [], set()
    for c in cases:
        org, function = c["Organisation"], c["Function"] or DEFAULT_FUNCTION
        if (org, function) in seen:
            continue
        seen.add((org, function))
        o = by_name[org]
        name, hello = _honorific(_person(rng), rng)
        rows.append({"Organisation": org, "Function": function, "Levels": "1-2", "Recipient name": name,
                     "Recipient title": CONTACT_TITLES[function], "Salutation": hello,
                     "Email": f"{function.lower()}@{o['Email'].split('@')[1]}", "Address": o["Address"],
                     "Postcode": o["Postcode"]})
        if (org, "chief") not in seen:
            seen.add((org, "chief"))
            name, hello = _honorific(o["Chief executive"], rng)
            o["Chief executive"] = name
            rows.append({"Organisation": org, "Function": None, "Levels": "3-6", "Recipient name": name,
                         "Recipient title": "Chief Executive", "Salutation": hello, "Email": o["Email"],
                         "Address": o["Address"], "Postcode": o["Postcode"]})
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
                day = as_of - dt.timedelta(days=20 + 80 * k)  # the latest after the case's level 3 action
                rows.append({"Case ref": f"{day.year}{n:05d}", "Organisation": org, "Function": "Complaints",
                             "Decision date": day, "Outcome": "Upheld", "Theme": RECURRING_COMPLAINTS[org],
                             "Fed back": "Y"})
    for k in range(8):  # the outlier's recent decisions: upheld far more often than the sector's
        n += 1
        day = as_of - dt.timedelta(days=12 + 41 * k)
        rows.append({"Case ref": f"SWF-{day.year}-{n:05d}", "Organisation": HIGH_UPHOLD, "Function": "SWF",
                     "Decision date": day, "Outcome": "Upheld", "Theme": THEMES[k % len(THEMES)], "Fed back": "N"})
    return sorted(rows, key=lambda r: (r["Decision date"], r["Case ref"]))


# (trigger, function, level, working days since notified, chasers, response, resolved, flags, closed)
# response: None, "ontime", "late"; flags: a string of R(ecurred) S(ignificant) F(refused) M(itigating) U(rgent)
# D(ate): a respond-by date set 20 working days ahead; P(ending): escalated yesterday with the reason logged, a respond-by date set, its letter not yet written
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
    ("Systemic failure", "SWF", 6, 80, 0, None, None, "SD", False),          # report to Parliament: stays
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
            HIGH_UPHOLD if trigger == "High uphold rate" else \
            list(DEMO_BOARDS)[i % 2] if function == "INWO" else orgs[(i * 7) % len(orgs)]
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
            "Respond by": workday(as_of, 20, cal) if "P" in flags or "D" in flags else None,
            "Resolved": None if resolved is None else ("Y" if resolved else "N"),
            "Recurred": "Y" if "R" in flags else None, "Significant": "Y" if "S" in flags else None,
            "Refused": "Y" if "F" in flags else None, "Mitigating": "Y" if "M" in flags else None,
            "Owner": rng.choice(("AM", "JR", "MB")), "Closed": closed_on,
            "Theme": (RECURRING_COMPLAINTS if function == "Complaints" else RECURRING).get(org)
            if trigger == "Recurrent issue" else None,
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


KINDS = {"Complaints": "complaint", "INWO": "whistleblowing complaint"}


def _evidence(trigger: str, function: str | None, ref: str, identified: dt.date) -> str:
    """What a manager types in Evidence: the casework reference, and for a request the date it was made."""
    if trigger in ("Recurrent issue", "High uphold rate"):
        return "See Findings"  # as managers do: the letters cite the findings themselves
    case = f"{KINDS.get(function, 'SWF review')} {ref[3:]}"
    when = f"{identified.day} {identified:%B %Y}"
    if trigger in ("Information overdue", "No response after two requests"):
        return f"Our request of {when} for the papers of {case}"
    if trigger == "Non-payment of award":
        return f"Our decision of {when} on {case}, that the council should award the crisis grant"
    return f"Our decision of {when} on {case}"


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
    own = {
        ("Complaints", "Information overdue"): "We are waiting for the complaint file we asked for, for our "
                                               "investigation of a complaint about the council",
        ("Complaints", "Non-compliance"): "Stage 2 complaints are answered outside the Model Complaints Handling "
                                          "Procedure's 20 working days, without an extension being explained",
        ("Complaints", "Risk of harm"): "A complaint about care at home for a vulnerable adult was closed without the "
                                        "risk it raised being addressed",
        ("INWO", "Systemic failure"): "Whistleblowing concerns raised in several services were not recorded or "
                                      "acknowledged as the National Whistleblowing Standards require",
        ("INWO", "Advice requested"): "The board asked for advice on how it reports the outcome of whistleblowing "
                                      "investigations",
    }
    if (function, trigger) in own:
        return own[function, trigger]
    return {
        "Information overdue": "We are waiting for the case file we asked for, for our review of a Scottish "
                               "Welfare Fund decision",
        "No response after two requests": "Two requests for the papers of a Scottish Welfare Fund review have gone "
                                          "unanswered",
        "Recurrent issue": "Decision letters again fail to explain the reasons for the decision",
        "Refusal to comply": "The council declines to reconsider applications as SPSO directed",
        "Systemic failure": "Failures across crisis grant and community care grant handling",
        "Non-payment of award": "A crisis grant that SPSO decided should be awarded has not been paid",
        "Poor response": "Response did not address the points raised",
        "Incomplete response": "Response omitted the applicant's supporting evidence",
        "High uphold rate": "We uphold a much higher share of the reviews we decide about the council's Scottish "
                            "Welfare Fund decisions than we do for other councils",
        "Intentional non-compliance": "Deliberate refusal to apply the SWF statutory guidance",
        "Advice requested": "Council asked for advice on its decision letter template",
    }[trigger]


def demo_rows(as_of: dt.date, seed: int = 2026) -> dict[str, list[dict]]:
    """A realistic tracker's contents for the demo (the defaults fill the other sheets)."""
    rng = random.Random(seed * 100_000 + as_of.toordinal())
    cases, actions = cases_and_actions(rng, as_of)
    settings = [{"Setting": s.key, "Value": s.default, "Notes": s.note} for s in SPECS]
    for row in settings:
        row["Value"] = SIGNATORIES.get(row["Setting"], row["Value"])
    orgs = organisations(rng) + nhs_boards(random.Random(seed))
    people = contacts(random.Random(seed + 1), orgs, cases)
    return {"Organisations": orgs, "Contacts": people, "Findings": findings(rng, as_of), "Cases": cases,
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

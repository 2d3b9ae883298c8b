"""A letter never states what the tracker does not support (DESIGN §10), as properties over generated
tracker states: every scale, level and trigger, and every order of notification, Due, reminders,
response, findings and the letter's date. Each example is a tracker made in memory, its letter planned
and rendered from the shipped template, and the letter's text checked against the tracker's own facts.

Each check names the finding of the independent reading (issue 23) it would have caught.
"""

import datetime as dt
import io
import re
from difflib import SequenceMatcher
from itertools import combinations

import docx
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from spso_xl.calendar.workdays import scottish_calendar, workday
from spso_xl.letters.plan import LetterPlan, plan_letters
from spso_xl.letters.prose import long_date, plain
from spso_xl.letters.templates import render_bytes
from spso_xl.policy.cases import compute_cases
from spso_xl.policy.settings import SPECS
from spso_xl.policy.tables import FUNCTIONS, INFORMATION_TRIGGERS, TRIGGERS, scale_for
from spso_xl.tracker import schema
from spso_xl.tracker.read import tracker_from_sheets
from spso_xl.tracker.sample import SIGNATORIES

CAL = scottish_calendar()
TODAY = dt.date(2026, 12, 4)  # a Friday before Christmas: windows run over the holidays
ORG, OTHER_ORG = "Fife Council", "Angus Council"
THEMES = ("Delay in decision", "Poor quality decision letter", "Failure to signpost to SPSO")
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                "ten": 10}


def sheet(name: str, rows: list[dict]) -> list[list]:
    headers = list(schema.SHEETS[name].headers)
    top = [[None] * len(headers)] * (schema.CASES_HEADER_ROW - 1 if name == "Cases" else 0)
    return [*top, headers, *[[r.get(h) for h in headers] for r in rows]]


@st.composite
def states(draw):
    function = draw(st.sampled_from(sorted(FUNCTIONS)))
    scale = scale_for(function)
    trigger = draw(st.sampled_from([t for t in TRIGGERS if t != "Advice requested"]))
    level = draw(st.integers(1, scale.top))
    notified = draw(st.none() | st.integers(0, 60).map(lambda n: workday(TODAY, -n, CAL)))
    received = None
    if notified and draw(st.booleans()):
        received = min(TODAY, notified + dt.timedelta(days=draw(st.integers(0, 40))))
    respond_by = draw(st.none() | st.integers(-10, 30).map(lambda n: workday(TODAY, n, CAL)))
    chaser_days = sorted(set(draw(st.lists(st.integers(0, 50), max_size=3))))
    chasers = [workday(TODAY, -n, CAL) for n in chaser_days]
    chasers = [c for c in chasers if notified and c > notified]
    theme = draw(st.none() | st.sampled_from(THEMES))
    case = {"Ref": "SI-9", "Organisation": ORG, "Function": function, "Trigger": trigger, "Level": level,
            "Description": "The issue as the manager describes it", "Evidence": draw(st.sampled_from(
                (None, "See Findings", "Our request for the papers of SWF review 2026-009", "F-1"))),
            "Date identified": workday(TODAY, -90, CAL), "Date notified": notified, "Response received": received,
            "Respond by": respond_by, "Chasers": len(chasers) or None, "Last chased": chasers[-1] if chasers else None,
            "Resolved": draw(st.sampled_from((None, "Y", "N"))) if received else None,
            "Recurred": draw(st.sampled_from((None, "Y"))), "Refused": draw(st.sampled_from((None, "Y"))),
            "Significant": draw(st.sampled_from((None, "Y"))), "Urgent": draw(st.sampled_from((None, "N", "Y"))),
            "Theme": theme}
    actions = [{"Date": c, "Ref": "SI-9", "Level": level, "Action": "Chaser", "By": "AM"} for c in chasers]
    # the way here: a contact at level 1, then an escalation and a letter at each level up to this one; the last
    # escalation may be today's (the step this letter takes) or earlier, its letter written or not
    steps = sorted({workday(TODAY, -draw(st.integers(0, 80)), CAL) for _ in range(level)})
    actions.append({"Date": steps[0], "Ref": "SI-9", "Level": 1, "Action": "Contact", "By": "AM",
                    "Notes": "Phoned the service"})
    for lvl, d in enumerate(steps[1:], start=2):
        was = workday(d, -3, CAL)
        note = draw(st.sampled_from((  # as staff log it, or as the Record escalation button logs the rule's reason
            f"Escalated to level {lvl}",
            f"Escalated from level {lvl - 1}. Escalate to level {lvl}: the issue has recurred after level {lvl - 1} "
            f"action (policy para 10)",
            f"Escalated from level {lvl - 1}. Escalate to level {lvl}: the organisation has not responded by "
            f"{was:%d/%m/%Y} despite 2 chasers after level {lvl - 1} action (policy para 10; appendix row 6)")))
        actions.append({"Date": d, "Ref": "SI-9", "Level": lvl, "Action": "Escalation", "By": "JR", "Notes": note})
        if lvl < level or draw(st.booleans()):
            actions.append({"Date": d, "Ref": "SI-9", "Level": lvl, "Action": "Letter", "By": "JR"})
    findings = [{"Case ref": f"F-{k}", "Organisation": draw(st.sampled_from((ORG, ORG, OTHER_ORG))),
                 "Function": draw(st.sampled_from((function, function, "SWF", "Complaints"))),
                 "Decision date": TODAY + dt.timedelta(days=draw(st.integers(-500, 20))),
                 "Outcome": draw(st.sampled_from(("Upheld", "Upheld", "Not upheld"))),
                 "Theme": draw(st.sampled_from(THEMES)), "Fed back": "Y"} for k in range(draw(st.integers(0, 8)))]
    contacts = draw(st.sampled_from((
        [], [{"Organisation": ORG, "Function": "SWF", "Recipient name": "Mr Calum Stewart",
              "Recipient title": "Scottish Welfare Fund Manager", "Salutation": "Mr Stewart", "Levels": "1-2"},
             {"Organisation": ORG, "Function": "Complaints", "Recipient name": "Ms Shona Drummond",
              "Recipient title": "Customer Feedback Manager", "Salutation": "Ms Drummond", "Levels": "1-2"},
             {"Organisation": ORG, "Function": None, "Recipient name": "Dr Catriona Murray",
              "Recipient title": "Chief Executive", "Salutation": "Dr Murray", "Levels": "3-6"}])))
    return case, actions, findings, contacts


def tracker_for(case, actions, findings, contacts):
    settings = [{"Setting": s.key, "Value": SIGNATORIES.get(s.key, s.default)} for s in SPECS]
    orgs = [{"Organisation": o, "Sector": "Local government", "Recipient name": "Alex Brown",
             "Recipient title": "Head of Customer Services", "Chief executive": "Ken Gourlay",
             "Address": "Fife House\nNorth Street\nGlenrothes", "Postcode": "KY7 5LT"} for o in (ORG, OTHER_ORG)]
    return tracker_from_sheets({"Cases": sheet("Cases", [case]), "Organisations": sheet("Organisations", orgs),
                                "Contacts": sheet("Contacts", contacts), "Findings": sheet("Findings", findings),
                                "Actions": sheet("Actions", actions), "Settings": sheet("Settings", settings),
                                "Holidays": sheet("Holidays", []), "Letters": sheet("Letters", [])})


def letter_text(plan: LetterPlan) -> list[str]:
    return [plain(p.text) for p in docx.Document(io.BytesIO(render_bytes(plan))).paragraphs if p.text.strip()]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(states())
def test_a_letter_states_only_what_the_tracker_supports(state):
    case, actions, findings, contacts = state
    tracker = tracker_for(case, actions, findings, contacts)
    [plan] = plan_letters(tracker, ["SI-9"], as_of=TODAY)
    assume(isinstance(plan, LetterPlan))
    paras = letter_text(plan)
    body = "\n".join(paras)
    flat = " ".join(paras)
    computed = compute_cases(tracker.cases, TODAY, tracker.settings, tracker.calendar).iloc[0]
    row_due = computed["Due"].date() if computed["Due"] == computed["Due"] and computed["Due"] is not None else None
    received = case["Response received"]
    overdue = row_due is not None and row_due < TODAY and received is None
    level, function, trigger = plan.level, case["Function"], case["Trigger"]
    scale = scale_for(function)

    # 1. a chaser only once Due has passed with nothing received, never with an earlier deadline than Due
    if "chase up information" in body or "Information overdue" in body:
        assert overdue, "a chaser before anything is overdue"
    if plan.chaser and "Chasers" in plan.cells:
        assert overdue
    if row_due and level == case["Level"] and case["Date notified"]:
        assert plan.respond_by >= row_due or plan.respond_by > TODAY
        assert plan.respond_by >= min(row_due, TODAY) and not (plan.respond_by < row_due and not overdue), \
            "a deadline earlier than the one given"
    # 2. "we have not received" only when Due has passed and nothing was received
    if re.search(r"we have not received|has not responded|did not respond", body):
        assert received is None or "received it late" in body
    if "we have not received it" in body:
        assert overdue
    # reminders counted are reminders sent before the letter's date
    for m in re.finditer(r"(\w+) reminders? we have sent since|have sent (\w+) reminders?|already sent (\w+) reminder",
                         body):
        said = NUMBER_WORDS.get(next(g for g in m.groups() if g), 0) or 1
        assert said <= sum(1 for a in actions if a["Action"] == "Chaser" and a["Date"] < TODAY)
    # 3. evidence only about this issue: the findings named are the Evidence cell's or the theme's, never later
    window = TODAY.replace(year=TODAY.year - 1)
    cited = " ".join(p for p in paras if re.match(r"We (upheld|did not uphold)", p))  # the Evidence cell is as typed
    for f in findings:
        if re.search(rf"\b{re.escape(f['Case ref'])}\b", cited):
            named = f["Case ref"] in (case["Evidence"] or "")
            of_theme = (case["Theme"] and f["Theme"] == case["Theme"] and f["Organisation"] == ORG
                        and f["Function"] == function and f["Outcome"] == "Upheld"
                        and window < f["Decision date"] <= TODAY)
            assert named or of_theme, f"cites {f}"
            assert f["Decision date"] <= TODAY, "a finding dated after the letter"
    # a recurrence after an action is claimed only where a finding dated after that action shows it
    if re.search(r"has recurred", flat):
        lower = [a["Date"] for a in actions if a["Date"] < TODAY and a["Level"] < level
                 and a["Action"] in ("Escalation", "Letter", "Contact")]
        assert any(f["Decision date"] > max(lower) for f in findings
                   if f["Case ref"] in flat and f["Decision date"] <= TODAY)
    # 4. the subject line says what the letter does, never what has not happened
    subject = paras[paras.index(next(p for p in paras if p.startswith("Dear "))) + 1]
    for never in ("Report laid", "Use of the Ombudsman's statutory powers", "Team Manager contact",
                  "Formal notification by"):
        assert never not in subject
    if level == scale.top:
        assert "considering" in subject
    # 5. today's step is not a step that failed
    assert f"On {long_date(TODAY)} we escalated" not in flat
    assert "This has not resolved the matter" not in flat
    # 6. the right person: the contact for the function, greeted as the Contacts row says
    if contacts:
        hello = next(p for p in paras if p.startswith("Dear "))
        if scale.level(level).template >= 3:
            assert hello == "Dear Dr Murray"
        elif function in ("SWF", "Complaints"):
            assert hello == {"SWF": "Dear Mr Stewart", "Complaints": "Dear Ms Drummond"}[function]
        else:  # no INWO contact: the organisation's recipient, never the SWF manager
            assert "Stewart" not in body and "Drummond" not in body
    # 7. the letter asks for what is missing
    if trigger == "Non-payment of award" and case["Resolved"] != "Y" and not plan.chaser:
        assert "Please pay the award" in body
    if trigger in INFORMATION_TRIGGERS and received is None and not plan.template.endswith("chaser.docx"):
        assert "Please send us the information we asked for" in body
    # 8. the case's own reason, no sentence twice, rates stated plainly
    assert "Paragraph 9 of" not in body and "99.8% limit" not in body.replace("(99.8% limit)", "")
    sentences = [x for p in paras for x in re.split(r"(?<=[.:])\s+(?=[A-Z0-9])", p) if len(x.split()) >= 8]
    assert len(sentences) == len(set(sentences)), "a sentence repeated"
    said = [x for x in sentences if not x.startswith("On ")]  # the history's dated steps share their shape
    for a, b in combinations(said, 2):  # nor near-verbatim
        assert SequenceMatcher(None, a, b).ratio() < 0.8, f"repeated: {a!r} / {b!r}"
    if level >= 2:
        verb = "considering" if level == scale.top else "taking"
        assert re.search(rf"(We are|I am) {verb} action at level {level} because", flat)
    # 9. a meeting and a programme of tailored support only where the texts promise them for this trigger
    if "arrange a meeting with you to discuss the issue" in body:
        assert scale.name == "SWF" and level == 3 and trigger == "Recurrent issue"
    if "programme of tailored support" in body:
        assert scale.name == "SWF" and level == 4 and trigger == "Recurrent issue"
    if scale.name == "policy":
        assert not re.search(r"level\s*6", body, re.I)


def test_check_warns_where_a_letter_would_fall_back():
    """`check` says where a letter would use a fallback: no Contacts row for the function, a greeting made from
    a bare name, a recurrent issue with no Theme, a Theme Findings does not use, a recurrence no finding shows."""
    from spso_xl.letters.plan import letter_warnings

    case = {"Ref": "SI-9", "Organisation": ORG, "Function": "INWO", "Trigger": "Recurrent issue", "Level": 2,
            "Description": "x", "Date notified": workday(TODAY, -5, CAL), "Recurred": "Y"}
    actions = [{"Date": workday(TODAY, -20, CAL), "Ref": "SI-9", "Level": 1, "Action": "Contact"},
               {"Date": workday(TODAY, -5, CAL), "Ref": "SI-9", "Level": 2, "Action": "Escalation"}]
    contacts = [{"Organisation": ORG, "Function": "SWF", "Recipient name": "Calum Stewart"}]
    said = "\n".join(letter_warnings(tracker_for(case, actions, [], contacts), TODAY))
    assert "Contacts has no INWO contact for Fife Council at level 2: the letter goes to Alex Brown" in said
    assert "would open 'Dear Alex Brown'" in said
    assert "Cases!Theme is blank" in said
    said = "\n".join(letter_warnings(tracker_for(case | {"Theme": "Unknown theme"}, actions, [], contacts), TODAY))
    assert "Cases!Theme 'Unknown theme' is not a theme in Findings" in said
    assert "Recurred is Y but no finding of its Theme is dated after" in said
    ok = case | {"Function": "SWF", "Theme": THEMES[0]}
    found = [{"Case ref": "F-1", "Organisation": ORG, "Function": "SWF", "Decision date": TODAY - dt.timedelta(days=1),
              "Outcome": "Upheld", "Theme": THEMES[0]}]
    contacts = [contacts[0] | {"Salutation": "Mr Stewart"}]
    assert letter_warnings(tracker_for(ok, actions, found, contacts), TODAY) == []

"""Letters (issue 7): every level's required elements, filled from the tracker; hostile and
special text printed as typed; missing data refused whole; never overwritten; logged safely."""

import datetime as dt
import re
import shutil
import subprocess

import docx
import openpyxl
import pytest

from spso_xl.letters import files, plan, publish, templates
from spso_xl.new import build_tracker
from spso_xl.cli import main
from spso_xl.outputs.libreoffice import convert
from spso_xl.letters.prose import plain
from spso_xl.policy.tables import CHASER, ELEMENTS, SWF_LEVELS, scale_for
from spso_xl.errors import WriteRefused
from spso_xl.policy.settings import SPECS, signatory_key
from spso_xl.policy.cases import compute_cases
from spso_xl.tracker.read import ROW, read_tracker
from tests.support import xlsx_parts as xp
from tests.support.paths import DATA
from tests.support.trackers import copy_tracker

AS_OF = dt.date(2026, 11, 19)  # a Thursday: 10 working days on is Friday 4 December 2026, 5 is Thursday 26 November
BY = "by Friday 4 December 2026"
CHASE_BY = "by Thursday 26 November 2026"
SIGNATORIES = {  # Settings key -> value (name, then title)
    "Signatory: SWF Case Reviewer": "Calum Reviewer, Case Reviewer",
    "Signatory: SWF Team Manager": "Eilidh Dhòmhnallach, Team Manager, Scottish Welfare Fund",
    "Signatory: SWF Head of Service": "Niall Mac an t-Saoir, Head of Investigation",
    "Signatory: Member of SPSO Leadership Team": "Ruth O'Hara & Partner, Director",
    "Signatory: Ombudsman": "Rosemary Ombudsman, Scottish Public Services Ombudsman",
    "Signatory: Complaints SPSO officer": "Col Complaints",  # no title: the role and function are printed
    "Signatory: Complaints Team Manager": "Gordon Munro, Team Manager, Complaints",
    "Signatory: Complaints Head of Service": "Ailsa Grant, Head of Improvement, Standards and Engagement",
    "Signatory: INWO SPSO officer": "Ina Officer, Whistleblowing Reviewer",
    "Signatory: INWO Team Manager": "Ishbel Reid, INWO Team Manager",
    "Signatory: INWO Head of Service": "Ailsa Grant, Head of Improvement, Standards and Engagement",
}
GAELIC_CE = "Màiri Nic a' Phearsain"
DG = "Dumfries & Galloway Council"
DG_CE = 'Dàibhidh "Davie" O\'Brien <CEO>'
HOSTILE = ('{{ 7*7 }} {% for x in [1,2] %}loop{% endfor %} =HYPERLINK("http://evil.example","click") '
           "+cmd|' /C calc'!A0 @SUM(A1) <w:t>&amp;</w:t>")
PATH_REF = "../../etc/passwd:\\x"
FORMULA_REF = '=HYPERLINK("http://evil.example","x")'
SWF_CONTACT = ("Freephone 0800 014 7299", "www.spso.org.uk/scottishwelfarefund")
POLICY_CONTACT = ("Freephone 0800 377 7330, Tel 0131 240 8849", "www.spso.org.uk")

ORGS = [  # Organisations rows 2..6
    {"Organisation": "Fife Council", "Recipient name": "Alex Brown", "Recipient title": "Service Manager",
     "Chief executive": "Ken Gourlay", "Address": "Fife House\nNorth Street\nGlenrothes", "Postcode": "KY7 5LT"},
    {"Organisation": "Comhairle nan Eilean Siar", "Recipient name": "Seònaid NicLeòid",
     "Recipient title": "Ceannard Seirbheis", "Chief executive": GAELIC_CE,
     "Address": "Sràid Sandwick, Steòrnabhagh", "Postcode": "HS1 2BW"},
    {"Organisation": DG, "Recipient name": "Jo Bell", "Recipient title": "Head of Customer Services",
     "Chief executive": DG_CE, "Address": "Council HQ, English Street, Dumfries", "Postcode": "DG1 2DD"},
    {"Organisation": "Angus Council", "Recipient name": "Pat Grey", "Address": "Angus House, Forfar"},
    {"Organisation": "Moray Council", "Recipient name": "Sam Reid", "Chief executive": "Lee Ross"},
]


def _case(ref, org, level, **kw):
    return {"Ref": ref, "Organisation": org, "Function": "SWF", "Trigger": "Information overdue",
            "Description": f"Files for {ref} were sent late.", "Level": level, "Date identified": dt.date(2026, 9, 1)
            } | kw


def _cp(ref, level, **kw):
    return _case(ref, "Fife Council", level, **({"Function": "Complaints", "Area": "Complaint handling",
                                                 "Trigger": "Non-compliance", "Evidence": "Complaint 202501234"} | kw))


CASES = [
    _case("SI-1", "Fife Council", 1, Evidence="SWF/2026/0101 requested on 1 October 2026",
          **{"Date notified": dt.date(2026, 11, 2)}),  # overdue information: a chaser
    _case("SI-2", "Comhairle nan Eilean Siar", 2, Trigger="No response after two requests",
          Evidence="SWF/2026/0102; requests of 1 and 8 October 2026"),
    _case("SI-3", DG, 3, Trigger="Recurrent issue", Recurred="Y", Evidence="See Findings", Theme="Evidence of need",
          Description="Crisis grant decisions in Dumfries & Galloway keep missing the evidence of need."),
    _case("SI-4", "Fife Council", 4, Evidence="SWF/2026/0101", Chasers=2),
    _case("SI-5", "Fife Council", 5, Refused="Y", Evidence="SWF/2026/0101", **{"Respond by": dt.date(2026, 12, 18)}),
    _case("SI-6", "Fife Council", 6, Refused="Y", Evidence="SWF/2026/0101", **{"Respond by": dt.date(2027, 1, 15)}),
    _case("SI-1F", "Fife Council", 1, Trigger="Poor response", Evidence="SWF/2026/0101"),  # feedback
    _cp("CP-1", 1, Trigger="Information overdue", **{"Date notified": dt.date(2026, 11, 2)}),
    _cp("CP-1F", 1),
    _cp("CP-2", 2),
    _cp("CP-3", 3),
    _cp("CP-4", 4, **{"Respond by": dt.date(2026, 12, 18)}),
    _cp("CP-5", 5, Trigger="Information overdue", Area="Engagement with SPSO", **{"Respond by": dt.date(2026, 12, 18)}),
    _cp("CP-5R", 5, Trigger="Refusal to comply", Area="Engagement with SPSO", Refused="Y",
        **{"Respond by": dt.date(2026, 12, 18)}),
    _cp("CP-5P", 5, Trigger="Recurrent issue", Recurred="Y", **{"Respond by": dt.date(2026, 12, 18)}),
    _case("IN-2", "Fife Council", 2, Function="INWO", Area="Whistleblowing handling", Trigger="Poor response",
          Evidence="INWO case 202600321"),
    _case(PATH_REF, DG, 2, Description=HOSTILE, Evidence="=1+1"),
    _case(FORMULA_REF, DG, 2, Evidence="SWF/2026/0201"),
    _case("MISS-CE", "Angus Council", 3, Evidence="x", Description=None),  # no CE, no description
    _case("MISS-ADDR", "Moray Council", 2, Evidence="x"),
    _case("MISS-5", "Fife Council", 5, Evidence="x"),  # level 5 with no respond-by date
    _case("DUE-1", "Fife Council", 2, Evidence="SWF/2026/0101", Chasers=2,
          **{"Date notified": dt.date(2026, 10, 1)}),  # overdue, chased: recommended 3
    _case("CLOSED-1", "Fife Council", 2, Evidence="x", Closed=dt.date(2026, 11, 1),
          **{"Date notified": dt.date(2026, 10, 1)}),
    _case("DUE-4", DG, 3, Trigger="Recurrent issue", Recurred="Y", Evidence=None, Theme="Evidence of need",
          **{"Date notified": dt.date(2026, 10, 1)}),  # recurred after level 3: recommended 4
    _case("MISS-DUE", "Angus Council", 2, Evidence="x", Chasers=2,
          **{"Date notified": dt.date(2026, 10, 1)}),  # due level 3, but no Chief executive
]
HISTORIC = ("SI-4", "SI-5", "SI-6", "CP-4", "CP-5", "CP-5R", "CP-5P")
REASON_L4 = ("Escalated from level 3 (notified 01/10/2026). Escalate to level 4: the organisation has not responded by "
             "15/10/2026 despite 2 chasers after level 3 action (policy para 10; leaflet §3 level 3; appendix row 6)")
ACTIONS = [
    {"Date": dt.date(2026, 9, 1), "Ref": ref, "Level": 2, "Action": "Contact", "By": "AB", "Notes": "Phoned the service"}
    for ref in HISTORIC
] + [
    {"Date": dt.date(2026, 10, 1), "Ref": ref, "Level": 3, "Action": "Letter", "By": "HoS", "Notes": None}
    for ref in HISTORIC
] + [{"Date": dt.date(2026, 10, 20), "Ref": "SI-4", "Level": 3, "Action": "Chaser", "By": "HoS", "Notes": "emailed"},
     {"Date": dt.date(2026, 10, 27), "Ref": "SI-4", "Level": 3, "Action": "Chaser", "By": "HoS", "Notes": None},
     {"Date": dt.date(2026, 11, 18), "Ref": "SI-4", "Level": 4, "Action": "Escalation", "By": "JR", "Notes": REASON_L4},
     {"Date": dt.date(2026, 12, 1), "Ref": "SI-4", "Level": 4, "Action": "Meeting", "By": "X", "Notes": "future"}]
FINDINGS = [
    {"Case ref": "SWF/2026/0101", "Organisation": "Fife Council", "Function": "SWF",
     "Decision date": dt.date(2026, 10, 15), "Outcome": "Upheld", "Theme": "Evidence of need"},
    {"Case ref": "SWF/2026/0102", "Organisation": "Comhairle nan Eilean Siar", "Function": "SWF",
     "Decision date": dt.date(2026, 9, 10), "Outcome": "Upheld", "Theme": "Timescales"},
    *({"Case ref": f"SWF/2026/02{i:02}", "Organisation": DG, "Function": "SWF", "Decision date": d,
       "Outcome": "Upheld", "Theme": "Evidence of need"}
      for i, d in enumerate((dt.date(2026, 3, 5), dt.date(2026, 6, 10), dt.date(2026, 9, 22)), start=1)),
    {"Case ref": "SWF/2025/0009", "Organisation": DG, "Function": "SWF", "Decision date": dt.date(2025, 1, 6),
     "Outcome": "Upheld", "Theme": "Evidence of need"},  # outside the 12-month window
    *({"Case ref": f"C-2026-{i}", "Organisation": "Fife Council", "Function": "Complaints",
       "Decision date": dt.date(2026, i, 3), "Outcome": "Upheld", "Theme": "Failure to signpost to SPSO"}
      for i in (4, 6, 8)),
]
SWF_GOOD = ["SI-1", "SI-1F", "SI-2", "SI-3", "SI-4", "SI-5", "SI-6"]
POLICY_GOOD = ["CP-1", "CP-1F", "CP-2", "CP-3", "CP-4", "CP-5", "CP-5R", "CP-5P", "IN-2"]
GOOD = SWF_GOOD + POLICY_GOOD + [PATH_REF, FORMULA_REF]
MISSING = ["MISS-CE", "MISS-ADDR", "MISS-5"]
CHASERS = {"SI-1", "CP-1"}


def settings_rows(**override):
    rows = [{"Setting": s.key, "Value": s.default} for s in SPECS]
    values = SIGNATORIES | override
    return [r | {"Value": values.get(r["Setting"], r["Value"])} for r in rows]


def make_tracker(path, **settings):
    return build_tracker(path, {"Organisations": ORGS, "Cases": CASES, "Actions": ACTIONS, "Findings": FINDINGS,
                                "Settings": settings_rows(**settings)}, as_of=AS_OF)


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    return make_tracker(tmp_path_factory.mktemp("letters-src") / "si_tracker.xlsm")


@pytest.fixture
def tracker(source, tmp_path):
    return copy_tracker(source, tmp_path)


@pytest.fixture(scope="module")
def run(source, tmp_path_factory):
    """One batch with good, missing and hostile cases, as the button or command would send it."""
    path = copy_tracker(source, tmp_path_factory.mktemp("letters-run"))
    result = publish.write_letters(path, refs=GOOD + MISSING, as_of=AS_OF)
    return path, result


def text(path) -> str:
    """The letter's paragraphs, no-break spaces and hyphens read as the plain ones (prose.plain)."""
    d = docx.Document(path)
    return plain("\n".join(p.text for p in d.paragraphs))


def written(run, ref):
    return next(w for w in run[1].written if w.plan.ref == ref)


# --- every letter, both scales ------------------------------------------------------------------------------

LOG_LINE = re.compile(r"\bby [A-Z]{1,3}\b,|\([Ll]evel \d\)|[Ss]ee [Ff]indings|\b\d{2}/\d{2}/\d{4}\b|\bL\d\b")


def case_of(ref):
    return next(c for c in CASES if c["Ref"] == ref)


def footer(path) -> str:
    return plain("\n".join(p.text for s in docx.Document(path).sections for p in s.footer.paragraphs))


def signature(body: str) -> list[str]:
    return body.split("Yours sincerely", 1)[1].strip().split("\n")


@pytest.mark.parametrize("ref", SWF_GOOD + POLICY_GOOD)
def test_every_letter_carries_its_levels_elements_for_its_scale(run, ref):
    w = written(run, ref)
    case = case_of(ref)
    scale = scale_for(case["Function"])
    level = scale.level(case["Level"])
    chaser = ref in CHASERS
    assert w.plan.template == f"{scale.name.lower()}-level{level.number}{'-chaser' if chaser else ''}.docx"
    body = text(w.docx)
    headings = [p.text for p in docx.Document(w.docx).paragraphs if p.style.name.startswith("Heading")]
    assert headings == [ELEMENTS[k].heading for k in (CHASER if chaser else level.elements)]
    org = next(o for o in ORGS if o["Organisation"] == case["Organisation"])
    recipient = org["Recipient name"] if level.template <= 2 else org["Chief executive"]
    expected = [ref, "19 November 2026", recipient, case["Organisation"], org["Postcode"], f"Dear {recipient}",
                "Bridgeside House, 99 McDonald Road, Edinburgh EH7 4NS", case["Description"]]
    expected += [line.strip() for line in re.split(r"[\n,]", org["Address"])]
    expected += [case["Evidence"]] if case["Evidence"] and case["Evidence"] != "See Findings" else []
    for value in expected:
        assert value in body, value
    respond = case.get("Respond by")
    assert (f"by {plan.weekday_date(respond)}" if respond else CHASE_BY if chaser else BY) in body
    # the function's own contact details, never another function's
    phone, web = SWF_CONTACT if scale.name == "SWF" else POLICY_CONTACT
    other = POLICY_CONTACT[0][:23] if scale.name == "SWF" else SWF_CONTACT[0]
    assert phone in body and web in body and phone in footer(w.docx) and other not in body + footer(w.docx)
    # the signature: name once, then each title line once; the Settings value's role never repeated
    name, _, title = SIGNATORIES[signatory_key(level.contact_from, case["Function"])].partition(", ")
    sig = signature(body)
    assert sig[0] == name and len(sig) == len(set(sig)) and sig[-1] == "Scottish Public Services Ombudsman"
    assert (title or level.contact_from) in sig[1] and body.count(name) == 1
    # prose, not log lines; one way of addressing the recipient
    assert not LOG_LINE.search(body), LOG_LINE.search(body)
    assert "as head of" not in body and "senior governance lead" not in body and "None" not in body
    if scale.name != "SWF":  # policy para 9: five levels
        assert not re.search(r"level\s*6", body, re.I)
    if level.number >= 2:
        verb = "considering" if level.number == scale.top else "taking"  # the top level is considered, not taken
        assert f"{'I am' if level.contact_from == 'Ombudsman' else 'We are'} {verb} action at level {level.number} " \
               f"because" in body and "Paragraph 9 of" not in body


def test_level_1_chases_overdue_information_and_feeds_back_otherwise(run):
    for ref in ("SI-1", "CP-1"):
        body = text(written(run, ref).docx)
        # appendix row 1: "We will contact you immediately to chase up the information needed."
        assert "We are contacting you to chase up information" in body and "Please send us the information " \
            + CHASE_BY in body and "It was due by 16 November 2026." in body
        assert "Good practice" not in body
    assert "escalate the matter to level 2" in text(written(run, "SI-1").docx)  # appendix row 3
    for ref, guide in (("SI-1F", "Scottish Welfare Fund Statutory Guidance"), ("CP-1F", "Model Complaints Handling")):
        body = text(written(run, ref).docx)
        # leaflet §3 level 1: "Feedback will ... make reference to relevant good practice guidance"
        assert guide in body and "feed back" in body and "chase" not in body


def test_reasons_for_the_level_come_from_the_escalation_logged(run):
    body = text(written(run, "SI-4").docx)
    # the logged reason "has not responded by 15/10/2026 despite 2 chasers" in prose, counting only the
    # reminders sent after the date it speaks of (DESIGN §10)
    assert ("We are taking action at level 4 because your organisation did not respond to our level 3 contact by "
            "15 October 2026, when its response was due, and has not responded to the two reminders we have sent "
            "since. This is in line with paragraph 10 of our Support and Intervention Policy and section 3 of our "
            "leaflet") in body
    assert "and row 6 of its appendix." in body and "para 10" not in body and "§" not in body
    fallback = text(written(run, "CP-2").docx)  # nothing logged, and the Reason is not about level 2
    assert "Paragraph 9" not in fallback  # never a paragraph's generic description of the level
    assert "We are taking action at level 2 because" in fallback


def test_level_3_and_4_say_what_the_leaflet_requires(run):
    l3 = text(written(run, "SI-3").docx)
    for i, d in enumerate(("5 March 2026", "10 June 2026", "22 September 2026"), start=1):  # recurrence evidence
        assert f"SWF/2026/02{i:02} on {d}" in l3
    assert "We upheld three reviews on the theme ‘Evidence of need’" in l3 and "SWF/2025/0009" not in l3
    assert "I will arrange a meeting with you to discuss the issue and agree action" in l3  # appendix row 5
    assert "we will consider higher level action" in l3 and "I invite your organisation to comment" in l3
    assert "agreed action plan" in text(written(run, "CP-3").docx)  # policy para 9 level 3
    l4 = text(written(run, "SI-4").docx)
    assert ("On 1 September 2026 we telephoned the service about this issue. On 1 October 2026 our Head of Service "
            "wrote to your organisation at level 3 of our Support and Intervention Policy. We sent reminders on "
            "20 October 2026 and 27 October 2026. These steps have not resolved the matter, for the reasons given "
            "above.") in " ".join(l4.split("\n"))
    # the escalation to level 4 (18 November) is the step this letter notifies, not a step that failed
    assert "18 November 2026" not in l4
    assert "explain the reasons for the delays" in l4 and "Please reply " + BY in l4 and "future" not in l4
    # appendix row 6 promises a programme of tailored support for a recurring trend only, not overdue papers
    assert "programme of tailored support" not in l4
    assert "Please send us the information we asked for " + BY in l4


@pytest.mark.parametrize("ref, power", [
    ("SI-5", "lay a report before the Scottish Parliament under section 16 or 17"),
    ("SI-6", "lay a report before the Scottish Parliament under section 16 or 17"),
    ("CP-4", "lay a report before the Scottish Parliament under section 16 or 17"),
    ("CP-5", "require the production of documents, or the attendance of witnesses, under section 13"),
    ("CP-5R", "petition the Court of Session about the obstruction of my functions, under section 14"),
    ("CP-5P", "lay a report before the Scottish Parliament under section 16 or 17"),
])
def test_the_ombudsman_says_what_she_is_considering_and_asks_first(run, ref, power):
    """Leaflet §3: "Your organisation will be informed before action is taken and usually given a formal
    opportunity to respond before action is taken"; policy para 16.8-16.10 name the powers."""
    body = " ".join(text(written(run, ref).docx).split("\n"))
    assert f"whether to {power} of the Scottish Public Services Ombudsman Act 2002" in body
    assert "considering" in body and "before any action is taken" in body
    assert "directly with me" in body and "Next steps and timeframes" in body
    assert not re.search(r"\bI will (lay|use|petition|require)\b|After that date|regardless", body)
    assert ("refused to comply" in body) == bool(case_of(ref).get("Refused"))
    assert ("level 6" in body) == (ref == "SI-5" or ref == "SI-6")


def test_signatories_are_per_function_and_a_legacy_row_signs_swf_only(tmp_path):
    path = make_tracker(tmp_path / "si_tracker.xlsm", **{"Signatory: SWF Team Manager": None,
                                                         "Signatory: Complaints Team Manager": None})
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb["Settings"]
    ws.append(["Signatory: Team Manager", "Old Hand, Team Manager"])  # a row from an earlier version
    wb.save(path)
    result = publish.write_letters(path, refs=["SI-2", "CP-2"], as_of=AS_OF)
    assert [w.plan.ref for w in result.written] == ["SI-2"]
    assert signature(text(result.written[0].docx))[:2] == ["Old Hand", "Team Manager"]
    assert "Settings!Value for 'Signatory: Complaints Team Manager' is blank" in str(result.refused[0])


def test_policy_templates_never_name_a_level_6_and_every_template_keeps_its_closing_together():
    for path in sorted(templates.TEMPLATES.glob("*.docx")):
        d = docx.Document(path)
        paras = [p for p in d.paragraphs if p.text.strip() and not p.text.startswith("{%p")]
        if path.name.startswith("policy-"):
            assert "level 6" not in "\n".join(p.text for p in paras).lower(), path.name
        i = next(k for k, p in enumerate(paras) if p.text == "Yours sincerely")
        assert paras[i - 1].paragraph_format.keep_with_next, path.name  # the closing follows body text
        assert all(p.paragraph_format.keep_with_next for p in paras[i:-1]), path.name
        for p in paras:
            if p.style.name.startswith("Heading"):
                assert p.style.paragraph_format.keep_with_next or p.paragraph_format.keep_with_next


def test_policy_scale_states_its_own_level(run):
    w = written(run, "CP-4")
    assert w.plan.template == "policy-level4.docx" and w.plan.level == 4 and w.docx.name == "CP-4 L4 2026-11-19.docx"
    assert "at level 4 of our Support and Intervention Policy, with a view to using my statutory powers" in \
        text(w.docx)
    assert w.plan.context["support_url"] == "https://www.spso.org.uk"

# --- special and hostile text ------------------------------------------------------------------


def test_special_characters_come_out_as_typed(run):
    l2, l3 = text(written(run, "SI-2").docx), text(written(run, "SI-3").docx)
    assert "Dear Seònaid NicLeòid" in l2 and "Comhairle nan Eilean Siar" in l2 and "Sràid Sandwick" in l2
    assert "Eilidh Dhòmhnallach" in l2
    assert f"Dear {DG_CE}" in l3 and DG in l3 and "Dumfries & Galloway keep missing" in l3


def test_hostile_cell_text_is_inert(run):
    w = written(run, PATH_REF)
    body = text(w.docx)
    assert HOSTILE in body and "49" not in body and "looploop" not in body
    assert "=1+1" in body
    out = run[0].parent / "letters"
    for ref in (PATH_REF, FORMULA_REF):
        path = written(run, ref).docx
        assert path.parent == out and path.resolve().parent == out.resolve()
        assert not set("/\\:") & set(path.name) and not path.name.startswith(".")
    assert [p.name for p in out.iterdir() if p.is_dir()] == []
    ws = openpyxl.load_workbook(run[0])["Letters"]
    refs = {c.value: c for c in ws["B"]}
    assert refs[FORMULA_REF].data_type == "s" and refs[PATH_REF].value == PATH_REF


@pytest.mark.parametrize("text_in, stem", [
    ("../../etc/passwd", "_.._etc_passwd"), ("a:b\\c", "a_b_c"), ("..", "_"), ("CON", "_CON"),
    ("SI 1 L2 2026-01-02", "SI 1 L2 2026-01-02"), ("Comhairle nan Eilean Siar", "Comhairle nan Eilean Siar"),
    ("x" * 300, "x" * files.MAX_STEM), (" .hidden. ", "hidden"),
])
def test_safe_stem(text_in, stem):
    assert files.safe_stem(text_in) == stem


# --- missing data ------------------------------------------------------------------------------


def test_missing_data_is_refused_whole_and_says_what_to_fill_where(run):
    path, result = run
    refused = {r.ref: r for r in result.refused}
    assert set(refused) == set(MISSING)
    assert refused["MISS-CE"].reasons == (
        "Cases!Description for 'MISS-CE' is blank (row 22): describe the issue (the letter must identify it clearly)",
        "Organisations!Chief executive for 'Angus Council' is blank (row 5) and Contacts has no SWF contact for it: a "
        "level 3 letter goes to the Chief "
        "Executive")
    assert refused["MISS-ADDR"].reasons == (
        "Organisations!Address for 'Moray Council' is blank (row 6): the letter needs a postal address",)
    assert refused["MISS-5"].reasons[0].startswith("Cases!Respond by for 'MISS-5' is blank (row 24): a level 5 "
                                                   "letter must set a timeframe")
    assert all(r.blocking for r in refused.values())
    names = [p.name for p in (path.parent / "letters").iterdir()]
    assert not [n for n in names if n.startswith("MISS")]
    logged = {c.value for c in openpyxl.load_workbook(path)["Letters"]["B"]}
    assert not logged & set(MISSING)


def test_missing_signatory_names_the_setting(tmp_path):
    path = make_tracker(tmp_path / "si_tracker.xlsm", **{"Signatory: SWF Head of Service": None})
    result = publish.write_letters(path, refs=["SI-3", "SI-2"], as_of=AS_OF)
    assert [w.plan.ref for w in result.written] == ["SI-2"]
    row = 2 + [s.key for s in SPECS].index("Signatory: SWF Head of Service")
    assert result.refused[0].reasons == (f"Settings!Value for 'Signatory: SWF Head of Service' is blank (row {row}): "
                                         f"enter the name and title that sign SWF level 3 letters",)


def test_a_template_with_an_unknown_field_refuses_that_letter(tracker, tmp_path):
    edited = tmp_path / "templates"
    shutil.copytree(templates.TEMPLATES, edited)
    d = docx.Document(edited / "swf-level2.docx")
    d.add_paragraph("{{ recipent_name }}")
    d.save(edited / "swf-level2.docx")
    result = publish.write_letters(tracker, refs=["SI-1", "SI-2"], as_of=AS_OF, templates=edited)
    assert [w.plan.ref for w in result.written] == ["SI-1"]
    assert "swf-level2.docx cannot be filled: 'recipent_name' is undefined" in str(result.refused[0])
    assert not list((tracker.parent / "letters").glob("SI-2*"))


def test_unknown_ref_and_nothing_asked(tracker):
    result = publish.write_letters(tracker, refs=["NOPE"], as_of=AS_OF)
    assert str(result.refused[0]) == "NOPE: no case with Ref 'NOPE' on the Cases sheet"
    assert result.backup is None and not (tracker.parent / "backups").exists()
    with pytest.raises(ValueError):
        plan.plan_letters(read_tracker(tracker))


def test_templates_from_an_earlier_version_are_superseded_or_used_with_a_note(tmp_path, capsys):
    """An old tracker's templates/levelN.docx: as shipped, the current template replaces it; edited, SWF
    letters use it and say so, policy-scale letters do not and say so. The file itself is never touched."""
    path = make_tracker(tmp_path / "si_tracker.xlsm")
    folder = tmp_path / "templates"
    for p in folder.glob("*-level*.docx"):
        p.unlink()  # a folder as an earlier version left it
    shipped = (DATA / "legacy-level3.docx").read_bytes()
    (folder / "level3.docx").write_bytes(shipped)
    plain = publish.write_letters(path, refs=["SI-3"], as_of=AS_OF).written[0]
    assert plain.note is None and "I will arrange a meeting" in text(plain.docx)
    assert (folder / "swf-level3.docx").exists() and (folder / "policy-level3.docx").exists()  # added, to edit
    assert (folder / "level3.docx").read_bytes() == shipped
    d = docx.Document(folder / "level3.docx")
    d.paragraphs[0].runs[0].text = "OUR OWN LETTERHEAD"
    d.save(folder / "level3.docx")
    edited = (folder / "level3.docx").read_bytes()
    assert main(["letters", str(path), "--ref", "SI-3", "CP-3", "--as-of", "19/11/2026"]) == 0
    out = capsys.readouterr().out
    assert "note: written from your edited level3.docx" in out and "copy your changes into that file" in out
    assert "note: your edited level3.docx was not used" in out
    letters = sorted((tmp_path / "letters").glob("*-v2.docx")) + sorted((tmp_path / "letters").glob("CP-3*"))
    swf, cp = (text(p) for p in letters)
    assert "OUR OWN LETTERHEAD" in swf and "OUR OWN LETTERHEAD" not in cp and "agreed action plan" in cp
    assert (folder / "level3.docx").read_bytes() == edited


def test_the_tracker_learns_what_the_letter_says(run):
    """DESIGN §10: "The respond-by date in a letter is the row's Due"; a letter to a case not yet notified
    sets Date notified to its date, so that Due, Status and the letter agree."""
    path, result = run
    tracker = read_tracker(path)
    computed = compute_cases(tracker.cases, AS_OF, tracker.settings, tracker.calendar).set_index(tracker.cases[ROW])
    cases = tracker.cases.set_index(ROW)
    for w in result.written:
        before = case_of(w.plan.ref)
        if w.plan.ref == "SI-1" or w.plan.ref == "CP-1":  # a chaser to a notified case counts as a chaser
            assert cases.at[w.plan.row, "Chasers"] == 1
            continue
        assert computed.at[w.plan.row, "Due"].date() == w.plan.respond_by, w.plan.ref
        notified = before.get("Date notified") or AS_OF
        assert cases.at[w.plan.row, "Date notified"].date() == notified and cases.at[w.plan.row, "Level"] == \
            before["Level"]
    assert tracker.problems == []


# --- files and logs ----------------------------------------------------------------------------


def test_never_overwrites_a_letter(tracker):
    first = publish.write_letters(tracker, refs=["SI-1"], as_of=AS_OF).written[0].docx
    before = first.read_bytes()
    second = publish.write_letters(tracker, refs=["SI-1"], as_of=AS_OF).written[0].docx
    third = publish.write_letters(tracker, refs=["SI-1"], as_of=AS_OF).written[0].docx
    assert [p.name for p in (first, second, third)] == ["SI-1 L1 2026-11-19.docx", "SI-1 L1 2026-11-19-v2.docx",
                                                         "SI-1 L1 2026-11-19-v3.docx"]
    assert first.read_bytes() == before
    assert len([c for c in openpyxl.load_workbook(tracker)["Letters"]["B"] if c.value == "SI-1"]) == 3


def test_logs_written_with_hyperlinks_and_the_tracker_intact(run, source):
    path, result = run
    wb = openpyxl.load_workbook(path)
    rows = [[c.value for c in r] for r in wb["Letters"].iter_rows(min_row=2)]
    assert [r[1] for r in rows] == [w.plan.ref for w in result.written]
    r2 = next(r for r in wb["Letters"].iter_rows(min_row=2) if r[1].value == "SI-2")
    assert [c.value for c in r2] == [dt.datetime(2026, 11, 19), "SI-2", 2, "Comhairle nan Eilean Siar",
                                     "Seònaid NicLeòid, Ceannard Seirbheis", "Eilidh Dhòmhnallach",
                                     dt.datetime(2026, 12, 4), "letters/SI-2 L2 2026-11-19.docx"]
    assert r2[7].hyperlink.target == "letters/SI-2%20L2%202026-11-19.docx"
    assert (path.parent / r2[7].value).exists()
    acts = [[c.value for c in r] for r in wb["Actions"].iter_rows(min_row=2)]
    assert len(acts) == len(ACTIONS) + len(result.written)
    assert acts[-1][3] == "Letter" and acts[-1][6].startswith("letters/")
    assert wb["Actions"].cell(len(acts) + 1, 7).hyperlink is not None
    tracker = read_tracker(path)
    assert tracker.problems == [] and len(tracker.parsed["Letters"]) == len(result.written)
    assert xp.parts(path)["xl/vbaProject.bin"] == xp.parts(source)["xl/vbaProject.bin"]
    assert xp.buttons(path) == xp.buttons(source)
    before, after = xp.tables(source), xp.tables(path)
    assert {k: v for k, v in after.items() if k not in ("Letters", "Actions")} == \
        {k: v for k, v in before.items() if k not in ("Letters", "Actions")}
    assert after["Letters"] == f"A1:H{1 + len(result.written)}"
    assert result.backup.read_bytes() == source.read_bytes()


def test_an_open_tracker_is_refused_before_any_letter_is_written(tracker):
    (tracker.parent / f"~${tracker.name}").write_text("owner")
    with pytest.raises(WriteRefused, match="open in Excel"):
        publish.write_letters(tracker, refs=["SI-1"], as_of=AS_OF)
    assert not (tracker.parent / "letters").exists()


def test_letters_folder_from_settings(tmp_path):
    path = make_tracker(tmp_path / "si_tracker.xlsm", **{"Letters folder": "out/S&I letters"})
    w = publish.write_letters(path, refs=["SI-1"], as_of=AS_OF).written[0]
    assert w.docx.parent == tmp_path / "out" / "S&I letters"


def test_the_cases_button_renders_and_hands_excel_safe_rows_to_the_book(tracker):
    """The button and the command line share `publish_letters`; what differs is the writer. The open
    workbook's writer turns the same edit into Excel-safe cells: text that Excel would read as a formula
    keeps its text prefix, and a letter's file becomes a HYPERLINK showing what the file's writer shows."""
    from macros.book import cell_value

    edits = []
    before = tracker.read_bytes()
    result = publish.publish_letters(read_tracker(tracker), tracker.parent, edits.append,
                                     ["SI-2", FORMULA_REF, "MISS-ADDR"], as_of=AS_OF)
    assert [w.plan.ref for w in result.written] == ["SI-2", FORMULA_REF]
    assert [str(r) for r in result.refused] == [
        "MISS-ADDR (Cases row 23): Organisations!Address for 'Moray Council' is blank; fill it in"] or \
        "Organisations!Address for 'Moray Council'" in str(result.refused[0])
    [edit] = edits
    letters = [{k: cell_value(v) for k, v in r.items()} for r in edit.append["Letters"]]
    actions = [{k: cell_value(v) for k, v in r.items()} for r in edit.append["Actions"]]
    assert len(letters) == len(actions) == 2
    assert letters[0]["File"] == '=HYPERLINK("letters/SI-2 L2 2026-11-19.docx","letters/SI-2 L2 2026-11-19.docx")'
    assert letters[1]["Ref"] == "'" + FORMULA_REF and actions[1]["Ref"] == "'" + FORMULA_REF
    assert (tracker.parent / "letters" / "SI-2 L2 2026-11-19.docx").exists()
    assert tracker.read_bytes() == before  # the writer given logs, not the file


# --- --due -----------------------------------------------------------------------------------


def test_due_writes_the_recommended_level_once(tracker):
    result = publish.write_letters(tracker, due=True, as_of=AS_OF)
    got = {w.plan.ref: w.plan.level for w in result.written}
    assert got == {"DUE-1": 3, "DUE-4": 4, "SI-4": 4}  # each above its Level, or escalated with no letter since
    assert {r.ref for r in result.refused} == {"MISS-DUE"}  # due, but data missing
    # (SI-3, recurred at level 3 but never notified, has no deadline yet: it waits for Date notified, DESIGN §6 rule 4)
    assert "Dear Ken Gourlay" in text(next(w for w in result.written if w.plan.ref == "DUE-1").docx)
    # the escalation each letter notifies is recorded with it: Level, Due, the log and the letter agree
    t = read_tracker(tracker)
    computed = compute_cases(t.cases, AS_OF, t.settings, t.calendar).set_index(t.cases[ROW])
    cases = t.cases.set_index(ROW)
    for w in result.written:
        assert cases.at[w.plan.row, "Level"] == w.plan.level
        assert cases.at[w.plan.row, "Date notified"].date() == AS_OF
        assert computed.at[w.plan.row, "Due"].date() == w.plan.respond_by
    acts = t.parsed["Actions"]
    escalated = acts[(acts["Action"] == "Escalation") & (acts["Date"].dt.date == AS_OF)]
    assert sorted(escalated["Ref"]) == ["DUE-1", "DUE-4"] and sorted(escalated["Level"]) == [3, 4]
    assert all("Escalate to level" in n for n in escalated["Notes"])
    due1 = text(next(w for w in result.written if w.plan.ref == "DUE-1").docx)
    assert "We are taking action at level 3 because your organisation did not respond to our level 2 contact by" in due1
    again = publish.write_letters(tracker, due=True, as_of=AS_OF)
    assert again.written == [] and again.backup is None and {r.ref for r in again.refused} == {"MISS-DUE"}
    # and the next letter named for the case is the level it is now at
    assert publish.write_letters(tracker, refs=["DUE-1"], as_of=AS_OF).written[0].plan.level == 3


# --- command line --------------------------------------------------------------------------------


def test_cli_letters(tracker, capsys):
    assert main(["letters", str(tracker), "--ref", "SI-1", "SI-2", "--as-of", "19/11/2026"]) == 0
    out = capsys.readouterr().out
    assert "SI-1 L1 2026-11-19.docx" in out and "logged 2 letters" in out
    assert main(["letters", str(tracker), "--ref", "MISS-ADDR", "--as-of", "19/11/2026"]) == 1
    assert "Organisations!Address for 'Moray Council' is blank (row 6)" in capsys.readouterr().err
    assert main(["letters", str(tracker)]) == 2


# --- templates -------------------------------------------------------------------------------------


def test_templates_are_reproducible_and_use_only_documented_fields(run, tmp_path):
    from workbook.templates import make_templates

    for made in make_templates.main(tmp_path):
        assert made.read_bytes() == (templates.TEMPLATES / made.name).read_bytes(), f"{made.name}: run make_templates.py"
    context = written(run, "SI-4").plan.context
    readme = (templates.TEMPLATES / "README.md").read_text(encoding="utf-8")
    fields = readme.split("## Fields", 1)[1].split("\n## ", 1)[0]
    documented = {name for cell in re.findall(r"^\| ([^|]+) \|", fields, re.M) for name in re.findall(r"`(\w+)`", cell)}
    assert set(context) == documented
    for path in sorted(templates.TEMPLATES.glob("*.docx")):
        xml = "\n".join(p.text for p in docx.Document(path).paragraphs)
        loops = set(re.findall(r"{%p for (\w+) in", xml))
        used = set(re.findall(r"{{ (\w+)", xml)) - loops
        assert used <= set(context), used - set(context)
        tags = re.findall(r"{%p? *(\w+)", xml)
        # loops, conditions on a documented field and fields only: no code
        assert set(tags) <= {"for", "endfor", "if", "else", "endif"}, (path.name, tags)
        assert set(re.findall(r"{%p? *if (\w+) %}", xml)) <= set(context)


# --- PDF -------------------------------------------------------------------------------------------


def pdf_text(pdf, tmp_path) -> str:
    if shutil.which("pdftotext"):
        return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
    return convert(pdf.with_suffix(".docx"), "txt:Text (encoded):UTF8", tmp_path)[0].read_text(encoding="utf-8")


@pytest.mark.libreoffice
def test_pdf_copies_carry_the_letter(tracker, tmp_path, libreoffice):
    result = publish.write_letters(tracker, refs=["SI-4", "SI-3"], as_of=AS_OF, pdf=True)
    assert result.pdf_error is None
    for w in result.written:
        assert w.pdf.name == w.docx.with_suffix(".pdf").name and w.pdf.read_bytes()[:5] == b"%PDF-"
        flat = " ".join(pdf_text(w.pdf, tmp_path).split())
        level = SWF_LEVELS[w.plan.level - 1]
        for key in level.elements:
            assert ELEMENTS[key].heading in flat
        assert w.plan.ref in flat and "Friday 4 December 2026" in flat
    l3 = " ".join(pdf_text(written_pdf := result.written[1].pdf, tmp_path).split())
    assert written_pdf.name.startswith("SI-3") and DG in l3 and 'Dàibhidh "Davie" O\'Brien <CEO>' in l3
    again = publish.write_letters(tracker, refs=["SI-3"], as_of=AS_OF, pdf=True).written[0]
    assert again.pdf.name == "SI-3 L3 2026-11-19-v2.pdf"


def pdf_pages(pdf) -> list[str]:
    """The PDF's text page by page (pdftotext separates pages with a form feed)."""
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [" ".join(page.split()) for page in out.split("\f") if page.strip()]


@pytest.fixture(scope="module")
def pdfs(run, tmp_path_factory, libreoffice):
    """Every letter of the batch, both scales, as LibreOffice prints it (one LibreOffice run)."""
    refs = SWF_GOOD + POLICY_GOOD
    return dict(zip(refs, publish.pdf_copies([written(run, r).docx for r in refs], tmp_path_factory.mktemp("pdfs"))))


@pytest.mark.libreoffice
@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) not installed")
@pytest.mark.parametrize("ref", SWF_GOOD + POLICY_GOOD)
def test_the_printed_letter_reads_as_the_document_does(pdfs, run, ref):
    case = case_of(ref)
    scale = scale_for(case["Function"])
    level = scale.level(case["Level"])
    flat = " ".join(pdf_pages(pdfs[ref]))
    for key in (CHASER if ref in CHASERS else level.elements):
        assert ELEMENTS[key].heading in flat
    phone, web = SWF_CONTACT if scale.name == "SWF" else POLICY_CONTACT
    assert phone in flat and web in flat and ref in flat
    assert not LOG_LINE.search(flat)
    if scale.name != "SWF":
        assert not re.search(r"level\s*6", flat, re.I)
    name = SIGNATORIES[signatory_key(level.contact_from, case["Function"])].split(",")[0]
    assert flat.count(name) == 1


def _closing_has_company(pages: list[str], name: str) -> bool:
    """The page that holds "Yours sincerely" also holds the signature and some body text before it."""
    [page] = [p for p in pages if "Yours sincerely" in p]
    before = page.split("Yours sincerely")[0]
    body = before.replace("Scottish Public Services Ombudsman · ", "")  # a running footer is not company
    return name in page.split("Yours sincerely")[1] and len(body.split()) >= 8


@pytest.mark.libreoffice
@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) not installed")
def test_the_closing_is_never_alone_on_a_page(tmp_path, libreoffice):
    """Letters whose body grows a line at a time, so that one of them ends at every point of a page:
    "Yours sincerely" and the signature always share a page with the letter's last paragraph."""
    line = "The council did not send the papers we asked for, and a reminder went unanswered too. "
    cases = [_case(f"LEN-{k:02}", "Fife Council", 2, Description=line * k, Evidence="SWF/2026/0101")
             for k in range(1, 49)]
    path = build_tracker(tmp_path / "si_tracker.xlsm", {"Organisations": ORGS, "Cases": cases,
                                                        "Settings": settings_rows()}, as_of=AS_OF)
    result = publish.write_letters(path, refs=[c["Ref"] for c in cases], as_of=AS_OF, pdf=True)
    assert result.pdf_error is None and len(result.written) == len(cases)
    pages = {w.plan.ref: pdf_pages(w.pdf) for w in result.written}
    assert {len(p) for p in pages.values()} >= {2, 3}  # the closing fell at every point of page 2
    for ref, printed in pages.items():
        assert _closing_has_company(printed, "Eilidh Dhòmhnallach"), (ref, printed[-1][:200])

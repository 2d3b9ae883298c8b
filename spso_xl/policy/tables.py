"""The Support and Intervention Policy as data: scales, levels, triggers, letter elements.

Everything else (workbook dropdowns, UDFs, the rules, letters, tests) reads these
tables; nothing restates them. Sources are cited as the two texts in
`shared/policy/` number them: "policy para N" is the SPSO Support and Intervention
Policy (levels 1-5), "leaflet §3" and "appendix row N" the SWF leaflet (levels 1-6).
"""

from __future__ import annotations

from dataclasses import dataclass

# --- letter elements (leaflet §3) ----------------------------------------------------


@dataclass(frozen=True)
class Element:
    key: str
    heading: str  # the heading the letter template gives the element
    requirement: str  # what the leaflet says the letter must do


ELEMENTS = {e.key: e for e in (
    Element("issue", "The issue and our evidence",
            "identify the issue clearly and the evidence on which our concerns are based"),
    Element("chase", "The information we need",
            "chase up the information requested (appendix row 1: we will contact you immediately to chase it)"),
    Element("feedback", "Good practice",
            "constructive feedback referring to relevant good practice guidance, examples, tools or training"),
    Element("level", "Why we are taking action at this level",
            "set out the reasons for taking action at level 2 or above (leaflet §3)"),
    Element("action", "Action under our Support and Intervention Policy",
            "explain that we are taking action under the policy, the level of action and how the matter may be escalated if not resolved"),
    Element("history", "What we have done so far",
            "explain how we have so far tried to resolve the matter and why this has not succeeded"),
    Element("invite", "What we ask of you",
            "invite the organisation to comment on the issue or tell us about any action already being taken"),
    Element("delays", "The reasons for the delays",
            "invite the organisation to explain the reasons for the delays and the action being taken"),
    Element("meeting", "Meeting to agree action",
            "a Head of Service will arrange a meeting to discuss the issue and agree action (appendix row 5)"),
    Element("support", "Support available from SPSO",
            "explain any relevant SPSO support which is available"),
    Element("reasons", "What I am considering and why",
            "explain the action being considered and the reasons for it, before any action is taken"),
    Element("steps", "Next steps and timeframes",
            "set out the steps to be taken and timeframes"),
    Element("respond", "Your opportunity to respond",
            "give the organisation an opportunity to discuss and respond directly with the Ombudsman before action is taken"),
)}

# --- levels --------------------------------------------------------------------------

LEVEL1_WINDOW, RESPONSE_WINDOW = "level 1", "response"


@dataclass(frozen=True)
class Level:
    number: int
    name: str
    contact_from: str  # the SPSO role that makes contact
    written_to: str  # who at the organisation is contacted
    window: str | None  # which Settings window sets the default deadline; None = no default
    timeframe: str  # the policy's words on time allowed
    elements: tuple[str, ...]  # ELEMENTS keys the level's letter must carry
    template: int  # the SWF-numbered letter template this level uses
    source: str


_L34_TIME = "a reasonable opportunity to respond: at least ten working days unless the issue concerns non-payment of an award, which is time sensitive (leaflet §3)"
_L56_TIME = "depends on the circumstances; the organisation is informed and usually given a formal opportunity to respond before action is taken (leaflet §3)"
# The policy sets no timeframe at any level: its scale runs on the team's own windows (Settings) or a date the
# manager sets, each a "fair opportunity to resolve these themselves" (para 7.5); never the leaflet's words.
_POLICY_TIME = "the policy sets no timeframe: the team's own response window (Settings), a fair opportunity to respond (policy para 7.5)"
_POLICY_TOP_TIME = "the policy sets no timeframe: the date set in Respond by, a fair opportunity to respond (policy para 7.5)"
_FEEDBACK = ("issue", "feedback", "invite", "support")
_LEVEL2 = ("issue", "level", "action", "invite", "support")
_FORMAL = ("issue", "level", "action", "invite", "meeting", "support")
_HIGHEST = ("issue", "reasons", "history", "steps", "respond")
CHASER = ("issue", "chase")  # the level-1 letter for overdue information (appendix row 1)

SWF_LEVELS = (
    Level(1, "Case Reviewer feedback", "Case Reviewer", "the officer handling the case", LEVEL1_WINDOW,
          "from a single short contact to several weeks, with a reasonable opportunity to respond (leaflet §3)",
          _FEEDBACK, 1, "leaflet §3 level 1; appendix rows 1-2"),
    Level(2, "Team Manager contact", "Team Manager", "the service manager / head of department", RESPONSE_WINDOW,
          _L34_TIME, _LEVEL2, 2, "leaflet §3 level 2; appendix rows 3-4"),
    Level(3, "Formal notification by a Head of Service", "Head of Service", "the Chief Executive", RESPONSE_WINDOW,
          _L34_TIME, _FORMAL, 3, "leaflet §3 level 3; appendix row 5"),
    Level(4, "Formal notification by the Leadership Team", "Member of SPSO Leadership Team", "the Chief Executive",
          RESPONSE_WINDOW, "usually ten working days unless the issue is an urgent matter (leaflet §3)",
          ("issue", "level", "action", "history", "delays", "support"), 4, "leaflet §3 level 4; appendix row 6"),
    Level(5, "Formal intervention by the Ombudsman", "Ombudsman", "the head of the organisation", None,
          _L56_TIME, _HIGHEST, 5, "leaflet §3 level 5; appendix row 7"),
    Level(6, "Report laid before the Scottish Parliament (SPSO Act 2002 s16/17)", "Ombudsman",
          "the head of the organisation", None, _L56_TIME, _HIGHEST, 6, "leaflet §3 level 6; appendix row 8"),
)

POLICY_LEVELS = (
    Level(1, "Officer-level feedback", "SPSO officer", "the officer handling the case", LEVEL1_WINDOW,
          _POLICY_TIME, _FEEDBACK, 1, "policy para 9 level 1"),
    Level(2, "Formal engagement", "Team Manager", "the service manager / head of department", RESPONSE_WINDOW,
          _POLICY_TIME, _LEVEL2, 2, "policy para 9 level 2"),
    Level(3, "Targeted engagement and support with an agreed action plan", "Head of Service", "the Chief Executive",
          RESPONSE_WINDOW, _POLICY_TIME, _FORMAL, 3, "policy para 9 level 3"),
    Level(4, "Engagement by the Ombudsman with a view to using statutory powers", "Ombudsman",
          "the head of the organisation", None, _POLICY_TOP_TIME, _HIGHEST, 5, "policy para 9 level 4"),
    Level(5, "Use of the Ombudsman's statutory powers", "Ombudsman", "the head of the organisation", None,
          _POLICY_TOP_TIME, _HIGHEST, 6, "policy para 9 level 5; para 16.8-16.10"),
)

# --- scales and functions --------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    name: str
    source: str
    levels: tuple[Level, ...]

    @property
    def top(self) -> int:
        return len(self.levels)

    def level(self, n: int) -> Level:
        """Level n of this scale; IndexError outside 1..top (never Python's count from the end)."""
        if not 1 <= n <= self.top:
            raise IndexError(f"level {n} is not on the {self.name} scale (1-{self.top})")
        return self.levels[n - 1]


SWF_SCALE = Scale("SWF", "leaflet", SWF_LEVELS)
POLICY_SCALE = Scale("policy", "policy", POLICY_LEVELS)

FUNCTIONS = {"SWF": SWF_SCALE, "Complaints": POLICY_SCALE, "INWO": POLICY_SCALE}
DEFAULT_FUNCTION = "SWF"

# SWF leaflet level -> policy level (DESIGN §6): levels 3 and 4 of the leaflet are both policy level 3.
SWF_TO_POLICY = {1: 1, 2: 2, 3: 3, 4: 3, 5: 4, 6: 5}

AREAS = ("Complaint handling", "SWF review handling", "Engagement with SPSO", "Whistleblowing handling")

# --- triggers --------------------------------------------------------------------------


@dataclass(frozen=True)
class Trigger:
    label: str
    source: str
    entry: str  # how the entry level is set: a key of rules.ENTRY
    row: int | None = None  # the SWF appendix row whose situation this trigger is at level 1
    urgent: bool = False  # time sensitive by nature: the urgent window unless Urgent = N (leaflet §3)


TRIGGERS = {t.label: t for t in (
    Trigger("Information overdue", "appendix row 1; policy para 8 (engagement)", "first", row=1),
    Trigger("Recurrent issue", "appendix rows 2 and 4; policy para 8", "recurrent"),
    Trigger("No response after two requests", "appendix row 3; policy para 10", "two requests"),
    Trigger("Incomplete response", "policy para 8 (engagement)", "first"),
    Trigger("Poor response", "policy para 8 (engagement)", "first"),
    Trigger("Non-compliance", "policy para 8 (complaint handling, SWF reviews)", "first"),
    Trigger("High uphold rate", "policy para 8 (abnormally high uphold rate); para 14", "uphold"),
    Trigger("Refusal to comply", "policy para 11", "management"),
    Trigger("Systemic failure", "policy para 11", "management"),
    Trigger("Intentional non-compliance", "policy para 12.1", "intentional"),
    Trigger("Risk of harm", "policy paras 11 and 12.2", "harm"),
    Trigger("Non-payment of award", "leaflet §3 (time sensitive)", "first", urgent=True),
    Trigger("Advice requested", "policy para 6", "none"),
)}

ACTION_KINDS = ("Contact", "Chaser", "Letter", "Meeting", "Response", "Escalation", "Resolution", "Closure", "Opened",
                "Update", "Import")
# The tracker's own bookkeeping (a case added, a cell corrected, a closure, an import): logged so that every change
# says who made it, but not an action taken with an organisation, so letters do not tell it and the summary does
# not count it among the actions of a quarter.
RECORD_KINDS = ("Closure", "Opened", "Update", "Import")
OUTCOMES = ("Upheld", "Not upheld")
HOLIDAY_KINDS = ("Bank holiday", "Closure", "Working day")
QUARTER_CONVENTIONS = ("Financial", "Calendar")


def scale_for(function: str | None) -> Scale:
    """The scale a (canonical) function uses; SWF's when the function is blank."""
    return FUNCTIONS[function or DEFAULT_FUNCTION]


def swf_equivalent(level: int, function: str | None) -> int:
    """The leaflet level a level on the function's scale corresponds to (letters use these)."""
    return scale_for(function).level(level).template

# --- statutory powers (policy para 16.8-16.10) ----------------------------------------------


@dataclass(frozen=True)
class Power:
    key: str
    does: str  # what the Ombudsman would do, as a letter says it after "I am considering whether to"
    source: str


ACT = "the Scottish Public Services Ombudsman Act 2002"
POWERS = {p.key: p for p in (
    Power("s13", f"require the production of documents, or the attendance of witnesses, under section 13 of {ACT}",
          "policy para 16.8"),
    Power("s14", f"petition the Court of Session about the obstruction of my functions, under section 14 of {ACT}",
          "policy para 16.9"),
    Power("s16/17", f"lay a report before the Scottish Parliament under section 16 or 17 of {ACT}",
          "policy para 16.10"),
)}
# Which power a trigger puts in play (policy para 9 level 5: "address non-compliance with/obstruction of SPSO
# functions" or "alert the Scottish Parliament to a serious issue"): information withheld from SPSO -> s13;
# a refusal to comply in the organisation's engagement with SPSO (obstruction) -> s14; anything else -> a report.
INFORMATION_TRIGGERS = ("Information overdue", "No response after two requests", "Incomplete response")


def statutory_power(trigger: str | None, area: str | None, function: str | None) -> Power:
    """The power a letter at the top levels names. The SWF leaflet's only named power is the report
    to Parliament (appendix rows 7-8), so SWF letters always name that."""
    if scale_for(function).name == "SWF":
        return POWERS["s16/17"]
    if trigger in INFORMATION_TRIGGERS:
        return POWERS["s13"]
    if trigger == "Refusal to comply" and area == "Engagement with SPSO":
        return POWERS["s14"]
    return POWERS["s16/17"]


# The subject of a letter: "an issue concerning <organisation>'s <this>", by Area, else by Function.
SUBJECTS = {"Complaint handling": "complaint handling",
            "SWF review handling": "handling of Scottish Welfare Fund applications and reviews",
            "Engagement with SPSO": "engagement with our office",
            "Whistleblowing handling": "handling of whistleblowing concerns"}


FUNCTION_SUBJECTS = {"SWF": "handling of Scottish Welfare Fund applications and reviews",
                     "Complaints": "complaint handling", "INWO": "handling of whistleblowing concerns"}


TEAMS = {"SWF": "Scottish Welfare Fund", "Complaints": "Complaints", "INWO": "INWO"}  # under a signatory's role


FUNCTION_NAMES = {"SWF": "Scottish Welfare Fund reviews", "Complaints": "complaint handling",
                  "INWO": "whistleblowing (INWO)"}


# Level-1 feedback "will ... make reference to relevant good practice guidance, examples, tools or training"
# (leaflet §3 level 1); policy para 8 names the standards each function is measured against.
GOOD_PRACTICE = {
    "SWF": ("the Scottish Government's Scottish Welfare Fund Statutory Guidance",
            "our information for decision makers on good decision-making, accessibility and quality assurance, and "
            "our case studies, searchable by outcome, keyword and subject, at {website}"),
    "Complaints": ("the Model Complaints Handling Procedure (CHP) that applies to your organisation",
                   "our good practice guidance on complaint handling, for example our Apology Guidance, and the "
                   "resources of our Complaints Standards Authority at www.valuingcomplaints.org.uk"),
    "INWO": ("the National Whistleblowing Standards",
             "the guidance and learning resources for organisations on our website, {website}"),
}

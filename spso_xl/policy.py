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
    Element("action", "Action under our Support and Intervention Policy",
            "explain that we are taking action under the policy, the level of action and how the matter may be escalated if not resolved"),
    Element("history", "What we have done so far",
            "explain how we have so far tried to resolve the matter and why this has not succeeded"),
    Element("invite", "What we ask of you",
            "invite the organisation to comment on the issue or tell us about any action already being taken"),
    Element("delays", "The reasons for the delays",
            "invite the organisation to explain the reasons for the delays and the action being taken"),
    Element("support", "Support available from SPSO",
            "explain any relevant SPSO support which is available"),
    Element("reasons", "The action we are taking and why",
            "explain the action being taken and the reasons for it"),
    Element("steps", "Next steps and timeframes",
            "set out the steps to be taken and timeframes"),
    Element("respond", "Your opportunity to respond",
            "give the organisation an opportunity to discuss and respond directly with the Ombudsman"),
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
_FORMAL = ("issue", "action", "invite", "support")
_HIGHEST = ("issue", "reasons", "steps", "respond")

SWF_LEVELS = (
    Level(1, "Case Reviewer feedback", "Case Reviewer", "the officer handling the case", LEVEL1_WINDOW,
          "from a single short contact to several weeks, with a reasonable opportunity to respond (leaflet §3)",
          ("issue", "invite", "support"), 1, "leaflet §3 level 1; appendix rows 1-2"),
    Level(2, "Team Manager contact", "Team Manager", "the service manager / head of department", RESPONSE_WINDOW,
          _L34_TIME, ("issue", "action", "invite", "support"), 2, "leaflet §3 level 2; appendix rows 3-4"),
    Level(3, "Formal notification by a Head of Service", "Head of Service", "the Chief Executive", RESPONSE_WINDOW,
          _L34_TIME, _FORMAL, 3, "leaflet §3 level 3; appendix row 5"),
    Level(4, "Formal notification by the Leadership Team", "Member of SPSO Leadership Team", "the Chief Executive",
          RESPONSE_WINDOW, "usually ten working days unless the issue is urgent (leaflet §3)",
          ("issue", "action", "history", "delays", "support"), 4, "leaflet §3 level 4; appendix row 6"),
    Level(5, "Formal intervention by the Ombudsman", "Ombudsman", "the head of the organisation", None,
          _L56_TIME, _HIGHEST, 5, "leaflet §3 level 5; appendix row 7"),
    Level(6, "Report laid before the Scottish Parliament (SPSO Act 2002 s16/17)", "Ombudsman",
          "the head of the organisation", None, _L56_TIME, _HIGHEST, 6, "leaflet §3 level 6; appendix row 8"),
)

POLICY_LEVELS = (
    Level(1, "Officer-level feedback", "Case Reviewer", "the officer handling the case", LEVEL1_WINDOW,
          "a reasonable opportunity to respond or resolve the issue (policy para 9)",
          ("issue", "invite", "support"), 1, "policy para 9 level 1"),
    Level(2, "Formal engagement", "Team Manager", "the service manager / head of department", RESPONSE_WINDOW,
          _L34_TIME, ("issue", "action", "invite", "support"), 2, "policy para 9 level 2"),
    Level(3, "Targeted engagement and support with an agreed action plan", "Head of Service", "the Chief Executive",
          RESPONSE_WINDOW, _L34_TIME, _FORMAL, 3, "policy para 9 level 3"),
    Level(4, "Engagement by the Ombudsman with a view to using statutory powers", "Ombudsman",
          "the head of the organisation", None, _L56_TIME, _HIGHEST, 5, "policy para 9 level 4"),
    Level(5, "Use of the Ombudsman's statutory powers", "Ombudsman", "the head of the organisation", None,
          _L56_TIME, _HIGHEST, 6, "policy para 9 level 5; para 16.8-16.10"),
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
    entry: str  # how the entry level is set; see rules.ENTRY
    serious: bool = False  # a serious failure, policy para 12
    urgent: bool = False  # time sensitive by nature (leaflet §3)


TRIGGERS = {t.label: t for t in (
    Trigger("Information overdue", "appendix row 1; policy para 8 (engagement)", "first"),
    Trigger("Recurrent issue", "appendix rows 2 and 4; policy para 8", "recurrent"),
    Trigger("No response after two requests", "appendix row 3", "level 2"),
    Trigger("Incomplete response", "policy para 8 (engagement)", "first"),
    Trigger("Poor response", "policy para 8 (engagement)", "first"),
    Trigger("Non-compliance", "policy para 8 (complaint handling, SWF reviews)", "first"),
    Trigger("High uphold rate", "policy para 8 (abnormally high uphold rate)", "level 2"),
    Trigger("Refusal to comply", "policy para 11", "management"),
    Trigger("Systemic failure", "policy para 11", "management"),
    Trigger("Intentional non-compliance", "policy para 12.1", "serious", serious=True),
    Trigger("Risk of harm", "policy para 12.2", "serious", serious=True),
    Trigger("Non-payment of award", "leaflet §3 (time sensitive)", "first", urgent=True),
    Trigger("Advice requested", "policy para 6", "none"),
)}

ACTION_KINDS = ("Contact", "Chaser", "Letter", "Meeting", "Response", "Escalation", "Resolution")
OUTCOMES = ("Upheld", "Not upheld")
HOLIDAY_KINDS = ("Bank holiday", "Closure", "Working day")
QUARTER_CONVENTIONS = ("Financial", "Calendar")


def scale_for(function: str | None) -> Scale:
    """The scale a (canonical) function uses; SWF's when the function is blank."""
    return FUNCTIONS[function or DEFAULT_FUNCTION]


def swf_equivalent(level: int, function: str | None) -> int:
    """The leaflet level a level on the function's scale corresponds to (letters use these)."""
    return scale_for(function).level(level).template

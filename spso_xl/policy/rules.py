"""The recommended level (DESIGN §6): an ordered list of small rules, first match wins.

The levels, contacts and triggers are `policy`'s tables. This module adds the reading of
the two texts as rules, plus what those tables do not say: how each kind of trigger sets
its entry level (`ENTRY`, keyed by `Trigger.entry`) and, per scale, where a serious failure
may start, what the steps near the top need, and which passage each step rests on
(`SCALE_RULES`). Every reason is one sentence that names the deciding fact and cites the
passage that says what the sentence claims: Complaints and INWO cases cite the policy only
(the SWF leaflet's appendix is not their text); a reason with nothing to cite cites nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Callable, NamedTuple

from spso_xl.calendar.dates import to_date, uk
from spso_xl.calendar.workdays import Calendar, scottish_calendar, workday
from spso_xl.errors import InputError, shorten
from spso_xl.policy.deadlines import Status
from spso_xl.policy.settings import DEFAULTS
from spso_xl.policy.tables import FUNCTIONS, TRIGGERS, Scale, Trigger, scale_for
from spso_xl.policy.vocab import is_blank, norm, parse_count, parse_function, parse_level, parse_trigger, parse_yes_no

NO_ACTION = "No S&I action"  # the contact for level 0: advice, or a matter for another process
WAITING = frozenset({Status.ON_TRACK, Status.DUE_SOON, Status.DUE_TODAY})
RESPONDED = frozenset({Status.RESPONDED, Status.RESPONDED_LATE})

# --- the case ----------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A case's current state in canonical values (`case_from_cells` reads typed cells)."""

    level: int | None  # None (or 0): no S&I level yet, a new issue
    trigger: str
    status: Status | None
    chasers: int = 0
    resolved: bool | None = None  # None: not assessed
    recurred: bool = False
    significant: bool = False
    refused: bool = False
    mitigating: bool = False
    function: str | None = None  # None: SWF
    due: dt.date | None = None  # named in the reason
    chaser_due: dt.date | None = None  # the last chaser's window ends (Last chased + the chaser window)
    closed: dt.date | None = None  # named in the reason
    hold_due: dt.date | None = None  # mitigating factors hold an escalation until then (`hold_until`)
    as_of: dt.date | None = field(default=None, compare=False)  # None: today

    def __post_init__(self):
        """Canonical values pass as they are; anything else goes through the cell parsers (InputError if bad)."""
        fix = object.__setattr__
        if self.function is not None and self.function not in FUNCTIONS:
            fix(self, "function", parse_function(self.function))
        if self.trigger not in TRIGGERS:
            fix(self, "trigger", _parse_trigger(self.trigger))
        if self.level is not None and not (type(self.level) is int and 0 <= self.level <= scale_for(self.function).top):
            fix(self, "level", _level(self.level, self.function))
        if self.status is not None and not isinstance(self.status, Status):
            fix(self, "status", parse_status(self.status))
        if type(self.chasers) is not int or self.chasers < 0:
            fix(self, "chasers", parse_count(self.chasers))
        if self.hold_due is None:
            fix(self, "hold_due", hold_until(self.level, self.trigger, self.chasers, self.due, self.chaser_due))

    @property
    def chaser_pending(self) -> bool:
        """The organisation is still inside the last chaser's window (DESIGN §5)."""
        return self.chaser_due is not None and (self.as_of or dt.date.today()) <= self.chaser_due

    @property
    def hold_pending(self) -> bool:
        """Mitigating factors still hold an escalation: their one further window has not passed (or is not known)."""
        return self.hold_due is None or (self.as_of or dt.date.today()) <= self.hold_due


@dataclass(frozen=True)
class Recommendation:
    level: int
    contact: str
    reason: str
    rule: str  # short id of the rule that fired


_STATUSES = {norm(s.value): s for s in Status}


def parse_status(value) -> Status | None:
    """Status text in any case (`overdue`, `Responded_Late`); None for a blank."""
    if is_blank(value) or isinstance(value, Status):
        return value if isinstance(value, Status) else None
    found = _STATUSES.get(norm(str(value).replace("_", " ")))
    if found is None:
        raise InputError("STATUS", f"'{shorten(str(value))}' is not a status: use one of {', '.join(Status)}", value)
    return found


def _parse_trigger(value) -> str:
    trigger = parse_trigger(value)
    if trigger is None:
        raise InputError("TRIGGER", f"the trigger is blank: use one of {', '.join(TRIGGERS)}", value)
    return trigger


def _flag(value) -> bool:
    return bool(parse_yes_no(value))


def _level(value, function):
    return parse_level(value, function, allow_zero=True)


# Cell parsers in the order `case_from_cells` checks them; the batched path uses the same list.
# `level` is checked against the function's scale, so `function` comes first.
PARSERS: tuple[tuple[str, Callable], ...] = (
    ("function", parse_function), ("level", _level), ("trigger", _parse_trigger), ("status", parse_status),
    ("chasers", parse_count), ("resolved", parse_yes_no), ("recurred", _flag), ("significant", _flag),
    ("refused", _flag), ("mitigating", _flag), ("due", to_date), ("last_chased", to_date), ("closed", to_date),
)
COLUMNS = tuple(name for name, _ in PARSERS)


def chaser_due(last_chased: dt.date | None, settings=DEFAULTS, cal: Calendar | None = None) -> dt.date | None:
    """When the window a chaser gives the organisation ends (DESIGN §5: Settings, 5 working days)."""
    return None if last_chased is None else workday(last_chased, settings.chaser_days, cal or scottish_calendar())


# Information requests and enquiries: the level-1 action is itself a request to comply (appendix row 1: "We will
# contact you immediately to chase up the information needed"), and two unanswered requests lead to level 2 (row 3).
REQUESTS = ("Information overdue", "No response after two requests")


def counts_requests(level: int | None, trigger: str) -> bool:
    """Level 1 of an information request or enquiry: its requests to comply are counted (DESIGN §5, rule 6)."""
    return level == 1 and trigger in REQUESTS


def hold_until(level: int | None, trigger: str, chasers: int, due: dt.date | None, chaser_due: dt.date | None,
               settings=DEFAULTS, cal: Calendar | None = None) -> dt.date | None:
    """The day mitigating factors stop holding an escalation (DESIGN §6 rule 7; policy para 10 "have regard to").

    They give one further opportunity to respond: one chaser window past Due, or past the last chaser
    (a chaser sent is that further opportunity), whichever is later. At level 1 of an information request
    the chaser is the second request to comply the texts require, not a further one, so the hold runs one
    chaser window past that chaser's window. None when neither Due nor a chaser is known."""
    cal = cal or scottish_calendar()
    if chaser_due is not None and chasers and counts_requests(level, trigger):
        return workday(chaser_due, settings.chaser_days, cal)
    past_due = None if due is None else workday(due, settings.chaser_days, cal)
    return max((d for d in (past_due, chaser_due) if d is not None), default=None)


def case_from_cells(level, trigger, status, chasers, resolved, recurred, significant, refused, mitigating,
                    function=None, due=None, last_chased=None, as_of=None, closed=None, settings=DEFAULTS,
                    cal: Calendar | None = None) -> Case:
    """A Case from what a person typed; InputError (naming the value) for the first bad cell."""
    raw = dict(level=level, trigger=trigger, status=status, chasers=chasers, resolved=resolved, recurred=recurred,
               significant=significant, refused=refused, mitigating=mitigating, function=function, due=due,
               last_chased=last_chased, closed=closed)
    values = {}
    for name, parse in PARSERS:
        values[name] = parse(raw[name], values["function"]) if name == "level" else parse(raw[name])
    chased = chaser_due(values.pop("last_chased"), settings, cal)
    held = hold_until(values["level"], values["trigger"], values["chasers"], values["due"], chased, settings, cal)
    return Case(**values, chaser_due=chased, hold_due=held, as_of=to_date(as_of))


# --- entry levels (DESIGN §6 rule 3) ---------------------------------------------------


class Entry(NamedTuple):
    level: int
    why: str  # a clause naming the deciding fact
    cite: str
    serious: bool = False  # a serious failure (policy para 12): the one entry mitigating factors never hold back


def _label(t: Trigger) -> str:
    return t.label[0].lower() + t.label[1:]


def _significant(c: Case, t: Trigger, s: ScaleRules) -> Entry:
    return Entry(2, f"{_label(t)}, recorded as significant, merits early engagement at management level",
                 "policy para 11")


def _first(c: Case, t: Trigger, s: ScaleRules) -> Entry:
    if c.significant:
        return _significant(c, t, s)
    row = f"; appendix row {t.row}" if t.row and s.appendix else ""
    return Entry(1, f"{_label(t)} is addressed at level 1 in the first instance", f"policy para 10{row}")


def _recurrent(c: Case, t: Trigger, s: ScaleRules) -> Entry:
    if c.recurred:
        return Entry(2, "a recurrent issue fed back in a previous decision remains unresolved, or our correspondence "
                        "about it unanswered",
                     "appendix row 4" if s.appendix else "policy para 9 level 2")
    return Entry(1, "a recurrent issue in our findings is first fed back at level 1",
                 "appendix row 2" if s.appendix else "policy para 10")


def _two_requests(c: Case, t: Trigger, s: ScaleRules) -> Entry:
    if s.appendix:
        return Entry(2, "the organisation has not responded to two requests to comply", "appendix row 3")
    return Entry(2, "the organisation has not responded to two requests, so it is not engaging with SPSO's "
                    "attempts to resolve the issue", "policy para 10")


def _uphold(c: Case, t: Trigger, s: ScaleRules) -> Entry:
    return Entry(2, "an abnormally high uphold rate, found by analysis of casework data, is an ongoing issue for "
                    "formal engagement", "policy para 9 level 2; para 14")


def _management(c: Case, t: Trigger, s: ScaleRules) -> Entry:
    if c.significant:
        return Entry(3, f"{_label(t)}, recorded as significant, merits level 3 as a first step", "policy para 11")
    return Entry(2, f"{_label(t)} merits early engagement at management level", "policy para 11")


def _serious(t: Trigger, s: ScaleRules, what: str) -> Entry:
    return Entry(s.serious_entry, f"{what} is a serious failure, so level {s.serious_entry} may be the first step",
                 s.serious_cite, serious=True)


def _intentional(c: Case, t: Trigger, s: ScaleRules) -> Entry:
    return _serious(t, s, "intentional non-compliance")


def _harm(c: Case, t: Trigger, s: ScaleRules) -> Entry:
    if c.significant:
        return _serious(t, s, "a significant risk of harm")
    return Entry(2, "a risk of harm merits early engagement at management level (a significant risk of harm would "
                    f"be a serious failure, opening level {s.serious_entry})", "policy paras 11 and 12.2")


def _none(c: Case, t: Trigger, s: ScaleRules) -> Entry:
    return Entry(0, "advice given at the organisation's request is not a support or intervention action",
                 "policy para 6")


# Trigger.entry -> how that kind of trigger sets its entry level.
ENTRY: dict[str, Callable[[Case, Trigger, "ScaleRules"], Entry]] = {
    "first": _first, "recurrent": _recurrent, "two requests": _two_requests, "uphold": _uphold,
    "management": _management, "intentional": _intentional, "harm": _harm, "none": _none,
}

# --- per-scale data (DESIGN §6 rules 4, 6 and 7) ----------------------------------------------


@dataclass(frozen=True)
class ScaleRules:
    appendix: bool  # the SWF leaflet's appendix is this scale's text
    serious_entry: int  # where a serious failure may start (policy para 12)
    serious_cite: str
    gates: dict[int, tuple[str, ...]]  # current level -> the flags one of which the step up needs; () = top
    gate_cites: dict[int, str]  # current level -> the passage saying what the next step needs
    time: dict[int, str]  # level -> the passage giving the organisation its time to respond
    chase_cite: str

    def step_cite(self, f: "Facts", n: int) -> str:
        """The passage that says an unresolved issue at level n moves to n + 1 (DESIGN §6, citations that fit)."""
        c, label = f.case, f.case.trigger
        recurrent = label == "Recurrent issue"
        if not self.appendix:
            return f"policy para 10; para 9 level {n + 1}"
        if n == 1:
            if recurrent:
                return "appendix row 4"
            if c.status is Status.OVERDUE and counts_requests(n, label):
                return "appendix row 3"
            return "policy para 10; leaflet §3"  # "Each of the later levels is usually an escalation from level 1."
        if n == 2:
            return "appendix row 5" if recurrent else "leaflet §3 level 2"
        if n == 3:
            return "appendix row 6" if recurrent or c.recurred else "leaflet §3, timeframes for level 2 or 3 action"
        if n == 4:
            return "appendix row 7" if c.refused else "leaflet §3 level 4"
        return "appendix row 8"


_SWF_TIME = {1: "leaflet §3, timeframes for level 1 action", 2: "leaflet §3, timeframes for level 2 or 3 action",
             3: "leaflet §3, timeframes for level 2 or 3 action", 4: "leaflet §3, timeframes for level 4 action",
             5: "leaflet §3, timeframes for level 5 and 6 action", 6: "leaflet §3, timeframes for level 5 and 6 action"}

SCALE_RULES = {
    "SWF": ScaleRules(
        appendix=True, serious_entry=5,
        serious_cite="policy para 12; leaflet §3",  # "she will formally intervene (level 5 or 6) without ... level 3 or level 4"
        gates={5: ("refused", "significant"), 6: ()},
        gate_cites={5: "appendix row 8", 6: "leaflet §3"},
        time=_SWF_TIME,
        chase_cite="appendix row 1; appendix row 3",
    ),
    "policy": ScaleRules(
        appendix=False, serious_entry=4, serious_cite="policy para 12",
        gates={4: ("refused", "significant"), 5: ()},
        gate_cites={4: "policy para 9 level 5", 5: "policy para 9"},
        time=dict.fromkeys(range(1, 6), "policy para 7.5"),
        chase_cite="policy para 9 level 1",
    ),
}
GATE_NEEDS = {
    ("SWF", 5): "level 6, a report to the Scottish Parliament, needs a refusal to comply or significant concerns "
                "not resolved through lower-level action, so the Ombudsman decides the next step",
    ("SWF", 6): "level 6, a report laid before the Scottish Parliament, is the highest level",
    ("policy", 4): "level 5, use of the Ombudsman's statutory powers, needs non-compliance with or obstruction of "
                   "SPSO functions, or a serious issue",
    ("policy", 5): "level 5, use of the Ombudsman's statutory powers, is the highest level",
}
FLAG_FACTS = {"refused": "the organisation refuses to comply", "significant": "the concerns are significant"}

# --- the rules ---------------------------------------------------------------------------

# Stand-ins for the dates a reason names, so that one reason serves every row in the same state.
DATED = {"due": "\x00", "chaser_due": "\x01", "closed": "\x02", "hold_due": "\x03"}


@dataclass(frozen=True)
class Facts:
    """What the rules read, worked out once per case."""

    case: Case
    scale: Scale
    rules: ScaleRules
    trigger: Trigger
    entry: Entry
    current: int | None  # None for a new issue (blank or 0 level)
    text: dict[str, str]  # DATED keys -> the date as dd/mm/yyyy, or "" when not known
    unresolved: str | None  # a clause saying why the issue is unresolved; None if nothing says so

    @property
    def due(self) -> str:
        return self.text["due"]


def facts(case: Case, text: dict[str, str] | None = None) -> Facts:
    """`text` overrides the dates' text (the batched path passes stand-ins)."""
    scale = scale_for(case.function)
    rules = SCALE_RULES[scale.name]
    trigger = TRIGGERS[case.trigger]
    text = text or {k: uk(getattr(case, k)) if getattr(case, k) else "" for k in DATED}
    if case.status is Status.OVERDUE and case.chasers and counts_requests(case.level, case.trigger):
        unresolved = (f"the organisation has not responded to {case.chasers + 1} requests to comply, the first due "
                      f"by {text['due'] or 'its deadline'} and {_chasers(case.chasers)} since")
    elif case.status is Status.OVERDUE:
        chased = f" despite {_chasers(case.chasers)}" if case.chasers else ""
        unresolved = f"the organisation has not responded by {text['due'] or 'the deadline'}{chased}"
    elif case.resolved is False:
        unresolved = "the response has not resolved the issue"
    elif case.recurred:
        unresolved = "the issue has recurred despite time allowed for the agreed solution to take effect"
    else:
        unresolved = None
    return Facts(case, scale, rules, trigger, ENTRY[trigger.entry](case, trigger, rules), case.level or None, text,
                 unresolved)


def _chasers(n: int) -> str:
    return f"{n} chaser{'s' if n != 1 else ''}"


def _join(*cites: str) -> str:
    return "; ".join(dict.fromkeys(part for c in cites if c for part in c.split("; ")))


def advice(f: Facts):
    """Rule 1: advice at the organisation's request is not S&I action (policy para 6)."""
    if f.entry.level == 0:
        return 0, f"Take no S&I action: {f.entry.why} ({f.entry.cite})"


def closed(f: Facts):
    """Rule 2: a closed case stays where it was; nothing in the texts to cite."""
    if f.case.status is Status.CLOSED or f.case.closed is not None:
        when = f" on {f.text['closed']}" if f.text["closed"] else ""
        if f.current is None:
            return 0, f"Take no S&I action: the case was closed{when} with no level of action recorded"
        return f.current, f"Stay at level {f.current}: the case was closed{when}"


WEIGH = "the recorded mitigating factors are to be weighed before acting"  # at a serious failure (DESIGN §6)


def new_issue(f: Facts):
    """Rule 3: a new issue starts at the trigger's entry level, with two exceptions."""
    if f.current is not None:
        return None
    c, e = f.case, f.entry
    if (f.scale.name == "policy" and c.trigger == "Risk of harm" and c.significant and not c.recurred):
        return 0, ("Take no S&I action: a significant one-off issue identified through a complaint or whistleblowing "
                   "investigation is normally addressed through the investigation report process, so record a level "
                   "only if it is to be handled under this policy (policy para 12.2, footnote 3)")
    if c.mitigating and e.level > 1 and not e.serious:
        return 1, (f"Start at level 1: level {e.level} was open as a first step ({e.why}), but mitigating factors are "
                   f"recorded, and they are weighed in every decision to escalate ({_join(e.cite, 'policy para 10')})")
    if c.mitigating and e.serious:
        return e.level, f"Start at level {e.level}: {e.why}, and {WEIGH} ({_join(e.cite, 'policy para 10')})"
    return e.level, f"Start at level {e.level}: {e.why} ({e.cite})"


def awaiting(f: Facts):
    """Rule 4: the organisation still has time, or its response is not yet assessed: stay, whatever is flagged."""
    c, n = f.case, f.current
    if c.status in WAITING:
        due = f"until {f.due}" if f.due else "time"
        flagged = c.recurred or c.resolved is False or c.refused or f.entry.level > n
        then = ", so nothing escalates before then" if flagged else ""
        # the policy sets no timeframe: the date is the team's own (house window or Respond by), never the leaflet's
        ours = "" if f.rules.appendix else ", a date of ours as the policy sets no timeframe"
        return n, f"Stay at level {n}: the organisation has {due} to respond{ours}{then} ({f.rules.time[n]})"
    if c.status in RESPONDED and c.resolved is None:
        return n, (f"Stay at level {n}: a response has been received, so record whether it resolves the issue before "
                   "any escalation (policy para 10)")
    if c.status is Status.NO_DEADLINE:
        if f.scale.level(n).window is None:
            if not f.rules.appendix:
                return n, (f"Stay at level {n}: no deadline is set, and the policy sets no timeframe at any level, so "
                           "record in Respond by the date that gives the organisation a fair opportunity to respond "
                           f"({f.rules.time[n]})")
            return n, (f"Stay at level {n}: no deadline is set, and at this level the timeframe depends on the "
                       f"circumstances, so record the date the organisation is to respond by in Respond by "
                       f"({f.rules.time[n]})")
        return n, (f"Stay at level {n}: no deadline is set, so record in Date notified when the organisation was "
                   "told of this level of action")


def resolved(f: Facts):
    """Rule 5: resolved and not recurred: nothing to escalate (policy para 10)."""
    if f.case.resolved and not f.case.recurred:
        return f.current, (f"Stay at level {f.current}: the issue is resolved, so consider closing the case; escalation "
                           "is only for an issue that remains unresolved (policy para 10)")


def chase(f: Facts):
    """Rule 6: a chaser's window is the organisation's time; an information request at level 1 is chased once.

    The level-1 action for an information request is itself a request to comply (appendix row 1), so one
    chaser makes the two requests of row 3. No other trigger has a chase-twice rule (rule 7, para 10)."""
    c, n = f.case, f.current
    if c.status is not Status.OVERDUE:
        return None
    if c.chaser_pending:
        return n, (f"Stay at level {n}: the last chaser gives the organisation until {f.text['chaser_due']} to "
                   f"respond ({f.rules.time[n]})")
    if counts_requests(n, c.trigger) and not c.chasers:
        then = (", and if that goes unanswered too, two requests to comply will have failed and level 2 follows"
                if f.rules.appendix else "")
        return 1, (f"Chase: the organisation has not answered our first request by {f.due or 'the deadline'}, so "
                   f"send a second request{then} ({f.rules.chase_cite})")


def _target(f: Facts) -> int:
    return max(f.current + 1, f.entry.level)


def capped(f: Facts):
    """Rule 7, near the top of a scale: the next step needs a refusal or significant concerns, or there is none."""
    gate = f.rules.gates.get(f.current)
    if f.unresolved and gate is not None and not any(getattr(f.case, flag) for flag in gate):
        return f.current, (f"Stay at level {f.current}: {f.unresolved}, but {GATE_NEEDS[f.scale.name, f.current]} "
                           f"({f.rules.gate_cites[f.current]})")


def _serious_jump(f: Facts, target: int) -> bool:
    return f.entry.serious and target == f.entry.level


def mitigating(f: Facts):
    """Rule 7: mitigating factors hold an escalation short of a serious failure for one further window (para 10)."""
    target = _target(f)
    if f.unresolved and f.case.mitigating and not _serious_jump(f, target) and f.case.hold_pending:
        until = f", holding it until {f.text['hold_due']}" if f.text["hold_due"] else ""
        return f.current, (f"Stay at level {f.current}: escalation to level {target} is indicated because "
                           f"{f.unresolved}, but mitigating factors are recorded and are to be weighed first{until} "
                           "(policy para 10)")


def _weighed(f: Facts, up: int) -> tuple[str, str]:
    """(clause, citation) saying how recorded mitigating factors bear on an escalation that goes ahead (para 10)."""
    if not f.case.mitigating:
        return "", ""
    if _serious_jump(f, up):
        return f", and {WEIGH}", "policy para 10"
    return (", and the recorded mitigating factors were weighed, holding the escalation back for one further "
            "opportunity to respond, which has passed"), "policy para 10"


def escalate(f: Facts):
    """Rule 7: unresolved: the next level, or the trigger's entry level when that is higher."""
    if not f.unresolved:
        return None
    c, n, up = f.case, f.current, _target(f)
    weighed, weigh_cite = _weighed(f, up)
    if up > n + 1:
        return up, (f"Escalate to level {up}: {f.unresolved} after level {n} action, and {f.entry.why}{weighed} "
                    f"({_join(f.entry.cite, weigh_cite)})")
    gate = f.rules.gates.get(n)
    opened = next((flag for flag in gate if getattr(c, flag)), None) if gate else None
    note, cite = "", f.rules.step_cite(f, n)
    if "appendix row 7" in cite and c.refused and not opened:  # row 7 rests on the refusal: name it
        opened = "refused"
    because, unresolved = "", f.unresolved
    if opened:
        because = f"{FLAG_FACTS[opened]} and "
        unresolved = re.sub(r"^the organisation (?=has|refuses)", "it ", unresolved)
    if not (c.status is Status.OVERDUE and c.chasers and counts_requests(n, c.trigger)):  # its own clause says when
        unresolved += f" after level {n} action"
    if f.rules.appendix and n == 3 and c.refused:  # row 7: the Ombudsman intervenes after level 3 and (usually) 4
        note, cite = ", and as the organisation refuses to comply the Ombudsman may intervene next", _join(
            cite, "appendix row 7")
    return up, f"Escalate to level {up}: {because}{unresolved}{note}{weighed} ({_join(cite, weigh_cite)})"


def hold(f: Facts):
    """Rule 8: nothing recorded shows the issue remains unresolved."""
    return f.current, f"Stay at level {f.current}: nothing recorded shows the issue remains unresolved (policy para 10)"


RULES: tuple[Callable[[Facts], tuple[int, str] | None], ...] = (
    advice, closed, new_issue, awaiting, resolved, chase, capped, mitigating, escalate, hold,
)
RULE_IDS = {rule: rule.__name__.replace("_", "-") for rule in RULES}


def contact(level: int, function: str | None = None) -> str:
    """The SPSO role that makes contact at a level of the function's scale."""
    return NO_ACTION if level == 0 else scale_for(function).level(level).contact_from


def recommend(case: Case, text: dict[str, str] | None = None) -> Recommendation:
    """The level the policy points to for this case, its contact role and why (first matching rule).

    `text` overrides the text of the dates the reason names (`DATED` keys), as in `facts`: the
    whole-table path (`recommend.recommend_frame`) passes stand-ins and puts each row's dates in after."""
    f = facts(case, text)
    for rule in RULES:
        if (hit := rule(f)) is not None:
            level, reason = hit
            return Recommendation(level, contact(level, case.function), reason, RULE_IDS[rule])
    raise AssertionError("the fallback rule always fires")  # pragma: no cover


def entry_level(case: Case) -> int:
    """The level the case's trigger warrants as a first step (DESIGN §6 rule 3, before its exceptions)."""
    trigger = TRIGGERS[case.trigger]
    return ENTRY[trigger.entry](case, trigger, SCALE_RULES[scale_for(case.function).name]).level


def is_serious(case: Case) -> bool:
    """A serious failure (policy para 12): intentional non-compliance, or a significant risk of harm."""
    trigger = TRIGGERS[case.trigger]
    return ENTRY[trigger.entry](case, trigger, SCALE_RULES[scale_for(case.function).name]).serious


def recommend_cells(level, trigger, status, chasers, resolved, recurred, significant, refused, mitigating,
                    function=None, due=None, last_chased=None, as_of=None, closed=None, settings=DEFAULTS,
                    cal: Calendar | None = None) -> Recommendation:
    """`recommend` straight from typed cell values; InputError for a bad one."""
    return recommend(case_from_cells(level, trigger, status, chasers, resolved, recurred, significant, refused,
                                      mitigating, function, due, last_chased, as_of, closed, settings, cal))

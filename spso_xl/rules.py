"""The recommended level (DESIGN §6): an ordered list of small rules, first match wins.

The levels, contacts and triggers are `policy`'s tables. This module adds the reading of
the policy as rules, plus the two things those tables do not say: how each kind of
trigger sets its entry level (`ENTRY`, keyed by `Trigger.entry`) and, per scale, the
serious-failure entry level and the conditions for stepping up near the top (`SCALE_RULES`).
Every reason is one sentence that names the deciding fact and cites the policy paragraph,
leaflet section or appendix row it rests on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np
import pandas as pd

from .dates import to_date, uk
from .deadlines import AWAITING, Status
from .errors import InputError, shorten
from .policy import FUNCTIONS, TRIGGERS, Scale, Trigger, scale_for
from .vocab import is_blank, norm, parse_count, parse_function, parse_level, parse_trigger, parse_yes_no

ADVICE_CONTACT = "No S&I action (advice)"
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
    due: dt.date | None = None  # only named in the reason

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
    ("refused", _flag), ("mitigating", _flag), ("due", to_date),
)
COLUMNS = tuple(name for name, _ in PARSERS)


def case_from_cells(level, trigger, status, chasers, resolved, recurred, significant, refused, mitigating,
                    function=None, due=None) -> Case:
    """A Case from what a person typed; InputError (naming the value) for the first bad cell."""
    raw = dict(level=level, trigger=trigger, status=status, chasers=chasers, resolved=resolved, recurred=recurred,
               significant=significant, refused=refused, mitigating=mitigating, function=function, due=due)
    values = {}
    for name, parse in PARSERS:
        values[name] = parse(raw[name], values["function"]) if name == "level" else parse(raw[name])
    return Case(**values)


# --- entry levels (DESIGN §6 rule 2) ---------------------------------------------------


class Entry(NamedTuple):
    level: int
    why: str  # a clause naming the deciding fact
    cite: str


def _label(t: Trigger) -> str:
    return t.label[0].lower() + t.label[1:]


def _plain_source(t: Trigger) -> str:
    return "; ".join(part.split(" (")[0] for part in t.source.split("; "))


def _first(c: Case, t: Trigger, s: ScaleRules) -> Entry:
    if c.significant:
        return Entry(2, f"{_label(t)}, recorded as significant, merits early engagement at management level",
                     "policy para 11")
    return Entry(1, f"{_label(t)} is addressed at level 1 in the first instance",
                 f"policy para 10; {_plain_source(t)}")


def _recurrent(c: Case, t: Trigger, s: ScaleRules) -> Entry:
    if c.recurred:
        return Entry(2, "a recurrent issue fed back in a previous decision remains unresolved", "appendix row 4")
    return Entry(1, "a recurrent issue in our findings is first fed back at level 1", "appendix row 2")


def _level2(c: Case, t: Trigger, s: ScaleRules) -> Entry:
    return Entry(2, f"{_label(t)} warrants level 2 action", _plain_source(t))


def _management(c: Case, t: Trigger, s: ScaleRules) -> Entry:
    if c.significant:
        return Entry(3, f"{_label(t)}, recorded as significant, merits level 3 as a first step", "policy para 11")
    return Entry(2, f"{_label(t)} merits early engagement at management level", "policy para 11")


def _serious(c: Case, t: Trigger, s: ScaleRules) -> Entry:
    return Entry(s.serious_entry, f"{_label(t)} is a serious failure, so level {s.serious_entry} may be the first step",
                 s.serious_cite)


def _none(c: Case, t: Trigger, s: ScaleRules) -> Entry:
    return Entry(0, "advice given at the organisation's request is not a support or intervention action",
                 "policy para 6")


# Trigger.entry -> how that kind of trigger sets its entry level.
ENTRY: dict[str, Callable[[Case, Trigger, "ScaleRules"], Entry]] = {
    "first": _first, "recurrent": _recurrent, "level 2": _level2,
    "management": _management, "serious": _serious, "none": _none,
}

# --- per-scale escalation data (DESIGN §6 rules 2 and 7) ------------------------------------


class Gate(NamedTuple):
    """Stepping up from a level needs one of `opens_on` (Case flags); () means never (top of scale)."""

    opens_on: tuple[str, ...]
    needs: str  # what the next step needs, for the reason
    cite: str


@dataclass(frozen=True)
class ScaleRules:
    serious_entry: int  # where a serious failure may start (policy para 12)
    serious_cite: str
    gates: dict[int, Gate]  # current level -> condition for the step up
    section: str  # the text that describes a level, "{n}" for its number
    step_cites: dict[int, str]  # level escalated to -> its appendix row (SWF only)
    chase_cite: str


FLAG_FACTS = {"refused": "the organisation refuses to comply", "significant": "the concerns are significant"}

SCALE_RULES = {
    "SWF": ScaleRules(
        serious_entry=5, serious_cite="policy para 12; leaflet §3",  # the Ombudsman may intervene without level 3 or 4
        gates={
            4: Gate(("refused",), "level 5 follows a refusal to comply after level 3 and (usually) level 4 action",
                    "appendix row 7"),
            5: Gate(("refused", "significant"),
                    "level 6 needs a refusal to comply or significant concerns not resolved at lower levels",
                    "appendix row 8"),
            6: Gate((), "level 6, a report laid before the Scottish Parliament, is the highest level", "appendix row 8"),
        },
        section="leaflet §3 level {n}",
        step_cites={2: "appendix row 3", 3: "appendix row 5", 4: "appendix row 6", 5: "appendix row 7",
                    6: "appendix row 8"},
        chase_cite="appendix row 1; two unanswered requests lead to level 2, appendix row 3",
    ),
    "policy": ScaleRules(
        serious_entry=4, serious_cite="policy para 12",
        gates={
            4: Gate(("refused", "significant"),
                    "level 5, use of statutory powers, needs non-compliance with SPSO or a serious issue",
                    "policy para 9 level 5"),
            5: Gate((), "level 5, use of statutory powers, is the highest level", "policy para 9 level 5"),
        },
        section="policy para 9 level {n}",
        step_cites={},
        chase_cite="policy para 9 level 1; two unanswered requests lead to level 2, appendix row 3",
    ),
}

# --- the rules ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the rules read, worked out once per case."""

    case: Case
    scale: Scale
    rules: ScaleRules
    trigger: Trigger
    entry: Entry
    current: int | None  # None for a new issue (blank or 0 level)
    due: str  # the due date as dd/mm/yyyy, or "" when not known
    unresolved: str | None  # a clause saying why the issue is unresolved; None if nothing says so

    def section(self, n: int) -> str:
        return self.rules.section.format(n=n)


def facts(case: Case, due: str | None = None) -> Facts:
    """`due` overrides the due-date text (the batched path passes a placeholder)."""
    scale = scale_for(case.function)
    rules = SCALE_RULES[scale.name]
    trigger = TRIGGERS[case.trigger]
    due = (uk(case.due) if case.due else "") if due is None else due
    if case.status is Status.OVERDUE:
        chased = f" despite {_chasers(case.chasers)}" if case.chasers else ""
        unresolved = f"the organisation has not responded by {due or 'the deadline'}{chased}"
    elif case.resolved is False:
        unresolved = "the response has not resolved the issue"
    elif case.recurred:
        unresolved = "the issue has recurred"
    else:
        unresolved = None
    return Facts(case, scale, rules, trigger, ENTRY[trigger.entry](case, trigger, rules), case.level or None, due,
                 unresolved)


def _chasers(n: int) -> str:
    return f"{n} chaser{'s' if n != 1 else ''}"


def advice(f: Facts):
    """Rule 1: advice at the organisation's request is not S&I action (policy para 6)."""
    if f.entry.level == 0:
        return 0, f"Take no S&I action: {f.entry.why} ({f.entry.cite})"


def new_issue(f: Facts):
    """Rule 2: a new issue starts at the trigger's entry level."""
    if f.current is None:
        return f.entry.level, f"Start at level {f.entry.level}: {f.entry.why} ({f.entry.cite})"


def settled(f: Facts):
    """Rule 3: closed, or resolved and not recurred: no reason to escalate (policy para 10)."""
    c = f.case
    if c.status is Status.CLOSED:
        return f.current, f"Stay at level {f.current}: the case is closed (policy para 10)"
    if c.resolved and not c.recurred:
        return f.current, (f"Stay at level {f.current}: the issue is resolved, and escalation is only for an issue "
                           "that remains unresolved (policy para 10)")


def below_entry(f: Facts):
    """Rule 4: the only way to rise more than one level: up to what the trigger warrants."""
    if f.current < f.entry.level:
        return f.entry.level, (f"Escalate to level {f.entry.level}: {f.entry.why}, above the current level "
                               f"{f.current} ({f.entry.cite})")


def awaiting(f: Facts):
    """Rule 5: the organisation still has time, or its response is not yet assessed."""
    c, n = f.case, f.current
    if c.recurred:
        return None
    cite = f"policy para 7.5; {f.section(n)}"
    if c.status is Status.NO_DEADLINE:
        return n, f"Stay at level {n}: awaiting the organisation's response, with no deadline set ({cite})"
    if c.status in AWAITING:
        due = f"due {f.due}" if f.due else "not yet due"
        return n, f"Stay at level {n}: awaiting the organisation's response, {due} ({cite})"
    if c.status in RESPONDED and c.resolved is None:
        return n, (f"Stay at level {n}: a response has been received; record whether it resolves the issue "
                   "(policy para 10)")


def chase(f: Facts):
    """Rule 6: overdue at level 1: chase twice before level 2 (appendix rows 1 and 3)."""
    c = f.case
    if c.status is Status.OVERDUE and f.current == 1 and c.chasers < 2:
        sent = _chasers(c.chasers) if c.chasers else "no chaser"
        return 1, (f"Chase: the organisation has not responded by {f.due or 'the deadline'} and {sent} has been "
                   f"sent so far ({f.rules.chase_cite})")


def mitigating(f: Facts):
    """Rule 7, first exception: mitigating factors are weighed before escalating (policy para 10)."""
    if f.unresolved and f.case.mitigating and not f.trigger.serious:
        return f.current, (f"Stay at level {f.current}: {f.unresolved}, but mitigating factors are recorded and "
                           "are to be weighed before escalating (policy para 10)")


def capped(f: Facts):
    """Rule 7, scale exceptions: near the top, stepping up needs a refusal or significant concerns."""
    gate = f.rules.gates.get(f.current)
    if f.unresolved and gate and not any(getattr(f.case, flag) for flag in gate.opens_on):
        return f.current, f"Stay at level {f.current}: {f.unresolved}, but {gate.needs} ({gate.cite})"


def escalate(f: Facts):
    """Rule 7: unresolved: one level up (policy para 10)."""
    if f.unresolved:
        n, up = f.current, f.current + 1
        gate = f.rules.gates.get(n)
        opened = next((flag for flag in gate.opens_on if getattr(f.case, flag)), None) if gate else None
        because = f"{FLAG_FACTS[opened]} and " if opened else ""
        row = f.rules.step_cites.get(up)
        if up == 2 and row and f.case.status is not Status.OVERDUE:
            row = "appendix row 4"  # unresolved rather than unanswered
        cite = "; ".join(filter(None, ("policy para 10", f.section(n) if row else f.section(up), row)))
        return up, f"Escalate to level {up}: {because}{f.unresolved} after level {n} action ({cite})"


def hold(f: Facts):
    """Fallback (not in DESIGN §6): no status and nothing recorded as unresolved."""
    return f.current, f"Stay at level {f.current}: nothing recorded shows the issue remains unresolved (policy para 10)"


RULES: tuple[Callable[[Facts], tuple[int, str] | None], ...] = (
    advice, new_issue, settled, below_entry, awaiting, chase, mitigating, capped, escalate, hold,
)
RULE_IDS = {rule: rule.__name__.replace("_", "-") for rule in RULES}


def contact(level: int, function: str | None = None) -> str:
    """The SPSO role that makes contact at a level of the function's scale."""
    return ADVICE_CONTACT if level == 0 else scale_for(function).level(level).contact_from


def _recommend(case: Case, due: str | None = None) -> Recommendation:
    f = facts(case, due)
    for rule in RULES:
        if (hit := rule(f)) is not None:
            level, reason = hit
            return Recommendation(level, contact(level, case.function), reason, RULE_IDS[rule])
    raise AssertionError("the fallback rule always fires")  # pragma: no cover


def recommend(case: Case) -> Recommendation:
    """The level the policy points to for this case, its contact role and why (first matching rule)."""
    return _recommend(case)


def entry_level(case: Case) -> int:
    """The level the case's trigger warrants as a first step (DESIGN §6 rule 2)."""
    trigger = TRIGGERS[case.trigger]
    return ENTRY[trigger.entry](case, trigger, SCALE_RULES[scale_for(case.function).name]).level


def recommend_cells(level, trigger, status, chasers, resolved, recurred, significant, refused, mitigating,
                    function=None, due=None) -> Recommendation:
    """`recommend` straight from typed cell values; InputError for a bad one."""
    return _recommend(case_from_cells(level, trigger, status, chasers, resolved, recurred, significant, refused,
                                      mitigating, function, due))


# --- whole tables -------------------------------------------------------------------------

_DUE = "\x00"  # stands for the due date in a reason shared by many rows


_ONE_KIND = {"string", "empty", "integer", "floating", "boolean", "datetime", "date"}


def _codes(col: pd.Series) -> tuple[np.ndarray, list]:
    """Row codes and one cell value per distinct value of a column.

    In a column of mixed types 1, 1.0 and True stay apart (they parse differently); blanks
    of any kind (None, NaN, NaT) come back as None.
    """
    values = col.to_numpy()
    codes = pd.factorize(values, use_na_sentinel=False)[0]
    if values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) not in _ONE_KIND:
        kinds = pd.factorize(col.map(type).to_numpy())[0]
        codes = pd.factorize(codes.astype(np.int64) * (kinds.max(initial=0) + 1) + kinds)[0]
    return codes, [_scalar(v) for v in col.iloc[_firsts(codes)]]


def _firsts(codes: np.ndarray) -> np.ndarray:
    """The first row of each code; pandas numbers codes in order of first appearance."""
    if not len(codes):
        return np.zeros(0, dtype=np.int64)
    seen = np.maximum.accumulate(codes)
    return np.flatnonzero(np.r_[True, codes[1:] > seen[:-1]])


def _scalar(v):
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    return v.item() if isinstance(v, np.generic) else v


def _combine(*codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One code per distinct combination of the given code columns, and the first row of each."""
    key = np.zeros(len(codes[0]), dtype=np.int64)
    for c in codes:
        key = pd.factorize(key * (int(c.max(initial=0)) + 1) + c)[0].astype(np.int64)
    return key, _firsts(key)


def _dedupe(values) -> tuple[np.ndarray, np.ndarray]:
    """Codes and distinct values of a short list (pandas would turn None into NaN)."""
    seen: dict = {}
    keys = np.array([seen.setdefault((type(v), v), len(seen)) for v in values], dtype=np.int64)
    distinct = np.empty(len(seen), dtype=object)
    distinct[:] = [v for _, v in seen]
    return keys, distinct


def recommend_frame(df: pd.DataFrame) -> pd.DataFrame:
    """`recommend_cells` over a table: adds recommended_level, contact_from, reason and error.

    Columns are found by name in any case (`level` or the tracker's `Level`); missing ones are
    blank. Each column's distinct values are parsed once, each distinct parsed state is
    recommended once, and the due date is put into the shared reason afterwards. A bad row
    gets its error text (as a cell shows it) and no recommendation.
    """
    n = len(df)
    by_name = {norm(c): c for c in df.columns}
    uniq, row, error, errors = {}, {}, np.full(n, -1), []  # per column: distinct parsed values, row -> value
    for name, parse in PARSERS:
        col = df[by_name[name]] if name in by_name else pd.Series([None] * n, index=df.index, dtype=object)
        code, reps = _codes(col)
        if name == "level":  # checked against the function's scale: one parse per (level, function) pair
            level_code = code
            code, firsts = _combine(level_code, row["function"])
            reps = [(reps[level_code[i]], uniq["function"][row["function"][i]]) for i in firsts]
        else:
            reps = [(v,) for v in reps]
        values, err = np.empty(len(reps), dtype=object), np.full(len(reps), -1)
        for j, args in enumerate(reps):
            try:
                values[j] = parse(*args)
            except InputError as e:
                err[j] = len(errors)
                errors.append(e.cell_text())
        keys, uniq[name] = _dedupe(values)
        row[name] = keys[code]
        error = np.where(error < 0, err[code], error)

    ok = error < 0
    has_due = np.array([d is not None for d in uniq["due"]], dtype=np.int64)[row["due"]]
    state, firsts = _combine(*(row[name] for name in COLUMNS if name != "due"), has_due, ok.astype(np.int64))
    firsts = [i for i in firsts if ok[i]]
    slot_of = np.full(int(state.max(initial=-1)) + 2, len(firsts))  # its last entry, for state -1, stays blank
    state = np.where(ok, state, -1)

    # one slot per distinct state, plus a last, blank slot for bad rows (state -1)
    levels, contacts = np.full(len(firsts) + 1, None, dtype=object), np.full(len(firsts) + 1, None, dtype=object)
    pre, post = np.full(len(firsts) + 1, "", dtype=object), np.full(len(firsts) + 1, "", dtype=object)
    dated = np.zeros(len(firsts) + 1, dtype=bool)
    fields = [name for name in COLUMNS if name != "due"]
    distinct = [uniq[name].tolist() for name in fields]
    combos = np.column_stack([row[name][firsts] for name in fields]).tolist() if firsts else []
    for j, (i, combo) in enumerate(zip(firsts, combos)):
        case = Case(**{name: values[k] for name, values, k in zip(fields, distinct, combo)})
        rec = _recommend(case, _DUE if has_due[i] else "")
        levels[j], contacts[j] = rec.level, rec.contact
        pre[j], mark, post[j] = rec.reason.partition(_DUE)
        dated[j] = bool(mark)
        slot_of[state[i]] = j
    slot = slot_of[state]

    due_text = np.array([uk(d) if d else "" for d in uniq["due"]], dtype=object)[row["due"]]
    reason = np.where(dated[slot], pre[slot] + due_text + post[slot], pre[slot])
    out = df.copy()
    out["recommended_level"] = pd.array(levels[slot], dtype="Int64")
    out["contact_from"] = contacts[slot]
    out["reason"] = np.where(ok, reason, None)
    out["error"] = np.where(ok, None, np.array(errors + [None], dtype=object)[error])
    return out

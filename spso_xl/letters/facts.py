"""What the tracker supports about one letter's case, checked before any sentence is written (DESIGN §10,
"A letter never states what the tracker does not support").

`case_facts` reads the row, its `Actions`, `Findings` and the letters already logged, and says as plain
values what holds on the letter's date: whether anything is overdue, which reminders were sent before
it, what was done before this letter (today's escalation is the letter's own step, not history), the
findings that are about this issue (§7), whether a recurrence after an action is shown by a finding
dated after it, the uphold rate against the sector, and what the organisation has not yet done. The
sentences (`plan`, `prose`) are written from these facts only: a sentence whose fact does not hold is
not written.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pandas as pd
from dateutil.relativedelta import relativedelta

from spso_xl.calendar.dates import day
from spso_xl.policy.evidence import funnel
from spso_xl.policy.tables import DEFAULT_FUNCTION, INFORMATION_TRIGGERS
from spso_xl.policy.vocab import norm

FINDINGS_TRIGGERS = ("Recurrent issue", "High uphold rate")  # triggers whose evidence is the findings themselves
UNPAID = "Non-payment of award"
HIGH_FLAGS = ("abnormally high", "high")


def text(value) -> str:
    """A cell as text: '' for blanks."""
    if value is None or value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


@dataclass(frozen=True)
class Rate:
    """An organisation's uphold rate in one function against its sector's (the funnel plot's row)."""
    upheld: int
    decided: int
    sector: str
    sector_rate: float
    flag: str  # 'abnormally high' (above the outer limit) or 'high' (above the inner)
    limit: float  # the limit it is above, as a probability (0.998, 0.95)
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class Facts:
    """What holds for one case on the letter's date (`as_of`); everything a sentence may rest on."""
    as_of: dt.date
    level: int  # the letter's level
    trigger: str
    function: str  # canonical, SWF when blank
    theme: str
    notified: dt.date | None
    due: dt.date | None  # the row's Due now (its notified level's)
    received: dt.date | None
    chasers: int  # Cases Chasers
    chaser_dates: tuple[dt.date, ...]  # reminders logged in Actions before the letter's date
    earlier: tuple[dict, ...]  # Actions before this letter, oldest first (today's step for this level left out)
    escalated: dt.date | None  # the escalation to this level the letter notifies (logged, no letter since)
    previous_letter: dt.date | None  # an earlier letter at this level: this one is "further to" it
    findings: tuple[dict, ...]  # the findings about this issue (§7), oldest first
    rate: Rate | None  # for a High uphold rate case: the rate, when the findings show it high
    resolved: bool | None
    refused: bool
    recurred: bool  # the row's Recurred flag
    significant: bool
    last_action: tuple[dt.date, int] | None  # the latest step before this letter at a lower level: (date, level)
    notes: list = field(default_factory=list)  # why a sentence was left out (for `check`)

    @property
    def overdue(self) -> bool:
        """Due has passed and nothing has been received: only then is a reply 'not received' (§10)."""
        return self.due is not None and self.due < self.as_of and self.received is None

    @property
    def recurrence_shown(self) -> bool:
        """A finding of this issue dated after the latest earlier action: the only support for 'recurred after'."""
        if not self.last_action:
            return False
        after = self.last_action[0]
        return any(f["date"] and after < f["date"] <= self.as_of and f["outcome"] == "Upheld" for f in self.findings)

    @property
    def papers_missing(self) -> bool:
        """Information we asked for is overdue: the letter asks for it."""
        return self.trigger in INFORMATION_TRIGGERS and self.received is None

    @property
    def award_unpaid(self) -> bool:
        return self.trigger == UNPAID and self.resolved is not True

    def reminders_before(self, when: dt.date) -> int:
        """Reminders sent before `when` (from Actions; the Chasers count when Actions has none dated)."""
        if self.chaser_dates:
            return sum(d < when for d in self.chaser_dates)
        return self.chasers if self.due and self.due < when else 0


def _findings(case, findings_by_ref: dict, upheld: dict, as_of: dt.date, months: int, function: str,
              theme: str) -> list[dict]:
    """§7: the findings the row's Evidence names (by case ref), and when it has a Theme, that theme's upheld
    findings for the organisation and function in the window; never another theme's or function's, never
    one dated after the letter."""
    tokens = {t.strip(".-").casefold() for t in re.findall(r"[\w/.\-]+", text(case["Evidence"]))}
    chosen = [f for t in sorted(tokens) for f in findings_by_ref.get(t, ())]
    if theme:
        start = as_of - relativedelta(months=months)
        chosen += [f for f in upheld.get((norm(text(case["Organisation"])), function), ())
                   if norm(text(f["Theme"])) == norm(theme) and (d := day(f["Decision date"])) and start < d <= as_of]
    out, seen = [], set()
    for f in chosen:
        d = day(f["Decision date"])
        key = text(f["Case ref"]).casefold()
        if key in seen or (d and d > as_of):
            continue
        seen.add(key)
        out.append({"case_ref": text(f["Case ref"]), "organisation": text(f["Organisation"]), "date": d,
                    "outcome": text(f["Outcome"]), "theme": text(f["Theme"])})
    out.sort(key=lambda f: f["date"] or dt.date.min)
    return out


def uphold_rate(findings: pd.DataFrame, organisations: pd.DataFrame, organisation: str, function: str,
                as_of: dt.date, months: int, inner: float, outer: float, minimum: int) -> Rate | None:
    """The organisation's uphold rate in the window, when the funnel plot shows it high against its sector."""
    start = as_of - relativedelta(months=months)
    if not len(findings):
        return None
    try:
        plot = funnel(findings, start, as_of, inner, outer, organisations, minimum)
    except Exception:  # a bad Findings cell: `check` names it; the letter states no rate
        return None
    row = plot[(plot["organisation"].map(norm) == norm(organisation)) & (plot["function"] == function)]
    if row.empty or row.iloc[0]["flag"] not in HIGH_FLAGS:
        return None
    r = row.iloc[0]
    return Rate(int(r["k"]), int(r["n"]), str(r["sector"]), float(r["p"]), str(r["flag"]),
                outer if r["flag"] == HIGH_FLAGS[0] else inner, start, as_of)


def case_facts(case, level: int, as_of: dt.date, due: dt.date | None, actions: list[dict], letters: list[dict],
               findings_by_ref: dict, upheld: dict, settings, rate: Rate | None = None) -> Facts:
    """The facts of one case for a letter at `level` dated `as_of` (see the module's docstring).

    `actions`: the case's Actions rows (dicts by header); `letters`: its Letters rows; `due`: the row's
    computed Due."""
    function = text(case["Function"]) or DEFAULT_FUNCTION
    theme = text(case.get("Theme")) if hasattr(case, "get") else ""
    dated = sorted(((d, a) for a in actions if (d := day(a.get("Date"))) and d <= as_of), key=lambda x: x[0])
    level_of = lambda a: text(a.get("Level"))  # noqa: E731
    # the escalation to this level the letter notifies: the latest logged, with no letter at the level since
    escalated = None
    for d, a in dated:
        if text(a.get("Action")) == "Escalation" and level_of(a) == str(level):
            escalated = d
        elif text(a.get("Action")) == "Letter" and level_of(a) == str(level) and escalated and d >= escalated:
            escalated = None
    earlier = []
    for d, a in dated:
        kind = text(a.get("Action"))
        if escalated and d >= escalated and level_of(a) == str(level) and kind in ("Escalation", "Letter"):
            continue  # the step this letter takes
        if d == as_of and kind in ("Escalation", "Letter"):
            continue  # today's step is the letter's own, never history
        earlier.append(a)
    sent = [day(x.get("Date")) for x in letters if text(x.get("Level")) == str(level) and day(x.get("Date"))
            and day(x.get("Date")) < as_of]
    sent += [d for d, a in dated if text(a.get("Action")) == "Letter" and level_of(a) == str(level) and d < as_of
             and not (escalated and d >= escalated)]
    lower = [(d, int(level_of(a))) for d, a in dated if d < as_of and level_of(a).isdigit()
             and int(level_of(a)) < level and text(a.get("Action")) in ("Escalation", "Letter", "Contact", "Meeting")]
    notified = day(case["Date notified"])
    if not lower and notified and notified < as_of and text(case["Level"]).isdigit() and int(text(case["Level"])) < level:
        lower = [(notified, int(text(case["Level"])))]
    chasers = int(case["Chasers"]) if text(case["Chasers"]) else 0
    return Facts(
        as_of=as_of, level=level, trigger=text(case["Trigger"]), function=function, theme=theme,
        notified=notified, due=due, received=day(case["Response received"]), chasers=chasers,
        chaser_dates=tuple(d for d, a in dated if text(a.get("Action")) == "Chaser" and d < as_of),
        earlier=tuple(earlier), escalated=escalated, previous_letter=max(sent) if sent else None,
        findings=tuple(_findings(case, findings_by_ref, upheld, as_of, settings.recurrence_months, function, theme)),
        rate=rate, resolved=case["Resolved"] if isinstance(case["Resolved"], bool) else None,
        refused=case["Refused"] is True, recurred=case["Recurred"] is True, significant=case["Significant"] is True,
        last_action=max(lower) if lower else None)

"""The morning digest (DESIGN §15): the day's sections from the computation `report` uses.

`build_digest` reads what it needs from a tracker (the report's computed rows, the letters
`letters --due` would write, the rows `check` rejects); `sort_into_sections` is the pure core that
puts each case in its sections by `tracker.today.SECTIONS`, the definitions the Today sheet's
formulas use too. Rendering is `reminders.render`'s.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from spso_xl.errors import plural
from spso_xl.letters.plan import LetterPlan, plan_letters
from spso_xl.outputs.report import report_frame
from spso_xl.policy.cases import CHECK
from spso_xl.policy.vocab import is_blank
from spso_xl.tracker.read import ROW, Tracker
from spso_xl.tracker.today import SECTIONS, level_number


@dataclass(frozen=True)
class Item:
    """One case in one section, as plain values."""

    ref: str
    organisation: str
    level: int | None
    due: dt.date | None
    days_overdue: int
    status: str
    recommended: int | None
    owner: str
    reason: str
    row: int  # the case's Excel row on Cases
    note: str = ""  # what this section adds: the letter to write, the cell to fix

    def as_json(self) -> dict:
        return {"ref": self.ref, "organisation": self.organisation, "level": self.level,
                "due": self.due.isoformat() if self.due else None, "days_overdue": self.days_overdue,
                "status": self.status, "recommended_level": self.recommended, "owner": self.owner,
                "reason": self.reason, "row": self.row, "note": self.note}


# How the headline counts each section: "3 overdue, 1 due today, 2 to escalate, 1 letter to write".
COUNTED = {"overdue": lambda n: f"{n} overdue", "due_today": lambda n: f"{n} due today",
           "due_soon": lambda n: f"{n} due soon", "escalation": lambda n: f"{n} to escalate",
           "chaser": lambda n: f"{n} to chase", "letters": lambda n: f"{plural(n, 'letter')} to write",
           "check": lambda n: f"{plural(n, 'row')} to check"}


@dataclass(frozen=True)
class Digest:
    tracker: str  # the file's name
    as_of: dt.date
    owner: str | None
    sections: dict[str, list[Item]]  # every SECTIONS key, in SECTIONS order
    cases: int  # cases considered (after --owner)
    day_off: str = ""  # why as_of is not a working day ("Saturday", "Christmas Day"); "" on a working day
    skipped: list[int] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {k: len(v) for k, v in self.sections.items()}

    @property
    def empty(self) -> bool:
        return not any(self.sections.values())

    def headline(self) -> str:
        """'2 overdue, 1 due today, 3 to escalate' or 'Nothing needs action today'."""
        if self.empty:
            return "Nothing needs action today"
        return ", ".join(COUNTED[s.key](n) for s in SECTIONS if (n := len(self.sections[s.key])))

    def subject(self) -> str:
        who = f" ({self.owner})" if self.owner else ""
        return f"S&I digest {self.as_of:%d/%m/%Y}{who}: {self.headline()}"


def _text(value) -> str:
    return "" if is_blank(value) or value is pd.NaT else str(value).strip()


def _int(value) -> int | None:
    n = level_number(value)
    return n or None


def _item(row: dict, note: str = "") -> Item:
    due = row.get("Due")
    due = None if due is None or due is pd.NaT or (isinstance(due, float) and due != due) or due == "" else (
        due.date() if isinstance(due, (pd.Timestamp, dt.datetime)) else due)
    late = row.get("Working days overdue")
    return Item(_text(row.get("Ref")), _text(row.get("Organisation")), _int(row.get("Level")), due,
                int(late) if isinstance(late, (int, float)) and late == late else 0, _text(row.get("Status")),
                _int(row.get("Recommended level")), _text(row.get("Owner")), _text(row.get("Reason")),
                int(row.get("Row") or 0), note)


def sort_into_sections(rows: list[dict], letters: dict[int, str], checks: list[dict],
                       owner: str | None = None) -> dict[str, list[Item]]:
    """Each computed case row (Cases headers and computed columns -> values, with `Row`) into the
    sections whose test holds; `letters` (Excel row -> what to write) into *Letters to write*;
    `checks` (rows `check` rejects: Ref, Organisation, Owner, Row and the problems as Reason) into
    *Check* only. Each section keeps its cases earliest Due first (blank last), then by row."""
    want = owner.strip().casefold() if owner else None

    def mine(r):
        return want is None or _text(r.get("Owner")).casefold() == want

    out: dict[str, list[Item]] = {s.key: [] for s in SECTIONS}
    for r in rows:
        if not mine(r):
            continue
        for s in SECTIONS:
            if s.test is not None and s.test(r):
                out[s.key].append(_item(r))
        if int(r.get("Row") or 0) in letters:
            out["letters"].append(_item(r, letters[int(r["Row"])]))
    out["check"] = [_item(r, _text(r.get("Reason"))) for r in checks if mine(r)]
    for key, items in out.items():
        items.sort(key=lambda i: (i.due is None, i.due or dt.date.min, i.row))
    return out


def day_off(tracker: Tracker, day: dt.date) -> str:
    """Why `day` is not a working day by the tracker's own calendar (weekend, bank holiday, closure); ''."""
    cal = tracker.calendar
    if cal.is_working_day(day):
        return ""
    return cal.holidays.get(day) or f"{day:%A}"


def build_digest(tracker: Tracker, as_of: dt.date, owner: str | None = None) -> Digest:
    """The digest of a tracker on a day: the report's computed rows, the letters `letters --due` would
    write, and the rows `check` rejects (those are in *Check* and nowhere else)."""
    frame, skipped = report_frame(tracker, as_of)
    rows = [r for r in frame.to_dict("records") if r["Row"] not in skipped]  # those are the Check section's
    letters = {}
    for plan in plan_letters(tracker, due=True, as_of=as_of):
        if isinstance(plan, LetterPlan):
            kind = "chaser" if plan.chaser else f"level {plan.level} letter"
            letters[plan.row] = f"write the {kind} ({plan.template})"
        elif plan.blocking and plan.row not in skipped:
            letters[plan.row] = f"a letter is due but cannot be written yet: {'; '.join(plan.reasons)}"
    raw = tracker.raw["Cases"]
    checks = []
    for row in skipped:
        problems = [p for p in tracker.problems if p.sheet == "Cases" and p.row == row]
        i = raw.index[raw[ROW] == row][0]
        checks.append({"Ref": raw.at[i, "Ref"], "Organisation": raw.at[i, "Organisation"], "Owner": raw.at[i, "Owner"],
                       "Row": row, "Status": CHECK,
                       "Reason": "; ".join(f"{p.column or p.sheet}: {p.message}" for p in problems)})
    sections = sort_into_sections(rows, letters, checks, owner)
    want = owner.strip().casefold() if owner else None
    considered = sum(1 for r in rows + checks if want is None or _text(r.get("Owner")).casefold() == want)
    name = tracker.path.name if tracker.path else "the tracker"
    return Digest(name, as_of, owner, sections, considered, day_off(tracker, as_of), skipped)


def describe(digest: Digest) -> str:
    """The line under the title: how many cases, and whose."""
    whose = f" owned by {digest.owner}" if digest.owner else ""
    return f"{plural(digest.cases, 'case')}{whose} in {digest.tracker}"

"""The day's sections (DESIGN §15) as data: what puts a case in each, in Python and as an Excel condition.

One definition serves the `Today` sheet's native formulas (FILTER and SORT over the Cases table:
no Python call) and `spso-xl digest` (`reminders.digest`), so the sheet and the email cannot
disagree about which case is overdue or due a chaser. A case can be in several sections (an
overdue case the policy says to escalate is in both); a row whose cells `check` rejects is only
in *Check*. *Letters to write* needs the Letters and Actions logs, so it is the digest's alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from spso_xl.errors import InputError
from spso_xl.policy.cases import CHECK
from spso_xl.policy.vocab import parse_level

CHASE = "Chase:"  # how the recommendation's Reason starts when rule 6 says a chaser is due (policy.rules.chase)


def level_number(value) -> int:
    """A Level or Recommended level cell as a number; blank or unreadable counts as 0 (no action yet)."""
    try:
        return parse_level(value) or 0
    except (InputError, TypeError, ValueError):
        return 0


@dataclass(frozen=True)
class Section:
    key: str  # the JSON key
    title: str
    meaning: str  # one line, for the digest's and the Today sheet's headers
    test: Callable[[dict], bool] | None  # a case's computed row (Cases headers -> values) -> in this section
    excel: str | None = None  # the same test over the Cases table's columns, for FILTER; None: not on Today


def _num(col: str) -> str:
    """A level column as a number in a formula: 3, '3', 'L3', 'Level 3' -> 3; blank or text -> 0."""
    return f"IFERROR(--Cases[{col}],IFERROR(--RIGHT(Cases[{col}],1),0))"


SECTIONS = (
    Section("overdue", "Overdue", "past Due and no response received",
            lambda r: r.get("Status") == "OVERDUE", 'Cases[Status]="OVERDUE"'),
    Section("due_today", "Due today", "the response is due today",
            lambda r: r.get("Status") == "DUE TODAY", 'Cases[Status]="DUE TODAY"'),
    Section("due_soon", "Due soon", "due within the due-soon threshold (Settings)",
            lambda r: r.get("Status") == "DUE SOON", 'Cases[Status]="DUE SOON"'),
    Section("escalation", "Escalation recommended", "the recommended level is above the case's Level",
            lambda r: level_number(r.get("Recommended level")) > level_number(r.get("Level")),
            f"{_num('Recommended level')}>{_num('Level')}"),
    Section("chaser", "Chaser due", "overdue, and the policy says to chase before escalating (the Reason says why)",
            lambda r: r.get("Status") == "OVERDUE" and str(r.get("Reason") or "").startswith(CHASE),
            f'(Cases[Status]="OVERDUE")*(LEFT(Cases[Reason],{len(CHASE)})="{CHASE}")'),
    Section("letters", "Letters to write", "what spso-xl letters --due (the Generate letters button) would write",
            None),
    Section("check", "Check", "rows with a cell the rules cannot read: fix the cell named (spso-xl check lists them)",
            None, f'(LEFT(Cases[Status],1)="#")+(Cases[Status]="{CHECK}")'),
)
BY_KEY = {s.key: s for s in SECTIONS}

# --- the Today sheet ------------------------------------------------------------------------------

TODAY_SHEET = "Today"
OWNER_CELL = "TodayOwner"  # the Name of the Today sheet's owner filter (blank: everyone's cases)
# The columns each Today list shows, from the Cases table; a blank cell stays blank (FILTER gives 0 for one).
COLUMNS = (("Ref", "Cases[Ref]&\"\"", 12), ("Organisation", "Cases[Organisation]&\"\"", 26),
           ("Level", 'IF(Cases[Level]="","",Cases[Level])', 6), ("Due", 'IF(Cases[Due]="","",Cases[Due])', 11),
           ("Days late", "Cases[Working days overdue]", 8), ("Owner", "Cases[Owner]&\"\"", 12),
           ("Reason", "Cases[Reason]&\"\"", 60))
DUE_COLUMN = 4  # SORT's column: the earliest Due first
NONE = "none"  # what a list shows when no case is in it


def on_today(section: Section) -> bool:
    return section.excel is not None


def _mine() -> str:
    return f'(({OWNER_CELL}="")+(Cases[Owner]={OWNER_CELL})>0)'


def list_formula(section: Section) -> str:
    """The section's list: its cases' COLUMNS, earliest Due first, `none` when there are none."""
    picks = ",".join(expr for _, expr, _ in COLUMNS)
    seq = ",".join(str(i + 1) for i in range(len(COLUMNS)))
    return (f"=IFERROR(SORT(FILTER(CHOOSE({{{seq}}},{picks}),({section.excel})*{_mine()}),{DUE_COLUMN},1),"
            f'"{NONE}")')


def count_formula(section: Section) -> str:
    return f"=SUM(({section.excel})*{_mine()})"


def unreadable(row: dict) -> bool:
    """A row the rules could not read: Status `CHECK` (SI_CASES names the cell in the Reason) or a `#`
    message (what a per-row function or an older refresh stores)."""
    status = str(row.get("Status") or "")
    return status == CHECK or status.startswith("#")


def today_rows(rows: list[dict], owner: str = "") -> dict[str, list[dict]]:
    """What each Today list holds for computed Cases rows (headers -> values, in table order), as
    its formula gives it: the rows whose test holds, earliest Due first (blank Due last)."""
    out = {}
    want = owner.strip().casefold()
    for s in SECTIONS:
        if not on_today(s):
            continue
        if s.key == "check":
            hits = [r for r in rows if unreadable(r)]
        else:
            hits = [r for r in rows if not unreadable(r) and s.test(r)]
        hits = [r for r in hits if not want or str(r.get("Owner") or "").strip().casefold() == want]
        out[s.key] = sorted(hits, key=lambda r: (not r.get("Due"), r.get("Due") or 0))
    return out

"""What the Cases buttons *Record chaser* and *Record escalation* change (DESIGN §9), as plain data.

One function per action decides, for each named case, the cells to set on its Cases row and
the line to log in Actions; `record` writes them through the writer it is given: the open Book
for the xlwings button, `tracker.edit.edit_tracker` for `spso-xl chase` / `spso-xl escalate`,
so the two cannot drift.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from spso_xl.calendar.dates import uk
from spso_xl.errors import NotRecorded
from spso_xl.policy.cases import compute_cases
from spso_xl.policy.vocab import norm, parse_count
from spso_xl.tracker.edit import TrackerEdit, case_cells
from spso_xl.tracker.intake import who
from spso_xl.tracker.read import ROW, Tracker

# An escalation starts the new level afresh: the organisation's answer, its assessment, any
# recurrence and the chasers belonged to the level before, and so did a date set for it.
CLEARED_ON_ESCALATION = ("Response received", "Resolved", "Recurred", "Chasers", "Last chased", "Respond by")


@dataclass(frozen=True)
class Change:
    """One case's outcome: the Cases cells to set (header -> value, None clears) and the Actions line to log."""

    ref: str
    row: int  # the case's Excel row on Cases
    cells: dict[str, object] = field(default_factory=dict)
    log: dict | None = None
    message: str = ""  # what was done, or why nothing was

    @property
    def done(self) -> bool:
        return bool(self.cells)



def _rows(tracker: Tracker, refs) -> list[tuple[str, int, int]]:
    """(ref as typed, Excel row, frame index) for each named case, in the order named."""
    cases = tracker.cases
    raw = tracker.raw["Cases"]["Ref"]
    index = {}
    for i, ref in raw.items():
        if ref is not None and ref == ref:
            index.setdefault(norm(ref), []).append(i)
    found = []
    for ref in dict.fromkeys(str(r).strip() for r in refs):
        hits = index.get(norm(ref), [])
        if not hits:
            raise NotRecorded(f"there is no case '{ref}' on Cases")
        if len(hits) > 1:
            rows = ", ".join(str(int(cases[ROW][i])) for i in hits)
            raise NotRecorded(f"the Ref '{ref}' is on more than one Cases row ({rows}): make each Ref unique first")
        row = int(cases[ROW][hits[0]])
        bad = [p for p in tracker.problems if p.sheet == "Cases" and p.row == row]
        if bad:
            raise NotRecorded(f"Cases row {row} ('{ref}'), {bad[0].column}: {bad[0].message}; fix it first")
        found.append((str(raw[hits[0]]).strip(), row, hits[0]))
    return found


def _level(value) -> int | None:
    return None if value is None or value != value else int(value)


def chasers(tracker: Tracker, refs, today: dt.date) -> list[Change]:
    """Record a chaser sent today for each case: one more in Chasers, Last chased today, logged."""
    out = []
    for ref, row, i in _rows(tracker, refs):
        case = tracker.cases.loc[i]
        count = parse_count(case["Chasers"]) + 1
        out.append(Change(ref, row, {"Chasers": count, "Last chased": today},
                          {"Date": today, "Ref": ref, "Level": _level(case["Level"]), "Action": "Chaser",
                           "Notes": f"Chaser {count} sent"}, f"{ref}: chaser {count} recorded"))
    return out


def escalations(tracker: Tracker, refs, today: dt.date) -> list[Change]:
    """Move each case whose recommended level is above its Level to that level, notified today.

    A case the policy does not point higher (still within its time, resolved, mitigating factors
    recorded ...) is left as it is, and its message is the recommendation's reason.
    """
    found = _rows(tracker, refs)
    cases = tracker.cases.loc[[i for _, _, i in found]]
    computed = compute_cases(cases, today, tracker.settings, tracker.calendar)
    out = []
    for ref, row, i in found:
        case, rec = cases.loc[i], computed.loc[i]
        current, target = _level(case["Level"]) or 0, _level(rec["Recommended level"])
        if target is None or target <= current:
            out.append(Change(ref, row, message=f"{ref}: {rec['Reason']}"))
            continue
        notified = case["Date notified"]
        was = f"from level {current}" if current else "as a new issue"
        if notified == notified and notified is not None:
            was += f" (notified {uk(notified.date())})"
        out.append(Change(
            ref, row, {"Level": target, "Date notified": today, **dict.fromkeys(CLEARED_ON_ESCALATION)},
            {"Date": today, "Ref": ref, "Level": target, "Action": "Escalation",
             "Notes": f"Escalated {was}. {rec['Reason']}"},
            f"{ref} to level {target} ({rec['Contact from']})"))
    return out


@dataclass
class Recorded:
    """What a chase or an escalation did: the cases changed (and written), those left as they were (each
    with the reason), the Cases headers the tracker lacks (left out), and the backup the writer took."""

    done: list[Change]
    left: list[Change]
    missing: list[str] = field(default_factory=list)
    backup: Path | None = None


def record(tracker: Tracker, refs, today: dt.date, decide: Callable, write: Callable[[TrackerEdit], Path | None]
           ) -> Recorded:
    """The one implementation of the Cases actions *Record chaser* and *Record escalation*, for the
    buttons and the command line alike: `decide` (`chasers` or `escalations`) says what changes, and
    `write(edit)` (the file's writer or the open workbook's) writes it, once, or not at all when no
    case changes. NotRecorded for a case that cannot be found or read: then nothing is written."""
    changes = decide(tracker, refs, today)
    done, left = [c for c in changes if c.done], [c for c in changes if not c.done]
    if not done:
        return Recorded(done, left)
    edit, missing = as_edit(tracker, done)
    return Recorded(done, left, missing, write(edit))


def as_edit(tracker: Tracker, changes: list[Change]) -> tuple[TrackerEdit, list[str]]:
    """The changes as one `TrackerEdit` (by the headers the file has), and the headers it lacks, left out."""
    cells, missing = case_cells(tracker, ((c.row, c.cells) for c in changes))
    by = who(tracker.settings)  # every line of the log says who did it (DESIGN §12)
    logs = [{**c.log, "By": c.log.get("By") or by} for c in changes if c.log]
    return TrackerEdit(cells=cells, append={"Actions": logs} if logs else {}), missing

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
from spso_xl.policy.vocab import is_blank, norm, parse_count
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
    history: tuple = ()  # Actions lines logged before `log`: what the change clears that the log must keep

    @property
    def done(self) -> bool:
        return bool(self.cells)

    @property
    def logs(self) -> list[dict]:
        """Every Actions line the change logs, in order."""
        return [*self.history, *([self.log] if self.log else [])]



def _rows(tracker: Tracker, refs) -> list[tuple[str, int, int]]:
    """(ref as typed, Excel row, frame index) for each named case, in the order named."""
    cases = tracker.cases
    raw = tracker.raw["Cases"]["Ref"]
    index = {}
    for i, ref in raw.items():
        if ref is not None and ref == ref:
            index.setdefault(norm(ref), []).append(i)
    found = []
    # One case named twice (`SI-1 si-1`) is one case: Refs match ignoring case and spacing, so the first
    # spelling stands for both (two chasers were logged, one counted).
    named: dict[str, str] = {}
    for r in refs:
        named.setdefault(norm(r), str(r).strip())
    for ref in named.values():
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


def chased_on(case, today: dt.date) -> bool:
    """Whether the case's Last chased is `today`: one chaser is recorded once (DESIGN §5), whether by a
    chaser letter, a re-run of it or `chase`."""
    last = case.get("Last chased") if hasattr(case, "get") else None
    return last is not None and last == last and last.date() == today


def chasers(tracker: Tracker, refs, today: dt.date) -> list[Change]:
    """Record a chaser sent today for each case: one more in Chasers, Last chased today, logged; a case
    already chased today is left as it is, saying so."""
    out = []
    for ref, row, i in _rows(tracker, refs):
        case = tracker.cases.loc[i]
        if chased_on(case, today):
            out.append(Change(ref, row, message=f"{ref}: a chaser sent on {uk(today)} is already recorded (Chasers "
                                                 f"{parse_count(case['Chasers'])}, Last chased {uk(today)}); one "
                                                 f"chaser is recorded once"))
            continue
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
            f"{ref} to level {target} ({rec['Contact from']})", _kept_response(tracker, case, ref, current)))
    return out


def _kept_response(tracker: Tracker, case, ref: str, level: int) -> tuple:
    """The Actions lines an escalation logs before it replaces `Date notified` and clears `Response received`,
    for what the log does not hold yet: the notification of the level it ends (a Contact on the old Date
    notified) and the response to it. An escalation never erases the response time it ended (DESIGN §11):
    the summary times a response from the request before it, and counts each level's action."""
    log = tracker.parsed["Actions"]
    mine = log[[norm(r) == norm(ref) for r in log["Ref"]]] if len(log) else log
    out = []
    for header, action, note in (("Date notified", "Contact", "level {level} notified {date}"),
                                 ("Response received", "Response", "response received {date}")):
        when = case[header]
        if when is None or when != when:
            continue
        kinds = ("Contact", "Letter", "Escalation", "Chaser") if action == "Contact" else ("Response",)
        if len(mine) and (mine["Action"].isin(kinds) & (mine["Date"] == when)).any():
            continue
        out.append({"Date": when.date(), "Ref": ref, "Level": level or None, "Action": action,
                    "Notes": note.format(level=level, date=uk(when.date())).capitalize()
                    + " (from Cases, kept in the log when the escalation replaced it)"})
    return tuple(out)


@dataclass
class Recorded:
    """What a chase or an escalation did, the one result every message about it is printed from: the
    cases changed (written, and read back as written), those left as they were (each with the reason),
    those written whose cells did not read back as written, the Cases headers the tracker lacks (left
    out), and the backup the writer took."""

    done: list[Change]
    left: list[Change]
    missing: list[str] = field(default_factory=list)
    backup: Path | None = None
    unlanded: list[tuple[Change, list[str]]] = field(default_factory=list)  # (change, headers not as written)

    @property
    def written(self) -> bool:
        """Whether anything was written (a backup or a change)."""
        return bool(self.done or self.unlanded)

    def lines(self, verb: str) -> tuple[list[str], list[str]]:
        """(what was done, what was not): the lines to tell the user, true to what the file now holds.
        "recorded" is said only of a case whose cells read back as written; a header the tracker lacks is
        named on the case it left out."""
        said = [c.message + (f" (not kept: the tracker has no {', '.join(h for h in c.cells if h in self.missing)} "
                             f"column)" if any(h in self.missing for h in c.cells) else "") for c in self.done]
        warned = [f"not {verb}: {c.message}" for c in self.left]
        warned += [f"{c.ref}: written, but Cases row {c.row} does not read back as written ({', '.join(h)}): check "
                   f"the row (a formula or a sort may have replaced it)" for c, h in self.unlanded]
        return said, warned


def record(tracker: Tracker, refs, today: dt.date, decide: Callable, write: Callable[[TrackerEdit], Path | None],
           read_back: Callable[[], Tracker] | None = None) -> Recorded:
    """The one implementation of the Cases actions *Record chaser* and *Record escalation*, for the
    buttons and the command line alike: `decide` (`chasers` or `escalations`) says what changes, and
    `write(edit)` (the file's writer or the open workbook's) writes it, once, or not at all when no
    case changes. NotRecorded for a case that cannot be found or read: then nothing is written.
    With `read_back` (the tracker as the writer left it), each change is checked cell by cell, so that
    "recorded" is said only of what the file holds."""
    changes = decide(tracker, refs, today)
    done, left = [c for c in changes if c.done], [c for c in changes if not c.done]
    if not done:
        return Recorded(done, left)
    edit, missing = as_edit(tracker, done)
    result = Recorded(done, left, missing, write(edit))
    if read_back is not None:
        after = read_back()
        unlanded = [(c, bad) for c in done if (bad := not_as_written(after, c, missing))]
        result.done = [c for c in done if all(c is not u for u, _ in unlanded)]
        result.unlanded = unlanded
    return result


def not_as_written(tracker: Tracker, change: Change, missing=()) -> list[str]:
    """The headers of `change` whose cells on its row do not now hold what it wrote."""
    cases = tracker.cases
    at = cases.index[cases[ROW] == change.row]
    if len(at) != 1 or norm(tracker.raw["Cases"]["Ref"][at[0]]) != norm(change.ref):
        return ["Ref"]
    case = cases.loc[at[0]]
    bad = []
    for header, value in change.cells.items():
        if header in missing or header not in case:
            continue
        if value is None:  # cleared: the cell itself is blank (a parsed blank count reads as 0)
            if not is_blank(tracker.raw["Cases"][header][at[0]]):
                bad.append(header)
            continue
        now = case[header]
        if now is None or now != now:  # blank, NaT
            now = None
        elif isinstance(now, dt.datetime):  # pandas' Timestamp too
            now = now.date()
        if now != value:
            bad.append(header)
    return bad


def as_edit(tracker: Tracker, changes: list[Change]) -> tuple[TrackerEdit, list[str]]:
    """The changes as one `TrackerEdit` (by the headers the file has), and the headers it lacks, left out."""
    cells, missing = case_cells(tracker, ((c.row, c.cells) for c in changes))
    by = who(tracker.settings)  # every line of the log says who did it (DESIGN §12)
    logs = [{**line, "By": line.get("By") or by} for c in changes for line in c.logs]
    return TrackerEdit(cells=cells, append={"Actions": logs} if logs else {}), missing

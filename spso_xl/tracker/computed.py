"""The Cases computed columns as cells hold them, for an input block as a formula passes it (DESIGN §8).

`policy.cases.compute_cases` works on a parsed Cases frame; this adapter starts one step
earlier and ends one step later. It reads the raw block (header row first, then the
table's rows) with the tracker's own reader, so a cell that `spso-xl check` rejects is
rejected here with the same `#` message, and it gives back one row of plain cell values
per table row. The tracker's one `SI_CASES` formula and the workbook builder's cached
values use it.
"""

from __future__ import annotations

import datetime as dt

from spso_xl.calendar.workdays import Calendar
from spso_xl.policy.cases import CHECK, compute_cases
from spso_xl.policy.settings import DEFAULTS
from spso_xl.tracker.read import ROW, cases_from_block
from spso_xl.tracker.schema import COMPUTED, RENAMED
from spso_xl.xlsx.tables import clean_header

# The input headers compute_cases reads: a block without one of them cannot be computed.
# (Last chased is read when there, as blank when not: schema.ADDED; an old Extended to reads as Respond by.)
NEEDS = ("Function", "Trigger", "Level", "Date notified", "Urgent", "Respond by", "Chasers", "Response received",
         "Resolved", "Recurred", "Significant", "Refused", "Mitigating", "Closed")


def compute_block(rows: list[list], as_of: dt.date, settings=DEFAULTS, cal: Calendar | None = None) -> list[list]:
    """The six computed columns for a Cases input block (header row first, then the table's
    rows in order), one output row per table row, as cells hold them: dates, text, whole
    numbers, "" for nothing. Blank rows stay blank; a row with a bad input (an error value such as #REF!
    included) says CHECK in Status and that cell's `#` message, naming its column, in Reason (DESIGN §3:
    one bad cell never hides a case); a block without a needed column says so on every row."""
    header = {RENAMED.get(("Cases", clean_header(v)), clean_header(v)) for v in (rows[0] if rows else ())
              if isinstance(v, str)}
    if missing := [h for h in NEEDS if h not in header]:
        return message_block(rows, f"#CASES? the column '{missing[0]}' is missing: pass the Cases table with its "
                                   f"header row, e.g. Cases[[#All],[Ref]:[Closed]]")
    out = [[""] * len(COMPUTED) for _ in range(max(len(rows) - 1, 1))]
    cases, problems = cases_from_block(rows)
    bad = {}
    for p in problems:
        if p.row is not None and p.column in NEEDS and p.code:  # a value that does not parse (a blank one
            # that is required gets its message from the rule that needs it, as the per-row functions do)
            bad.setdefault(p.row, p)
    good = cases[~cases[ROW].isin(list(bad))]
    if len(good):
        frame = compute_cases(good, as_of, settings, cal)
        due = frame["Due"].dt.date.astype(object).where(frame["Due"].notna(), "")
        level = frame["Recommended level"].astype(object).where(frame["Recommended level"].notna(), "")
        columns = [due.tolist(), frame["Status"].tolist(), [int(v) for v in frame["Working days overdue"]],
                   level.tolist(), frame["Contact from"].fillna("").tolist(), frame["Reason"].fillna("").tolist()]
        for i, values in zip(good[ROW].tolist(), zip(*columns)):
            out[i - 2] = list(values)
    for row, p in bad.items():
        out[row - 2] = ["", CHECK, "", "", "", f"{p.cell_text} ({p.column})"]
    return out


def message_block(rows: list[list], text: str) -> list[list]:
    """What compute_block gives when the whole block cannot be computed: the message in Status and
    Reason of every row, so that each row of the table says why."""
    return [["", text, "", "", "", text] for _ in range(max(len(rows) - 1, 1))]

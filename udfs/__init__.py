"""xlwings custom functions: `=SI_...` in Excel (DESIGN §8).

Parameter names are VBA-safe (`fn`, `end_date`, never `function` or `end`): Import
Functions writes a VBA wrapper whose parameters carry these names (DESIGN §8).

The tracker calls Python once per recalculation: one `SI_CASES` formula on its hidden
Calc sheet computes every row; the per-row functions are for use anywhere else.

Thin by design: each function coerces what Excel passes, calls the core, and returns a
value Excel can use — a date, an integer, TRUE/FALSE, text, or "" when there is nothing
to say. Bad input comes back as short text starting with `#` that names the value
(`#DATE? '31/02/2026' is not a date`); no exception ever reaches Excel.

Ranges (the Holidays table through the `Closures` Name, the `Settings` and `Findings`
tables) arrive as values, so every function is a pure function of its arguments and
Excel recalculates exactly when an input changes. They are parsed once and cached by
content, in `udfs.ranges`; this module holds the functions only. On Linux without
xlwings Server the decorators do nothing and these are plain Python functions.
"""

from __future__ import annotations

import functools
import inspect

import numpy as np
import pandas as pd
import xlwings as xw

from spso_xl.calendar.dates import to_date
from spso_xl.calendar.workdays import networkdays, networkdays_array, parse_days, workday, workday_array
from spso_xl.errors import InputError
from spso_xl.policy import deadlines, evidence, rules
from spso_xl.policy.cases import due_column
from spso_xl.policy.deadlines import status_array
from spso_xl.policy.recommend import recommend_frame
from spso_xl.policy.tables import DEFAULT_FUNCTION
from spso_xl.policy.vocab import is_blank, norm, parse_function, parse_level, parse_trigger, parse_yes_no
from spso_xl.tracker import schema
from spso_xl.tracker.computed import compute_block, message_block
from spso_xl.xlsx.tables import ERROR_VALUES
from udfs.ranges import (
    as_column,
    as_of_date,
    calendar_from,
    cell_rows,
    content,
    contents,
    date_cells,
    date_column,
    date_or_blank,
    findings_from,
    fit,
    sectors_from,
    serial_cells,
    settings_from,
)

__all__ = ["SI_CASES", "SI_WORKDAY", "SI_NETWORKDAYS", "SI_DEADLINE", "SI_STATUS", "SI_OVERDUE", "SI_DAYS_OVERDUE",
           "SI_LEVEL", "SI_REASON", "SI_CONTACT", "SI_RECURRENCE", "SI_UPHOLD",
           "SI_WORKDAY_ARRAY", "SI_NETWORKDAYS_ARRAY", "SI_DEADLINE_ARRAY", "SI_STATUS_ARRAY", "SI_LEVEL_ARRAY",
           "SI_UPHOLD_TABLE"]

CELL = {"err_to_str": True}  # an error value in a cell arrives as its text (#REF!), never as a blank (None)
RANGE = {"ndim": 2, **CELL}  # ranges always arrive as lists of rows


def cell_safe(f):
    """Turn any failure into a `#` message a cell can show; never let an exception reach Excel. An
    argument that is an error value (#REF!, which `err_to_str` passes as its text) and that the function
    did not reject itself (a name, a theme: text it would look up and not find) is named, never a blank."""
    names = list(inspect.signature(f).parameters)

    @functools.wraps(f)
    def guarded(*args, **kwargs):
        try:
            result = f(*args, **kwargs)
        except InputError as e:
            return e.cell_text()
        except Exception as e:  # a bug must still not put a traceback in a cell
            return f"#ERROR? {type(e).__name__}: {str(e)[:120]}"
        if isinstance(result, list) or (isinstance(result, str) and result.startswith("#")):
            return result
        for name, value in [*zip(names, args), *kwargs.items()]:
            if isinstance(value, str) and value in ERROR_VALUES:
                return f"#ERROR? {name} is the error {value}: fix the cell it comes from"
        return result
    return guarded


# --- the whole Cases table in one call ---------------------------------------------------------


# On xlwings Server and in xlwings Lite (Office.js custom functions) the Cases block arrives as xlwings'
# raw values, the JSON Excel sent, and the result goes back as it is: SI_CASES converts only the rows
# that changed, and an unchanged block costs a fingerprint. Desktop Excel (COM) converts as usual.
RAW = getattr(xw, "on_server", False)
CASES_ARG = {"convert": "raw"} if RAW else RANGE
CASES_RET = {"convert": "raw"} if RAW else {}


@xw.func(volatile=True)  # judges on today: Excel calls it on every recalculation, once
@xw.arg("cases", doc="The Cases input columns with their header row: Cases[[#All],[Ref]:[Closed]]", **CASES_ARG)
@xw.arg("as_of", doc="Optional: the date to judge on; today by default", **CELL)
@xw.arg("closures", doc="Optional: the Closures Name", **RANGE)
@xw.arg("settings", doc="Optional: Settings[]", **RANGE)
@xw.ret(**CASES_RET)
@cell_safe
def SI_CASES(cases, as_of=None, closures=None, settings=None):
    """Due, Status, Working days overdue, Recommended level, Contact from and Reason for every row (a dynamic array)."""
    try:
        context = (as_of_date(as_of), content(closures), content(settings))
        rows = cases if isinstance(cases, list) and all(isinstance(r, list) for r in cases) else cell_rows(cases)
        return [list(r) for r in _CASES.spill(rows, context, closures, settings)]
    except InputError as e:
        return message_block(cell_rows(cases), e.cell_text())


class _CasesCache:
    """SI_CASES by content. Excel calls it on every recalculation (it is volatile: it judges on today),
    and most recalculations follow an edit elsewhere, or an edit of one row. Each row's result depends
    on its own cells, the header row, the day, Closures and Settings, and nothing else (rows do not look
    at each other: the Ref check across rows is `spso-xl check`'s), so an unchanged block costs one
    fingerprint, and a changed one computes only the rows not seen in the same context."""

    def __init__(self):
        self.block = self.spilled = None
        self.context = ()
        self.rows: dict[bytes, list] = {}  # a row's content -> its result, in `self.context`

    def spill(self, rows: list[list], context: tuple, closures, settings) -> list[list]:
        block = content(rows)
        if block == self.block and context == self.context[:3]:
            return self.spilled
        context = (*context, content(rows[0]) if rows else b"")  # the header row places every column
        if context != self.context:
            self.rows = {}

        def compute(block_rows):
            out = compute_block(cell_rows(block_rows), context[0], settings_from(settings), calendar_from(closures))
            return serial_cells(out) if RAW else out

        if _header_first(rows):
            keys = contents(rows[1:])
            new = {k: r for k, r in zip(keys, rows[1:]) if k not in self.rows}
            known = {**self.rows, **dict(zip(new, compute([rows[0], *new.values()])))} if new else self.rows
            spilled = [known[k] for k in keys]
            self.rows = dict(zip(keys, spilled))
        else:  # a block the reader may not head with its first row: computed whole
            spilled, self.rows = compute(rows), {}
        self.block, self.context, self.spilled = block, context, spilled
        return spilled


_CASES = _CasesCache()
_RENAMED = {old: new for (sheet, old), new in schema.RENAMED.items() if sheet == "Cases"}


def _header_first(rows: list[list]) -> bool:
    """Whether the reader heads any selection of the block's rows with its first row, so that a row's
    result does not depend on which rows are computed with it. The reader takes the row (of the first
    ten) naming most columns, the first on a tie: a first row whose every cell names a distinct column
    cannot be outscored by a row of the same width."""
    if len(rows) < 2 or any(len(r) != len(rows[0]) for r in rows):
        return False
    names = {_RENAMED.get(v.strip(), v.strip()) for v in rows[0] if isinstance(v, str)}
    return len(names & set(schema.CASES.headers)) == len(rows[0])


# --- working days ----------------------------------------------------------------------------


@xw.func
@xw.arg("start", doc="Start date (a date, dd/mm/yyyy text or serial number)", **CELL)
@xw.arg("days", doc="Working days to add; negative to go back; fractions are truncated as WORKDAY does", **CELL)
@xw.arg("closures", doc="Optional: the Closures Name (Holidays table), or a column of extra non-working days", **RANGE)
@cell_safe
def SI_WORKDAY(start, days, closures=None):
    """Excel's WORKDAY on Scotland's calendar: bank holidays, plus closures, minus bank holidays worked."""
    return workday(start, days, calendar_from(closures))


@xw.func
@xw.arg("start", doc="First date", **CELL)
@xw.arg("end_date", doc="Last date (counted too)", **CELL)
@xw.arg("closures", doc="Optional: the Closures Name (Holidays table)", **RANGE)
@cell_safe
def SI_NETWORKDAYS(start, end_date, closures=None):
    """Excel's NETWORKDAYS on Scotland's calendar: working days from start to end_date, both counted."""
    return networkdays(start, end_date, calendar_from(closures))


# --- deadlines and status --------------------------------------------------------------------


@xw.func
@xw.arg("date_notified", doc="When the organisation was notified of this level of action", **CELL)
@xw.arg("level", doc="Level of action taken: 3, L3 or Level 3", **CELL)
@xw.arg("urgent", doc="Optional: Y for time-sensitive issues (urgent window); blank is Y for non-payment of an award", **CELL)
@xw.arg("respond_by", doc="Optional: the date you set (an extension, or the timeframe at level 5-6 / policy 4-5)", **CELL)
@xw.arg("fn", doc="Optional: SWF (levels 1-6, default), Complaints or INWO (levels 1-5)", **CELL)
@xw.arg("trigger", doc="Optional: the Trigger (non-payment of an award is urgent unless Urgent is N)", **CELL)
@xw.arg("closures", doc="Optional: the Closures Name", **RANGE)
@xw.arg("settings", doc="Optional: Settings[] (response windows)", **RANGE)
@cell_safe
def SI_DEADLINE(date_notified, level, urgent=None, respond_by=None, fn=None, trigger=None, closures=None,
                settings=None):
    """The date the organisation must reply by: Respond by, else date notified + the level's working days."""
    fn = parse_function(fn)
    return date_or_blank(deadlines.due_date(
        to_date(date_notified), parse_level(level, fn, allow_zero=True), parse_yes_no(urgent), to_date(respond_by),
        fn, parse_trigger(trigger), settings_from(settings), calendar_from(closures)))


@xw.func
@xw.arg("due", doc="The Due date (blank: no deadline)", **CELL)
@xw.arg("response_received", doc="When the response arrived (blank: none yet)", **CELL)
@xw.arg("as_of", doc="Optional: the date to judge on; TODAY() by default", **CELL)
@xw.arg("closed", doc="Optional: when the case was closed", **CELL)
@xw.arg("settings", doc="Optional: Settings[] (due-soon threshold)", **RANGE)
@cell_safe
def SI_STATUS(due, response_received, as_of=None, closed=None, settings=None):
    """CLOSED, RESPONDED, RESPONDED LATE, OVERDUE, DUE TODAY, DUE SOON, ON TRACK or NO DEADLINE."""
    return str(deadlines.status(to_date(due), to_date(response_received), as_of_date(as_of), to_date(closed),
                                settings_from(settings)))


@xw.func
@xw.arg("due", doc="The Due date", **CELL)
@xw.arg("response_received", doc="When the response arrived (blank: none yet)", **CELL)
@xw.arg("as_of", doc="Optional: the date to judge on; TODAY() by default", **CELL)
@cell_safe
def SI_OVERDUE(due, response_received, as_of=None):
    """TRUE when Due has passed and no response has arrived."""
    due, received = to_date(due), to_date(response_received)
    return due is not None and received is None and as_of_date(as_of) > due


@xw.func
@xw.arg("due", doc="The Due date", **CELL)
@xw.arg("response_received", doc="When the response arrived (blank: none yet)", **CELL)
@xw.arg("as_of", doc="Optional: the date to judge on; TODAY() by default", **CELL)
@xw.arg("closures", doc="Optional: the Closures Name", **RANGE)
@xw.arg("closed", doc="Optional: when the case was closed (counting stops there)", **CELL)
@cell_safe
def SI_DAYS_OVERDUE(due, response_received, as_of=None, closures=None, closed=None):
    """Working days past Due: up to the response if it came late, else up to as_of; 0 if not late."""
    return deadlines.days_overdue(to_date(due), to_date(response_received), as_of_date(as_of), to_date(closed),
                                  calendar_from(closures))


# --- the recommended level ---------------------------------------------------------------------

_LEVEL_DOCS = (
    ("level", "Level of action taken so far (blank for a new issue)"),
    ("trigger", "What prompted the action (the Trigger dropdown)"),
    ("status", "The Status column"),
    ("chasers", "Requests sent since the deadline"),
    ("resolved", "Y resolved / N not resolved / blank not assessed"),
    ("recurred", "Y if the issue came back after the last action was answered or resolved"),
    ("significant", "Y if significant or of wider impact (policy para 11)"),
    ("refused", "Y if the organisation refuses to comply"),
    ("mitigating", "Y if mitigating factors are to be weighed (policy para 10)"),
    ("fn", "Optional: SWF (default), Complaints or INWO"),
    ("last_chased", "Optional: the date of the latest chaser (the chaser window runs from it)"),
    ("as_of", "Optional: the date to judge on; TODAY() by default"),
    ("closures", "Optional: the Closures Name"),
    ("settings", "Optional: the Settings table (chaser window)"),
)


def _level_args(f):
    for name, doc in reversed(_LEVEL_DOCS):
        f = xw.arg(name, doc=doc, **(RANGE if name in ("closures", "settings") else CELL))(f)
    return f


def _recommend(level, trigger, status, chasers, resolved, recurred, significant, refused, mitigating, fn, last_chased,
               as_of, closures, settings, due=None, closed=None):
    return rules.recommend_cells(level, trigger, status, chasers, resolved, recurred, significant, refused,
                                 mitigating, fn, to_date(due), last_chased, as_of_date(as_of), closed,
                                 settings_from(settings), calendar_from(closures))


@xw.func
@_level_args
@xw.arg("due", doc="Optional: the Due date (with Mitigating = Y, their hold ends one chaser window after it)")
@cell_safe
def SI_LEVEL(level, trigger, status, chasers, resolved, recurred, significant, refused, mitigating, fn=None,
             last_chased=None, as_of=None, closures=None, settings=None, due=None):
    """The level of action the S&I policy points to now (0 = not an S&I action)."""
    return _recommend(level, trigger, status, chasers, resolved, recurred, significant, refused, mitigating, fn,
                      last_chased, as_of, closures, settings, due).level


@xw.func
@_level_args
@xw.arg("due", doc="Optional: the Due date, named in the reason", **CELL)
@xw.arg("closed", doc="Optional: the Closed date, named in the reason", **CELL)
@cell_safe
def SI_REASON(level, trigger, status, chasers, resolved, recurred, significant, refused, mitigating, fn=None,
              last_chased=None, as_of=None, closures=None, settings=None, due=None, closed=None):
    """Why SI_LEVEL recommends what it does, citing the policy paragraph or leaflet passage it rests on."""
    return _recommend(level, trigger, status, chasers, resolved, recurred, significant, refused, mitigating, fn,
                      last_chased, as_of, closures, settings, due, closed).reason


@xw.func
@xw.arg("level", doc="A level (e.g. the Recommended level column)", **CELL)
@xw.arg("fn", doc="Optional: SWF (default), Complaints or INWO", **CELL)
@cell_safe
def SI_CONTACT(level, fn=None):
    """Who at SPSO makes contact at this level (Case Reviewer or SPSO officer ... Ombudsman)."""
    fn = parse_function(fn)
    n = parse_level(level, fn, allow_zero=True)
    return "" if n is None else rules.contact(n, fn)


# --- evidence -------------------------------------------------------------------------------


def _funnel(findings, start, end_date, settings, organisations):
    s = settings_from(settings)
    return evidence.funnel(findings_from(findings), to_date(start), to_date(end_date), s.funnel_inner, s.funnel_outer,
                           sectors_from(organisations), s.funnel_min)


@xw.func(call_in_wizard=False)
@xw.arg("organisation", doc="The organisation", **CELL)
@xw.arg("theme", doc="The finding theme", **CELL)
@xw.arg("findings", doc="The Findings table", **RANGE)
@xw.arg("as_of", doc="Optional: end of the rolling window; TODAY() by default", **CELL)
@xw.arg("settings", doc="Optional: Settings[] (window months, threshold)", **RANGE)
@xw.arg("fn", doc="Optional: SWF (default), Complaints or INWO: findings of that function only", **CELL)
@cell_safe
def SI_RECURRENCE(organisation, theme, findings, as_of=None, settings=None, fn=None):
    """Upheld findings of this theme for this organisation and function in the rolling window, when it was last fed
    back and how many were upheld since: Recurred = Y (appendix row 4) only when one was upheld after the feedback."""
    s = settings_from(settings)
    found = evidence.is_recurrent(findings_from(findings), organisation, theme, as_of_date(as_of), s.recurrence_months,
                                  s.recurrence_threshold, parse_function(fn))
    return found.describe(s.recurrence_months)


@xw.func(call_in_wizard=False)
@xw.arg("organisation", doc="The organisation", **CELL)
@xw.arg("findings", doc="The Findings table", **RANGE)
@xw.arg("start", doc="Optional: first decision date counted", **CELL)
@xw.arg("end_date", doc="Optional: last decision date counted", **CELL)
@xw.arg("settings", doc="Optional: Settings[] (funnel limits, minimum decisions)", **RANGE)
@xw.arg("organisations", doc="Optional: the Organisations table (each organisation's Sector)", **RANGE)
@xw.arg("fn", doc="Optional: SWF (default), Complaints or INWO", **CELL)
@cell_safe
def SI_UPHOLD(organisation, findings, start=None, end_date=None, settings=None, organisations=None, fn=None):
    """The organisation's uphold rate against its own sector's in one function: abnormally high, high, within,
    low, or too few to judge."""
    table = _funnel(findings, start, end_date, settings, organisations)
    row = table[(table["organisation"].map(norm) == norm(organisation))
                & (table["function"] == (parse_function(fn) or DEFAULT_FUNCTION))]
    return "" if row.empty else row["flag"].iloc[0]


# --- array forms: whole columns in, dynamic arrays out -------------------------------------


@xw.func
@xw.arg("starts", doc="A column of start dates", **RANGE)
@xw.arg("days", doc="Working days: one number, or a column", **CELL)
@xw.arg("closures", doc="Optional: the Closures Name", **RANGE)
@cell_safe
def SI_WORKDAY_ARRAY(starts, days, closures=None):
    """SI_WORKDAY over a whole column at once (a dynamic array); blanks stay blank."""
    s = date_column(starts)
    n, errors = [], {}
    for i, d in enumerate(fit(days, len(s))):
        try:
            n.append(np.nan if is_blank(d) else parse_days(d))
        except InputError as e:
            n.append(np.nan)
            errors[i] = e.cell_text()
    cells = date_cells(workday_array(s, np.array(n, dtype="float64"), calendar_from(closures)))
    for i, text in errors.items():
        cells[i] = [text]
    return cells


@xw.func
@xw.arg("starts", doc="A column of first dates", **RANGE)
@xw.arg("ends", doc="A column of last dates", **RANGE)
@xw.arg("closures", doc="Optional: the Closures Name", **RANGE)
@cell_safe
def SI_NETWORKDAYS_ARRAY(starts, ends, closures=None):
    """SI_NETWORKDAYS over whole columns (a dynamic array); blanks stay blank."""
    first = date_column(starts)
    counts = networkdays_array(first, date_column(fit(ends, len(first))), calendar_from(closures))
    return [["" if np.isnan(c) else int(c)] for c in counts]


@xw.func
@xw.arg("dates_notified", doc="Date notified column", **RANGE)
@xw.arg("levels", doc="Level column", **RANGE)
@xw.arg("urgent", doc="Optional: Urgent column", **RANGE)
@xw.arg("respond_by", doc="Optional: Respond by column", **RANGE)
@xw.arg("functions", doc="Optional: Function column", **RANGE)
@xw.arg("triggers", doc="Optional: Trigger column", **RANGE)
@xw.arg("closures", doc="Optional: the Closures Name", **RANGE)
@xw.arg("settings", doc="Optional: Settings[]", **RANGE)
@cell_safe
def SI_DEADLINE_ARRAY(dates_notified, levels, urgent=None, respond_by=None, functions=None, triggers=None,
                      closures=None, settings=None):
    """SI_DEADLINE over whole columns (a dynamic array); a bad row shows its # message."""
    notified = date_column(dates_notified)
    n = len(notified)
    lv, fn, ur, tr = fit(levels, n), fit(functions, n), fit(urgent, n), fit(triggers, n)
    parsed, errors = [], {}
    for i, (l, f, u, t) in enumerate(zip(lv, fn, ur, tr)):
        try:
            func = parse_function(f)
            parsed.append((parse_level(l, func, allow_zero=True), func, parse_yes_no(u), parse_trigger(t)))
        except InputError as e:
            parsed.append((None, None, None, None))
            errors[i] = e.cell_text()
    due = due_column(notified, [p[0] for p in parsed], [p[2] for p in parsed], date_column(fit(respond_by, n)),
                     [p[1] for p in parsed], [p[3] for p in parsed], settings_from(settings), calendar_from(closures))
    cells = date_cells(due)
    for i, text in errors.items():
        cells[i] = [text]
    return cells


@xw.func
@xw.arg("dues", doc="Due column", **RANGE)
@xw.arg("responses", doc="Response received column", **RANGE)
@xw.arg("as_of", doc="Optional: the date to judge on; TODAY() by default", **CELL)
@xw.arg("closed", doc="Optional: Closed column", **RANGE)
@xw.arg("settings", doc="Optional: Settings[]", **RANGE)
@cell_safe
def SI_STATUS_ARRAY(dues, responses, as_of=None, closed=None, settings=None):
    """SI_STATUS over whole columns (a dynamic array)."""
    due = date_column(dues)
    n = len(due)
    out = status_array(due, date_column(fit(responses, n)), date_column(fit(closed, n)), as_of_date(as_of),
                       settings_from(settings))
    return [[s] for s in out]


@xw.func
@xw.arg("levels", doc="Level column", **RANGE)
@xw.arg("triggers", doc="Trigger column", **RANGE)
@xw.arg("statuses", doc="Status column", **RANGE)
@xw.arg("chasers", doc="Chasers column", **RANGE)
@xw.arg("resolved", doc="Resolved column", **RANGE)
@xw.arg("recurred", doc="Recurred column", **RANGE)
@xw.arg("significant", doc="Significant column", **RANGE)
@xw.arg("refused", doc="Refused column", **RANGE)
@xw.arg("mitigating", doc="Mitigating column", **RANGE)
@xw.arg("functions", doc="Optional: Function column", **RANGE)
@xw.arg("last_chased", doc="Optional: Last chased column", **RANGE)
@xw.arg("as_of", doc="Optional: the date to judge on; TODAY() by default", **CELL)
@xw.arg("closures", doc="Optional: the Closures Name", **RANGE)
@xw.arg("settings", doc="Optional: Settings[] (chaser window)", **RANGE)
@xw.arg("dues", doc="Optional: Due column (with Mitigating = Y, their hold ends one chaser window after it)", **RANGE)
@cell_safe
def SI_LEVEL_ARRAY(levels, triggers, statuses, chasers, resolved, recurred, significant, refused, mitigating,
                   functions=None, last_chased=None, as_of=None, closures=None, settings=None, dues=None):
    """SI_LEVEL over whole columns (a dynamic array); a bad row shows its # message."""
    n = len(as_column(triggers))
    cols = dict(level=levels, trigger=triggers, status=statuses, chasers=chasers, resolved=resolved,
                recurred=recurred, significant=significant, refused=refused, mitigating=mitigating, function=functions,
                last_chased=last_chased, due=dues)
    frame = pd.DataFrame({k: pd.Series(fit(v, n), dtype=object) for k, v in cols.items()})
    rec = recommend_frame(frame, as_of_date(as_of), settings_from(settings), calendar_from(closures))
    levels = rec["recommended_level"].astype(object).where(rec["error"].isna(), rec["error"]).tolist()
    return [[v] for v in levels]


@xw.func(call_in_wizard=False)
@xw.arg("findings", doc="The Findings table", **RANGE)
@xw.arg("start", doc="Optional: first decision date counted", **CELL)
@xw.arg("end_date", doc="Optional: last decision date counted", **CELL)
@xw.arg("settings", doc="Optional: Settings[] (funnel limits, minimum decisions)", **RANGE)
@xw.arg("organisations", doc="Optional: the Organisations table (each organisation's Sector)", **RANGE)
@cell_safe
def SI_UPHOLD_TABLE(findings, start=None, end_date=None, settings=None, organisations=None):
    """The uphold-rate funnel per function and sector for every organisation, with its header row (a dynamic array)."""
    table = _funnel(findings, start, end_date, settings, organisations)
    return [list(table.columns)] + table.astype(object).where(table.notna(), "").values.tolist()

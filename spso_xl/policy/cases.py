"""The Cases sheet's computed columns for a whole table at once (DESIGN §5-§6, §8).

`report`, the array UDFs, the tracker's one `SI_CASES` formula and the demo use this;
the per-row UDFs compute the same answers one row at a time, and the tests hold the two
to agreement. Plain values in and out: `tracker.computed` reads a raw block and gives the
answers back as cells.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from spso_xl.calendar.workdays import Calendar, scottish_calendar, workday_array, working_days_after_array
from spso_xl.errors import InputError
from spso_xl.policy.deadlines import status_array, window_days
from spso_xl.policy.recommend import recommend_frame
from spso_xl.policy.settings import DEFAULTS


def _days(d) -> np.ndarray:
    return pd.to_datetime(pd.Series(d)).to_numpy().astype("datetime64[D]")


def due_column(notified, level, urgent, respond_by, function, trigger=None, settings=DEFAULTS,
               cal: Calendar | None = None):
    """Due for every row: one workday pass per distinct window, Respond by wins."""
    trigger = [None] * len(level) if trigger is None else trigger
    keys = list(zip(level, function, urgent, trigger))
    windows = {}
    for key in set(keys):
        try:
            lvl = None if key[0] is None or key[0] != key[0] else int(key[0])
            windows[key] = window_days(lvl, key[1], bool(key[2]) if key[2] == key[2] and key[2] is not None else None,
                                       settings, key[3] if isinstance(key[3], str) else None)
        except (InputError, IndexError, KeyError):
            windows[key] = None
    days = np.array([np.nan if windows[k] is None else windows[k] for k in keys], dtype="float64")
    due = workday_array(_days(notified), days, cal or scottish_calendar())
    given = _days(respond_by)
    return np.where(np.isnat(given), due, given)


def compute_cases(cases: pd.DataFrame, as_of: dt.date, settings=DEFAULTS, cal: Calendar | None = None) -> pd.DataFrame:
    """The six computed columns for a parsed Cases frame (canonical values; bad cells blank)."""
    cal = cal or scottish_calendar()
    col = {h: cases[h].to_numpy(dtype=object) if h in cases else np.full(len(cases), None, dtype=object)
           for h in ("Level", "Function", "Urgent", "Trigger", "Last chased")}
    due = due_column(cases["Date notified"], col["Level"], col["Urgent"], cases["Respond by"], col["Function"],
                     col["Trigger"], settings, cal)
    received, closed = _days(cases["Response received"]), _days(cases["Closed"])
    status = status_array(due, received, closed, as_of, settings, cal)
    end = np.where(~np.isnat(received), received, np.where(~np.isnat(closed), closed, np.datetime64(as_of, "D")))
    overdue = np.nan_to_num(working_days_after_array(due, end, cal)).astype(int)
    rec = recommend_frame(pd.DataFrame({
        "level": col["Level"], "trigger": col["Trigger"], "status": status,
        "chasers": cases["Chasers"].to_numpy(dtype=object), "resolved": cases["Resolved"].to_numpy(dtype=object),
        "recurred": cases["Recurred"].to_numpy(dtype=object), "significant": cases["Significant"].to_numpy(dtype=object),
        "refused": cases["Refused"].to_numpy(dtype=object), "mitigating": cases["Mitigating"].to_numpy(dtype=object),
        "function": col["Function"], "due": pd.Series(due).dt.date.to_numpy(dtype=object),
        "last_chased": pd.Series(_days(col["Last chased"])).dt.date.to_numpy(dtype=object),
        "closed": pd.Series(closed).dt.date.to_numpy(dtype=object),
    }), as_of, settings, cal)
    return pd.DataFrame({
        "Due": pd.to_datetime(due), "Status": status, "Working days overdue": overdue,
        "Recommended level": rec["recommended_level"].to_numpy(), "Contact from": rec["contact_from"].to_numpy(),
        "Reason": np.where(rec["error"].isna(), rec["reason"], rec["error"]),
    }, index=cases.index)


CHECK = "CHECK"  # the Status of a row with a cell the rules cannot read (DESIGN §3)


def flag_cases(computed: pd.DataFrame, rows, problems: dict[int, list[str]]) -> pd.DataFrame:
    """A bad cell flags its case, never hides it (DESIGN §3): each row (Excel row numbers `rows`, aligned
    with `computed`) that has problems keeps its Due and days overdue as far as they could be worked out,
    gets Status CHECK, the cells named in the Reason, and no recommended level or contact (they would rest
    on what could not be read)."""
    rows = list(rows)
    flagged = [r in problems for r in rows]
    if not any(flagged):
        return computed
    out = computed.copy()
    mask = pd.Series(flagged, index=computed.index)
    out["Status"] = out["Status"].astype(object).where(~mask, CHECK)
    for col in ("Recommended level", "Contact from"):
        out[col] = out[col].astype(object).where(~mask, None)
    out["Reason"] = out["Reason"].astype(object).where(
        ~mask, pd.Series([f"Check {'; '.join(problems[r])}" if r in problems else None for r in rows],
                         index=computed.index))
    return out

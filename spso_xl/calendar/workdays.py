"""Scottish working days with exactly Excel's WORKDAY and NETWORKDAYS semantics.

The calendar is Scotland's bank holidays (the `holidays` package, UK subdivision SCT)
plus the office's closure days, minus bank holidays the office works, with Saturday and
Sunday off. Calendars are built once per distinct (closures, working days) pair and
cached; every call after that is a numpy business-day operation.

Excel semantics (LibreOffice Calc implements the same, and is the test oracle):
- WORKDAY(start, n): `n` truncated toward zero; n == 0 gives `start` itself even on a
  holiday; otherwise the n-th working day after (before, if n < 0) `start`, which need
  not itself be a working day.
- NETWORKDAYS(start, end): working days in [start, end] counting both ends; the
  negative of that count when end < start.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Iterable, Mapping

import holidays as _holidays
import numpy as np

from spso_xl.calendar.dates import to_date
from spso_xl.errors import InputError

YEARS = range(1900, 2201)
ONE_DAY = np.timedelta64(1, "D")
EXCEL_FIRST = dt.date(1900, 1, 1)


@dataclass(frozen=True)
class Calendar:
    """Non-working days for Scotland, as names (for people) and as a numpy calendar."""

    holidays: dict[dt.date, str]
    busdaycal: np.busdaycalendar = field(repr=False, compare=False)

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def holidays_between(self, start: dt.date, end: dt.date) -> list[tuple[dt.date, str]]:
        """Weekday holidays after `start` up to `end`, in date order: the days a deadline skipped."""
        return sorted((d, n) for d, n in self.holidays.items() if start < d <= end and d.weekday() < 5)


@lru_cache(maxsize=1)
def bank_holidays() -> Mapping[dt.date, str]:
    """Scotland's bank holidays in YEARS, date -> name (built once; read-only, as every caller shares it)."""
    return MappingProxyType(dict(_holidays.country_holidays("GB", subdiv="SCT", years=YEARS)))


@lru_cache(maxsize=64)
def _calendar(closures: frozenset, working_days: frozenset) -> Calendar:
    days = {d: n for d, n in bank_holidays().items() if d not in working_days}
    days.update((d, "Office closure") for d in closures if d not in days and d not in working_days)
    return Calendar(days, np.busdaycalendar(holidays=np.array(sorted(days), dtype="datetime64[D]")))


def scottish_calendar(closures: Iterable = (), working_days: Iterable = ()) -> Calendar:
    """The calendar for these closure days and worked bank holidays (cached by content)."""
    return _calendar(_date_set(closures), _date_set(working_days))


def _date_set(values: Iterable) -> frozenset:
    return frozenset(d for d in (to_date(v) for v in values) if d is not None)


def parse_days(n) -> int:
    """A count of (working) days as WORKDAY takes it: a number or numeric text, a fraction truncated
    toward zero as Excel does; InputError for a blank, TRUE/FALSE, other text, or more days than
    Excel's calendar holds."""
    if isinstance(n, bool) or n is None:
        raise InputError("DAYS", f"{n!r} is not a number of days", n)
    try:
        days = int(float(n))
    except (TypeError, ValueError, OverflowError):
        raise InputError("DAYS", f"{n!r} is not a number of days", n) from None
    if abs(days) > 3_000_000:  # more days than Excel's whole calendar holds
        raise InputError("DAYS", f"{days} working days falls outside Excel's dates (01/01/1900 to 31/12/9999)", n)
    return days


def workday(start, days, cal: Calendar | None = None) -> dt.date:
    """Excel's WORKDAY(start, days, holidays) on the Scottish calendar."""
    start = to_date(start)
    if start is None:
        raise InputError("DATE", "the start date is blank", None)
    n = parse_days(days)
    if n == 0:
        return start
    cal = cal or scottish_calendar()
    day = np.busday_offset(start, n, roll="backward" if n > 0 else "forward", busdaycal=cal.busdaycal).item()
    if not isinstance(day, dt.date) or day < EXCEL_FIRST:  # numpy gives an int past 9999
        raise InputError("DAYS", f"{n} working days from {start:%d/%m/%Y} falls outside Excel's dates "
                                 f"(01/01/1900 to 31/12/9999)", days)
    return day


def networkdays(start, end, cal: Calendar | None = None) -> int:
    """Excel's NETWORKDAYS(start, end, holidays) on the Scottish calendar."""
    s, e = to_date(start), to_date(end)
    if s is None or e is None:
        raise InputError("DATE", "a date is blank", None)
    cal = cal or scottish_calendar()
    lo, hi = np.datetime64(min(s, e), "D"), np.datetime64(max(s, e), "D")
    count = int(np.busday_count(lo, hi + ONE_DAY, busdaycal=cal.busdaycal))
    return count if s <= e else -count


def working_days_after(start, end, cal: Calendar | None = None) -> int:
    """Working days d with start < d <= end (0 when end <= start)."""
    s, e = to_date(start), to_date(end)
    if e <= s:
        return 0
    cal = cal or scottish_calendar()
    return int(np.busday_count(np.datetime64(s, "D") + ONE_DAY, np.datetime64(e, "D") + ONE_DAY,
                               busdaycal=cal.busdaycal))


# --- whole columns -------------------------------------------------------------------


def as_day_array(values) -> np.ndarray:
    """Any column of dates (datetime64, pandas, list of date/None) as datetime64[D], NaT for blanks."""
    arr = np.asarray(values)
    if arr.dtype.kind == "M":
        return arr.astype("datetime64[D]")
    return np.array([np.datetime64(d) if (d := to_date(v)) is not None else np.datetime64("NaT") for v in arr.ravel()],
                    dtype="datetime64[D]").reshape(arr.shape)


def workday_array(starts, days, cal: Calendar | None = None) -> np.ndarray:
    """WORKDAY over whole columns: datetime64[D] in (NaT = blank), datetime64[D] out."""
    cal = cal or scottish_calendar()
    s = as_day_array(starts)
    n = np.broadcast_to(np.trunc(np.asarray(days, dtype="float64")), s.shape)
    blank = np.isnat(s) | np.isnan(n)
    n = np.where(blank, 0, n).astype("int64")
    safe = np.where(blank, np.datetime64("2000-01-03"), s)
    out = safe.copy()
    for sign, roll in ((1, "backward"), (-1, "forward")):
        m = np.sign(n) == sign
        if m.any():
            out[m] = np.busday_offset(safe[m], n[m], roll=roll, busdaycal=cal.busdaycal)
    out[blank] = np.datetime64("NaT")
    return out


def networkdays_array(starts, ends, cal: Calendar | None = None) -> np.ndarray:
    """NETWORKDAYS over whole columns; float64 out so that blanks can be NaN."""
    cal = cal or scottish_calendar()
    s, e = np.broadcast_arrays(as_day_array(starts), as_day_array(ends))
    blank = np.isnat(s) | np.isnat(e)
    s = np.where(blank, np.datetime64("2000-01-03"), s)
    e = np.where(blank, np.datetime64("2000-01-03"), e)
    lo, hi = np.minimum(s, e), np.maximum(s, e)
    out = np.busday_count(lo, hi + ONE_DAY, busdaycal=cal.busdaycal).astype("float64")
    out = np.where(s <= e, out, -out)
    out[blank] = np.nan
    return out


def working_days_after_array(starts, ends, cal: Calendar | None = None) -> np.ndarray:
    """Working days d with start < d <= end, per row; 0 where end <= start, NaN for blanks."""
    cal = cal or scottish_calendar()
    s, e = np.broadcast_arrays(as_day_array(starts), as_day_array(ends))
    blank = np.isnat(s) | np.isnat(e)
    s1 = np.where(blank, np.datetime64("2000-01-03"), s) + ONE_DAY
    e1 = np.where(blank, np.datetime64("2000-01-03"), e) + ONE_DAY
    out = np.where(e1 > s1, np.busday_count(s1, np.maximum(e1, s1), busdaycal=cal.busdaycal), 0).astype("float64")
    out[blank] = np.nan
    return out

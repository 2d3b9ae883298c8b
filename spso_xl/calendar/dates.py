"""Turning anything a spreadsheet cell can hold into a `datetime.date`.

Excel's 1900 date system: serial 1 is 01/01/1900 and serial 60 is the fictitious
29/02/1900 that Excel keeps for Lotus 1-2-3 compatibility, so serials from 61 on are
days since 30/12/1899 and serials 1-59 days since 31/12/1899. Text is read the UK way
(day first), or as ISO. The other way, a date as the serial a cell stores, is
`spso_xl.xlsx.refs.excel_serial`.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from spso_xl.errors import InputError, shorten

EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 0 for serials >= 61
FICTITIOUS_SERIAL = 60
MAX_SERIAL = 2_958_465  # 31/12/9999, Excel's last date
FIRST_DATE = dt.date(1900, 1, 1)

_UK = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+(?:Z|[+\-]\d\d:?\d\d)?)?$")
_NAMED = ("%d %B %Y", "%d %b %Y", "%A %d %B %Y", "%d-%b-%Y", "%d %B, %Y")


def uk(d: dt.date) -> str:
    """dd/mm/yyyy, as UK users read a date."""
    return d.strftime("%d/%m/%Y")


def from_serial(serial: float) -> dt.date:
    """An Excel 1900-system serial number as a date (time of day dropped)."""
    if isinstance(serial, float) and not math.isfinite(serial):
        raise InputError("DATE", f"{serial!r} is not a date", serial)
    whole = math.floor(serial)
    if whole == FICTITIOUS_SERIAL:
        raise InputError(
            "DATE", "60 is 29/02/1900, a day that never existed (Excel's 1900 leap-year bug)", serial
        )
    if not 1 <= whole <= MAX_SERIAL:
        raise InputError("DATE", f"{_show(serial)} is not a date (Excel dates run 1 to {MAX_SERIAL})", serial)
    if whole < FICTITIOUS_SERIAL:
        return dt.date(1899, 12, 31) + dt.timedelta(days=whole)
    return EXCEL_EPOCH + dt.timedelta(days=whole)


def to_date(value) -> dt.date | None:
    """Coerce a cell value to a date; None for a blank; InputError for anything else,
    a date before Excel's first (01/01/1900) included."""
    d = _to_date(value)
    if d is not None and d < FIRST_DATE:
        raise InputError("DATE", f"{d.day:02}/{d.month:02}/{d.year} is before 01/01/1900, Excel's first date", value)
    return d


def day(value) -> dt.date | None:
    """The plain date a value holds, time of day dropped; None for a blank of any kind.

    The one way from whatever code holds to a `datetime.date`: a cell's value, a parsed
    frame's Timestamp or NaT, a numpy datetime64, pandas' NA. Anything not already a date is
    read as a cell is (`to_date`: Excel serials, UK or ISO text), so a value that is not a
    date is an InputError, never passed on as it is."""
    try:
        if value is None or value != value:  # None, NaN, NaT
            return None
    except TypeError:  # pandas.NA cannot say whether it equals itself: it is a blank
        return None
    return to_date(value)


HORIZON_DAYS = 366  # a date a user gives for an action: at most a year from today


def user_date(value, what: str, today: dt.date | None = None) -> dt.date | None:
    """The one rule for a date a user gives for something done or to be done (an `--as-of`, a typed date
    of an action): read as a cell is (`to_date`), and refused by name when it is more than a year after
    today, which is a typing mistake (20/11/2206 for 20/11/2026), not a plan: written into a tracker it
    would stand there as a fact, and `summary --as-of 31/12/9999` has no quarter to count."""
    d = to_date(value)
    today = today or dt.date.today()
    if d is not None and d > today + dt.timedelta(days=HORIZON_DAYS):
        raise InputError("DATE", f"{what} {uk(d)} is more than a year after today ({uk(today)}): "
                                 f"check the year", value)
    return d


def _to_date(value) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):  # includes pandas.Timestamp
        if value != value:  # NaT
            return None
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise InputError("DATE", f"{value!r} is not a date", value)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isnan(value):
            return None
        return from_serial(value)
    if isinstance(value, str):
        return _parse_text(value)
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:  # numpy scalars
        import numpy as np

        if isinstance(value, np.datetime64):
            return None if np.isnat(value) else value.astype("datetime64[D]").item()
        return to_date(value.item())
    raise InputError("DATE", f"{_show(value)} is not a date", value)


def _parse_text(text: str) -> dt.date | None:
    s = text.strip()
    if not s:
        return None
    try:
        if m := _UK.match(s):
            day, month, year = (int(g) for g in m.groups())
            if len(m.group(3)) == 2:  # Excel's two-digit year window
                year += 2000 if year < 30 else 1900
            return dt.date(year, month, day)
        if m := _ISO.match(s):
            return dt.date(*(int(g) for g in m.groups()))
    except ValueError:
        hint = ""
        if (m := _UK.match(s)) and int(m.group(2)) > 12 >= int(m.group(1)) >= 1:  # 12/31/2026: month first
            hint = f" (dates are day first, dd/mm/yyyy: {m.group(2)}/{m.group(1)}/{m.group(3)}?)"
        raise InputError("DATE", f"'{s}' is not a date{hint}", text) from None
    try:
        return from_serial(float(s)) if re.fullmatch(r"\d+(\.\d+)?", s) else _named(s)
    except InputError:
        raise InputError("DATE", f"'{s}' is not a date (use dd/mm/yyyy)", text) from None


def _named(s: str) -> dt.date:
    for fmt in _NAMED:
        try:
            return dt.datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    raise InputError("DATE", f"'{s}' is not a date", s)


def _show(value) -> str:
    return shorten(repr(value) if isinstance(value, str) else str(value))

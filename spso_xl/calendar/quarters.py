"""Reporting quarters: financial (Q1 = April-June, labelled `2026-27 Q2`) or calendar (`2026 Q3`)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from spso_xl.errors import InputError

_FIN = re.compile(r"^(\d{4})\s*[-/]\s*(\d{2}|\d{4})\s*q([1-4])$")
_CAL = re.compile(r"^(\d{4})\s*q([1-4])$")


@dataclass(frozen=True, order=True)
class Quarter:
    start: dt.date
    end: dt.date  # inclusive
    label: str

    @property
    def months(self) -> list[dt.date]:
        """First day of each of its three months."""
        return [dt.date(self.start.year + (self.start.month + i - 1) // 12, (self.start.month + i - 1) % 12 + 1, 1)
                for i in range(3)]


def _make(year: int, q: int, financial: bool) -> Quarter:
    first_month = (3 + 3 * (q - 1)) % 12 + 1 if financial else 3 * (q - 1) + 1
    start_year = year + (1 if financial and q == 4 else 0)
    start = dt.date(start_year, first_month, 1)
    nxt = dt.date(start.year + (start.month + 2) // 12, (start.month + 2) % 12 + 1, 1)
    label = f"{year}-{(year + 1) % 100:02d} Q{q}" if financial else f"{year} Q{q}"
    return Quarter(start, nxt - dt.timedelta(days=1), label)


def quarter_of(day: dt.date, convention: str = "Financial") -> Quarter:
    if convention == "Financial":
        year = day.year if day.month >= 4 else day.year - 1
        return _make(year, (day.month - 4) % 12 // 3 + 1, True)
    return _make(day.year, (day.month - 1) // 3 + 1, False)


def previous(q: Quarter, convention: str = "Financial") -> Quarter:
    return quarter_of(q.start - dt.timedelta(days=1), convention)


def last_full_quarter(today: dt.date, convention: str = "Financial") -> Quarter:
    return previous(quarter_of(today, convention), convention)


def recent_quarters(today: dt.date, convention: str = "Financial", count: int = 8) -> list[Quarter]:
    """The current quarter and the `count - 1` before it, newest first."""
    out = [quarter_of(today, convention)]
    while len(out) < count:
        out.append(previous(out[-1], convention))
    return out


def parse_quarter(text: str, convention: str = "Calendar") -> Quarter:
    """`2026-27 Q2`, `2026-27Q2` (always financial) or `2026 Q3`, `2026Q3` (by `convention`: calendar, or
    on a financial-year tracker the year that starts in April 2026, so `2026Q2` is `2026-27 Q2`)."""
    s = " ".join(str(text).split()).casefold()
    if m := _FIN.match(s):
        year, nxt, q = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if nxt % 100 != (year + 1) % 100:
            raise InputError("QUARTER", f"'{text}' is not a financial year: the years must follow on, e.g. 2026-27 Q2", text)
        return _make(year, q, True)
    if m := _CAL.match(s):
        return _make(int(m.group(1)), int(m.group(2)), convention == "Financial")
    raise InputError("QUARTER", f"'{text}' is not a quarter: use e.g. 2026-27 Q2 (financial year 2026-27) or 2026 Q3",
                     text)


def long_dates(q: Quarter, end: dt.date | None = None) -> str:
    """'1 July 2026 to 30 September 2026' (to `end` when given, for a quarter not over)."""
    end = end or q.end
    return f"{q.start.day} {q.start:%B %Y} to {end.day} {end:%B %Y}"

"""Cell notation and date serials: the one place spso-xl turns columns, cells and ranges into
numbers and back, and dates into the serial numbers a cell stores (XlsxWriter's `utility.py`).

Columns are numbered from 1 (A); Excel's last is 16,384 (XFD), and three letters write up to
18,278 (ZZZ), which a reference may still name. Rows are numbered from 1. A range is read as
openpyxl's `range_boundaries` reads one, so the two agree wherever both are used: `A1`, `A1:C9`,
`A:C` (whole columns: the rows are None), `1:9` (whole rows: the columns are None), each part
optionally `$`-anchored, and (min_col, min_row, max_col, max_row) in the order written.

Excel's 1900 date system: serial 1 is 01/01/1900 and serial 60 is the fictitious 29/02/1900
that Excel keeps for Lotus 1-2-3 compatibility, so dates from 01/03/1900 on are days since
30/12/1899 and earlier ones one fewer. The 1904 system (workbooks first made on an old Mac)
counts days since 01/01/1904. A time of day is the fraction of its day.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

MAX_COLUMN = 16_384  # XFD, Excel's last column
MAX_ROW = 1_048_576  # Excel's last row
_THREE_LETTERS = 18_278  # ZZZ

EPOCH_1900 = dt.date(1899, 12, 30)  # serial 0 for dates from 01/03/1900 on
EPOCH_1904 = dt.date(1904, 1, 1)
FICTITIOUS_SERIAL = 60  # 29/02/1900, a day that never existed

_CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")
_RANGE = re.compile(r"\$?([A-Za-z]{1,3})?\$?(\d+)?(?:(:)\$?([A-Za-z]{1,3})?\$?(\d+)?)?")


@lru_cache(maxsize=None)
def column_letters(n: int) -> str:
    """The letters of column `n`: 1 -> A, 26 -> Z, 27 -> AA; ValueError outside 1 to 18,278 (ZZZ)."""
    if not 1 <= n <= _THREE_LETTERS:
        raise ValueError(f"{n} is not a column number (1 to {_THREE_LETTERS:,})")
    s = ""
    while n:
        n, rem = divmod(n - 1, 26)
        s = chr(65 + rem) + s
    return s


@lru_cache(maxsize=None)
def column_number(letters: str) -> int:
    """The number of the column named `letters`, in either case: A -> 1, AA -> 27; ValueError for
    anything but one to three letters."""
    if not (0 < len(letters) <= 3 and letters.isascii() and letters.isalpha()):
        raise ValueError(f"{letters!r} is not a column (one to three letters)")
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def cell_ref(row: int, col: int, absolute: bool = False) -> str:
    """The A1 reference of a cell (1-based row and column); `absolute`: `$A$1`."""
    anchor = "$" if absolute else ""
    return f"{anchor}{column_letters(col)}{anchor}{row}"


def cell_position(ref: str) -> tuple[int, int]:
    """(row, column), 1-based, of an A1 reference (`$` anchors allowed); ValueError for anything else."""
    m = _CELL.fullmatch(ref)
    if not m or not int(m.group(2)):
        raise ValueError(f"{ref!r} is not a cell reference")
    return int(m.group(2)), column_number(m.group(1))


def range_bounds(ref: str) -> tuple[int | None, int | None, int | None, int | None]:
    """(min_col, min_row, max_col, max_row) of an A1 range or cell, as written (a cell is a range of
    one); whole columns have rows None, whole rows columns None; ValueError for anything else."""
    m = _RANGE.fullmatch(ref)
    if not m:
        raise ValueError(f"{ref!r} is not a cell or range reference")
    c1, r1, sep, c2, r2 = m.groups()
    if sep and not (all((c1, r1, c2, r2)) or (c1 and c2 and not (r1 or r2)) or (r1 and r2 and not (c1 or c2))):
        raise ValueError(f"{ref!r} is not a cell or range reference")
    c1 = column_number(c1) if c1 else None
    r1 = int(r1) if r1 else None
    c2 = column_number(c2) if c2 else c1
    r2 = int(r2) if r2 else r1
    return c1, r1, c2, r2


def excel_serial(value: dt.date, date1904: bool = False) -> int | float:
    """The serial number Excel stores for a date (an int) or a datetime (a float: the time of day is
    the fraction), in the 1900 system (dates before 01/03/1900 one lower: serial 60 is the fictitious
    29/02/1900) or the 1904 system. A datetime's time zone is dropped, its wall-clock time kept."""
    epoch = EPOCH_1904 if date1904 else EPOCH_1900
    if isinstance(value, dt.datetime):
        delta = value.replace(tzinfo=None) - dt.datetime.combine(epoch, dt.time())
        days = delta.days
        serial = days + delta.seconds / 86400 + delta.microseconds / 86400e6
    else:
        days = serial = (value - epoch).days
    if not date1904 and days <= FICTITIOUS_SERIAL:
        serial -= 1
    return serial


def number_text(x: float) -> str:
    """A number as a cell's <v> holds it: whole numbers without a point, others exactly (repr)."""
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x))

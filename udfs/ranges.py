"""What Excel passes the SI_ functions, read into what the core takes, and dates back into cells (DESIGN §8).

A range argument arrives as values: a list of rows, a single value, or None when omitted.
The workbook's own ranges (the Holidays table through the `Closures` Name, `Settings`,
`Findings`, `Organisations`) are parsed once per distinct content (each cache is keyed on
the rows as a tuple), and by the same core functions the tracker reader uses
(`settings_from_rows`, `holidays_calendar`), so a formula and `spso-xl` read a sheet alike.
The array forms take columns: flattened, and fitted to the first column's length.

Kept light for xlwings Lite: nothing here reads a file or starts a process.
"""

from __future__ import annotations

import copyreg
import datetime as dt
import functools
import io
import pickle
import sys

import numpy as np
import pandas as pd

from spso_xl.calendar.dates import day, to_date
from spso_xl.errors import InputError
from spso_xl.policy import evidence
from spso_xl.policy.settings import DEFAULTS, holidays_calendar, settings_from_rows
from spso_xl.policy.vocab import is_blank, norm
from spso_xl.tracker import schema
from spso_xl.xlsx.refs import excel_serial
from spso_xl.xlsx.tables import CellError, error_or_value

# --- ranges, parsed once per distinct content ---------------------------------------------


def as_rows(rng) -> tuple:
    """A range argument as a tuple of row tuples (hashable, for the caches); () when omitted."""
    if rng is None:
        return ()
    if not isinstance(rng, (list, tuple)):
        return ((rng,),)
    return tuple(tuple(r) if isinstance(r, (list, tuple)) else (r,) for r in rng)


@functools.lru_cache(maxsize=32)
def _calendar(rows: tuple):
    """A Holidays range (Date, Name, Kind) or a single column of closure dates."""
    days = []
    for r in rows:
        if not r or is_blank(r[0]) or (isinstance(r[0], str) and norm(r[0]) == "date"):
            continue
        days.append((to_date(r[0]), r[2] if len(r) >= 3 else None))  # a bad date: its message, row by row
    return holidays_calendar(days, unknown_is_closure=True)


def calendar_from(closures):
    """The working-day calendar a `closures` argument sets; a blank or unknown Kind counts as a closure."""
    return _calendar(as_rows(closures))


def settings_from(settings):
    """The Settings a `settings` argument sets (Setting, Value rows, a header row allowed); defaults when omitted."""
    rows = as_rows(settings)
    return settings_from_rows(rows) if rows else DEFAULTS


@functools.lru_cache(maxsize=8)
def _findings(rows: tuple) -> pd.DataFrame:
    headers = schema.FINDINGS.headers
    if rows and [norm(v) for v in rows[0][:len(headers)]] == [norm(h) for h in headers]:
        rows = rows[1:]
    frame = pd.DataFrame([list(r[:len(headers)]) + [None] * (len(headers) - len(r)) for r in rows],
                         columns=list(headers), dtype=object)
    frame["Decision date"] = frame["Decision date"].map(day)
    return frame


def findings_from(findings) -> pd.DataFrame:
    """A Findings range (its header row optional) as the frame `evidence` reads."""
    return _findings(as_rows(findings))


@functools.lru_cache(maxsize=8)
def _sectors(rows: tuple) -> dict:
    """Organisation -> Sector from an Organisations range (its header row first, or Organisation, Sector columns)."""
    if not rows:
        return {}
    head = [norm(v) if isinstance(v, str) else "" for v in rows[0]]
    at = (head.index("organisation"), head.index("sector")) if {"organisation", "sector"} <= set(head) else None
    body = rows[1:] if at else rows
    i, j = at or (0, 1)
    return evidence.sector_map(pd.DataFrame({"Organisation": [r[i] if len(r) > i else None for r in body],
                                             "Sector": [r[j] if len(r) > j else None for r in body]}, dtype=object))


def sectors_from(organisations) -> dict:
    """Organisation -> Sector from an `organisations` argument."""
    return _sectors(as_rows(organisations))


def as_of_date(as_of) -> dt.date:
    """The date to judge on: `as_of` when given, else today."""
    return to_date(as_of) or dt.date.today()


# --- columns, for the array forms ------------------------------------------------------------


def as_column(values) -> list:
    """A range argument as one flat column."""
    if values is None:
        return []
    if not isinstance(values, (list, tuple)):
        return [values]
    return [r[0] if isinstance(r, (list, tuple)) else r for r in values]


def fit(values, n: int) -> list:
    """A column cut or padded with blanks to n rows; a single value repeated n times."""
    col = as_column(values) if values is not None else []
    return (col + [None] * n)[:n] if len(col) != 1 else col * n


def date_column(values) -> np.ndarray:
    """A column of dates as datetime64[D]; each distinct cell value is coerced once, bad ones blank."""
    col = as_column(values)
    seen = {}
    for v in col:
        key = (type(v), v)
        if key not in seen:
            try:
                d = to_date(v)
            except InputError:
                d = None
            seen[key] = np.datetime64(d, "D") if d else np.datetime64("NaT")
    return np.array([seen[(type(v), v)] for v in col], dtype="datetime64[D]")


# --- a block of cells as xlwings' raw values: its content, and its cells -----------------------


def content(value) -> bytes:
    """The exact content of a range argument as bytes: equal bytes for equal cells, types included
    (TRUE is not 1, 1 is not 1.0), so a cache keyed on it can never hand out another block's result.
    No memo (`fast`): the bytes depend on the values alone, not on which cells share an object.
    Pyodide's JsNull (an empty cell in xlwings Lite) is written as None."""
    return contents([value])[0]


def contents(values) -> list[bytes]:
    """`content` of each value (each row of a block), with one pickler for them all."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, 5)
    pickler.fast = True
    ffi = sys.modules.get("pyodide.ffi")
    if ffi is not None and hasattr(ffi, "JsNull"):
        pickler.dispatch_table = {**copyreg.dispatch_table, ffi.JsNull: _null_reducer(ffi)}
    out = []
    for value in values:
        buffer.seek(0)
        buffer.truncate()
        pickler.dump(value)
        out.append(buffer.getvalue())
    return out


def _as_none(_):
    return type(None), ()


def _null_reducer(ffi):
    """Pickle's reducer for JsNull: Pyodide's one `jsnull` looked up in C (an empty cell costs no Python
    call), else a function."""
    try:
        return {ffi.jsnull: (type(None), ())}.__getitem__
    except (AttributeError, TypeError):
        return _as_none


def cell(value):
    """One cell of a raw range as the core reads it: what xlwings' own conversion (with err_to_str)
    would give, without converting the cells that did not change. Office.js sends an error as
    `{"type": "Error", "basicValue": "#REF!"}`, a formatted value as a dict holding it, an empty cell
    as "" or null (Pyodide's JsNull); desktop Excel, converted, sends an error as its text. An error
    becomes a `CellError`, which the reader reports with its column (`#ERROR? the cell shows the error
    #REF!`), never a blank."""
    if isinstance(value, dict):
        if value.get("type") == "Error":
            return CellError(value.get("basicValue") or "#VALUE!")
        value = value.get("basicValue")
    if value == "" or (value is not None and type(value).__name__ == "JsNull"):
        return None
    return error_or_value(value)


def cell_rows(rows) -> list[list]:
    """A raw block (list of rows) as rows of `cell` values."""
    if not isinstance(rows, (list, tuple)):
        return [[cell(rows)]]
    return [[cell(v) for v in r] if isinstance(r, (list, tuple)) else [cell(r)] for r in rows]


def serial_cells(rows: list[list]) -> list[list]:
    """Rows for Office.js as xlwings would send them: dates as Excel serial numbers."""
    return [[excel_serial(v) if isinstance(v, dt.date) else v for v in r] for r in rows]


# --- and back into cells ------------------------------------------------------------------------


def date_or_blank(d):
    """A date for a cell, or "" for none."""
    return "" if d is None else d


def date_cells(days: np.ndarray) -> list[list]:
    """A datetime64[D] column as a dynamic array's rows: dates, "" for blanks."""
    return [["" if np.isnat(d) else d.item()] for d in days]

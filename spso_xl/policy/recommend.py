"""The recommended level for a whole table at once (DESIGN §6, §8): `rules.recommend_cells` per row, in bulk.

A tracker has thousands of rows but few distinct cases: most rows share their level,
trigger, status and flags, and differ only in the dates their reason names. So each
column's distinct cell values are parsed once, each distinct parsed state is run through
the rules once (with stand-ins for its dates), and every row gets its state's answer with
its own dates put into the reason. The per-row functions and this one must agree on every
row; the tests hold them to it.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from spso_xl.calendar.dates import uk
from spso_xl.calendar.workdays import Calendar, scottish_calendar
from spso_xl.errors import InputError
from spso_xl.policy.rules import COLUMNS, DATED, PARSERS, Case, chaser_due, hold_until, recommend
from spso_xl.policy.settings import DEFAULTS
from spso_xl.policy.vocab import norm

_ONE_KIND = {"string", "empty", "integer", "floating", "boolean", "datetime", "date"}


def _codes(col: pd.Series) -> tuple[np.ndarray, list]:
    """Row codes and one cell value per distinct value of a column.

    In a column of mixed types 1, 1.0 and True stay apart (they parse differently); blanks
    of any kind (None, NaN, NaT) come back as None.
    """
    values = col.to_numpy()
    codes = pd.factorize(values, use_na_sentinel=False)[0]
    kind = pd.api.types.infer_dtype(values, skipna=True) if values.dtype == object else values.dtype.kind
    if values.dtype == object and kind not in _ONE_KIND:
        kinds = pd.factorize(col.map(type).to_numpy())[0]
        codes = pd.factorize(codes.astype(np.int64) * (kinds.max(initial=0) + 1) + kinds)[0]
    if kind == "f" or kind in ("floating", "mixed", "mixed-integer-float"):
        # -0.0 equals 0.0 to pandas, but a message about the cell quotes what it holds: keep them apart
        negative_zero = np.fromiter((isinstance(v, float) and v == 0 and math.copysign(1.0, v) < 0 for v in values),
                                    bool, len(values))
        if negative_zero.any():
            codes = pd.factorize(codes.astype(np.int64) * 2 + negative_zero)[0]
    return codes, [_scalar(v) for v in col.iloc[_firsts(codes)]]


def _firsts(codes: np.ndarray) -> np.ndarray:
    """The first row of each code; pandas numbers codes in order of first appearance."""
    if not len(codes):
        return np.zeros(0, dtype=np.int64)
    seen = np.maximum.accumulate(codes)
    return np.flatnonzero(np.r_[True, codes[1:] > seen[:-1]])


def _scalar(v):
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    return v.item() if isinstance(v, np.generic) else v


def _combine(*codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One code per distinct combination of the given code columns, and the first row of each."""
    key = np.zeros(len(codes[0]), dtype=np.int64)
    for c in codes:
        key = pd.factorize(key * (int(c.max(initial=0)) + 1) + c)[0].astype(np.int64)
    return key, _firsts(key)


def _dedupe(values) -> tuple[np.ndarray, np.ndarray]:
    """Codes and distinct values of a short list (pandas would turn None into NaN)."""
    seen: dict = {}
    keys = np.array([seen.setdefault((type(v), v, repr(v) if v == 0 else None), len(seen)) for v in values],
                    dtype=np.int64)  # repr: -0.0 and 0.0 are equal, but not the same cell
    distinct = np.empty(len(seen), dtype=object)
    distinct[:] = [v for _, v, _ in seen]
    return keys, distinct


def recommend_frame(df: pd.DataFrame, as_of: dt.date | None = None, settings=DEFAULTS,
                    cal: Calendar | None = None) -> pd.DataFrame:
    """`recommend_cells` over a table: adds recommended_level, contact_from, reason and error.

    Columns are found by name in any case (`level` or the tracker's `Level`, `last_chased` or
    `Last chased`); missing ones are blank. Each column's distinct values are parsed once, each
    distinct parsed state is recommended once, and the dates a reason names are put into the
    shared reason afterwards. A bad row gets its error text (as a cell shows it) and no
    recommendation.
    """
    n = len(df)
    as_of = as_of or dt.date.today()
    by_name = {norm(c).replace(" ", "_"): c for c in df.columns}
    uniq, row, error, errors = {}, {}, np.full(n, -1), []  # per column: distinct parsed values, row -> value
    for name, parse in PARSERS:
        col = df[by_name[name]] if name in by_name else pd.Series([None] * n, index=df.index, dtype=object)
        code, reps = _codes(col)
        if name == "level":  # checked against the function's scale: one parse per (level, function) pair
            level_code = code
            code, firsts = _combine(level_code, row["function"])
            reps = [(reps[level_code[i]], uniq["function"][row["function"][i]]) for i in firsts]
        else:
            reps = [(v,) for v in reps]
        values, err = np.empty(len(reps), dtype=object), np.full(len(reps), -1)
        for j, args in enumerate(reps):
            try:
                values[j] = parse(*args)
            except InputError as e:
                err[j] = len(errors)
                errors.append(e.cell_text())
        keys, uniq[name] = _dedupe(values)
        row[name] = keys[code]
        error = np.where(error < 0, err[code], error)
    cal = cal or scottish_calendar()
    uniq["chaser_due"] = np.array([chaser_due(d, settings, cal) for d in uniq.pop("last_chased")], dtype=object)
    row["chaser_due"] = row.pop("last_chased")
    # when mitigating factors stop holding an escalation: once per distinct (level, trigger, chasers, due, chaser)
    held = ("level", "trigger", "chasers", "due", "chaser_due")
    code, firsts = _combine(*(row[k] for k in held))
    keys, uniq["hold_due"] = _dedupe([hold_until(*(uniq[k][row[k][i]] for k in held), settings, cal) for i in firsts])
    row["hold_due"] = keys[code] if len(code) else code

    ok = error < 0
    known = {k: np.array([d is not None for d in uniq[k]], dtype=np.int64)[row[k]] for k in DATED}
    pending = [np.array([d is not None and as_of <= d for d in uniq[k]], dtype=np.int64)[row[k]]
               for k in ("chaser_due", "hold_due")]
    fields = [name for name in COLUMNS if name not in DATED and name != "last_chased"]
    state, firsts = _combine(*(row[name] for name in fields), *known.values(), *pending, ok.astype(np.int64))
    firsts = [i for i in firsts if ok[i]]
    slot_of = np.full(int(state.max(initial=-1)) + 2, len(firsts))  # its last entry, for state -1, stays blank
    state = np.where(ok, state, -1)

    # one slot per distinct state, plus a last, blank slot for bad rows (state -1); each slot's reason is cut
    # at its date stand-ins into segments, and keys say which date goes after each segment (-1: none)
    m = len(DATED)
    levels, contacts = np.full(len(firsts) + 1, None, dtype=object), np.full(len(firsts) + 1, None, dtype=object)
    segments = np.full((m + 1, len(firsts) + 1), "", dtype=object)
    keys = np.full((m, len(firsts) + 1), m, dtype=np.int64)
    cut = {mark: i for i, mark in enumerate(DATED.values())}
    distinct = [uniq[name].tolist() for name in fields]
    combos = np.column_stack([row[name][firsts] for name in fields]).tolist() if firsts else []
    for j, (i, combo) in enumerate(zip(firsts, combos)):
        dates = {k: uniq[k][row[k][i]] for k in DATED}
        case = Case(**{name: values[k] for name, values, k in zip(fields, distinct, combo)}, **dates, as_of=as_of)
        rec = recommend(case, {k: mark if dates[k] else "" for k, mark in DATED.items()})
        levels[j], contacts[j] = rec.level, rec.contact
        part, s = 0, 0
        for pos, ch in enumerate(rec.reason):
            if ch in cut:
                segments[part, j], keys[part, j] = rec.reason[s:pos], cut[ch]
                part, s = part + 1, pos + 1
        segments[part, j] = rec.reason[s:]
        slot_of[state[i]] = j
    slot = slot_of[state]

    texts = np.full((m + 1, n), "", dtype=object)  # per date kind, each row's date as text; the last row blank
    for k, kind in enumerate(DATED):
        texts[k] = np.array([uk(d) if d else "" for d in uniq[kind]], dtype=object)[row[kind]]
    reason, rows = segments[0, slot], np.arange(n)
    for part in range(m):
        reason = reason + texts[keys[part, slot], rows] + segments[part + 1, slot]
    out = df.copy()
    out["recommended_level"] = pd.array(levels[slot], dtype="Int64")
    out["contact_from"] = contacts[slot]
    out["reason"] = np.where(ok, reason, None)
    out["error"] = np.where(ok, None, np.array(errors + [None], dtype=object)[error])
    return out

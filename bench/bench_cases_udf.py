"""The tracker's one Python call per recalculation (DESIGN §8): `SI_CASES` over the whole Cases
input block through xlwings' custom-function machinery, against the same rows computed the
way the tracker used to, by 5 per-row calls each (Status, Working days overdue, Recommended
level, Contact from, Reason: the columns TODAY() made Excel recalculate on every edit)
through the same machinery, in one event loop (the per-row loop timed on the first 1,000 rows
and scaled up beyond that). SI_CASES is timed on a block it has not seen (the first
recalculation), on the same block again (an edit anywhere else: Excel still calls it, it is
volatile), and on the block with one case edited (an edit on Cases), each against the
implementation before this round (`SI_CASES_BEFORE` below: xlwings converting every cell, then a
cache keyed on the converted rows) measured in the same run. Excel's own cost per call (a COM
round trip on Windows, the Office.js bridge in Lite) comes on top of each call and is not
measured here.

xlwings 0.37.8 asks, for every cell it converts, whether the value is Pyodide's JsNull by
trying `import pyodide.ffi`; outside Pyodide that import fails afresh each time (about 1 ms
per cell here, which would swamp both sides). In Pyodide (Lite) the import succeeds once and
desktop Excel converts through COM, so neither pays it: the bench answers the question the
way it is answered outside Pyodide, from sys.modules, as `jsnull_from_sys_modules`
(tests/support/xlwings_env.py: the test run puts the same answer in place for all its calls)."""

import asyncio
import datetime as dt
import functools
import os
import time
import types

os.environ.setdefault("XLWINGS_ON_SERVER", "true")
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import xlwings as xw  # noqa: E402
import xlwings.server  # noqa: E402

import udfs  # noqa: E402
from spso_xl.tracker import schema  # noqa: E402
from spso_xl.tracker.build import default_rows  # noqa: E402
from spso_xl.xlsx.refs import excel_serial  # noqa: E402
from spso_xl.tracker.sample import bulk_rows  # noqa: E402
from spso_xl.errors import InputError  # noqa: E402
from spso_xl.tracker.computed import compute_block, message_block  # noqa: E402
from tests.support.xlwings_env import jsnull_from_sys_modules  # noqa: E402
from udfs.ranges import as_of_date, as_rows, calendar_from, settings_from  # noqa: E402

AS_OF = dt.date(2026, 11, 22)

SIZES = (500, 2_000, 10_000)
SAMPLE = 1_000  # rows timed in the per-row loop, scaled up to the whole table beyond that
PER_ROW = ("Status", "Working days overdue", "Recommended level", "Contact from", "Reason")


@xw.func(volatile=True)
@xw.arg("cases", ndim=2)
@xw.arg("closures", ndim=2)
@xw.arg("settings", ndim=2)
def SI_CASES_BEFORE(cases, as_of=None, closures=None, settings=None):
    """SI_CASES as it was before this round (the peer): every cell converted by xlwings, then cached
    on the converted rows."""
    rows = as_rows(cases)
    try:
        return [list(r) for r in _before(rows, as_of_date(as_of), as_rows(closures), as_rows(settings))]
    except InputError as e:
        return message_block(rows, e.cell_text())


@functools.lru_cache(maxsize=4)
def _before(rows, day, closures, settings):
    return tuple(tuple(r) for r in compute_block(list(rows), day, settings_from(settings), calendar_from(closures)))


BEFORE = types.SimpleNamespace(SI_CASES=SI_CASES_BEFORE)


def _excel(v):
    if isinstance(v, dt.datetime):
        v = v.date()
    return excel_serial(v) if isinstance(v, dt.date) else "" if v is None else v


def _payload(name, *args):
    return {"func_name": name, "version": xw.__version__, "client": "Office.js", "runtime": "1.2",
            "args": [a if isinstance(a, list) else [[a]] for a in args]}


def _best(fn, repeat=3):
    best = float("inf")
    for i in range(repeat):
        t = time.perf_counter()
        fn(i)
        best = min(best, time.perf_counter() - t)
    return best


def run():
    import xlwings.utils

    xlwings.utils.is_jsnull, original = jsnull_from_sys_modules, xlwings.utils.is_jsnull
    loop = asyncio.new_event_loop()
    call = lambda name, *args, module=udfs: loop.run_until_complete(  # noqa: E731
        xlwings.server.custom_functions_call(_payload(name, *args), module))
    base = default_rows(AS_OF)
    closures = [[_excel(r["Date"]), r["Name"], r["Kind"]] for r in base["Holidays"]]
    settings = [[r["Setting"], _excel(r["Value"]), r["Notes"]] for r in base["Settings"]]
    inputs = [c.header for c in schema.CASES.inputs]
    chasers = inputs.index("Chasers")
    today = excel_serial(AS_OF)
    rows = []
    try:
        call("SI_CASES", [inputs, [""] * len(inputs)], today, closures, settings)  # warm: imports, calendar
        for n in SIZES:
            cases = bulk_rows(n, AS_OF, 1, 0, 0)["Cases"]
            block = [inputs] + [[_excel(c.get(h)) for h in inputs] for c in cases]
            seconds = {}
            for who, module in (("ours", udfs), ("before", BEFORE)):
                mine = [list(r) for r in block]
                t = time.perf_counter()
                spill = call("SI_CASES", mine, today, closures, settings, module=module)
                seconds[who, "first"] = time.perf_counter() - t
                seconds[who, "same"] = _best(lambda i: call("SI_CASES", mine, today, closures, settings, module=module))

                def edit(i):
                    mine[1 + (i * 7919) % n][chasers] = 10 + i  # a Chasers count typed on one row
                    call("SI_CASES", mine, today, closures, settings, module=module)

                seconds[who, "edit"] = _best(edit)
                if who == "ours":
                    ours_spill = spill
                else:
                    assert [[float(v) if isinstance(v, (int, float)) else v for v in r] for r in ours_spill] == \
                        [[float(v) if isinstance(v, (int, float)) else v for v in r] for r in spill], "results differ"

            t = time.perf_counter()
            for case, (due, *_) in list(zip(cases, ours_spill))[:SAMPLE]:
                c = {h: _excel(case.get(h)) for h in inputs}
                status = call("SI_STATUS", due, c["Response received"], today, c["Closed"], settings)
                call("SI_DAYS_OVERDUE", due, c["Response received"], today, closures, c["Closed"])
                level_args = [c[h] for h in ("Level", "Trigger")] + [status] + [
                    c[h] for h in ("Chasers", "Resolved", "Recurred", "Significant", "Refused", "Mitigating",
                                   "Function")]
                level = call("SI_LEVEL", *level_args)
                call("SI_CONTACT", level, c["Function"])
                call("SI_REASON", *level_args, due)
            theirs = (time.perf_counter() - t) * n / min(n, SAMPLE)
            rows.append(dict(name=f"SI_CASES, {n:,} cases, first recalculation (one call)", seconds=seconds["ours", "first"],
                             peer=f"{n * len(PER_ROW):,} per-row calls through xlwings"
                                  + (f" (timed on {SAMPLE:,} rows)" if n > SAMPLE else ""), peer_seconds=theirs,
                             note=f"before this round: {seconds['before', 'first'] * 1e3:.0f} ms"))
            rows.append(dict(name=f"SI_CASES, {n:,} cases, block unchanged (an edit elsewhere)",
                             seconds=seconds["ours", "same"], peer="SI_CASES before this round, same run",
                             peer_seconds=seconds["before", "same"],
                             note="target ≤ 50 ms at 10,000" if n == 10_000 else ""))
            rows.append(dict(name=f"SI_CASES, {n:,} cases, one case edited", seconds=seconds["ours", "edit"],
                             peer="SI_CASES before this round, same run", peer_seconds=seconds["before", "edit"],
                             note="target ≤ 300 ms at 10,000" if n == 10_000 else ""))
    finally:
        loop.close()
        xlwings.utils.is_jsnull = original
    return rows

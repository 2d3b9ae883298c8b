"""The tracker's one Python call per recalculation (DESIGN §8): `SI_CASES` over the whole Cases
input block through xlwings' custom-function machinery, against the same rows computed the
way the tracker used to, by 5 per-row calls each (Status, Working days overdue, Recommended
level, Contact from, Reason: the columns TODAY() made Excel recalculate on every edit)
through the same machinery, in one event loop (the per-row loop timed on the first 1,000 rows
and scaled up beyond that). SI_CASES is timed on a block it has not seen
(a Cases edit), and again on the same block (an edit anywhere else: the result is cached by
content). Excel's own cost per call (a COM round trip on Windows) comes on top of each call
and is not measured here.

xlwings 0.37.8 asks, for every cell it converts, whether the value is Pyodide's JsNull by
trying `import pyodide.ffi`; outside Pyodide that import fails afresh each time (about 1 ms
per cell here, which would swamp both sides). In Pyodide (Lite) the import succeeds once and
desktop Excel converts through COM, so neither pays it: the bench answers the question the
way it is answered outside Pyodide, from sys.modules, as `jsnull_from_sys_modules`
(tests/support/xlwings_env.py: the test run puts the same answer in place for all its calls)."""

import asyncio
import datetime as dt
import os
import time

os.environ.setdefault("XLWINGS_ON_SERVER", "true")
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import xlwings as xw  # noqa: E402
import xlwings.server  # noqa: E402

import udfs  # noqa: E402
from spso_xl.tracker import schema  # noqa: E402
from spso_xl.tracker.build import default_rows  # noqa: E402
from spso_xl.xlsx.refs import excel_serial  # noqa: E402
from spso_xl.tracker.sample import bulk_rows  # noqa: E402
from tests.support.xlwings_env import jsnull_from_sys_modules  # noqa: E402

AS_OF = dt.date(2026, 11, 22)

SIZES = (500, 2_000, 10_000)
SAMPLE = 1_000  # rows timed in the per-row loop, scaled up to the whole table beyond that
PER_ROW = ("Status", "Working days overdue", "Recommended level", "Contact from", "Reason")


def _excel(v):
    if isinstance(v, dt.datetime):
        v = v.date()
    return excel_serial(v) if isinstance(v, dt.date) else "" if v is None else v


def _payload(name, *args):
    return {"func_name": name, "version": xw.__version__, "client": "Office.js", "runtime": "1.2",
            "args": [a if isinstance(a, list) else [[a]] for a in args]}


def run():
    import xlwings.utils

    xlwings.utils.is_jsnull, original = jsnull_from_sys_modules, xlwings.utils.is_jsnull
    loop = asyncio.new_event_loop()
    call = lambda name, *args: loop.run_until_complete(  # noqa: E731
        xlwings.server.custom_functions_call(_payload(name, *args), udfs))
    base = default_rows(AS_OF)
    closures = [[_excel(r["Date"]), r["Name"], r["Kind"]] for r in base["Holidays"]]
    settings = [[r["Setting"], _excel(r["Value"]), r["Notes"]] for r in base["Settings"]]
    inputs = [c.header for c in schema.CASES.inputs]
    today = excel_serial(AS_OF)
    rows = []
    try:
        call("SI_CASES", [inputs, [""] * len(inputs)], today, closures, settings)  # warm: imports, calendar
        for n in SIZES:
            cases = bulk_rows(n, AS_OF, 1, 0, 0)["Cases"]
            block = [inputs] + [[_excel(c.get(h)) for h in inputs] for c in cases]
            t = time.perf_counter()
            spill = call("SI_CASES", block, today, closures, settings)
            ours = time.perf_counter() - t
            t = time.perf_counter()
            call("SI_CASES", block, today, closures, settings)  # a recalculation after an edit elsewhere
            again = time.perf_counter() - t

            t = time.perf_counter()
            for case, (due, *_) in list(zip(cases, spill))[:SAMPLE]:
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
            rows.append(dict(name=f"SI_CASES, {n:,} cases, through xlwings (one call)", seconds=ours,
                             peer=f"{n * len(PER_ROW):,} per-row calls through xlwings"
                                  + (f" (timed on {SAMPLE:,} rows)" if n > SAMPLE else ""), peer_seconds=theirs,
                             note=f"same block again (cached by content): {again * 1e3:.0f} ms"
                                  + ("; target < 100 ms" if n == 2_000 else "")))
    finally:
        loop.close()
        xlwings.utils.is_jsnull = original
    return rows

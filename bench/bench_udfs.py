"""Each scalar UDF's warm latency as Python sees it (with the Closures and Settings ranges
passed as Excel passes them), and 10,000-row columns through the array forms against
10,000 calls of the scalar form (what a column of per-row formulas costs)."""

import datetime as dt
import statistics
import time

import udfs
from bench import best_of
from spso_xl.tracker.build import default_rows

AS_OF = dt.date(2026, 11, 22)
N = 10_000


def _median(f, *args, reps=2000):
    for _ in range(200):
        f(*args)
    samples = []
    for _ in range(reps // 20):
        t = time.perf_counter()
        for _ in range(20):
            f(*args)
        samples.append((time.perf_counter() - t) / 20)
    return statistics.median(samples)


def run():
    base = default_rows(AS_OF)
    closures = [[r["Date"], r["Name"], r["Kind"]] for r in base["Holidays"]]
    settings = [[r["Setting"], r["Value"], r["Notes"]] for r in base["Settings"]]
    notified = dt.datetime(2026, 11, 2)
    level_args = (2, "Information overdue", "OVERDUE", 2, None, None, None, None, None, "SWF")
    scalar = {
        "SI_WORKDAY": (notified, 10, closures),
        "SI_NETWORKDAYS": (notified, dt.datetime(2026, 12, 7), closures),
        "SI_DEADLINE": (notified, 2, None, None, "SWF", closures, settings),
        "SI_STATUS": (dt.datetime(2026, 11, 16), None, dt.datetime(2026, 11, 22), None, settings),
        "SI_OVERDUE": (dt.datetime(2026, 11, 16), None, dt.datetime(2026, 11, 22)),
        "SI_DAYS_OVERDUE": (dt.datetime(2026, 11, 16), None, dt.datetime(2026, 11, 22), closures),
        "SI_LEVEL": level_args,
        "SI_REASON": level_args + (dt.datetime(2026, 11, 16),),
        "SI_CONTACT": (3, "SWF"),
    }
    rows = [dict(name=f"{name} scalar, warm, median", seconds=_median(getattr(udfs, name), *args),
                 note="target < 20 µs") for name, args in scalar.items()]

    starts = [[notified + dt.timedelta(days=i % 400)] for i in range(N)]
    levels = [[1 + i % 4] for i in range(N)]
    cols = {"SI_WORKDAY_ARRAY": ((starts, 10, closures), lambda i: (starts[i][0], 10, closures), "SI_WORKDAY"),
            "SI_DEADLINE_ARRAY": ((starts, levels, None, None, None, closures, settings),
                                  lambda i: (starts[i][0], levels[i][0], None, None, None, closures, settings),
                                  "SI_DEADLINE"),
            "SI_LEVEL_ARRAY": (tuple([[a]] * N for a in level_args[:9]) + ([["SWF"]] * N,),
                               lambda i: level_args, "SI_LEVEL")}
    for name, (args, one, peer) in cols.items():
        f, g = getattr(udfs, name), getattr(udfs, peer)
        f(*args)
        ours = best_of(f, *args, repeat=5)[0]
        theirs = best_of(lambda: [g(*one(i)) for i in range(N)], repeat=2)[0]
        rows.append(dict(name=f"{name}, {N:,} rows (best of 5)", seconds=ours, peer=f"{N:,} calls of {peer}",
                         peer_seconds=theirs, note="target < 50 ms"))
    return rows

"""Due dates for 100,000 notification dates: vectorised vs a per-row loop vs pandas."""

from bench import best_of
import datetime as dt
import statistics
import time
import warnings

import holidays
import numpy as np
import pandas as pd

from spso_xl.calendar.workdays import scottish_calendar, workday, workday_array

N = 100_000


def _naive(starts, n):
    """What a user would write: step a day at a time, skipping weekends and bank holidays."""
    hol = holidays.country_holidays("GB", subdiv="SCT")
    out = []
    for d in starts:
        left = n
        while left:
            d += dt.timedelta(days=1)
            if d.weekday() < 5 and d not in hol:
                left -= 1
        out.append(d)
    return out


def run():
    rng = np.random.default_rng(1)
    starts = np.datetime64("2020-01-01") + rng.integers(0, 3650, N).astype("timedelta64[D]")
    py_starts = starts.astype(object)
    cal = scottish_calendar()
    workday_array(starts[:10], 10)  # warm the calendar

    t_vec, vec = best_of(workday_array, starts, 10, cal, repeat=5)
    t_naive, naive = best_of(_naive, py_starts, 10)
    cbd = pd.offsets.CustomBusinessDay(10, holidays=sorted(cal.holidays))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_pd, pdres = best_of(lambda: pd.DatetimeIndex(starts) + cbd)
    assert list(vec.astype(object)) == naive == list(pdres.date), "the three methods disagree"

    d = dt.date(2026, 11, 20)
    for _ in range(1000):
        workday(d, 10)
    samples = []
    for _ in range(200):
        t = time.perf_counter()
        for _ in range(100):
            workday(d, 10)
        samples.append((time.perf_counter() - t) / 100)
    return [
        dict(name=f"due dates, {N:,} rows (vectorised)", seconds=t_vec, peer="per-row loop over holidays", peer_seconds=t_naive,
             note="target ≥ 50×"),
        dict(name=f"due dates, {N:,} rows (vectorised)", seconds=t_vec, peer="pandas CustomBusinessDay", peer_seconds=t_pd,
             note="target > 1×"),
        dict(name="workday() scalar, warm, median", seconds=statistics.median(samples), note="target < 10 µs"),
    ]

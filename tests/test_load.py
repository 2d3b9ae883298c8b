"""Load: report, letters --due and summary complete on a 50,000-case tracker with bounded
memory. Times are recorded by `make bench` (bench/bench_load.py), not asserted here."""

import datetime as dt

from bench.bench_load import measure
from spso_xl.build import build_tracker
from spso_xl.sample import bulk_rows

PEAK_MIB = 2048


def test_50000_cases_with_bounded_memory(tmp_path):
    path = build_tracker(tmp_path / "load.xlsm", bulk_rows(50_000, dt.date(2026, 11, 22), actions_per_case=1,
                                                           findings_per_case=1), as_of=dt.date(2026, 11, 22))
    results = measure(path)
    print({name: (round(m["seconds"], 1), round(m["peak_mib"])) for name, m in results.items()})
    assert results["report --format csv"]["code"] == 0
    assert results["summary"]["code"] == 0
    assert results["letters --due"]["code"] in (0, 1)  # 1: some cases lack contact details, and say so
    assert all(m["peak_mib"] < PEAK_MIB for m in results.values()), results
    assert (tmp_path / "r.csv").stat().st_size > 50_000 * 50
    assert (tmp_path / "SI summary 2026-27 Q2.xlsx").exists()

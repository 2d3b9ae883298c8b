"""Load: report, letters --due and summary on a 50,000-case tracker (200,000 actions and
findings), each in its own process so that its peak memory can be read. `make bench` fails
when a command fails or its peak memory passes PEAK_MIB (scale runs stay out of `make test`)."""

import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from spso_xl.new import build_tracker
from spso_xl.tracker.sample import bulk_rows

AS_OF = dt.date(2026, 11, 22)
PEAK_MIB = 2048
OK_CODES = {"report --format csv": (0,), "summary": (0,),
            "letters --due": (0, 1)}  # 1: some cases lack contact details, and say so
PROBE = ("import json, resource, sys, time; from spso_xl.cli import main; t = time.perf_counter(); "
         "code = main(sys.argv[1:]); print(json.dumps({'code': code, 'seconds': time.perf_counter() - t, "
         "'peak_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), file=sys.stderr)")
COMMANDS = {
    "report --format csv": ["report", "--as-of", "22/11/2026", "--format", "csv", "--output", "{dir}/r.csv"],
    "letters --due": ["letters", "--due", "--as-of", "22/11/2026"],
    "summary": ["summary", "--as-of", "22/11/2026", "--quarter", "2026-27Q2"],
}


def make(folder: Path, n: int = 50_000) -> Path:
    return build_tracker(folder / "load.xlsm", bulk_rows(n, AS_OF), as_of=AS_OF)


def measure(path: Path) -> dict[str, dict]:
    """Each command's exit code, seconds and peak resident memory (MiB)."""
    out = {}
    for name, args in COMMANDS.items():
        argv = [a.format(dir=path.parent) for a in args]
        proc = subprocess.run([sys.executable, "-c", PROBE, argv[0], str(path), *argv[1:]],
                              capture_output=True, text=True, timeout=1800)
        out[name] = json.loads(proc.stderr.strip().splitlines()[-1])
    return out


def run():
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        path = make(Path(tmp))
        built = time.perf_counter() - t
        rows = [dict(name="build a 50,000-case tracker (XlsxWriter)", seconds=built)]
        results = measure(path)
        bad = {n: m for n, m in results.items() if m["code"] not in OK_CODES[n] or m["peak_mib"] >= PEAK_MIB}
        if bad:
            raise SystemExit(f"load bounds broken (exit codes {OK_CODES}, peak < {PEAK_MIB} MiB): {bad}")
        for name, m in results.items():
            rows.append(dict(name=f"{name}, 50,000 cases", seconds=m["seconds"],
                             note=f"exit {m['code']}, peak {m['peak_mib']:.0f} MiB"))
    return rows

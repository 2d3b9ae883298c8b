"""A table whose ref runs to row 1,048,576 (issue 22: whole columns selected in Excel) costs what its
data costs: `chase` and `refresh` on a tracker with 700 cases and 2,100 actions whose every table's ref
runs to the last row, against the same tracker with tight refs, measured in the same run, each command
in its own process on a fresh copy. Before, the chase took 199 s and refresh 90 s and 2.8 GB, growing
the file from 86 KB to 25 MB.

Target: the far-ref tracker within 1.5x of the tight one, and refresh growing the file no more than on
the tight one. `SPSO_BENCH_FAR_CASES` changes the number of cases (3 actions each).
"""

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from spso_xl.new import build_tracker
from spso_xl.tracker.sample import bulk_rows
from tests.support.reshaped import far_refs

AS_OF = dt.date(2026, 11, 22)
DAY = AS_OF.strftime("%d/%m/%Y")
CASES = int(os.environ.get("SPSO_BENCH_FAR_CASES", "700"))
PROBE = ("import json, sys, time; t = time.perf_counter(); from spso_xl.cli import main; code = main(sys.argv[1:]); "
         "print(json.dumps({'seconds': time.perf_counter() - t, 'code': code}), file=sys.stderr)")


def _time(folder: Path, path: Path, *args: str) -> tuple[float, int]:
    """Seconds for one command on a fresh copy of `path`, and the copy's size after it."""
    work = Path(tempfile.mkdtemp(dir=folder))
    copy = work / path.name
    shutil.copy2(path, copy)
    proc = subprocess.run([sys.executable, "-c", PROBE, args[0], str(copy), *args[1:]], capture_output=True,
                          text=True, timeout=3600, cwd=work)
    try:
        result = json.loads(proc.stderr.strip().splitlines()[-1])
    except (IndexError, ValueError):
        raise RuntimeError(f"{args}: {proc.stderr[-2000:]}") from None
    if result["code"] != 0:
        raise RuntimeError(f"{args}: exit {result['code']}: {proc.stdout[-500:]} {proc.stderr[-1500:]}")
    return result["seconds"], copy.stat().st_size


def run():
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        tight = build_tracker(folder / "tight" / "tracker.xlsm",
                              bulk_rows(CASES, AS_OF, actions_per_case=3, findings_per_case=1), as_of=AS_OF)
        far = folder / "far" / "tracker.xlsm"
        far.parent.mkdir()
        far_refs(Path(shutil.copy2(tight, far)))
        size = far.stat().st_size
        rows = []
        for name, args in (("chase", ["chase", "--ref", "SI-000000", "--as-of", DAY]),
                           ("refresh", ["refresh", "--as-of", DAY])):
            peer, peer_size = _time(folder, tight, *args)
            seconds, after = _time(folder, far, *args)
            note = f"{seconds / peer:.2f}× the tight refs (target ≤ 1.5×)"
            if name == "refresh":
                note += f"; file {size / 1024:.0f} KB → {after / 1024:.0f} KB (tight: → {peer_size / 1024:.0f} KB)"
            rows.append(dict(name=f"{name}, refs to row 1,048,576, {CASES:,} cases, {3 * CASES:,} actions",
                             seconds=seconds, peer="the same with tight refs", peer_seconds=peer, note=note))
        return rows


if __name__ == "__main__":
    for row in run():
        print(row)

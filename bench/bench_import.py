"""`spso-xl import` of a 20,000-row findings export (issue 26, DESIGN §12: "tens of thousands of rows in
seconds, through the part-level writer"), each run in its own process on a fresh copy of the tracker:

- the import itself (read the CSV, validate every row as `check` does, append through the part-level writer);
- the same file imported again (every row already present: nothing is written);
- the peer: the same 20,000 rows appended the whole-file way, openpyxl's load (keep_vba), append, table
  ref, save — what a script would do, and what DESIGN §13 says the writer must not (it rewrites every part).

On a fresh tracker, and on one already holding SPSO_BENCH_IMPORT_CASES cases (default 20,000) with their
actions and findings, since the peer's cost grows with the whole file and the part-level writer's should not.
"""

import csv
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from spso_xl.new import build_tracker
from spso_xl.tracker.councils import ORGANISATIONS
from spso_xl.tracker.sample import bulk_rows

AS_OF = dt.date(2026, 11, 22)
ROWS = int(os.environ.get("SPSO_BENCH_IMPORT_ROWS", "20000"))
CASES = int(os.environ.get("SPSO_BENCH_IMPORT_CASES", "20000"))
PROBE = ("import json, sys, time; t = time.perf_counter(); {body}; "
         "print(json.dumps({{'seconds': time.perf_counter() - t}}), file=sys.stderr)")
IMPORT = "from spso_xl.cli import main; assert main(['import', sys.argv[1], sys.argv[2], '--as-of', '23/11/2026']) == 0"
def export(path: Path, n: int) -> Path:
    """A case-management export of `n` decisions over the prefilled organisations."""
    rng = random.Random(26)
    orgs = [o["Organisation"] for o in ORGANISATIONS]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Case ref", "Organisation", "Function", "Decision date", "Outcome", "Theme", "Fed back"])
        for i in range(n):
            day = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(600))
            w.writerow([f"E{i:06d}", rng.choice(orgs), rng.choice(("SWF", "Complaints", "INWO")), day.strftime("%d/%m/%Y"),
                        rng.choice(("Upheld", "Not upheld")), rng.choice(("Delay", "Communication", "Records")),
                        rng.choice(("Y", "N", ""))])
    return path


def _time(body: str, *argv: str) -> float:
    proc = subprocess.run([sys.executable, "-c", PROBE.format(body=body), *argv], capture_output=True, text=True,
                          timeout=3600)
    try:
        return json.loads(proc.stderr.strip().splitlines()[-1])["seconds"]
    except (IndexError, ValueError, KeyError):
        raise RuntimeError(f"{argv}: {proc.stderr[-2000:]}") from None


PEER = """
import csv, datetime as dt, openpyxl
from openpyxl.utils import get_column_letter
wb = openpyxl.load_workbook(sys.argv[1], keep_vba=True)
ws = wb['Findings']
table = ws.tables['Findings']
first = table.ref.split(':')[0]
row = ws.max_row
with open(sys.argv[2], newline='', encoding='utf-8') as f:
    reader = csv.reader(f)
    next(reader)
    for values in reader:
        row += 1
        for c, v in enumerate(values, start=1):
            ws.cell(row, c, dt.datetime.strptime(v, '%d/%m/%Y') if c == 4 else (v or None))
table.ref = first + ':' + get_column_letter(len(table.tableColumns)) + str(row)
wb.save(sys.argv[1])
"""


def measure(tracker: Path, source: Path) -> dict[str, float]:
    out = {}
    for name, body in (("import", IMPORT), ("peer", f"exec({PEER!r})")):
        work = tracker.parent / name
        work.mkdir()
        copy = work / tracker.name
        shutil.copy2(tracker, copy)
        out[name] = _time(body, str(copy), str(source))
        if name == "import":
            out["again"] = _time(IMPORT, str(copy), str(source))
    return out


def run():
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        source = export(tmp / "export.csv", ROWS)
        trackers = {"a fresh tracker": build_tracker(tmp / "fresh" / "t.xlsm", as_of=AS_OF)}
        if CASES:
            big = bulk_rows(CASES, AS_OF, actions_per_case=1, findings_per_case=1)
            big["Organisations"] = [{"Organisation": o["Organisation"], "Sector": o["Sector"]} for o in ORGANISATIONS]
            trackers[f"a {CASES:,}-case tracker"] = build_tracker(tmp / "big" / "t.xlsm", big, as_of=AS_OF)
        for what, tracker in trackers.items():
            m = measure(tracker, source)
            rows.append(dict(name=f"import {ROWS:,} findings into {what}", seconds=m["import"],
                             peer="openpyxl load, append, save", peer_seconds=m["peer"],
                             note="part-level writer, every row validated"))
            rows.append(dict(name=f"the same file again ({what})", seconds=m["again"],
                             peer="openpyxl load, append, save", peer_seconds=m["peer"],
                             note="every row already present: nothing written"))
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)

"""Writes that touch only what they change (issue 13): one letter, one chaser (a one-row Cases edit with
its Actions line), `refresh` and `summary` on 1,000 / 20,000 / 50,000 cases, each against a read-only
`report` of the same file measured in the same run, each command in its own process.

Targets: a one-row write at most 1.5x the read, refresh at most 2x, summary on 50,000 cases under 5 s.
`SPSO_BENCH_SIZES=1000,20000` limits the sizes (the 50,000 tracker takes a while to build).
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

AS_OF = dt.date(2026, 11, 22)
DAY = AS_OF.strftime("%d/%m/%Y")
SIZES = tuple(int(n) for n in os.environ.get("SPSO_BENCH_SIZES", "1000,20000,50000").split(","))
PROBE = ("import json, sys, time; t = time.perf_counter(); {body}; "
         "print(json.dumps({{'seconds': time.perf_counter() - t}}), file=sys.stderr)")
CLI = "from spso_xl.cli import main; code = main(sys.argv[1:])"
CHASER = ("from spso_xl.tracker.edit import TrackerEdit, edit_tracker; import datetime as dt; "
          "edit_tracker(sys.argv[1], TrackerEdit(cells={('Cases', 4, 'Chasers'): 3}, "
          "append={'Actions': [{'Date': dt.date(2026, 11, 22), 'Ref': 'SI-000000', 'Action': 'Chaser'}]}))")


def _tracker(folder: Path, n: int) -> Path:
    rows = bulk_rows(n, AS_OF, actions_per_case=1, findings_per_case=1)
    rows["Organisations"] = [{"Organisation": o, "Sector": "Local government", "Recipient name": "A Manager",
                              "Recipient title": "Service Manager", "Chief executive": "A Chief",
                              "Address": "1 High Street, Town", "Postcode": "AB1 2CD"}
                             for o in sorted({c["Organisation"] for c in rows["Cases"]})]
    rows["Cases"][0] |= {"Level": 2, "Function": "SWF", "Trigger": "Information overdue", "Response received": None,
                         "Resolved": None, "Closed": None, "Respond by": None, "Extended to": None}
    from spso_xl.policy.settings import SPECS

    rows["Settings"] = [{"Setting": s.key, "Value": "A Signatory" if s.key.startswith("Signatory") else s.default}
                        for s in SPECS]
    return build_tracker(folder / "bench.xlsm", rows, as_of=AS_OF)


def _time(body: str, *argv: str, cwd: Path) -> float:
    proc = subprocess.run([sys.executable, "-c", PROBE.format(body=body), *argv], capture_output=True, text=True,
                          timeout=3600, cwd=cwd)
    try:
        return json.loads(proc.stderr.strip().splitlines()[-1])["seconds"]
    except (IndexError, ValueError, KeyError):
        raise RuntimeError(f"{argv}: {proc.stderr[-2000:]}") from None


def measure(path: Path, chase_cli: bool = False) -> dict[str, float]:
    """Seconds for each command, each on a fresh copy of the tracker."""
    out = {}
    runs = {
        "report (read only)": (CLI, ["report", "--as-of", DAY, "--format", "csv", "--output", "r.csv"]),
        "one letter": (CLI, ["letters", "--ref", "SI-000000", "--as-of", DAY]),
        "one chaser": (CLI, ["chase", "--ref", "SI-000000", "--as-of", DAY]) if chase_cli else (CHASER, []),
        "refresh": (CLI, ["refresh", "--as-of", "23/11/2026"]),
        "summary": (CLI, ["summary", "--as-of", DAY, "--quarter", "2026-27Q2"]),
    }
    for name, (body, args) in runs.items():
        work = path.parent / name.replace(" ", "_").replace("(", "").replace(")", "")
        work.mkdir()
        copy = work / path.name
        shutil.copy2(path, copy)
        shutil.copytree(path.parent / "templates", work / "templates")
        argv = [args[0], str(copy), *args[1:]] if args else [str(copy)]
        out[name] = _time(body, *argv, cwd=work)
    return out


def _has_chase() -> bool:
    from spso_xl.cli import build_parser

    return "chase" in build_parser()._subparsers._group_actions[0].choices


def run():
    rows = []
    chase = _has_chase()
    for n in SIZES:
        with tempfile.TemporaryDirectory() as tmp:
            path = _tracker(Path(tmp), n)
            m = measure(path, chase)
        read = m.pop("report (read only)")
        rows.append(dict(name=f"report, {n:,} cases", seconds=read, note="the read-only peer"))
        targets = {"one letter": 1.5, "one chaser": 1.5, "refresh": 2.0}
        for name, seconds in m.items():
            target = targets.get(name)
            note = f"{seconds / read:.2f}× the read" + (f" (target ≤ {target}×)" if target else "")
            if name == "summary" and n >= 50_000:
                note += " (target < 5 s)"
            rows.append(dict(name=f"{name}{'' if chase or name != 'one chaser' else ' (cell edit)'}, {n:,} cases",
                             seconds=seconds, peer=f"report, {n:,} cases", peer_seconds=read, note=note))
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)

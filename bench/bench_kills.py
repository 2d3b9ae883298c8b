"""Kill at random points, many times (issue 13): the SIGKILL test of tests/letters/test_letters_once.py with
SPSO_KILLS=40 instead of the handful `make test` runs. Reports the time taken; fails loudly if any
kill left a half-written tracker or an unlogged or duplicated letter."""

import os
import subprocess
import sys
import time

KILLS = 40


def run():
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/letters/test_letters_once.py", "-k", "killed_at_random_points"],
                          env={**os.environ, "SPSO_KILLS": str(KILLS)}, capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"the kill test failed:\n{proc.stdout[-3000:]}")
    return [dict(name=f"{KILLS} letters --due runs killed at random points, each re-run", seconds=time.perf_counter() - t,
                 note="tracker always old or new; every letter logged once, none rewritten")]

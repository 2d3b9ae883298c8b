"""Rule inputs as people type them, many at once: for tests of the batched recommendation against the
per-case rules (tests/policy/test_rules.py) and for its benchmark (bench/bench_rules.py)."""

import numpy as np
import pandas as pd

from spso_xl.policy.tables import TRIGGERS


def cases(n: int, seed: int = 1, skew: bool = True) -> pd.DataFrame:
    """Rows as people type them: mixed spellings, blanks, floats for numbers, 1% bad levels.

    With `skew`, values are drawn with tracker-like frequencies (flags mostly N, most cases
    at levels 1-2, SWF mostly); without, uniformly: nearly every row a distinct state (worst case).
    """
    rng = np.random.default_rng(seed)

    def pick(values, weights=None):
        p = np.array(weights, float) / sum(weights) if skew and weights else None
        return np.array(values, dtype=object)[rng.choice(len(values), n, p=p)]

    yes_no = lambda w_yes: pick(["N", "Y", None, "no", "yes"], [60, w_yes, 25, 10, w_yes])  # noqa: E731
    df = pd.DataFrame({
        "level": pick([None, 1, 2, 3, 4, 2.0, "L3", "Level 4", " level 5 ", 6, "l2"], [20, 35, 20, 6, 2, 5, 3, 1, 1, 1, 6]),
        "trigger": pick(list(TRIGGERS) + ["information OVERDUE", " recurrent issue "],
                        [30, 15, 8, 6, 6, 6, 3, 2, 2, 1, 1, 4, 5, 8, 3]),
        "status": pick(["OVERDUE", "overdue", "ON TRACK", "DUE SOON", "DUE TODAY", "RESPONDED", "RESPONDED LATE",
                        "CLOSED", "NO DEADLINE", None], [10, 2, 15, 4, 1, 10, 3, 50, 3, 2]),
        "chasers": pick([0, 1, 2, 3, None, 1.0], [60, 15, 8, 2, 10, 5]),
        "resolved": pick([None, "Y", "N", "yes", "no", True, False], [40, 30, 10, 10, 3, 5, 2]),
        "recurred": yes_no(3),
        "significant": yes_no(3),
        "refused": yes_no(1),
        "mitigating": yes_no(2),
        "function": pick(["SWF", "swf", None, "Complaints", "INWO"], [60, 5, 10, 20, 5]),
        "due": pd.Timestamp("2026-01-05") + pd.to_timedelta(rng.integers(0, 700, n), unit="D"),
        "last_chased": (pd.Timestamp("2026-01-05") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")).where(
            rng.random(n) < 0.2),
        "closed": (pd.Timestamp("2026-01-05") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")).where(
            rng.random(n) < 0.1),
    })
    df.loc[rng.random(n) < 0.01, "level"] = "Level ten"
    return df

"""Recommended level for 100,000 cases: the batched table path vs a per-row loop of recommend_cells."""

from bench import best_of
import statistics

import numpy as np
import pandas as pd

from spso_xl.policy.tables import TRIGGERS
from spso_xl.policy.recommend import recommend_frame
from spso_xl.policy.rules import case_from_cells, recommend, recommend_cells

N = 100_000
SAMPLE = 10_000  # rows timed in the per-row loop, extrapolated to N
AS_OF = pd.Timestamp("2027-01-04").date()


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


def _loop(df: pd.DataFrame) -> list:
    out = []
    for row in df.itertuples(index=False):
        try:
            out.append(recommend_cells(row.level, row.trigger, row.status, row.chasers, row.resolved, row.recurred,
                                       row.significant, row.refused, row.mitigating, row.function, row.due,
                                       row.last_chased, AS_OF, row.closed))
        except Exception as e:  # noqa: BLE001 - what a naive per-row loop does
            out.append(e)
    return out


def run():
    df, worst = cases(N), cases(N, skew=False)
    recommend_frame(df.head(100))  # warm imports
    t_batch = best_of(recommend_frame, df, AS_OF, repeat=3)[0]
    t_worst = best_of(recommend_frame, worst, AS_OF, repeat=2)[0]
    t_loop = best_of(_loop, df.head(SAMPLE))[0] * N / SAMPLE

    case = case_from_cells(2, "Information overdue", "OVERDUE", 0, None, "N", "N", "N", "N", "SWF", "04/12/2026")
    scalar, cells = [], []
    for _ in range(200):
        scalar.append(best_of(lambda: [recommend(case) for _ in range(100)])[0] / 100)
        cells.append(best_of(lambda: [recommend_cells("L2", "information overdue", "overdue", 0, None, "n", "n", "n",
                                                    "n", "SWF", "04/12/2026") for _ in range(100)])[0] / 100)
    peer = f"per-row recommend_cells loop ({SAMPLE:,} rows timed, ×{N // SAMPLE})"
    return [
        dict(name=f"recommend, {N:,} cases (batched)", seconds=t_batch, peer=peer, peer_seconds=t_loop,
             note="target < 1 s"),
        dict(name=f"recommend, {N:,} cases (batched), uniform junk: ~80% distinct states", seconds=t_worst,
             peer=peer, peer_seconds=t_loop, note="worst case"),
        dict(name="recommend scalar warm, median", seconds=statistics.median(scalar)),
        dict(name="recommend_cells scalar warm (parse + recommend), median", seconds=statistics.median(cells)),
    ]


if __name__ == "__main__":
    for r in run():
        print(r)

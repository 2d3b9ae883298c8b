"""Recommended level for 100,000 cases: the batched table path vs a per-row loop of recommend_cells."""

from bench import best_of
import statistics

import pandas as pd

from spso_xl.policy.recommend import recommend_frame
from spso_xl.policy.rules import case_from_cells, recommend, recommend_cells
from tests.support.rule_inputs import cases

N = 100_000
SAMPLE = 10_000  # rows timed in the per-row loop, extrapolated to N
AS_OF = pd.Timestamp("2027-01-04").date()


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

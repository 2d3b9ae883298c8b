"""policy.recommend.recommend_frame against the per-case rules (policy.rules.recommend).

The whole-table path recommends each distinct state once and puts each row's own dates into
the shared reason afterwards; these tests draw tables where many rows share a state but not
their dates, which is where that sharing could go wrong.
"""

import datetime as dt

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from spso_xl.calendar.workdays import scottish_calendar
from spso_xl.errors import InputError
from spso_xl.policy.deadlines import Status
from spso_xl.policy.recommend import recommend_frame
from spso_xl.policy.rules import Case, case_from_cells, chaser_due, recommend
from spso_xl.policy.settings import DEFAULTS, settings_from_rows
from spso_xl.policy.tables import TRIGGERS, scale_for

AS_OF = dt.date(2026, 12, 1)
OUT = ["recommended_level", "contact_from", "reason", "error"]
DATES = st.none() | st.dates(dt.date(2026, 6, 1), dt.date(2027, 3, 31))


@st.composite
def states(draw):
    """Everything but the dates, in canonical values."""
    function = draw(st.sampled_from([None, "SWF", "Complaints", "INWO"]))
    return dict(
        function=function, level=draw(st.none() | st.integers(0, scale_for(function).top)),
        trigger=draw(st.sampled_from(list(TRIGGERS))), status=draw(st.none() | st.sampled_from(list(Status))),
        chasers=draw(st.integers(0, 3)), resolved=draw(st.sampled_from([None, True, False])),
        recurred=draw(st.booleans()), significant=draw(st.booleans()), refused=draw(st.booleans()),
        mitigating=draw(st.booleans()))


@st.composite
def tables(draw):
    """1-6 states, each row one of them with dates of its own."""
    pool = draw(st.lists(states(), min_size=1, max_size=6))
    rows = draw(st.lists(st.tuples(st.integers(0, len(pool) - 1), DATES, DATES, DATES), max_size=40))
    return [dict(pool[i], due=due, last_chased=chased, closed=closed) for i, due, chased, closed in rows]


def _expected(row, as_of=AS_OF, s=DEFAULTS):
    cal = scottish_calendar()
    fields = {k: v for k, v in row.items() if k != "last_chased"}
    r = recommend(Case(**fields, chaser_due=chaser_due(row["last_chased"], s, cal), as_of=as_of))
    return r.level, r.contact, r.reason, None


def _got(out) -> list[tuple]:
    return [tuple(None if pd.isna(v) else v for v in row) for row in out[OUT].astype(object).itertuples(index=False)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_every_row_gets_what_its_own_case_gets(rows):
    out = recommend_frame(pd.DataFrame(rows, dtype=object), AS_OF)
    assert _got(out) == [_expected(r) for r in rows]


def test_rows_sharing_a_state_each_name_their_own_dates():
    base = dict(function="SWF", level=1, trigger="Information overdue", status=Status.OVERDUE, chasers=1,
                resolved=None, recurred=False, significant=False, refused=False, mitigating=False, closed=None,
                last_chased=None)
    dues = [AS_OF - dt.timedelta(days=d) for d in range(3, 300, 7)]
    rows = [dict(base, due=d) for d in dues]
    out = recommend_frame(pd.DataFrame(rows, dtype=object), AS_OF)
    assert _got(out) == [_expected(r) for r in rows]
    assert [f"by {d:%d/%m/%Y}" in reason for d, reason in zip(dues, out["reason"])] == [True] * len(dues)


def test_the_chaser_window_is_judged_on_as_of_and_the_settings():
    row = dict(function=None, level=1, trigger="Information overdue", status="OVERDUE", chasers=1,
               last_chased=dt.date(2026, 11, 25), due=dt.date(2026, 11, 20))
    frame = pd.DataFrame([row], dtype=object)
    for s in (DEFAULTS, settings_from_rows([("Chaser working days", 10)])):
        end = chaser_due(row["last_chased"], s, scottish_calendar())
        for as_of in (end - dt.timedelta(days=1), end, end + dt.timedelta(days=1)):  # the last day is still inside
            cells = {k: row.get(k) for k in ("level", "trigger", "status", "chasers")}
            expected = recommend(case_from_cells(**cells, resolved=None, recurred=None, significant=None,
                                                 refused=None, mitigating=None, due=row["due"],
                                                 last_chased=row["last_chased"], as_of=as_of, settings=s))
            got = recommend_frame(frame, as_of, s).iloc[0]
            assert (got["recommended_level"], got["reason"]) == (expected.level, expected.reason)


def test_a_bad_cell_is_that_row_s_error_and_no_other_row_s():
    good = dict(level=2, trigger="Poor response", status="OVERDUE", chasers=0, due=dt.date(2026, 11, 2))
    rows = [good, dict(good, level="Level 9"), dict(good, trigger="Bogus"), good]
    out = recommend_frame(pd.DataFrame(rows, dtype=object), AS_OF)
    with pytest.raises(InputError) as bad:
        case_from_cells("Level 9", "Poor response", "OVERDUE", 0, None, None, None, None, None)
    assert out["error"].iloc[1] == bad.value.cell_text() and out["error"].iloc[2].startswith("#TRIGGER? 'Bogus'")
    assert pd.isna(out["reason"].iloc[1]) and pd.isna(out["recommended_level"].iloc[1])
    assert _got(out.iloc[[0, 3]]) == [_got(out)[0]] * 2 and pd.isna(out["error"].iloc[0])


def test_tracker_headers_a_custom_index_and_the_inputs_are_kept():
    rows = [dict(Level=1, Trigger="Poor response", Status="OVERDUE", Chasers=2, Due=dt.date(2026, 11, 2)),
            dict(Level=None, Trigger="Risk of harm", Status=None, Chasers=None, Due=None)]
    frame = pd.DataFrame(rows, index=[10, 20], dtype=object)
    snake = pd.DataFrame([{k.lower(): v for k, v in r.items()} for r in rows], index=[10, 20], dtype=object)
    out = recommend_frame(frame, AS_OF)
    assert list(out.index) == [10, 20] and out[list(frame.columns)].equals(frame)
    assert _got(out) == _got(recommend_frame(snake, AS_OF))
    assert out["recommended_level"].tolist() == [2, 2]


def test_rows_alike_but_for_the_last_chaser_are_judged_each_on_its_window():
    """Whether a chaser's window is still open splits rows that share everything else."""
    base = dict(function="SWF", level=1, trigger="Information overdue", status=Status.OVERDUE, chasers=1,
                resolved=None, recurred=False, significant=False, refused=False, mitigating=False,
                due=dt.date(2026, 10, 1), closed=None)
    rows = [dict(base, last_chased=AS_OF - dt.timedelta(days=d)) for d in range(-3, 15)]
    out = recommend_frame(pd.DataFrame(rows, dtype=object), AS_OF)
    assert _got(out) == [_expected(r) for r in rows]
    # the level 1 request and one chaser are the two requests to comply (appendix rows 1 and 3): no third
    assert {r.split(":")[0] for r in out["reason"]} == {"Stay at level 1", "Escalate to level 2"}


def test_minus_zero_is_quoted_as_typed():
    """Found by hypothesis: pandas takes -0.0 and 0.0 for one value, so the batched path quoted the
    first one's text in the other row's message. A message about a cell quotes what that cell holds."""
    from spso_xl.errors import InputError
    from spso_xl.policy.rules import recommend_cells

    base = dict(level=1, trigger="Poor response", status="OVERDUE", chasers=0, resolved=None, recurred="N",
                significant="N", refused="N", mitigating="N")
    rows = [base | {"function": 0.0}, base | {"function": -0.0}]
    out = recommend_frame(pd.DataFrame(rows, dtype=object), dt.date(2026, 11, 22))
    for i, cells in enumerate(rows):
        with pytest.raises(InputError) as e:
            recommend_cells(**cells, as_of=dt.date(2026, 11, 22))
        assert out["error"].iloc[i] == e.value.cell_text()

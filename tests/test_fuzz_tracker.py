"""`check` and `report` over trackers with random bad cells: every bad cell is reported with
its address, and every good row is still computed."""

import datetime as dt

from hypothesis import HealthCheck, given, settings, strategies as st

from spso_xl import schema
from spso_xl.build import build_tracker
from spso_xl.report import report_frame
from spso_xl.sample import demo_rows
from spso_xl.tracker import read_tracker

AS_OF = dt.date(2026, 11, 22)
BASE = demo_rows(AS_OF)
JUNK = {  # values each kind of column must reject
    "date": ["31/02/2026", "soon", "2026-13-01", True, "1/1/1/1"],
    "yesno": ["maybe", "2", "yes please", -1],
    "level": ["L9", "Level 0.5", "high", 7.5, -1],
    "count": ["many", -2, 1.5, "3 times"],
    "choice": ["Nonsense", "Levle 3", "Overdue stuff"],
    "org": ["Atlantis Council", "Fife"],
}
TARGETS = [c for c in schema.CASES.inputs if c.kind in JUNK and c.header != "Area"] + \
          [schema.CASES.column("Area")]


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.integers(0, len(BASE["Cases"]) - 1), st.sampled_from(TARGETS), st.integers(0, 99)),
                min_size=1, max_size=8, unique_by=lambda t: (t[0], t[1].header)))
def test_every_bad_cell_reported_and_every_good_row_computed(tmp_path_factory, plants):
    rows = {k: [dict(r) for r in v] for k, v in BASE.items()}
    planted = {}
    for i, column, pick in plants:
        junk = JUNK[column.kind]
        value = junk[pick % len(junk)]
        rows["Cases"][i][column.header] = value
        planted[(schema.CASES_HEADER_ROW + 1 + i, column.header)] = value
    path = build_tracker(tmp_path_factory.mktemp("fuzz") / "si_tracker.xlsm", rows, as_of=AS_OF)
    tracker = read_tracker(path)
    found = {(p.row, p.column) for p in tracker.problems if p.sheet == "Cases"}
    assert set(planted) <= found, set(planted) - found
    assert not {p for p in tracker.problems if p.sheet != "Cases"}
    frame, skipped = report_frame(tracker, AS_OF)
    bad_rows = {r for r, _ in planted}
    assert set(skipped) == bad_rows
    assert set(frame["Row"]) == {schema.CASES_HEADER_ROW + 1 + i for i in range(len(BASE["Cases"]))} - bad_rows
    assert frame["Status"].notna().all() and frame["Reason"].str.len().gt(0).all()
    assert not frame["Reason"].str.startswith("#").any()

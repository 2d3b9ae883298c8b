"""`check` and `report` over trackers with random bad cells: every bad cell is reported with
its address, and every good row is still computed."""

import shutil


from hypothesis import HealthCheck, given, settings, strategies as st

from spso_xl.tracker import schema
from spso_xl.new import build_tracker
from spso_xl.outputs.report import report_frame
from spso_xl.tracker.sample import demo_rows
from spso_xl.tracker.read import read_tracker
from tests.support.dates import AS_OF

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
    assert set(skipped) == bad_rows  # the rows to check: shown with Status CHECK, never left out (issue 25)
    assert set(frame["Row"]) == {schema.CASES_HEADER_ROW + 1 + i for i in range(len(BASE["Cases"]))}
    assert set(frame.loc[frame["Status"] == "CHECK", "Row"]) == bad_rows
    assert frame["Status"].notna().all() and frame["Reason"].str.len().gt(0).all()
    assert not frame["Reason"].str.startswith("#").any()


# --- hostile cells (issue 17): error values, extreme dates, far cells, control characters ----------

from openpyxl.utils import get_column_letter  # noqa: E402

from tests.support.xlsx_parts import set_raw_cells  # noqa: E402

HOSTILE = {  # (cell type, stored text) that no input column can use
    "error": [("e", e) for e in ("#DIV/0!", "#REF!", "#N/A", "#VALUE!", "#NAME?", "#NULL!", "#NUM!", "#SPILL!")],
    "control": [("inlineStr", t) for t in ("Fife_x0001_ Council", "SI_x001F_-1", "Y_x0007_", "3_x000B_",
                                            "01/02/2026_x0000_")],
    "long": [("inlineStr", "LONG")],  # made 32,768 characters long when planted
}
EXTREME_DATES = [("n", "2958465"), ("n", "0.5"), ("inlineStr", "31/12/9999"), ("inlineStr", "31/12/1849"),
                 ("inlineStr", "01/01/2201"), ("n", "-1"), ("n", "1e300")]
FAR = ["XFD1048576", "ZZ200000", "AC4", "XFD4", "A1048576", "B900000"]
INPUTS = [c for c in schema.CASES.inputs]


@st.composite
def hostile_plants(draw):
    plants = draw(st.lists(st.tuples(st.integers(0, len(BASE["Cases"]) - 1), st.sampled_from(INPUTS)),
                           min_size=1, max_size=6, unique=True))
    out = {}
    for i, column in plants:
        kinds = list(HOSTILE) + (["date"] if column.kind == "date" else [])
        kind = draw(st.sampled_from(kinds))
        pool = EXTREME_DATES if kind == "date" else HOSTILE[kind]
        out[(schema.CASES_HEADER_ROW + 1 + i, column.header)] = draw(st.sampled_from(pool))
    far = draw(st.lists(st.sampled_from(FAR), max_size=2, unique=True))
    return out, far


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(hostile_plants())
def test_every_hostile_cell_reported_and_every_good_row_computed(demo_tracker, tmp_path_factory, plants):
    planted, far = plants
    path = tmp_path_factory.mktemp("hostile") / "si_tracker.xlsm"
    shutil.copy2(demo_tracker, path)  # the demo tracker is built from BASE
    cells = {f"{get_column_letter(schema.CASES.headers.index(h) + 1)}{r}": (t, "z" * 32_768 if v == "LONG" else v)
             for (r, h), (t, v) in planted.items()}
    set_raw_cells(path, "Cases", cells | {a: ("n", "1") for a in far})
    tracker = read_tracker(path)
    found = {(p.row, p.column) for p in tracker.problems if p.sheet == "Cases"}
    assert set(planted) <= found, set(planted) - found
    frame, skipped = report_frame(tracker, AS_OF)
    bad_rows = {r for r, _ in planted}
    assert bad_rows <= set(skipped)
    everyone = {schema.CASES_HEADER_ROW + 1 + i for i in range(len(BASE["Cases"]))}
    assert set(frame["Row"]) == everyone and set(frame.loc[frame["Status"] == "CHECK", "Row"]) == set(skipped)
    assert set(skipped) - bad_rows <= {r for r, _ in found}  # a row is only skipped for a reported cell
    assert frame["Status"].notna().all() and not frame["Reason"].str.startswith("#").any()
    dates = frame.select_dtypes("datetime").stack().dropna()
    assert dates.empty or (dates.dt.year >= 1900).all()

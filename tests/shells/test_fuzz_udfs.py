"""Any cell value into any SI_ function: a usable value or a `#` message naming the problem.

`#ERROR? SomeError: ...` is the guard's last resort for an exception nobody anticipated, so it
counts as a failure here: every bad input must get a specific message (an error value in a cell
gets the reader's own, `#ERROR? the cell shows the error #N/A, ...`).
"""

import datetime as dt
import inspect
import re

from hypothesis import HealthCheck, given, settings, strategies as st

import udfs
from spso_xl.tracker.schema import CASES

EXCEL_ERRORS = ["#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#SPILL!", "#CALC!"]
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30), st.sampled_from(["", "   ", "\t", "Y", "n", "L3", "Level 3", "3.0", "OVERDUE",
                                           "Information overdue", "SWF", "INWO", "31/02/2026", "2026-11-30",
                                           "Fife Council", "Comhairle nan Eilean Siar", "Dumfries & Galloway",
                                           "ÀÉÎÕÜ ßðæ 中文", "=HYPERLINK(\"x\")", "{{ x }}"] + EXCEL_ERRORS),
    st.dates(dt.date(1900, 3, 1), dt.date(9999, 12, 31)),
    st.datetimes(dt.datetime(1900, 3, 1), dt.datetime(9999, 12, 31)),
)
ranges = st.lists(st.lists(scalars, min_size=1, max_size=4), min_size=1, max_size=5)
USABLE = (str, int, float, bool, dt.date, list, type(None))


def _check(result):
    assert isinstance(result, USABLE), type(result)
    if isinstance(result, str):
        assert not re.match(r"#ERROR\? \w+: ", result), result
    if isinstance(result, float):
        assert result == result, "NaN reached a cell"
    if isinstance(result, list):
        for row in result:
            for v in row:
                _check(v)


def _fuzz(name):
    f = getattr(udfs, name)
    params = inspect.signature(f).parameters

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def run(data):
        args = [data.draw(st.one_of(ranges, scalars) if p in ("closures", "settings", "findings") or
                          p.endswith("s") and name.endswith(("_ARRAY", "_TABLE")) else scalars, label=p)
                for p in params]
        _check(f(*args))

    return run


for _name in udfs.__all__:
    globals()[f"test_fuzz_{_name.lower()}"] = _fuzz(_name)

INPUT_HEADERS = [c.header for c in CASES.inputs]


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.lists(scalars, min_size=len(INPUT_HEADERS), max_size=len(INPUT_HEADERS)), min_size=1, max_size=6),
       scalars)
def test_fuzz_si_cases_with_its_headers(rows, as_of):
    """The Calc sheet's block: the real header row, then anything in any cell; one output row per table row."""
    out = udfs.SI_CASES([INPUT_HEADERS] + rows, as_of)
    _check(out)
    assert isinstance(out, list) and len(out) == len(rows) and {len(r) for r in out} == {6}

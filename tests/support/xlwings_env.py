"""xlwings as the tests and the benchmarks run it outside Pyodide.

xlwings 0.37.8 asks, for every cell it converts, whether the value is Pyodide's JsNull by trying
`import pyodide.ffi`; outside Pyodide that import fails afresh each time (about 1 ms per cell, minutes
for a Findings table under load). In Pyodide (Lite) the import succeeds once, and desktop Excel converts
through COM, so neither pays it. `jsnull_from_sys_modules` answers the same question from sys.modules:
tests/conftest.py puts it in place of `xlwings.utils.is_jsnull` for the whole run, and
bench/bench_cases_udf.py for its measurement (bench imports it from here, never the reverse).
"""

import sys


def jsnull_from_sys_modules(value) -> bool:
    """xlwings.utils.is_jsnull without a failing import per cell: the same answer everywhere."""
    ffi = sys.modules.get("pyodide.ffi")
    return ffi is not None and isinstance(value, ffi.JsNull)

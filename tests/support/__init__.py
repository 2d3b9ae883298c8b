"""What the tests share (python-docx's tests/unitutil, holidays' tests/common.py), each helper once.

- `paths`: ROOT (the repository), DATA (tests/data), SHARED and POLICY (the policy texts beside the
  repository), so no test counts `Path(__file__).parents[N]`, which changes when a test moves.
- `dates`: AS_OF, the date most tests and the demo tracker use, and TODAY, the day the buttons are clicked.
- `trackers`: copies of built trackers, the demo tracker built once per date (the `demo_trackers`,
  `demo_tracker` and `demo_copy` fixtures in tests/conftest.py), the three cases the Cases buttons work on,
  and an older tracker's `Extended to` header.
- `clicks`: a button clicked through xlwings' remote engine, a Lite script run as xlwings Lite runs it,
  and the alerts either shows.
- `remote`: a tracker file as xlwings' remote engine sees a workbook, and its actions applied back.
- `xlsx_parts`, `workbook_formulas`: independent readings of a workbook's parts and formulas.
- `rule_inputs`: random rule inputs as people type them (tests/policy and bench/bench_rules.py).
- `xlwings_env`: xlwings' `is_jsnull` without a failing import per cell (tests/conftest.py and bench/).

This package imports nothing: tests/shells/test_lite.py imports `tests.support.remote` in an interpreter
that records every module the Lite path loads.
"""

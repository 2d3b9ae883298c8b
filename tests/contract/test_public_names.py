"""The public surface, frozen (holidays' tests/test_imports.py): what a user's workbook, a Lite
main.py, a scheduled job or a script relies on. A move or rename that breaks one of these breaks a
user's file without a sound, so each list here is written out by hand, not read from the code.

- the SI_ custom functions and their parameter names: the tracker's formulas call them, and the VBA
  that xlwings' Import Functions writes names each parameter;
- the modules the workbook's entry points import: `macros.main` (classic `<tracker>.py`),
  `macros.lite` and `udfs` (Lite `main.py`), and the Lite scripts' titles;
- the `spso-xl` commands and their options, and the console-script entry point.
"""

import argparse
import importlib
import inspect
import tomllib
from pathlib import Path

import pytest

SI_FUNCTIONS = {
    "SI_CASES": ["cases", "as_of", "closures", "settings"],
    "SI_WORKDAY": ["start", "days", "closures"],
    "SI_NETWORKDAYS": ["start", "end_date", "closures"],
    "SI_DEADLINE": ["date_notified", "level", "urgent", "respond_by", "fn", "trigger", "closures", "settings"],
    "SI_STATUS": ["due", "response_received", "as_of", "closed", "settings"],
    "SI_OVERDUE": ["due", "response_received", "as_of"],
    "SI_DAYS_OVERDUE": ["due", "response_received", "as_of", "closures", "closed"],
    "SI_LEVEL": ["level", "trigger", "status", "chasers", "resolved", "recurred", "significant", "refused",
                 "mitigating", "fn", "last_chased", "as_of", "closures", "settings", "due"],
    "SI_REASON": ["level", "trigger", "status", "chasers", "resolved", "recurred", "significant", "refused",
                  "mitigating", "fn", "last_chased", "as_of", "closures", "settings", "due", "closed"],
    "SI_CONTACT": ["level", "fn"],
    "SI_RECURRENCE": ["organisation", "theme", "findings", "as_of", "settings", "fn"],
    "SI_UPHOLD": ["organisation", "findings", "start", "end_date", "settings", "organisations", "fn"],
    "SI_WORKDAY_ARRAY": ["starts", "days", "closures"],
    "SI_NETWORKDAYS_ARRAY": ["starts", "ends", "closures"],
    "SI_DEADLINE_ARRAY": ["dates_notified", "levels", "urgent", "respond_by", "functions", "triggers", "closures",
                          "settings"],
    "SI_STATUS_ARRAY": ["dues", "responses", "as_of", "closed", "settings"],
    "SI_LEVEL_ARRAY": ["levels", "triggers", "statuses", "chasers", "resolved", "recurred", "significant", "refused",
                       "mitigating", "functions", "last_chased", "as_of", "closures", "settings", "dues"],
    "SI_UPHOLD_TABLE": ["findings", "start", "end_date", "settings", "organisations"],
}

LITE_SCRIPTS = ["build_summary", "check_tracker", "enter_formulas", "generate_letters", "record_chaser", "record_escalation"]

COMMANDS = {
    "due": ["--debug", "-h", "dates"],
    "new": ["--as-of", "--debug", "--force", "--lite", "--wheel-url", "-h", "path"],
    "check": ["--debug", "-h", "path"],
    "report": ["--as-of", "--columns", "--debug", "--format", "--output", "-h", "path"],
    "letters": ["--as-of", "--debug", "--due", "--pdf", "--ref", "-h", "path"],
    "refresh": ["--as-of", "--debug", "-h", "path"],
    "summary": ["--as-of", "--debug", "--no-sheet", "--output", "--pdf", "--quarter", "-h", "path"],
    "doctor": ["--debug", "--fix", "-h", "path"],
    "chase": ["--as-of", "--debug", "--ref", "-h", "path"],
    "escalate": ["--as-of", "--debug", "--ref", "-h", "path"],
    "upgrade": ["--debug", "-h", "path"],
    "demo": ["--as-of", "--debug", "--out", "-h"],
    "add": ["--as-of", "--debug", "--dry-run", "--from", "--map", "--set", "--sheet", "-h", "path"],
    "update": ["--as-of", "--debug", "--dry-run", "--ref", "--set", "-h", "path"],
    "import": ["--as-of", "--debug", "--dry-run", "--into", "--map", "--on-duplicate", "--sheet", "--skip-bad", "-h",
               "file", "path"],
    "digest": ["--as-of", "--debug", "--force", "--format", "--output", "--owner", "--send", "-h", "path"],
    "calendar": ["--as-of", "--debug", "--output", "-h", "path"],
}

ROOT = Path(__file__).resolve().parents[2]


def test_si_functions_and_their_parameters():
    import udfs

    assert sorted(udfs.__all__) == sorted(SI_FUNCTIONS)
    for name, params in SI_FUNCTIONS.items():
        f = getattr(udfs, name)
        assert list(inspect.signature(inspect.unwrap(f)).parameters) == params, name


def test_the_entry_points_the_workbooks_import():
    import macros
    import macros.lite

    assert callable(macros.main)
    assert list(inspect.signature(macros.main).parameters)[:1] == ["book"]
    for name in LITE_SCRIPTS:
        assert callable(getattr(macros.lite, name)), name
    entry = (ROOT / "workbook" / "si_tracker.py").read_text(encoding="utf-8")
    assert "from macros import main" in entry


def test_the_lite_main_module_imports_what_exists():
    """Lite's main.py star-imports the scripts and the functions: both modules must keep a public face."""
    from spso_xl.tracker.lite_edition import MAIN_PY

    for line in MAIN_PY.splitlines():
        if line.startswith("from ") and " import *" in line:
            importlib.import_module(line.split()[1])


def _commands():
    from spso_xl.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {name: sorted(a.option_strings[0] if a.option_strings else a.dest for a in c._actions)
            for name, c in sub.choices.items()}


def test_commands_and_options():
    assert _commands() == COMMANDS


def test_console_script():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts == {"spso-xl": "spso_xl.cli:main"}
    module, name = scripts["spso-xl"].split(":")
    assert callable(getattr(importlib.import_module(module), name))


@pytest.mark.parametrize("module", ["udfs", "macros", "macros.lite"])
def test_entry_modules_stay_top_level(module):
    assert importlib.import_module(module).__name__ == module

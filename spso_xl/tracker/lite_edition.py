"""What the xlwings Lite edition of a tracker needs beside the workbook (DESIGN §14).

xlwings Lite keeps a workbook's Python in the workbook: a manager pastes `main.py` into the
Lite editor and `requirements.txt` into its requirements tab once, and the code travels
with the file. spso-xl itself reaches Lite either as its wheel (a URL line in
requirements.txt) or as Lite "personal modules": the `personal` folder written here,
uploaded under Files. The letter templates go up the same way, as the `templates` folder.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from spso_xl import __version__
from spso_xl.safewrite import atomic_write

MAIN_PY = '''"""
# SPSO Support and Intervention tracker

Select case rows on **Cases**, pick a script above and click its button (or press F5):
*Generate letters*, *Record chaser*, *Record escalation*. In App Mode you can type the
cases' Refs instead of selecting rows. *Build summary* and *Check tracker* also have
buttons on the Summary and Cases sheets.

Letters and summary workbooks are saved in xlwings Lite's file area:
menu > Files > Import/Export, where you download them.

The `SI_` functions are listed under Functions. The Instructions sheet says more.
"""

# The scripts and functions live in the spso-xl package (installed from its wheel, or
# uploaded as personal modules), so this file never needs changing.
from macros.lite import *  # noqa: F401,F403  Generate letters, Record chaser, ... as scripts
from udfs import *  # noqa: F401,F403  the SI_ custom functions
'''

# Pure-Python packages the Lite path imports, which Lite installs from PyPI (pyproject.toml's
# dependencies are the source; tests/shells/test_lite.py checks the two agree). numpy, pandas, lxml
# and matplotlib come with Pyodide, in the versions its release ships: never pinned.
REQUIREMENTS = ("holidays>=0.50", "openpyxl>=3.1", "docxtpl>=0.16", "python-dateutil>=2.8")
FROM_PYODIDE = ("numpy", "pandas", "lxml", "matplotlib")
NOT_IN_LITE = {  # pyproject dependencies Lite neither needs nor could install
    "xlwings": "xlwings Lite brings its own (keep the line it puts in requirements.txt)",
    "python-calamine": "a compiled reader with no Pyodide build; the safe reader (xlsx.tables) falls back to openpyxl",
    "rich": "terminal output of the spso-xl command only",
    "XlsxWriter": "builds trackers and reports from the command line only",
    "icalendar": "spso-xl calendar's .ics export, from the command line only",
}
PACKAGES = ("spso_xl", "udfs", "macros")  # what the personal modules folder holds


def requirements_txt(version: str) -> str:
    lines = [
        "# Paste these lines into xlwings Lite's requirements.txt tab, below the lines it already has",
        "# (keep those, including its xlwings line; spso-xl is tested with xlwings 0.37).",
        *REQUIREMENTS,
        "# These come with Pyodide: leave them unpinned.",
        *FROM_PYODIDE,
        "# spso-xl itself, one way or the other (the README explains both):",
        "#  a) its wheel, from a web address xlwings Lite can reach: remove the # and put your address",
        f"# https://YOUR-SERVER/spso_xl-{version}-py3-none-any.whl",
        "#  b) the 'personal' folder that came with the tracker: xlwings Lite menu > Files > Import/Export,",
        "#     drop the folder there, then menu > Restart.",
    ]
    return "\n".join(lines) + "\n"


def write_beside(folder: Path) -> list[Path]:
    """main.py, requirements.txt and the personal modules folder, into `folder`."""
    folder = Path(folder)
    main = atomic_write(folder / "main.py", lambda tmp: tmp.write_text(MAIN_PY, encoding="utf-8"))
    reqs = atomic_write(folder / "requirements.txt",
                        lambda tmp: tmp.write_text(requirements_txt(__version__), encoding="utf-8"))
    personal = folder / "personal"
    for name in PACKAGES:
        source = Path(importlib.util.find_spec(name).submodule_search_locations[0])
        shutil.copytree(source, personal / name, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return [main, reqs, personal]

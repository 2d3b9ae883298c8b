"""What the xlwings Lite edition of a tracker needs, in the workbook and beside it (DESIGN §14).

xlwings Lite keeps a workbook's Python in the workbook, as the add-in's document settings: the
Office web-extension part `xl/webextensions/webextension1.xml` holds `main.py` and
`requirements.txt` as JSON strings (read from workbooks xlwings Lite saved). The Lite edition is
built with both already there, and with the task pane part that opens xlwings Lite with the
workbook (Office asks to add the add-in where it is missing), so nobody pastes code. `main.py`
and `requirements.txt` are also written beside the workbook, for a pane that shows its own sample
code instead. spso-xl itself reaches Lite either as its wheel (a URL line in requirements.txt) or
as Lite "personal modules": the `personal` folder written here, uploaded under Files. The letter
templates go up the same way, as the `templates` folder.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from xml.sax.saxutils import quoteattr

from spso_xl import __version__
from spso_xl.safewrite import atomic_write

MAIN_PY = '''"""
# SPSO Support and Intervention tracker

Once per workbook, run *Enter formulas*: it enters the SI_CASES formula so that Excel ties it
to this add-in's functions (the grey columns on Cases then calculate).

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


def requirements_txt(version: str, wheel_url: str | None = None) -> str:
    if wheel_url:
        return "\n".join([
            "# If xlwings Lite's requirements.txt tab is empty or shows its sample, paste these lines below the lines",
            "# it already has (keep those, including its xlwings line; spso-xl is tested with xlwings 0.37).",
            *REQUIREMENTS, *FROM_PYODIDE, wheel_url]) + "\n"
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


# xlwings Lite in Microsoft's add-in store (AppSource), as Excel references it in a workbook it saved
ADDIN_STORE_ID = "WA200008175"
# What xlwings Lite's own requirements.txt starts with (marked "# required" in workbooks it saved), with
# xlwings pinned to the version spso-xl is tested with.
LITE_REQUIRED = ("python-dotenv  # required", "pyodide-http  # required", "black  # required")


def workbook_requirements(version: str, xlwings_version: str, wheel_url: str | None = None) -> str:
    """The requirements.txt stored in the workbook: xlwings Lite's own lines, then spso-xl's."""
    spso = [wheel_url] if wheel_url else [
        "# spso-xl itself: the 'personal' folder that came with the tracker (xlwings Lite menu > Files >",
        "# Import/Export), or the web address of its wheel on the next line (then menu > Restart):",
        f"# https://YOUR-SERVER/spso_xl-{version}-py3-none-any.whl"]
    return "\n".join([f"xlwings=={xlwings_version}  # required", *LITE_REQUIRED, *REQUIREMENTS, *FROM_PYODIDE,
                      *spso]) + "\n"


def webextension_parts(requirements: str) -> dict[str, bytes]:
    """The parts that put xlwings Lite, its main.py and requirements.txt into a workbook, with the
    relationships and content types they need: {part name: XML}, and the package-level entries as
    '[Content_Types].xml' (Override elements) and '_rels/.rels' (a Relationship element)."""
    props = {"main.py": MAIN_PY, "requirements.txt": requirements, "Office.AutoShowTaskpaneWithDocument": True}
    properties = "".join(f"<we:property name={quoteattr(k)} value={quoteattr(json.dumps(v))}/>" for k, v in props.items())
    we = "http://schemas.microsoft.com/office/webextensions/webextension/2010/11"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    return {
        "xl/webextensions/webextension1.xml": (
            f'{head}<we:webextension xmlns:we="{we}" id="{{6A1E2A31-5C0B-4E4B-9B8E-5350534F584C}}">'
            f'<we:reference id="{ADDIN_STORE_ID.lower()}" version="1.0.0.0" store="en-GB" storeType="OMEX"/>'
            f'<we:alternateReferences><we:reference id="{ADDIN_STORE_ID}" version="1.0.0.0" '
            f'store="{ADDIN_STORE_ID}" storeType="OMEX"/></we:alternateReferences>'
            f'<we:properties>{properties}</we:properties><we:bindings/>'
            f'<we:snapshot xmlns:r="{rel}"/></we:webextension>').encode(),
        "xl/webextensions/taskpanes.xml": (
            f'{head}<wetp:taskpanes xmlns:wetp="http://schemas.microsoft.com/office/webextensions/taskpanes/2010/11">'
            f'<wetp:taskpane dockstate="right" visibility="1" width="438" row="1">'
            f'<wetp:webextensionref xmlns:r="{rel}" r:id="rId1"/></wetp:taskpane></wetp:taskpanes>').encode(),
        "xl/webextensions/_rels/taskpanes.xml.rels": (
            f'{head}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="http://schemas.microsoft.com/office/2011/relationships/webextension" '
            f'Target="webextension1.xml"/></Relationships>').encode(),
        "[Content_Types].xml": (
            b'<Override PartName="/xl/webextensions/taskpanes.xml" '
            b'ContentType="application/vnd.ms-office.webextensiontaskpanes+xml"/>'
            b'<Override PartName="/xl/webextensions/webextension1.xml" '
            b'ContentType="application/vnd.ms-office.webextension+xml"/>'),
        "_rels/.rels": (
            b'<Relationship Id="rIdLiteTaskpanes" '
            b'Type="http://schemas.microsoft.com/office/2011/relationships/webextensiontaskpanes" '
            b'Target="xl/webextensions/taskpanes.xml"/>'),
    }


def write_beside(folder: Path, wheel_url: str | None = None) -> list[Path]:
    """main.py, requirements.txt and the personal modules folder, into `folder`."""
    folder = Path(folder)
    main = atomic_write(folder / "main.py", lambda tmp: tmp.write_text(MAIN_PY, encoding="utf-8"))
    reqs = atomic_write(folder / "requirements.txt",
                        lambda tmp: tmp.write_text(requirements_txt(__version__, wheel_url), encoding="utf-8"))
    personal = folder / "personal"
    for name in PACKAGES:
        source = Path(importlib.util.find_spec(name).submodule_search_locations[0])
        shutil.copytree(source, personal / name, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return [main, reqs, personal]

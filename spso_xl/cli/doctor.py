"""`spso-xl doctor`: is this computer, and this tracker, ready for Excel (DESIGN §12, §14)?

A classic tracker (.xlsm) is checked for desktop Excel: Python, xlwings, the add-in, the entry
module, the xlwings.conf sheet, the Trust Center. An xlwings Lite tracker (.xlsx) needs none of
that on this computer, and is checked for what Lite needs: no macros, the Calc formula, the
add-in's main.py and requirements.txt carried in the workbook, spso-xl's code (a wheel address or
the `personal` folder) and the letter templates to upload. Each check gives findings of one line
with its fix. A problem makes the command exit non-zero; a note is something that cannot be
checked from here (another system, Excel's own settings, the add-in's file area) and says how to
check it there. Nothing here starts Excel.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from spso_xl.safewrite import atomic_write
from spso_xl.tracker import lite_edition, schema
from spso_xl.tracker.build import ENTRY_MODULE
from spso_xl.xlsx.package import Package
from spso_xl.xlsx.tables import read_range

OK, PROBLEM, NOTE = "ok", "problem", "note"
MIN_PYTHON = (3, 11)
TRUST = "'Trust access to the VBA project object model'"
TRUST_FIX = "in Excel: File > Options > Trust Center > Trust Center Settings > Macro Settings, tick it"
CONF_SHEET = "xlwings.conf"
CONF_ROWS = 500  # rows of the conf sheet read: xlwings stops at the first blank key, far above


@dataclass(frozen=True)
class Finding:
    status: str  # ok | problem | note
    message: str
    fix: str = ""

    def line(self) -> str:
        return f"{self.status:8}{self.message}" + (f": {self.fix}" if self.fix else "")


def diagnose(tracker: Path | None = None, fix: bool = False, platform: str = sys.platform) -> list[Finding]:
    """Every finding for this computer and, if given, the tracker; `fix` writes a missing entry module
    (classic) or main.py and requirements.txt beside the workbook (Lite)."""
    if tracker is not None and Path(tracker).suffix.lower() == ".xlsx" and Path(tracker).is_file():
        return lite_findings(Path(tracker), fix)
    found = [python(), xlwings_version(), addin(platform), trust_center(platform)]
    if tracker is not None:
        found += tracker_findings(Path(tracker), fix)
    return found


# --- this computer --------------------------------------------------------------------------


def python() -> Finding:
    version = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info < MIN_PYTHON:
        return Finding(PROBLEM, f"Python {version} is too old", "install Python 3.11 or later from python.org")
    return Finding(OK, f"Python {version} ({sys.executable})")


def xlwings_version() -> Finding:
    try:
        from importlib.metadata import version

        return Finding(OK, f"xlwings {version('xlwings')}")
    except Exception:
        return Finding(PROBLEM, "xlwings is not installed", "in a copy of the spso-xl repository: pip install .")


def addin_dirs(platform: str) -> list[Path]:
    """The folders Excel loads add-ins from at start (XLSTART), where `xlwings addin install` puts xlwings.xlam."""
    if platform.startswith("win"):
        return [Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / "Microsoft" / "Excel" / "XLSTART"]
    if platform == "darwin":
        return [Path.home() / "Library" / "Group Containers" / "UBF8T346G9.Office" / "User Content.localized"
                / "Startup.localized" / "Excel"]
    return []


def addin(platform: str) -> Finding:
    dirs = addin_dirs(platform)
    if not dirs:
        return Finding(NOTE, "the xlwings add-in runs in desktop Excel on Windows or Mac, not on this system",
                       "on that computer run: xlwings addin status")
    for folder in dirs:
        if (folder / "xlwings.xlam").is_file():
            return Finding(OK, f"the xlwings add-in is installed ({folder / 'xlwings.xlam'})")
    return Finding(PROBLEM, "the xlwings add-in is not installed", "xlwings addin install, then restart Excel")


def trust_center(platform: str) -> Finding:
    if platform == "darwin":
        return Finding(NOTE, "on a Mac the SI_ functions do not run (xlwings UDFs are Windows-only); the buttons do",
                       "spso-xl report computes the columns there, or use the xlwings Lite edition")
    if not platform.startswith("win"):
        return Finding(NOTE, f"Import Functions needs Excel's {TRUST} (it writes a VBA module into the workbook); "
                             f"not checkable on this system", TRUST_FIX.replace("in Excel", "in Windows Excel"))
    if _vbom_trusted():
        return Finding(OK, f"Excel's {TRUST} is on")
    return Finding(PROBLEM, f"Excel's {TRUST} is off, so Import Functions will fail", TRUST_FIX)


def _vbom_trusted() -> bool:
    """Excel's AccessVBOM setting (Office 2016 and later keep it under 16.0), user or group policy."""
    import winreg

    for root in (r"Software\Policies\Microsoft\Office\16.0\Excel\Security", r"Software\Microsoft\Office\16.0\Excel\Security"):
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, root) as key:
                return winreg.QueryValueEx(key, "AccessVBOM")[0] == 1
        except OSError:
            continue
    return False


# --- this tracker -----------------------------------------------------------------------------


def tracker_findings(path: Path, fix: bool) -> list[Finding]:
    if not path.is_file():
        return [Finding(PROBLEM, f"{path}: no such file", "give the path of the tracker workbook (.xlsm)")]
    if path.suffix.lower() != ".xlsm":
        return [Finding(PROBLEM, f"{path.name} is not a macro-enabled workbook, and desktop Excel's buttons and "
                                 f"Import Functions need one", "use the .xlsm tracker (spso-xl new si_tracker.xlsm "
                                 "makes one), or the xlwings Lite edition (.xlsx, spso-xl new --lite)")]
    return [entry_module(path, fix), *conf_sheet(path)]


def importable_name(stem: str) -> str:
    """The nearest name xlwings can import: 'si_tracker (1)' -> 'si_tracker_1'."""
    name = re.sub(r"\W+", "_", stem).strip("_") or "si_tracker"
    return name if name.isidentifier() and not name[0].isdigit() else f"tracker_{name}"


def entry_module(path: Path, fix: bool) -> Finding:
    """The buttons run `import <workbook name>; <workbook name>.main()`: the module must sit beside
    the workbook, named like it, and the name must be one Python can import."""
    stem = path.stem
    if not stem.isidentifier():
        better = importable_name(stem)
        return Finding(PROBLEM, f"the buttons import a Python module named like the workbook, and '{stem}' is not "
                                f"a name Python can import",
                       f"save the workbook as {better}.xlsm, then run: spso-xl doctor --fix {better}.xlsm")
    module = path.with_suffix(".py")
    if module.is_file():
        if "from macros import main" in module.read_text(encoding="utf-8", errors="replace"):
            return Finding(OK, f"{module.name} is beside the workbook")
        return Finding(PROBLEM, f"{module.name} does not call spso-xl's button handler",
                       f"replace it with the entry module spso-xl writes (move it away, then spso-xl doctor --fix "
                       f"{path.name})")
    if fix:
        atomic_write(module, lambda tmp: tmp.write_text(ENTRY_MODULE, encoding="utf-8"))
        return Finding(OK, f"wrote {module.name} beside the workbook (the buttons run it)")
    return Finding(PROBLEM, f"{module.name} is missing beside the workbook, so the buttons cannot run",
                   f"spso-xl doctor --fix {path.name} writes it")


def conf_rows(path: Path) -> list[list] | None:
    """The conf sheet's keys and values (A:B, the first CONF_ROWS rows), through the safe reader: a
    stray cell elsewhere on the sheet is never read. None when the workbook has no such sheet."""
    return read_range(path, CONF_SHEET, f"A1:B{CONF_ROWS}")


def conf_sheet(path: Path) -> list[Finding]:
    """xlwings reads the sheet's A:B from A1 down to the first blank key; each key overrides the ribbon."""
    rows = conf_rows(path)
    if rows is None:
        return [Finding(PROBLEM, f"the {CONF_SHEET} sheet is missing, so Import Functions looks for functions in "
                                 f"{path.stem}.py", "add the sheet with 'UDF Modules' in A1 and 'udfs' in B1")]
    keys: dict[str, object] = {}
    found = []
    blank_at = None
    for i, row in enumerate(rows, start=1):
        key = str(row[0]).strip() if row and row[0] not in (None, "") else ""
        value = row[1] if len(row) > 1 else ""
        if not key:
            blank_at = blank_at or i
            continue
        if blank_at:
            found.append(Finding(PROBLEM, f"{CONF_SHEET}: '{key}' in row {i} comes after the blank row {blank_at}, "
                                          f"where xlwings stops reading", "move it up: no blank rows between keys"))
            continue
        keys[key] = value
        if value in (None, "") or (isinstance(value, str) and not value.strip()):
            found.append(Finding(PROBLEM, f"{CONF_SHEET}: '{key}' is blank, and a blank key still overrides the "
                                          f"xlwings ribbon", f"delete row {i} or give it a value"))
    modules = str(keys.get("UDF Modules") or "").strip()
    if not modules:
        found.append(Finding(PROBLEM, f"{CONF_SHEET}: no 'UDF Modules', so Import Functions looks for functions in "
                                      f"{path.stem}.py", "add a row: UDF Modules | udfs"))
    else:
        missing = [m for m in modules.split(";") if m.strip() and importlib.util.find_spec(m.strip()) is None]
        found.append(Finding(PROBLEM, f"{CONF_SHEET}: the UDF module '{missing[0]}' cannot be imported by this Python",
                             "in a copy of the spso-xl repository: pip install .") if missing else
                     Finding(OK, f"{CONF_SHEET}: UDF Modules '{modules}' imports"))
    for key in ("Interpreter_Win", "Interpreter_Mac"):
        value = str(keys.get(key) or "").strip()
        here = sys.platform.startswith("win") if key == "Interpreter_Win" else sys.platform == "darwin"
        if value and here and not Path(os.path.expandvars(value)).is_file():
            found.append(Finding(PROBLEM, f"{CONF_SHEET}: {key} '{value}' does not exist on this computer",
                                 f"give the full path of python{'.exe' if key.endswith('Win') else ''}, "
                                 f"e.g. {sys.executable}"))
    return found


# --- an xlwings Lite tracker --------------------------------------------------------------------

WE = "{http://schemas.microsoft.com/office/webextensions/webextension/2010/11}"


def lite_findings(path: Path, fix: bool = False) -> list[Finding]:
    """What xlwings Lite needs, checked from the file and the folder it came in."""
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            types = z.read("[Content_Types].xml").decode("utf-8", "replace")
            props = _lite_properties(z)
    except (zipfile.BadZipFile, KeyError, OSError) as e:
        return [Finding(PROBLEM, f"{path.name} is not a workbook Excel can open ({e})", "use the .xlsx spso-xl new --lite wrote")]
    found = [Finding(NOTE, "xlwings Lite needs nothing on this computer but the add-in from Excel's store (no Python, "
                           "no xlwings.xlam, no Trust Center setting)", "in Excel: Home > Add-ins, search for xlwings")]
    if "xl/vbaProject.bin" in names or "macroEnabled" in types:
        found.append(Finding(PROBLEM, f"{path.name} holds macros, which a .xlsx cannot keep and xlwings Lite does not use",
                             "build the Lite edition afresh: spso-xl new --lite NAME.xlsx"))
    else:
        found.append(Finding(OK, "no macros, as xlwings Lite expects (no VBA for IT to allow)"))
    found.append(_calc_formula(path))
    found += _carried(path, props, fix)
    found.append(_spso_code(path, props.get("requirements.txt") or _beside(path, "requirements.txt")))
    templates = path.parent / "templates"
    if any(templates.glob("*level*.docx")):
        found.append(Finding(OK, "the 'templates' folder is beside the workbook: drop it under xlwings Lite's Files "
                                 "once per computer (menu > Files > Import/Export)"))
    else:
        found.append(Finding(PROBLEM, "no 'templates' folder with the letter templates beside the workbook, so "
                                      "Generate letters has nothing to upload",
                             "copy the templates folder that came with the tracker here (spso-xl new --lite writes it)"))
    found.append(Finding(NOTE, "in Excel, run the script 'Enter formulas' once per workbook (it ties SI_CASES to "
                               "xlwings Lite); what Lite's Files area holds is checked only there",
                         "xlwings Lite menu > Files shows 'personal' and 'templates'"))
    return found


def _lite_properties(z: zipfile.ZipFile) -> dict:
    """The xlwings Lite add-in's document settings stored in the workbook ({} when none)."""
    for name in z.namelist():
        if re.fullmatch(r"xl/webextensions/webextension\d+\.xml", name):
            root = ElementTree.fromstring(z.read(name))
            ref = root.find(f"{WE}reference")
            if ref is not None and (ref.get("id") or "").upper() == lite_edition.ADDIN_STORE_ID:
                out = {}
                for p in root.iter(f"{WE}property"):
                    try:
                        out[p.get("name")] = json.loads(p.get("value") or "null")
                    except ValueError:
                        continue
                return out
    return {}


def _beside(path: Path, name: str) -> str:
    file = path.parent / name
    return file.read_text(encoding="utf-8", errors="replace") if file.is_file() else ""


def _calc_formula(path: Path) -> Finding:
    with Package(path) as package:
        part = package.sheets.get(schema.CALC_SHEET)
        xml = package.read(part).decode("utf-8", "replace") if part else ""
    if "SI_CASES(" in xml:
        return Finding(OK, f"the {schema.CALC_SHEET} sheet holds the SI_CASES formula the grey columns pick from")
    return Finding(PROBLEM, f"no SI_CASES formula on a '{schema.CALC_SHEET}' sheet, so the grey columns on Cases "
                            f"cannot calculate", "in Excel run the script 'Enter formulas', or build the tracker afresh")


def _carried(path: Path, props: dict, fix: bool) -> list[Finding]:
    """main.py and requirements.txt: in the workbook (the pane opens with them), else beside it to paste."""
    found = []
    main = str(props.get("main.py") or "")
    if "from macros.lite import" in main and "from udfs import" in main:
        found.append(Finding(OK, "the workbook carries spso-xl's main.py and requirements.txt for xlwings Lite, where "
                                 "Lite keeps a workbook's code"))
    elif (path.parent / "main.py").is_file():
        found.append(Finding(NOTE, "the workbook does not carry spso-xl's main.py (a tracker built before it did)",
                             "paste the main.py beside it into the xlwings Lite pane's main.py tab, once"))
    elif fix:
        lite_edition.write_beside(path.parent)
        found.append(Finding(OK, "wrote main.py, requirements.txt and the 'personal' folder beside the workbook: "
                                 "paste the first two into the xlwings Lite pane's tabs, once"))
    else:
        found.append(Finding(PROBLEM, "neither the workbook nor its folder holds spso-xl's main.py for xlwings Lite",
                             f"spso-xl doctor --fix {path.name} writes it beside the workbook"))
    requirements = str(props.get("requirements.txt") or _beside(path, "requirements.txt"))
    listed = {re.split(r"[<>=!~\[ ;#]", line.strip())[0].lower() for line in requirements.splitlines() if line.strip()}
    missing = [r for r in lite_edition.REQUIREMENTS if re.split(r"[<>=!~\[ ;]", r)[0].lower() not in listed]
    if missing:
        found.append(Finding(PROBLEM, f"xlwings Lite's requirements.txt lacks {', '.join(missing)}, which spso-xl "
                                      f"needs", "add the lines of the requirements.txt beside the workbook to the "
                                                "pane's requirements.txt tab"))
    else:
        found.append(Finding(OK, "requirements.txt lists the packages spso-xl needs in xlwings Lite"))
    return found


def _spso_code(path: Path, requirements: str) -> Finding:
    """spso-xl's own code reaches Lite as its wheel (an address in requirements.txt) or as personal modules."""
    wheel = next((line.strip() for line in requirements.splitlines()
                  if line.strip().lower().startswith(("http://", "https://")) and "spso_xl" in line), None)
    if wheel:
        return Finding(OK, f"requirements.txt installs spso-xl from {wheel}",
                       "the server must allow the add-in's origin (CORS); only Excel can confirm it loads")
    personal = path.parent / "personal"
    if all((personal / name / "__init__.py").is_file() for name in lite_edition.PACKAGES):
        return Finding(OK, "the 'personal' folder (spso-xl's code) is beside the workbook: drop it under xlwings "
                           "Lite's Files once per computer, then menu > Restart")
    return Finding(PROBLEM, "spso-xl's code has no way into xlwings Lite: no wheel address in requirements.txt and "
                            "no 'personal' folder beside the workbook",
                   f"spso-xl doctor --fix {path.name} writes the folder (or put the wheel's address in requirements.txt)")

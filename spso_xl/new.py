"""A new tracker and what its edition needs beside it (DESIGN §3, §14): the workbook
(`tracker.build`), the classic edition's entry module or the Lite edition's files, and an editable
copy of the letter templates. `spso-xl new` and `spso-xl demo` call it."""

from __future__ import annotations

import datetime as dt
import keyword
import re
from pathlib import Path

from spso_xl.errors import InputError
from spso_xl.letters.templates import copy_templates
from spso_xl.safewrite import atomic_write
from spso_xl.tracker import lite_edition
from spso_xl.tracker.build import EDITIONS, ENTRY_MODULE, build_workbook, default_rows

_TAKEN = {"macros", "udfs", "spso_xl", "xlwings", "pandas", "numpy", "openpyxl"}  # modules the entry module needs


def build_tracker(path: Path, rows: dict[str, list[dict]] | None = None, as_of: dt.date | None = None,
                  edition: str = "classic", wheel_url: str | None = None) -> Path:
    """Write a tracker to `path`, and beside it what its edition needs; `rows` replace the defaults per sheet.

    classic: a macro-enabled .xlsm with xlwings' VBA and buttons, and its entry module (NAME.py).
    lite: a macro-free .xlsx for xlwings Lite, with main.py, requirements.txt and the personal
    modules folder (spso_xl.tracker.lite_edition); `wheel_url`, the web address the team serves the
    spso-xl wheel from, goes into the requirements.txt the workbook carries (then nobody uploads the
    personal folder). Both get an editable copy of the letter templates.
    """
    path = Path(path)
    if edition not in EDITIONS:
        raise ValueError(f"{edition!r} is not an edition: use {' or '.join(EDITIONS)}")
    if edition == "lite" and path.suffix.lower() != ".xlsx":
        raise InputError("NAME", f"{path.name}: the xlwings Lite edition has no macros, name it .xlsx ({path.stem}.xlsx)",
                         str(path))
    if edition == "classic" and path.suffix.lower() != ".xlsm":
        raise InputError("NAME", f"{path.name}: a tracker is a macro-enabled workbook: name it {path.stem}.xlsm "
                                 f"(or build the xlwings Lite edition, a .xlsx, with --lite)", str(path))
    if edition == "classic" and (not path.stem.isidentifier() or keyword.iskeyword(path.stem) or path.stem in _TAKEN):
        fixed = re.sub(r"\W+", "_", path.stem).strip("_") or "si_tracker"
        fixed = fixed if fixed.isidentifier() and fixed not in _TAKEN and not keyword.iskeyword(fixed) else f"si_{fixed}"
        raise InputError("NAME", f"{path.name}: Excel's Python (xlwings) imports a module named like the workbook, so "
                                 f"the name may hold only letters, digits and underscores, must not start with a "
                                 f"digit and must not be a name Python already uses: e.g. {fixed}.xlsm", str(path))
    if wheel_url is not None and (edition != "lite" or not re.fullmatch(r"https://\S+\.whl", wheel_url)):
        raise InputError("URL", f"{wheel_url}: the spso-xl wheel's address is for the xlwings Lite edition, and "
                                f"is an https:// address ending in .whl", wheel_url)
    as_of = as_of or dt.date.today()
    data = default_rows(as_of) | (rows or {})
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda tmp: build_workbook(tmp, data, as_of, edition, wheel_url))
    if edition == "classic":
        atomic_write(path.with_suffix(".py"), lambda tmp: tmp.write_text(ENTRY_MODULE, encoding="utf-8"))
    else:
        lite_edition.write_beside(path.parent, wheel_url)
    copy_templates(path.parent / "templates")
    return path

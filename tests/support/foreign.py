"""A corpus of foreign trackers (DESIGN §13 "Any valid workbook"): the demo tracker as other tools
and people leave it, each valid and holding the same cases.

`BUILDERS` maps a name to a function (our tracker, a folder) -> the foreign tracker written in that
folder, so the corpus grows by adding a named builder (renamed tabs, Total Rows and far table refs
belong in it too). `ForeignTrackers` builds each once per session; tests work on copies.

- openpyxl / openpyxl-xlsx: re-saved by a colleague's openpyxl script (it declares the relationships
  namespace on each <sheet>, not the root);
- openpyxl-extended: that script also added a hidden sheet, a table of the user's own on a sheet of
  its own, and a column of the user's own right of the Cases table;
- libreoffice-xlsx / libreoffice-xlsm: re-saved by LibreOffice headless (a private user profile);
- whitespace: newlines and tabs between attributes, single-quoted attributes, XML comments between
  rows and between cells;
- prefixed: the SpreadsheetML namespace under the prefix x: in every part, the relationships
  namespace declared on each element that uses it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.table import Table, TableStyleInfo

from tests.support.dates import AS_OF

DAY = AS_OF.strftime("%d/%m/%Y")
# Every command that writes into a tracker, as a user runs it on the demo tracker ({p}: the tracker).
COMMANDS = {
    "letters": ["letters", "{p}", "--due", "--as-of", DAY],
    "chase": ["chase", "{p}", "--ref", "SI-2026-005", "--as-of", DAY],
    "escalate": ["escalate", "{p}", "--ref", "SI-2026-010", "--as-of", DAY],
    "refresh": ["refresh", "{p}", "--as-of", DAY],
    "summary": ["summary", "{p}", "--quarter", "2026-27Q2", "--as-of", DAY],
    "upgrade": ["upgrade", "{p}"],
}
MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _beside(source: Path, folder: Path, name: str) -> Path:
    """Where a builder writes: `folder`/`name`, with the templates and entry module beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    if (source.parent / "templates").is_dir() and not (folder / "templates").exists():
        shutil.copytree(source.parent / "templates", folder / "templates")
    target = folder / name
    if source.with_suffix(".py").exists():
        shutil.copy2(source.with_suffix(".py"), target.with_suffix(".py"))
    return target


def ours(source: Path, folder: Path) -> Path:
    target = _beside(source, folder, source.name)
    shutil.copy2(source, target)
    return target


def by_openpyxl(source: Path, folder: Path) -> Path:
    target = _beside(source, folder, source.name)
    openpyxl.load_workbook(source, keep_vba=True).save(target)
    return target


def by_openpyxl_xlsx(source: Path, folder: Path) -> Path:
    target = _beside(source, folder, source.stem + ".xlsx")
    openpyxl.load_workbook(source).save(target)
    return target


def by_openpyxl_extended(source: Path, folder: Path) -> Path:
    """What a user adds: a hidden sheet, a table of their own on a sheet of its own, and a column of
    their own right of the Cases table."""
    target = _beside(source, folder, source.name)
    wb = openpyxl.load_workbook(source, keep_vba=True)
    hidden = wb.create_sheet("Old notes")
    hidden["A1"] = "kept out of sight"
    hidden.sheet_state = "hidden"
    mine = wb.create_sheet("Budget")
    for row in (["Item", "Cost"], ["Post", 12.5], ["Print", 3]):
        mine.append(row)
    table = Table(displayName="Budget", ref="A1:B3")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    mine.add_table(table)
    cases = wb["Cases"]
    col = cases.max_column + 2
    header_row = next(r for r in range(1, 10) if cases.cell(r, 1).value == "Ref")
    cases.cell(header_row, col, "My column")
    for r in range(header_row + 1, header_row + 4):
        cases.cell(r, col, f"mine {r}")
    wb.save(target)
    return target


def _soffice(source: Path, folder: Path, suffix: str, filter_name: str) -> Path:
    soffice = shutil.which("soffice")
    if soffice is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is required on CI: .ci/run installs it")
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc")
    target = _beside(source, folder, source.stem + suffix)
    work = folder / "lo-out"
    work.mkdir(exist_ok=True)
    profile = folder / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
                    "--convert-to", f"{suffix[1:]}:{filter_name}", "--outdir", str(work), str(source)],
                   check=True, capture_output=True, timeout=240)
    shutil.move(work / (source.stem + suffix), target)
    return target


def by_libreoffice_xlsx(source: Path, folder: Path) -> Path:
    return _soffice(source, folder, ".xlsx", "Calc MS Excel 2007 XML")


def by_libreoffice_xlsm(source: Path, folder: Path) -> Path:
    return _soffice(source, folder, ".xlsm", "Calc MS Excel 2007 VBA XML")


def _rewrite(source: Path, target: Path, change) -> Path:
    """A copy of `source` with `change(name, data)` applied to every XML part."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith((".xml", ".rels")):
                data = change(info.filename, data)
            dst.writestr(info, data)
    return target


_ATTR = re.compile(rb'(<[A-Za-z][\w:.-]*|"|\')\s+([\w:.-]+)="([^"<]*)"')


def _odd_whitespace(name: str, data: bytes) -> bytes:
    """Each attribute after the first put on a new line, every third in single quotes; comments
    between rows and between cells."""
    k = [0]

    def attribute(m):
        k[0] += 1
        value = m.group(3)
        quoted = b"'" + value + b"'" if k[0] % 3 == 0 and b"'" not in value else b'"' + value + b'"'
        return m.group(1) + (b"\n\t " if k[0] % 2 else b" \r\n") + m.group(2) + b" = " + quoted

    head = re.match(rb"<\?xml[^>]*\?>", data)
    prolog = head.group(0) if head else b""
    body = data[len(prolog):]
    for _ in range(3):  # attributes follow one another: each pass moves one more to a line of its own
        body = _ATTR.sub(attribute, body)
    if name.startswith("xl/worksheets/sheet"):
        body = re.sub(rb"(</row>)", rb"\1<!-- a row ends: <row r='999999'> -->", body)
        body = re.sub(rb"(</c>)(<c\b)", rb"\1<!-- <c r='XFD1'/> -->\2", body)
    return prolog + body


def with_odd_whitespace(source: Path, folder: Path) -> Path:
    return _rewrite(source, _beside(source, folder, source.name), _odd_whitespace)


def _prefixed(name: str, data: bytes) -> bytes:
    """The SpreadsheetML namespace under x: (elements renamed), the r prefix declared per element."""
    if b'xmlns="' + MAIN + b'"' not in data[:2000]:
        return data
    data = data.replace(b'xmlns="' + MAIN + b'"', b'xmlns:x="' + MAIN + b'"', 1)
    data = re.sub(rb"<(/?)([A-Za-z][\w.-]*)(?=[\s/>])", lambda m: b"<" + m.group(1) + b"x:" + m.group(2), data)
    declared = b' xmlns:r="' + REL + b'"'
    if declared in data[:3000]:
        data = data.replace(declared, b"", 1)
        data = re.sub(rb"<(x:[\w.-]+)(\s[^>]*?\br:[\w]+=)", lambda m: b"<" + m.group(1) + declared + m.group(2), data)
    return data


def with_prefixes(source: Path, folder: Path) -> Path:
    return _rewrite(source, _beside(source, folder, source.name), _prefixed)


BUILDERS = {
    "ours": ours,
    "openpyxl": by_openpyxl,
    "openpyxl-xlsx": by_openpyxl_xlsx,
    "openpyxl-extended": by_openpyxl_extended,
    "libreoffice-xlsx": by_libreoffice_xlsx,
    "libreoffice-xlsm": by_libreoffice_xlsm,
    "whitespace": with_odd_whitespace,
    "prefixed": with_prefixes,
}


class ForeignTrackers:
    """Each foreign tracker built once per session from our tracker: `foreign(name)`. Shared: read it,
    never change it; a test that writes works on `copy(name, folder)`."""

    def __init__(self, source: Path, tmp_path_factory):
        self.source, self._mktemp = source, tmp_path_factory.mktemp
        self._built: dict[str, Path] = {}

    def __call__(self, name: str) -> Path:
        if name not in self._built:
            self._built[name] = BUILDERS[name](self.source, self._mktemp(f"foreign-{name}"))
        return self._built[name]

    def copy(self, name: str, folder: Path) -> Path:
        built = self(name)
        shutil.copytree(built.parent, folder, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("lo-profile", "lo-out", "backups", "letters"))
        return folder / built.name

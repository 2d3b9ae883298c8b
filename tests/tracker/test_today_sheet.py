"""The Today sheet (DESIGN §15): native dynamic-array formulas over the Cases table, no Python call, the
same lists as `spso-xl digest`, in both editions.

Three readings: the formulas as the file stores them (the _xlfn./_xlws. prefixes and the dynamic-array
metadata Excel needs, as the Calc spill has them); the cached values (what a reader that does not
recalculate shows: the lists on the build date); and LibreOffice 24.8 or later recalculating the
formulas. FILTER and SORT arrived in LibreOffice 24.8: with an older one (Debian 12 ships 7.4) the last
test is skipped unless SPSO_SOFFICE names a newer soffice (e.g. one unpacked from bookworm-backports)."""

import csv
import os
import re
import shutil
import subprocess
import zipfile

import openpyxl
import pytest

from spso_xl.new import build_tracker
from spso_xl.reminders.digest import build_digest
from spso_xl.tracker import schema, today
from spso_xl.tracker.read import read_tracker
from spso_xl.tracker.sample import demo_rows
from tests.reminders.test_digest import DAY, planted_rows
from tests.support import xlsx_parts as xp
from tests.support.dates import AS_OF
from tests.support.workbook_formulas import Workbook

ON_TODAY = [s for s in today.SECTIONS if today.on_today(s)]
WIDTH = len(today.COLUMNS) + 1
FIRST = 8  # the Excel row each list starts on


def test_the_sections_on_today_are_the_digests_but_letters():
    assert [s.key for s in ON_TODAY] == [s.key for s in today.SECTIONS if s.key != "letters"]


@pytest.mark.parametrize("edition", ["classic", "lite"])
def test_today_formulas_are_native_dynamic_arrays(edition, tmp_path):
    name = "si_tracker.xlsm" if edition == "classic" else "si_tracker.xlsx"
    path = build_tracker(tmp_path / name, demo_rows(AS_OF), as_of=AS_OF, edition=edition)
    xml = xp.parts(path)[xp.sheet_parts(path)[today.TODAY_SHEET]].decode()
    wb = Workbook(path)
    cells = {(r, c): f for (sheet, r, c), f in wb.cells.items() if sheet == today.TODAY_SHEET}
    columns = [1 + k * WIDTH for k in range(len(ON_TODAY))]
    assert sorted(c for r, c in cells if r == FIRST) == columns  # one list per section, side by side
    assert sorted(c for r, c in cells if r == 5) == columns  # its title with the count
    for (r, c), f in cells.items():
        if r == FIRST:
            assert f.startswith("IFERROR(_xlfn._xlws.SORT(_xlfn._xlws.FILTER(CHOOSE({1,2,3,4,5,6,7},")  # as Excel writes it
        assert not re.search(r"(?<!_xlfn\.)(?<!_xlws\.)\b(FILTER|SORT)\(", f)  # never without the prefix
        assert not any(fn.startswith("SI_") for fn in wb.functions(f))  # no Python call
        assert {ref.kind for ref in wb.references(f, (today.TODAY_SHEET, r, c))} <= {"table", "name", "cells"}
        assert all(ref.rects for ref in wb.references(f, (today.TODAY_SHEET, r, c)))  # every reference resolves
    # each list and title is a dynamic array: cm= ties it to xl/metadata.xml's XLDAPR, as the Calc spill is
    dynamic = {(col, int(row)) for col, row in re.findall(r'<c r="([A-Z]+)(\d+)"[^>]*\bcm="1"[^>]*><f t="array"', xml)}
    assert dynamic == {(re.sub(r"\d", "", openpyxl.utils.get_column_letter(c)), r) for r, c in cells if r != 3}
    assert b"XLDAPR" in xp.parts(path)["xl/metadata.xml"]
    assert wb.names[today.OWNER_CELL] == f"{today.TODAY_SHEET}!$E$3"
    assert openpyxl.load_workbook(path)[today.TODAY_SHEET]["A1"].value == "Today: the day's lists"


def listed(grid: list[list], key: str) -> list[str]:
    """The Refs a Today list shows, read from the sheet's cells (rows from FIRST), 'none' as []."""
    k = [s.key for s in ON_TODAY].index(key)
    refs = []
    for row in grid[FIRST - 1:]:
        value = row[k * WIDTH] if len(row) > k * WIDTH else None
        if value in (None, "", today.NONE, "#N/A"):  # #N/A: LibreOffice fills an array's cells past its result
            break
        refs.append(str(value))
    return refs


def digest_lists(path, day, owner=None) -> dict[str, list[str]]:
    d = build_digest(read_tracker(path), day, owner)
    return {s.key: [i.ref for i in d.sections[s.key]] for s in ON_TODAY}


def test_cached_lists_are_the_digests_on_the_build_date(demo_tracker):
    ws = openpyxl.load_workbook(demo_tracker, data_only=True)[today.TODAY_SHEET]
    grid = [list(r) for r in ws.iter_rows(values_only=True)]
    want = digest_lists(demo_tracker, AS_OF)
    assert {s.key: listed(grid, s.key) for s in ON_TODAY} == want
    assert any(want.values())
    for k, s in enumerate(ON_TODAY):
        assert grid[4][k * WIDTH] == f"{s.title} ({len(want[s.key])})"
        assert grid[5][k * WIDTH] == s.meaning
    assert ws["A3"].value.startswith(f"Stored on {AS_OF:%d/%m/%Y}")  # no TODAY(): LibreOffice would recalculate it


# --- LibreOffice recalculates the formulas ------------------------------------------------------------


def new_enough_soffice() -> str | None:
    """A soffice with FILTER and SORT (LibreOffice 24.8+): SPSO_SOFFICE, else the installed one if new enough."""
    for exe in (os.environ.get("SPSO_SOFFICE"), shutil.which("soffice")):
        if not exe:
            continue
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=120).stdout
        if m := re.search(r"LibreOffice (\d+)\.(\d+)", out):
            if (int(m[1]), int(m[2])) >= (24, 8):
                return exe
    return None


ALWAYS_RECALCULATE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse">
<value>en-GB</value></prop></item>
</oor:items>
"""


def with_computed_values(source, target, owner: str | None = None):
    """A copy of the tracker as Excel with the add-in leaves it: the Cases computed columns hold the values
    SI_CASES gave (the picks' cached values, their formulas removed; LibreOffice has no SI_ functions), the
    Today formulas untouched, and the owner typed into the Today sheet's owner cell."""
    parts = xp.sheet_parts(source)
    cases, calc, sheet = parts["Cases"], parts[schema.CALC_SHEET], parts[today.TODAY_SHEET]
    with zipfile.ZipFile(source) as z, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            data = z.read(info)
            if info.filename in (cases, calc):
                text = data.decode()
                text = re.sub(r'(<c [^>]*?)\s+cm="1"([^>]*>)<f [^>]*>[^<]*</f>', r"\1\2", text)
                data = text.encode()
            if info.filename == sheet:  # the lists' cached cells go: what LibreOffice shows, it computed
                data = re.sub(rb'<c r="[A-Z]+(\d+)"[^>]*?(?:/>|>(?:(?!<f)(?!</c>).)*</c>)',
                              lambda m: b"" if int(m[1]) >= FIRST and b"<f" not in m[0] else m[0], data)
            if info.filename == sheet and owner:
                data = re.sub(rb'<c r="E3"([^>]*)/>', f'<c r="E3"\\1 t="inlineStr"><is><t>{owner}</t></is></c>'.encode(),
                              data)
            out.writestr(info, data)
    assert b"ANCHORARRAY" not in zipfile.ZipFile(target).read(cases)
    return target


def recalculated(path, soffice, tmp_path) -> list[list[str]]:
    """The Today sheet's cells after LibreOffice loads the file, recalculating every formula."""
    profile = tmp_path / "profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(ALWAYS_RECALCULATE)
    outdir = tmp_path / "csv"
    sheet = list(xp.sheet_parts(path)).index(today.TODAY_SHEET) + 1
    run = subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                          "--convert-to", f"csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,"
                                          f"{sheet}", "--outdir", str(outdir), str(path)],
                         capture_output=True, text=True, timeout=600, env={**os.environ, "HOME": str(profile)})
    [out] = list(outdir.glob("*.csv")) or pytest.fail(f"LibreOffice wrote nothing: {run.stderr}")
    with open(out, newline="", encoding="utf-8") as f:
        return [[v if v != "" else None for v in row] for row in csv.reader(f)]


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """tests/reminders' planted tracker: a case in every section, a chaser due and a row to check among them."""
    return build_tracker(tmp_path_factory.mktemp("planted") / "si_tracker.xlsm", planted_rows(), as_of=DAY)


def test_cached_lists_of_the_planted_tracker(planted):
    ws = openpyxl.load_workbook(planted, data_only=True)[today.TODAY_SHEET]
    grid = [list(r) for r in ws.iter_rows(values_only=True)]
    want = digest_lists(planted, DAY)
    assert {s.key: listed(grid, s.key) for s in ON_TODAY} == want
    assert all(want.values())  # every section on the sheet has a case


@pytest.mark.libreoffice
@pytest.mark.parametrize("which, owner", [("demo", None), ("demo", "JR"), ("planted", None), ("planted", "am")])
def test_libreoffice_computes_the_same_lists_as_the_digest(which, owner, demo_tracker, planted, tmp_path):
    soffice = new_enough_soffice()
    if soffice is None:
        pytest.skip("needs LibreOffice 24.8+ (FILTER, SORT): set SPSO_SOFFICE to one")
    tracker, day = (demo_tracker, AS_OF) if which == "demo" else (planted, DAY)
    copy = with_computed_values(tracker, tmp_path / "computed.xlsm", owner)
    grid = recalculated(copy, soffice, tmp_path)
    want = digest_lists(tracker, day, owner)
    assert {s.key: listed(grid, s.key) for s in ON_TODAY} == want
    assert sum(map(len, want.values())) >= (2 if owner else 6)
    k = [s.key for s in ON_TODAY].index("overdue")
    first = grid[FIRST - 1][k * WIDTH: k * WIDTH + len(today.COLUMNS)]
    digest = build_digest(read_tracker(tracker), day, owner)
    item = digest.sections["overdue"][0]
    assert first[:5] == [item.ref, item.organisation, str(item.level), f"{item.due:%d/%m/%Y}", str(item.days_overdue)]
    assert first[6] == item.reason

"""Every write command on every tracker of the foreign corpus (tests/support/foreign.py: ours as
openpyxl, LibreOffice and people leave it, in other XML shapes) (DESIGN §13 "Any valid workbook").

The oracle is our own tracker: the same command on it says what the right change is. On a foreign
tracker the command must exit as it does on ours, pass the write gate, leave every cell that the
command changes on either tracker holding what it holds on ours afterwards, and change nothing else
(every other cell by value, every part it does not own byte for byte); or it is refused with one
line and the file left byte-identical."""

from __future__ import annotations

import datetime as dt
import zipfile

import openpyxl
import pytest

from spso_xl.cli import main
from spso_xl.xlsx.gate import check_file
from tests.support.foreign import BUILDERS, COMMANDS

FOREIGN = [name for name in BUILDERS if name != "ours"]


def run(command: str, path, capsys) -> tuple[int, str]:
    capsys.readouterr()
    code = main([a.format(p=path) for a in COMMANDS[command]])
    return code, capsys.readouterr().err


def values(path) -> dict[str, dict[tuple[int, int], object]]:
    """Every sheet's cells by value (cached values for formulas), as a reader without Excel sees them (the
    file's own name, which a summary quotes, as TRACKER)."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    out = {}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for cell in row:
                if getattr(cell, "value", None) not in (None, ""):
                    value = _plain(cell.value)
                    cells[(cell.row, cell.column)] = value.replace(path.name, "TRACKER") \
                        if isinstance(value, str) else value
        out[ws.title] = cells
    wb.close()
    return out


def _plain(value):
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def changed_cells(before: dict, after: dict) -> dict[str, set]:
    out = {}
    for sheet in set(before) | set(after):
        b, a = before.get(sheet, {}), after.get(sheet, {})
        out[sheet] = {k for k in set(b) | set(a) if b.get(k) != a.get(k)}
    return out


@pytest.fixture(scope="module")
def on_ours(foreign, tmp_path_factory):
    """command -> (exit code, cells before, cells after) of the command on our own tracker."""
    done = {}

    def get(command, capsys):
        if command not in done:
            path = foreign.copy("ours", tmp_path_factory.mktemp(f"ours-{command}"))
            before = values(path)
            code, _ = run(command, path, capsys)
            done[command] = code, before, values(path)
        return done[command]
    return get


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("name", FOREIGN)
def test_a_command_changes_a_foreign_tracker_as_it_changes_ours(foreign, on_ours, name, command, tmp_path, capsys):
    path = foreign.copy(name, tmp_path)
    original = path.read_bytes()
    problems_before = set(check_file(path))
    before = values(path)
    code, err = run(command, path, capsys)
    if path.read_bytes() == original:  # refused, or nothing to do: said in one line, nothing touched
        assert code == 0 or (err.strip() and "\n" not in err.strip()), err
        ours_code, ours_before, ours_after = on_ours(command, capsys)
        assert ours_before == ours_after or code != 0, f"{command} changed our tracker but not the {name} one"
        return
    ours_code, ours_before, ours_after = on_ours(command, capsys)
    assert code == ours_code, err
    assert set(check_file(path)) <= problems_before, "the write gate let a damaged file through"
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
    after = values(path)
    mine, theirs = changed_cells(before, after), changed_cells(ours_before, ours_after)
    for sheet in after:
        if sheet not in ours_after:  # the user's own sheets: untouched
            assert sheet not in before or after[sheet] == before[sheet], sheet
            continue
        at = mine.get(sheet, set()) | theirs.get(sheet, set())
        wrong = {k: (after[sheet].get(k), ours_after[sheet].get(k)) for k in at
                 if after[sheet].get(k) != ours_after[sheet].get(k) and k[1] <= max(c for _, c in ours_after[sheet])}
        assert not wrong, f"{sheet}: cells that differ from the same command on our tracker: {sorted(wrong.items())[:5]}"
        extra = {k for k in set(before.get(sheet, {})) | set(after[sheet])
                 if k[1] > max((c for _, c in ours_after[sheet]), default=0)}
        assert all(before.get(sheet, {}).get(k) == after[sheet].get(k) for k in extra), \
            f"{sheet}: the user's own cells right of ours changed"


def test_the_corpus_is_what_it_says(foreign):
    """Each builder made what its name promises (else the test above would prove nothing)."""
    assert b'<sheet xmlns:r="' in zipfile.ZipFile(foreign("openpyxl")).read("xl/workbook.xml")
    sheet = zipfile.ZipFile(foreign("whitespace")).read("xl/worksheets/sheet2.xml")
    assert b"<!--" in sheet and b"\n\t r" in sheet and b"='" in sheet
    wb = zipfile.ZipFile(foreign("prefixed")).read("xl/workbook.xml")
    assert b"<x:sheet " in wb and wb.count(b'xmlns:r="') > 1
    extended = openpyxl.load_workbook(foreign("openpyxl-extended"), read_only=True)
    assert extended["Old notes"].sheet_state == "hidden" and "Budget" in extended.sheetnames

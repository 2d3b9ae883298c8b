"""The safe write path: atomic, backed up, refuses open workbooks, preserves what it does not own."""

import datetime as dt
import os

import openpyxl
import pytest

from spso_xl.safewrite import WriteRefused, append_rows, atomic_write, update_tracker
from tests import xlsx_parts as xp

ROW = {"Date": dt.date(2026, 11, 23), "Ref": "SI-1", "Level": 2, "Action": "Chaser", "By": "AB", "Notes": "Rang"}


def _append(wb):
    append_rows(wb, "Actions", [ROW, ROW | {"Ref": "SI-2"}])


def test_preserves_everything_it_does_not_own(built_tracker, tracker):
    update_tracker(tracker, _append)
    before, after = xp.parts(built_tracker), xp.parts(tracker)

    assert after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"]
    assert xp.buttons(tracker) == xp.buttons(built_tracker) == [("Build summary", "[0]!SampleCall"),
                                                                 ("Run action", "[0]!SampleCall")]
    assert list(xp.sheet_parts(tracker)) == list(xp.sheet_parts(built_tracker))
    tables_before, tables_after = xp.tables(built_tracker), xp.tables(tracker)
    assert (tables_before.pop("Actions"), tables_after.pop("Actions")) == ("A1:G2", "A1:G3")
    assert tables_after == tables_before
    assert xp.defined_names(tracker) == xp.defined_names(built_tracker)
    for sheet in ("Cases", "Summary", "Findings", "Holidays", "Actions", "Settings"):
        for element in ("dataValidation", "conditionalFormatting", "legacyDrawing"):
            assert xp.count(tracker, sheet, element) == xp.count(built_tracker, sheet, element), (sheet, element)
    wb = openpyxl.load_workbook(tracker)
    assert [c.value for c in wb["Actions"][2]][:4] == [dt.datetime(2026, 11, 23), "SI-1", 2, "Chaser"]
    assert wb["Actions"]["B3"].value == "SI-2"
    assert wb["Cases"]["V4"].value.text.startswith("=INDEX(_xlfn.ANCHORARRAY(Calc!$A$2),")


def test_backup_is_the_original(tracker):
    original = tracker.read_bytes()
    saved = update_tracker(tracker, _append)
    assert saved.parent.name == "backups" and saved.read_bytes() == original


@pytest.mark.parametrize("lock", ["~$si_tracker.xlsm", "~$_tracker.xlsm", ".~lock.si_tracker.xlsm#"])
def test_refuses_a_workbook_open_elsewhere(tracker, lock):
    original = tracker.read_bytes()
    (tracker.parent / lock).write_text("owner")
    with pytest.raises(WriteRefused, match="open in Excel"):
        update_tracker(tracker, _append)
    assert tracker.read_bytes() == original
    assert not (tracker.parent / "backups").exists()


def test_a_failed_save_leaves_the_original_and_no_temp_file(tracker, monkeypatch):
    original = tracker.read_bytes()

    def boom(self, filename):
        with open(filename, "wb") as f:
            f.write(b"PK\x03\x04 half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(openpyxl.Workbook, "save", boom)
    with pytest.raises(OSError, match="No space"):
        update_tracker(tracker, _append)
    assert tracker.read_bytes() == original
    assert sorted(p.name for p in tracker.parent.iterdir()) == ["backups", "si_tracker.py", "si_tracker.xlsm"]


def test_a_failed_replace_leaves_the_original(tracker, monkeypatch):
    original = tracker.read_bytes()
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError("replace failed")))
    with pytest.raises(OSError, match="replace failed"):
        update_tracker(tracker, _append)
    assert tracker.read_bytes() == original
    assert not [p for p in tracker.parent.iterdir() if p.name.endswith(".tmp")]


def test_never_overwrite_means_never(tmp_path):
    target = tmp_path / "letter.docx"
    target.write_bytes(b"first")
    with pytest.raises(FileExistsError):
        atomic_write(target, lambda p: p.write_bytes(b"second"), overwrite=False)
    assert target.read_bytes() == b"first" and list(tmp_path.iterdir()) == [target]


def test_rows_typed_below_the_table_are_kept(tracker):
    def typed_then_append(wb):
        wb["Actions"]["B3"] = "typed below"
    update_tracker(tracker, typed_then_append)
    update_tracker(tracker, _append)
    ws = openpyxl.load_workbook(tracker)["Actions"]
    assert [ws.cell(r, 2).value for r in range(2, 6)] == [None, "typed below", "SI-1", "SI-2"]
    assert ws.tables["Actions"].ref == "A1:G5"


def _fail(*args, **kwargs):
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize("step", ["backup copy", "load", "change", "save", "zip check", "fsync", "replace"])
def test_interrupted_at_every_step_the_original_is_byte_identical(tracker, monkeypatch, step):
    import shutil
    import zipfile

    from spso_xl import safewrite

    original = tracker.read_bytes()
    change = _append
    if step == "backup copy":
        monkeypatch.setattr(shutil, "copy2", _fail)
    elif step == "load":
        monkeypatch.setattr(safewrite.openpyxl, "load_workbook", _fail)
    elif step == "change":
        change = _fail
    elif step == "save":
        monkeypatch.setattr(openpyxl.Workbook, "save", _fail)
    elif step == "zip check":
        monkeypatch.setattr(zipfile.ZipFile, "testzip", lambda self: "xl/workbook.xml")
    elif step == "fsync":
        monkeypatch.setattr(os, "fsync", _fail)
    elif step == "replace":
        monkeypatch.setattr(os, "replace", _fail)
    with pytest.raises((OSError, WriteRefused)):
        update_tracker(tracker, change)
    assert tracker.read_bytes() == original
    leftovers = [p.name for p in tracker.parent.iterdir() if p.name not in ("si_tracker.xlsm", "si_tracker.py", "backups")]
    assert leftovers == []
    for backup in (tracker.parent / "backups").glob("*"):
        assert backup.read_bytes() == original  # a backup, where one was taken, is whole

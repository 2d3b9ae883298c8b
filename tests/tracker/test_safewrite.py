"""The safe write path: atomic, backed up, refuses open or read-only workbooks, keeps permissions,
writes through symlinks, cleans up after interrupted runs, preserves what it does not own."""

import datetime as dt
import os
import shutil
import zipfile

import openpyxl
import openpyxl.utils
import pytest

from spso_xl.xlsx import package as patch
from spso_xl import safewrite
from spso_xl.tracker import write as tracker_write
from spso_xl.tracker import schema
from spso_xl.errors import WriteRefused
from spso_xl.safewrite import atomic_write, backup, prune_backups
from spso_xl.tracker.edit import edit_tracker, TrackerEdit
from spso_xl.policy.settings import DEFAULTS
from tests.support import xlsx_parts as xp

ROW = {"Date": dt.date(2026, 11, 23), "Ref": "SI-1", "Level": 2, "Action": "Chaser", "By": "AB", "Notes": "Rang"}
APPEND = TrackerEdit(append={"Actions": [ROW, ROW | {"Ref": "SI-2"}]})
KEPT = ["backups", "si_tracker.py", "si_tracker.xlsm"]


def _files(folder):
    return sorted(p.name for p in folder.iterdir() if p.name != "templates")


def test_preserves_everything_it_does_not_own(built_tracker, tracker):
    edit_tracker(tracker, APPEND)
    before, after = xp.parts(built_tracker), xp.parts(tracker)
    actions = xp.sheet_parts(tracker)["Actions"]
    changed = {n for n in before if before[n] != after.get(n)}
    actions_table = next(n for n, data in before.items() if n.startswith("xl/tables/") and b' name="Actions"' in data)
    assert changed == {actions, actions_table, "xl/sharedStrings.xml"}
    assert set(after) == set(before)
    assert xp.buttons(tracker) == xp.buttons(built_tracker) == [("Build summary", "[0]!SampleCall"),
                                                                ("Run action", "[0]!SampleCall")]
    tables_before, tables_after = xp.tables(built_tracker), xp.tables(tracker)
    assert (tables_before.pop("Actions"), tables_after.pop("Actions")) == ("A1:G2", "A1:G3")
    assert tables_after == tables_before
    wb = openpyxl.load_workbook(tracker)
    assert [c.value for c in wb["Actions"][2]][:4] == [dt.datetime(2026, 11, 23), "SI-1", 2, "Chaser"]
    assert wb["Actions"]["A3"].number_format == "dd/mm/yyyy"  # the column's format, from the row above
    assert wb["Actions"]["B3"].value == "SI-2"
    due = openpyxl.utils.get_column_letter(schema.CASES.headers.index("Due") + 1)  # found by header, not letter
    assert wb["Cases"][f"{due}4"].value.text.startswith("=INDEX(_xlfn.ANCHORARRAY(Calc!$A$2),")


def test_unchanged_parts_are_copied_raw(built_tracker, tracker):
    edit_tracker(tracker, APPEND)
    with zipfile.ZipFile(built_tracker) as a, zipfile.ZipFile(tracker) as b:
        for info in a.infolist():
            if info.filename == "xl/vbaProject.bin":
                assert b.getinfo(info.filename).compress_size == info.compress_size
                assert b.getinfo(info.filename).CRC == info.CRC


def test_backup_is_the_original_and_the_message_can_say_where(tracker):
    original = tracker.read_bytes()
    saved = edit_tracker(tracker, APPEND)
    assert saved.parent == tracker.parent / "backups" and saved.read_bytes() == original
    assert saved.name.startswith("si_tracker-") and saved.suffix == ".xlsm"


@pytest.mark.parametrize("lock", ["~$si_tracker.xlsm", "~$_tracker.xlsm", ".~lock.si_tracker.xlsm#",
                                  "~$SI_TRACKER.XLSM", ".~lock.SI_Tracker.xlsm#"])
def test_refuses_a_workbook_open_elsewhere(tracker, lock):
    original = tracker.read_bytes()
    (tracker.parent / lock).write_text("owner")
    with pytest.raises(WriteRefused, match="open in Excel"):
        edit_tracker(tracker, APPEND)
    assert tracker.read_bytes() == original
    assert not (tracker.parent / "backups").exists()


def test_a_read_only_tracker_is_refused(tracker):
    original = tracker.read_bytes()
    tracker.chmod(0o444)
    with pytest.raises(WriteRefused, match="read-only"):
        edit_tracker(tracker, APPEND)
    assert tracker.read_bytes() == original and oct(tracker.stat().st_mode & 0o777) == "0o444"


def test_mode_and_owner_are_kept(tracker):
    tracker.chmod(0o664)
    edit_tracker(tracker, APPEND)
    assert oct(tracker.stat().st_mode & 0o777) == "0o664"


def test_a_symlinked_tracker_is_written_through_to_its_target(tracker, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    target = shared / tracker.name
    shutil.move(tracker, target)
    tracker.symlink_to(target)
    edit_tracker(tracker, APPEND)
    assert tracker.is_symlink() and xp.tables(target)["Actions"] == "A1:G3"
    assert (shared / "backups").is_dir()


def test_the_lock_beside_a_symlinks_target_is_seen(tracker, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    target = shared / "real_name.xlsm"
    shutil.move(tracker, target)
    tracker.symlink_to(target)
    (shared / "~$real_name.xlsm").write_text("owner")
    with pytest.raises(WriteRefused, match="open in Excel"):
        edit_tracker(tracker, APPEND)


def test_a_second_writer_waits_then_is_refused_while_a_live_one_holds_the_lock(tracker, monkeypatch):
    monkeypatch.setattr(safewrite, "LOCK_WAIT", 0.3)
    original = tracker.read_bytes()
    with safewrite.writer_lock(tracker) as lock:
        with pytest.raises(WriteRefused, match="another spso-xl") as refused:
            edit_tracker(tracker, APPEND)
    assert str(lock) in str(refused.value) and f"process {os.getpid()}" in str(refused.value)
    assert tracker.read_bytes() == original
    assert not list(tracker.parent.glob("*.lock"))


def test_a_lock_left_by_a_dead_process_is_taken_over(tracker):
    import socket
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    (tracker.parent / f".{tracker.name}.write.lock").write_text(f"{dead} {socket.gethostname()} then\n")
    edit_tracker(tracker, APPEND)
    assert xp.tables(tracker)["Actions"] == "A1:G3"
    assert not list(tracker.parent.glob(".*.lock"))


def test_strays_of_an_interrupted_run_are_cleaned_up(tracker):
    stray = tracker.parent / ".si_tracker-abc123.xlsm.tmp"
    stray.write_bytes(b"PK half")
    (tracker.parent / "backups").mkdir()
    partial = tracker.parent / "backups" / ".si_tracker-20261123-101010-99.xlsm.partial"
    partial.write_bytes(b"PK half")
    edit_tracker(tracker, APPEND)
    assert not stray.exists() and not partial.exists()


def test_a_short_backup_stops_the_write_and_keeps_no_backup_name(tracker, monkeypatch):
    original = tracker.read_bytes()

    def short_copy(src, dst, **kw):
        with open(dst, "wb") as f:
            f.write(open(src, "rb").read()[:1000])

    monkeypatch.setattr(shutil, "copy2", short_copy)
    with pytest.raises(WriteRefused, match="backup"):
        edit_tracker(tracker, APPEND)
    assert tracker.read_bytes() == original
    assert list((tracker.parent / "backups").iterdir()) == []


def test_backups_are_pruned_by_the_settings_rule(tmp_path):
    tracker = tmp_path / "si_tracker.xlsm"
    folder = tmp_path / "backups"
    folder.mkdir()
    now = dt.datetime(2026, 11, 23, 12)
    days = list(range(0, 90, 2))  # 45 backups, one every other day
    for d in days:
        (folder / f"si_tracker-{now - dt.timedelta(days=d):%Y%m%d-%H%M%S}.xlsm").write_bytes(b"x")
    (folder / "other-20200101-000000.xlsm").write_bytes(b"x")  # another tracker's: not ours to prune
    removed = prune_backups(tracker, DEFAULTS.backups_kept, DEFAULTS.backup_days, now)
    left = sorted(p.name for p in folder.iterdir())
    assert len(left) == 1 + max(20, sum(1 for d in days if d <= 30))
    assert "other-20200101-000000.xlsm" in left
    assert all(p.name not in left for p in removed) and len(removed) == 45 - 20


def test_a_failed_save_leaves_the_original_and_no_temp_file(tracker, monkeypatch):
    original = tracker.read_bytes()

    def boom(self, target, compresslevel=1):
        with open(target, "wb") as f:
            f.write(b"PK\x03\x04 half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(patch.Package, "save", boom)
    with pytest.raises(OSError, match="No space"):
        edit_tracker(tracker, APPEND)
    assert tracker.read_bytes() == original
    assert _files(tracker.parent) == KEPT


def test_a_failed_replace_leaves_the_original(tracker, monkeypatch):
    original = tracker.read_bytes()
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError("replace failed")))
    with pytest.raises(OSError, match="replace failed"):
        edit_tracker(tracker, APPEND)
    assert tracker.read_bytes() == original
    assert not [p for p in tracker.parent.iterdir() if p.name.endswith(".tmp")]


def test_never_overwrite_means_never(tmp_path):
    target = tmp_path / "letter.docx"
    target.write_bytes(b"first")
    with pytest.raises(FileExistsError):
        atomic_write(target, lambda p: p.write_bytes(b"second"), overwrite=False)
    assert target.read_bytes() == b"first" and list(tmp_path.iterdir()) == [target]


def test_a_new_file_gets_the_usual_permissions_not_mkstemps(tmp_path):
    old = os.umask(0o002)
    try:
        atomic_write(tmp_path / "letter.docx", lambda p: p.write_bytes(b"x"), overwrite=False)
    finally:
        os.umask(old)
    assert oct((tmp_path / "letter.docx").stat().st_mode & 0o777) == "0o664"


def test_rows_typed_below_the_table_are_kept(tracker):
    edit_tracker(tracker, TrackerEdit(append={"Actions": [ROW]}))
    wb = openpyxl.load_workbook(tracker)  # a user types a row just below the table, outside its ref
    before = tracker.read_bytes()
    part = xp.sheet_parts(tracker)["Actions"]
    with zipfile.ZipFile(tracker) as z:
        xml = z.read(part)
    typed = xml.replace(b"</sheetData>", b'<row r="3"><c r="B3" t="inlineStr"><is><t>typed below</t></is></c></row>'
                                         b"</sheetData>")
    with zipfile.ZipFile(tracker) as z, zipfile.ZipFile(tracker.with_name("typed.xlsm"), "w") as out:
        for i in z.infolist():
            out.writestr(i, typed if i.filename == part else z.read(i.filename))
    os.replace(tracker.with_name("typed.xlsm"), tracker)
    assert before != tracker.read_bytes() and wb
    edit_tracker(tracker, TrackerEdit(append={"Actions": [ROW | {"Ref": "SI-2"}]}))
    ws = openpyxl.load_workbook(tracker)["Actions"]
    assert [ws.cell(r, 2).value for r in range(2, 5)] == ["SI-1", "typed below", "SI-2"]
    assert ws.tables["Actions"].ref == "A1:G4"


def _fail(*args, **kwargs):
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize("step", ["backup copy", "load", "change", "save", "zip check", "fsync", "replace"])
def test_interrupted_at_every_step_the_original_is_byte_identical(tracker, monkeypatch, step):
    original = tracker.read_bytes()
    edit = APPEND
    if step == "backup copy":
        monkeypatch.setattr(shutil, "copy2", _fail)
    elif step == "load":
        monkeypatch.setattr(patch.Package, "__init__", _fail)
    elif step == "change":
        edit = TrackerEdit(cells={("Actions", 2, "No such column"): 1})
    elif step == "save":
        monkeypatch.setattr(patch.Package, "save", _fail)
    elif step == "zip check":
        monkeypatch.setattr(tracker_write, "_check", lambda tmp, package: (_ for _ in ()).throw(WriteRefused("bad")))
    elif step == "fsync":
        monkeypatch.setattr(os, "fsync", _fail)
    elif step == "replace":
        monkeypatch.setattr(os, "replace", _fail)
    with pytest.raises((OSError, WriteRefused, KeyError)):
        edit_tracker(tracker, edit)
    assert tracker.read_bytes() == original
    leftovers = [p.name for p in tracker.parent.iterdir() if p.name not in KEPT + ["templates"]]
    assert leftovers == []
    for kept in (tracker.parent / "backups").glob("*"):
        assert kept.read_bytes() == original  # a backup, where one was taken, is whole


def test_backup_never_replaces_one_taken_in_the_same_second(tracker):
    when = dt.datetime(2026, 11, 23, 10, 0, 0)
    first, second = backup(tracker, when), backup(tracker, when)
    assert first != second and first.exists() and second.exists()


def test_without_hard_links_new_names_still_never_replace(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "link", lambda *a: (_ for _ in ()).throw(OSError(1, "Operation not permitted")))
    target = tmp_path / "letter.docx"
    atomic_write(target, lambda p: p.write_bytes(b"first"), overwrite=False)
    with pytest.raises(FileExistsError):
        atomic_write(target, lambda p: p.write_bytes(b"second"), overwrite=False)
    assert target.read_bytes() == b"first" and list(tmp_path.iterdir()) == [target]

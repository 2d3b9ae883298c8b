"""One writer lock over each command's whole read-modify-write (DESIGN §13 "Edits read and write the same
table ... under the writer lock that covers the whole read-modify-write").

`letters` and `chase` run at the same time on one tracker used to log two chasers and count one: each
read the tracker before taking the lock, so the second wrote a count made from the first's old file.
Here real `spso-xl` processes start together while the lock is held, so they all wait and then take
their turns; every update must be there at the end.
"""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from spso_xl import safewrite
from spso_xl.errors import WriteRefused
from spso_xl.letters.plan import LetterPlan, plan_letters
from spso_xl.tracker.edit import TrackerEdit, edit_tracker
from spso_xl.tracker.read import read_tracker
from tests.support.dates import AS_OF, TODAY
from tests.support.trackers import cases_tracker, copy_tracker

ROOT = Path(__file__).resolve().parents[2]


def _spso(*args) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "spso_xl.cli", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def _all_at_once(path: Path, commands: list[list]) -> list[subprocess.CompletedProcess]:
    """Start every command while this test holds the tracker's writer lock, so they all read and write
    at once when it lets go; their outcomes."""
    with safewrite.writer_lock(Path(os.path.realpath(path))):
        procs = [_spso(*c) for c in commands]
        time.sleep(3)  # every process is started and waiting for the lock
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=600)
        out.append(subprocess.CompletedProcess(p.args, p.returncode, stdout, stderr))
    return out


def _chasers(path, ref) -> int:
    t = read_tracker(path)
    return int(t.cases.loc[t.raw["Cases"]["Ref"] == ref, "Chasers"].iloc[0])


def test_chasers_recorded_at_once_are_all_counted(tmp_path):
    path = cases_tracker(tmp_path)
    day = TODAY.strftime("%d/%m/%Y")
    before, logged = _chasers(path, "SI-2"), len(read_tracker(path).parsed["Actions"])
    runs = _all_at_once(path, [["chase", path, "--ref", "SI-2", "--as-of", day]] * 4)
    assert all(r.returncode == 0 for r in runs), [r.stderr for r in runs]
    assert _chasers(path, "SI-2") == before + 4
    actions = read_tracker(path).parsed["Actions"]
    assert len(actions) == logged + 4 and sorted(actions["Notes"].tolist()[-4:]) == [
        f"Chaser {n} sent" for n in range(before + 1, before + 5)]


def test_letters_and_chase_at_once_lose_no_chaser(demo_tracker, tmp_path):
    """The issue's case: a chaser letter and a recorded chaser for the same case, at the same moment."""
    path = copy_tracker(demo_tracker, tmp_path / "t", templates=True)
    tracker = read_tracker(path)
    refs = [r for r in tracker.raw["Cases"]["Ref"] if isinstance(r, str)]
    plan = next(p for p in plan_letters(tracker, refs, as_of=AS_OF)
                if isinstance(p, LetterPlan) and p.cells.get("Chasers"))  # a level 1 chaser to a notified case
    before, logged = _chasers(path, plan.ref), len(tracker.parsed["Actions"])
    day = AS_OF.strftime("%d/%m/%Y")
    runs = _all_at_once(path, [["letters", path, "--ref", plan.ref, "--as-of", day],
                               ["chase", path, "--ref", plan.ref, "--as-of", day]])
    assert all(r.returncode == 0 for r in runs), [r.stderr for r in runs]
    assert _chasers(path, plan.ref) == before + 2
    actions = read_tracker(path).parsed["Actions"]
    mine = actions[actions["Ref"] == plan.ref].tail(len(actions) - logged)
    assert (mine["Action"] == "Chaser").sum() == 2


APPEND = TrackerEdit(append={"Actions": [{"Date": TODAY, "Ref": "SI-1", "Action": "Contact", "Notes": "n"}]})


@pytest.fixture
def tracker(tmp_path):
    return cases_tracker(tmp_path)


def test_a_lock_from_a_computer_that_is_gone_is_named_with_how_to_clear_it(tracker):
    lock = tracker.parent / f".{tracker.name}.write.lock"
    lock.write_text("4242 old-laptop 2026-11-20 09:15:02 alice\n")
    then = time.time() - 3600
    os.utime(lock, (then, then))
    original = tracker.read_bytes()
    with pytest.raises(WriteRefused) as refused:
        edit_tracker(tracker, APPEND)
    message = str(refused.value)
    for part in (str(lock), "old-laptop", "alice", "2026-11-20 09:15:02", "process 4242", "delete that file"):
        assert part in message, message
    assert tracker.read_bytes() == original and lock.exists()


def test_a_lock_on_this_computer_whose_process_is_dead_is_taken_over(tracker):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    lock = tracker.parent / f".{tracker.name}.write.lock"
    lock.write_text(f"{dead} {socket.gethostname()} 2026-11-20 09:15:02 bob\n")
    edit_tracker(tracker, APPEND)
    assert len(read_tracker(tracker).parsed["Actions"]) == 1 and not lock.exists()


def test_a_lock_that_could_not_be_written_blocks_nobody(tracker, monkeypatch):
    """A full disk: the lock's text cannot be written. Nothing is left behind, so the next command runs
    at once (it would have waited a minute for an empty lock file to go stale)."""
    real_write = Path.write_text

    def full(self, *a, **kw):
        if self.name.startswith(f".{tracker.name}.write.lock"):
            raise OSError(28, "No space left on device")
        return real_write(self, *a, **kw)

    original = tracker.read_bytes()
    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(WriteRefused, match="disk full"):
        edit_tracker(tracker, APPEND)
    monkeypatch.undo()
    assert tracker.read_bytes() == original
    assert not [p.name for p in tracker.parent.iterdir() if ".lock" in p.name]
    monkeypatch.setattr(safewrite, "LOCK_WAIT", 0)
    monkeypatch.setattr(safewrite, "EMPTY_LOCK_GRACE", 60)
    edit_tracker(tracker, APPEND)
    assert len(read_tracker(tracker).parsed["Actions"]) == 1


def test_where_there_are_no_hard_links_a_lock_that_could_not_be_written_is_removed(tracker, monkeypatch):
    """The fallback for file systems without hard links (FAT, some shares): create, then write; a write
    that fails removes the lock it created."""
    def no_links(*a):
        raise OSError(1, "Operation not permitted")

    real_fdopen = os.fdopen

    class FullFile:
        def __init__(self, fd, *a, **kw):
            self.f = real_fdopen(fd, *a, **kw)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, text):
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "link", no_links)
    monkeypatch.setattr(os, "fdopen", FullFile)
    with pytest.raises(WriteRefused, match="disk full"):
        edit_tracker(tracker, APPEND)
    monkeypatch.setattr(os, "fdopen", real_fdopen)
    assert not [p.name for p in tracker.parent.iterdir() if ".lock" in p.name]
    edit_tracker(tracker, APPEND)  # still without hard links: the fallback takes the lock
    assert len(read_tracker(tracker).parsed["Actions"]) == 1


def test_an_empty_lock_file_is_taken_over_after_a_few_seconds_not_a_minute(tracker, monkeypatch):
    lock = tracker.parent / f".{tracker.name}.write.lock"
    lock.write_text("")
    then = time.time() - safewrite.EMPTY_LOCK_GRACE - 1
    os.utime(lock, (then, then))
    monkeypatch.setattr(safewrite, "LOCK_WAIT", 0)
    edit_tracker(tracker, APPEND)
    assert not lock.exists()


def test_commands_meeting_a_dead_processs_lock_at_once_take_it_over_one_at_a_time(tmp_path):
    path = cases_tracker(tmp_path)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    (tmp_path / f".{path.name}.write.lock").write_text(f"{dead} {socket.gethostname()} 2026-11-20 09:15:02 bob\n")
    day = TODAY.strftime("%d/%m/%Y")
    procs = [_spso("chase", path, "--ref", "SI-3", "--as-of", day) for _ in range(3)]
    runs = [p.communicate(timeout=600) + (p.returncode,) for p in procs]
    assert all(code == 0 for _, _, code in runs), runs
    assert _chasers(path, "SI-3") == 1 + 3
    assert not [p.name for p in tmp_path.iterdir() if ".lock" in p.name]

"""Letters exactly once (issue 13): one `letters` run per tracker at a time, a letter found on disk
but not in the log is logged rather than written again, and a run killed at any point leaves the
tracker whole (the old file or the new) with every letter on disk logged by the next run."""

import os
import random
import signal
import subprocess
import sys
import time
import zipfile

import pytest

from spso_xl import safewrite
from spso_xl.errors import WriteRefused
from spso_xl.letters import publish
from spso_xl.tracker.read import read_tracker
from tests.support.dates import AS_OF
from tests.support.trackers import copy_tracker

KILLS = int(os.environ.get("SPSO_KILLS", "6"))  # bench/ runs many more


@pytest.fixture
def tracker(demo_tracker, tmp_path):
    """A private copy of the demo tracker and its letter templates."""
    return copy_tracker(demo_tracker, tmp_path, templates=True)


def _logged(path) -> list[str]:
    return sorted(str(f) for f in read_tracker(path).raw["Letters"]["File"] if isinstance(f, str))


def _on_disk(path) -> list[str]:
    return sorted(f"letters/{p.name}" for p in (path.parent / "letters").glob("*.docx"))


def test_letters_written_but_not_logged_are_logged_not_written_again(tracker, monkeypatch):
    def killed(*a, **kw):
        raise KeyboardInterrupt  # the run stops after rendering, before the tracker is changed

    monkeypatch.setattr(publish, "edit_tracker", killed)
    with pytest.raises(KeyboardInterrupt):
        publish.write_letters(tracker, due=True, as_of=AS_OF)
    written = _on_disk(tracker)
    assert written and _logged(tracker) == []
    stamps = {p: p.stat().st_mtime_ns for p in (tracker.parent / "letters").iterdir()}
    monkeypatch.undo()

    again = publish.write_letters(tracker, due=True, as_of=AS_OF)
    assert all(w.recovered for w in again.written) and len(again.written) == len(written)
    assert _on_disk(tracker) == written == _logged(tracker)  # no -v2 copies
    assert {p: p.stat().st_mtime_ns for p in (tracker.parent / "letters").iterdir()} == stamps
    assert publish.write_letters(tracker, due=True, as_of=AS_OF).written == []  # logged now: nothing due


def test_a_letters_run_waits_its_turn_and_gives_up_with_nothing_written(tracker, monkeypatch):
    monkeypatch.setattr(safewrite, "LOCK_WAIT", 0.3)
    with safewrite.writer_lock(tracker):  # another command holds the tracker for longer than the wait
        with pytest.raises(WriteRefused, match="another spso-xl command is changing"):
            publish.write_letters(tracker, due=True, as_of=AS_OF)
    monkeypatch.undo()
    assert not (tracker.parent / "letters").exists()
    assert publish.write_letters(tracker, due=True, as_of=AS_OF).written  # the lock is gone with its holder
    assert not list(tracker.parent.glob(".*.lock"))


def _run_letters(path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "spso_xl.cli", "letters", str(path), "--due", "--as-of",
                             AS_OF.strftime("%d/%m/%Y")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            cwd=path.parent)


def _whole(path) -> bool:
    with zipfile.ZipFile(path) as z:
        return z.testzip() is None


def test_killed_at_random_points_the_tracker_is_whole_and_every_letter_is_logged_next_run(demo_tracker, tmp_path):
    """SIGKILL a `letters --due` run at random moments, many times: the tracker is always the old file or
    the new one, and a letter left on disk is always logged (not rewritten) by the next run."""
    def fresh(name):
        return copy_tracker(demo_tracker, tmp_path / name, templates=True)

    probe = fresh("probe")
    start = time.perf_counter()
    full = _run_letters(probe)
    full.wait(timeout=120)
    took = time.perf_counter() - start
    assert full.returncode in (0, 1), full.stderr.read()
    expected = _on_disk(probe)
    assert expected and _logged(probe) == expected
    rng = random.Random(13)
    for i in range(KILLS):
        path = fresh(f"k{i}")
        before = path.read_bytes()
        proc = _run_letters(path)
        time.sleep(rng.uniform(0.1, took))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert _whole(path), f"kill {i}: the tracker is not a whole workbook"
        assert path.read_bytes() == before or _logged(path) == _on_disk(path), f"kill {i}: half-logged"
        rerun = _run_letters(path)
        rerun.wait(timeout=120)
        assert rerun.returncode in (0, 1), rerun.stderr.read()
        assert _on_disk(path) == _logged(path) == expected, f"kill {i}: letters duplicated or unlogged"
        assert not [p.name for p in path.parent.iterdir() if p.name.endswith((".tmp", ".lock"))]


def test_a_read_only_tracker_is_refused_before_any_letter_is_written(tracker, capsys):
    """Issue 25: `letters` wrote the letter, then refused the read-only tracker, so the letter was never logged."""
    from spso_xl.cli import main

    tracker.chmod(0o444)
    try:
        assert main(["letters", str(tracker), "--due", "--as-of", "22/11/2026"]) != 0
    finally:
        tracker.chmod(0o644)
    err = capsys.readouterr().err
    assert "read-only" in err and "Nothing was changed" in err
    assert not (tracker.parent / "letters").exists() or not any((tracker.parent / "letters").iterdir())

"""Publishing a changed tracker under the whole write discipline (DESIGN §2 "Nothing is lost", §13).

`change_tracker(path, change)` is the one door every tracker write goes through: a tracker open
in Excel or LibreOffice, or read-only, is refused; one writer at a time (the writer lock); what an
interrupted run left is cleaned up; a verified backup is taken first; the part-level writer
(`spso_xl.xlsx`) saves only the parts `change` touched, beside the real file (a symlink is written
through), with the original's mode and owner; the new file is checked, then replaces the original
in one step. Old backups are pruned by the tracker's Settings. The generic pieces (locks, backups,
atomic replacement) are `spso_xl.safewrite`'s; this module knows the tracker.
"""

from __future__ import annotations

import os
import zipfile
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Callable

from spso_xl.errors import WriteRefused
from spso_xl.safewrite import (
    atomic_write,
    backup,
    clean_strays,
    prune_backups,
    refuse_if_open,
    refuse_if_read_only,
    writer_lock,
)
from spso_xl.tracker.read import read_settings
from spso_xl.xlsx.package import Package

_held: dict[Path, tuple] = {}  # trackers this process holds under `tracker_lock` -> the file's stamp then


@contextmanager
def tracker_lock(path):
    """Hold the tracker's writer lock over a whole read-modify-write (DESIGN §13): read the tracker, decide,
    and `change_tracker`/`edit_tracker` inside the block, so two commands at once take turns (the second
    waits) and neither loses the other's update. A file changed on disk by anything else (Excel, a sync
    tool) between the read and the write is refused, not overwritten."""
    link = Path(path)
    if not link.exists():
        raise FileNotFoundError(f"{link}: no such tracker")
    real = Path(os.path.realpath(link))
    if real in _held:  # already held by this process: one lock, one turn
        yield real
        return
    refuse_if_open(link)
    refuse_if_read_only(real)
    with writer_lock(real):
        _held[real] = _stamp(real)
        try:
            yield real
        finally:
            _held.pop(real, None)


def change_tracker(path, change: Callable) -> Path:
    """Run `change(package)` on the tracker's package (`xlsx.package.Package`) and publish the result under the whole
    write discipline; the backup's path. Used by edit_tracker, refresh and the summary sheet. Under
    `tracker_lock` (the command read the tracker first) it writes in that lock's turn."""
    link = Path(path)
    if not link.exists():
        raise FileNotFoundError(f"{link}: no such tracker")
    real = Path(os.path.realpath(link))
    refuse_if_open(link)
    refuse_if_read_only(real)
    with nullcontext() if real in _held else writer_lock(real):
        clean_strays(real)
        before = _held.get(real) or _stamp(real)
        if _stamp(real) != before:
            raise WriteRefused(f"{link.name} changed on disk while spso-xl was working: run the command again. "
                               f"Nothing was changed.")
        with Package(real) as package:
            change(package)
            saved = backup(real)

            def write(tmp: Path):
                package.save(tmp)
                _check(tmp, package)
                refuse_if_open(link)
                if _stamp(real) != before:
                    raise WriteRefused(f"{link.name} changed on disk while spso-xl was working: run the command "
                                       f"again")

            atomic_write(real, write)
        if real in _held:
            _held[real] = _stamp(real)  # the next write in this turn starts from this file
    # after the lock: a run killed while pruning must not leave the writer lock behind it
    settings = read_settings(real)
    prune_backups(real, settings.backups_kept, settings.backup_days)
    return saved


def _stamp(path: Path) -> tuple:
    st = path.stat()
    return st.st_mtime_ns, st.st_size


def _check(tmp: Path, package) -> None:
    """The new file is a whole package: it opens, holds every part of the original, and the parts
    this write changed read back intact."""
    try:
        with zipfile.ZipFile(tmp) as z:
            names = set(z.namelist())
            missing = set(package.infos) - names
            if missing or "xl/workbook.xml" not in names:
                raise WriteRefused(f"the new file lost {sorted(missing)[:3]}; the original is unchanged")
            for name in package.changed:
                if z.read(name) != package.changed[name]:
                    raise WriteRefused(f"the new file's {name} did not read back; the original is unchanged")
    except zipfile.BadZipFile as e:
        raise WriteRefused(f"the new file did not check out ({e}); the original is unchanged") from None

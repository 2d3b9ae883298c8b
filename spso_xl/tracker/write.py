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
from spso_xl.xlsx.gate import refuse_if_broken
from spso_xl.xlsx.package import Package


def change_tracker(path, change: Callable) -> Path:
    """Run `change(package)` on the tracker's package (`xlsx.package.Package`) and publish the result under the whole
    write discipline; the backup's path. Used by edit_tracker, refresh and the summary sheet."""
    link = Path(path)
    if not link.exists():
        raise FileNotFoundError(f"{link}: no such tracker")
    real = Path(os.path.realpath(link))
    refuse_if_open(link)
    refuse_if_read_only(real)
    with writer_lock(real):
        clean_strays(real)
        before = _stamp(real)
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
    # after the lock: a run killed while pruning must not leave the writer lock behind it
    settings = read_settings(real)
    prune_backups(real, settings.backups_kept, settings.backup_days)
    return saved


def _stamp(path: Path) -> tuple:
    st = path.stat()
    return st.st_mtime_ns, st.st_size


def _check(tmp: Path, package) -> None:
    """The new file is a whole package: it opens, holds every part of the original, the parts this
    write changed read back intact, and it passes the write gate (`xlsx.gate`: nothing Excel would
    refuse or repair that the original did not have)."""
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
    refuse_if_broken(tmp, package)

"""Changing files without ever losing one (DESIGN §2 "Nothing is lost", §13): the generic pieces.

- a file open in Excel or LibreOffice (its `~$` owner file or `.~lock.…#` beside it, in any letter
  case, beside the link and beside a symlink's target) is refused, and so is a read-only one;
- one writer at a time (a lock file beside the file; a lock left by a dead process is taken over),
  and temporary files or half-made backups left by an interrupted run are cleaned up;
- a backup is copied into `backups/` and verified (a whole zip, the same parts) before it gets its
  final name; old backups are pruned by a count and an age;
- `atomic_write` fills a temporary file beside the real one (a symlink is written through to its
  target), gives it the original's mode and, where permitted, owner and group, and replaces the
  original in one `os.replace`: a crash leaves the old file or the new, never half.
Files that must never be overwritten (letters) are published with `os.link`, which fails rather
than replace an existing name. This module knows files, not trackers: `spso_xl.tracker.write`
composes these pieces into the tracker's write path.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import socket
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from spso_xl.errors import WriteRefused

# --- the write API every tracker-changing command uses -------------------------------------


# --- refusals ------------------------------------------------------------------------------------


def lock_files(path: Path) -> list[Path]:
    """Owner/lock files that mean someone has the workbook open: Excel's `~$name` (and `~$` + the name
    less its first two letters, as Excel writes for long names), LibreOffice's `.~lock.name#`; in any
    letter case (Windows and macOS folders are case-insensitive), beside the path and, for a symlink,
    beside its target."""
    path = Path(path)
    found = []
    for p in dict.fromkeys([path, Path(os.path.realpath(path))]):
        wanted = {n.casefold() for n in (f"~${p.name}", f"~${p.name[2:]}", f".~lock.{p.name}#")}
        try:
            found += [e for e in p.parent.iterdir() if e.name.casefold() in wanted]
        except OSError:
            pass
    return sorted(set(found))


def refuse_if_open(path: Path) -> None:
    if locks := lock_files(path):
        raise WriteRefused(f"{Path(path).name} is open in Excel or LibreOffice ({locks[0].name} exists): "
                           f"close it there first, then try again. If nobody has it open, a crash left that lock "
                           f"file behind: delete {locks[0]} (a hidden file), then try again. Nothing was changed.")


def refuse_if_read_only(path: Path) -> None:
    """A tracker someone made read-only (chmod 444, the read-only box in Windows) stays as it is."""
    mode = path.stat().st_mode
    if not mode & 0o222 or not os.access(path, os.W_OK):
        raise WriteRefused(f"{path.name} is read-only: make it writable first if it should change. "
                           f"Nothing was changed.")
    if not os.access(path.parent, os.W_OK):
        raise WriteRefused(f"cannot write in {path.parent} (no permission), so {path.name} cannot be changed "
                           f"safely. Nothing was changed.")


# --- locks -----------------------------------------------------------------------------------------


def _lock_path(path: Path, kind: str) -> Path:
    return path.parent / f".{path.name}.{kind}.lock"


def _alive(owner: str) -> bool:
    """Whether the process recorded in a lock file still runs (a lock from another host counts as alive)."""
    try:
        pid, host = owner.split()[:2]
        pid = int(pid)
    except ValueError:
        return True
    if host != socket.gethostname():
        return True
    if os.name == "nt":  # os.kill(pid, 0) would terminate the process on Windows
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x100000, False, pid)  # SYNCHRONIZE
        if not handle:
            return False
        try:
            return kernel32.WaitForSingleObject(handle, 0) == 0x102  # WAIT_TIMEOUT: still running
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def file_lock(path: Path, kind: str, busy: str):
    """Hold `.name.kind.lock` beside `path` for the block; refuse with `busy` while a live process holds it.
    A lock whose process has died is taken over."""
    lock = _lock_path(Path(path), kind)
    for _ in range(3):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                owner = lock.read_text()
            except FileNotFoundError:
                continue
            if owner and not _alive(owner):
                lock.unlink(missing_ok=True)
                continue
            if not owner and dt.datetime.now().timestamp() - lock.stat().st_mtime > 60:
                lock.unlink(missing_ok=True)  # created but never written: its process died at once
                continue
            raise WriteRefused(busy) from None
        with os.fdopen(fd, "w") as f:
            f.write(f"{os.getpid()} {socket.gethostname()} {dt.datetime.now():%Y-%m-%d %H:%M:%S}\n")
        break
    else:
        raise WriteRefused(busy)
    try:
        yield lock
    finally:
        lock.unlink(missing_ok=True)


def writer_lock(real: Path):
    return file_lock(real, "write", f"another spso-xl command is writing {real.name} now: try again when it has "
                                    f"finished. Nothing was changed.")


def clean_strays(real: Path) -> None:
    """Remove what an interrupted write left (temporary files beside the tracker, unverified backups);
    called while holding the writer lock, so no live writer owns them."""
    for p in real.parent.glob(f".{real.stem}-*{real.suffix}.tmp"):
        p.unlink(missing_ok=True)
    folder = real.parent / "backups"
    if folder.is_dir():
        for p in folder.glob(f".{real.stem}-*.partial"):
            p.unlink(missing_ok=True)


# --- backups ------------------------------------------------------------------------------------------


def backup(path: Path, when: dt.datetime | None = None) -> Path:
    """Copy `path` into `backups/` beside it, stamped to the second (never replacing a backup), and verify
    the copy (a whole zip with the original's parts) before it gets its name: a backup with a normal
    name is always whole."""
    path = Path(path)
    folder = path.parent / "backups"
    folder.mkdir(exist_ok=True)
    stamp = (when or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    partial = folder / f".{path.stem}-{stamp}-{os.getpid()}{path.suffix}.partial"
    try:
        shutil.copy2(path, partial)
        _fsync(partial)
        _verify_copy(path, partial)
        n = 1
        while True:
            target = folder / f"{path.stem}-{stamp}{f'-{n}' if n > 1 else ''}{path.suffix}"
            try:
                publish_new(partial, target)  # never replaces an existing backup
                break
            except FileExistsError:
                n += 1
    finally:
        partial.unlink(missing_ok=True)
    return target


def _verify_copy(original: Path, copy: Path) -> None:
    if copy.stat().st_size != original.stat().st_size:
        raise WriteRefused(f"the backup of {original.name} came out short (is the disk full?): nothing was changed")
    try:
        with zipfile.ZipFile(original) as a, zipfile.ZipFile(copy) as b:
            if [(i.filename, i.CRC) for i in a.infolist()] != [(i.filename, i.CRC) for i in b.infolist()]:
                raise WriteRefused(f"the backup of {original.name} does not match it: nothing was changed")
    except zipfile.BadZipFile as e:
        raise WriteRefused(f"the backup of {original.name} is not a whole workbook ({e}): nothing was changed") \
            from None


BACKUP = re.compile(r"(?P<stem>.+)-(?P<stamp>\d{8}-\d{6})(?:-\d+)?(?P<suffix>\.\w+)$")


def prune_backups(path: Path, keep: int, days: int, now: dt.datetime | None = None) -> list[Path]:
    """Delete old backups of `path`: keep the newest `keep` and every one from the last `days` days.
    The removed paths."""
    folder = Path(path).parent / "backups"
    if not folder.is_dir():
        return []
    now = now or dt.datetime.now()
    mine = []
    for p in folder.iterdir():
        m = BACKUP.match(p.name)
        if m and m["stem"] == Path(path).stem and m["suffix"].lower() == Path(path).suffix.lower():
            mine.append((dt.datetime.strptime(m["stamp"], "%Y%m%d-%H%M%S"), p.name, p))
    mine.sort(reverse=True)
    cutoff = now - dt.timedelta(days=days)
    removed = []
    for i, (when, _, p) in enumerate(mine):
        if i >= keep and when < cutoff:
            p.unlink(missing_ok=True)
            removed.append(p)
    return removed


# --- atomic publication ---------------------------------------------------------------------------


def _temp_beside(path: Path) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix + ".tmp", dir=path.parent)
    os.close(fd)
    return Path(name)


def publish_new(source: Path, target: Path) -> None:
    """Give `source`'s content the name `target`, failing (FileExistsError) rather than replacing a file:
    a hard link, atomic; where the file system has none (FAT, some network shares), a rename that
    checks first."""
    try:
        os.link(source, target)
    except FileExistsError:
        raise
    except OSError:
        if os.path.lexists(target):
            raise FileExistsError(target) from None
        os.rename(source, target)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _same_owner_and_mode(tmp: Path, original: Path) -> None:
    """The new file takes the original's permissions and, where permitted, its owner and group
    (a shared tracker stays shared: mkstemp's 600 would lock colleagues out)."""
    st = original.stat()
    os.chmod(tmp, st.st_mode & 0o7777)
    if hasattr(os, "chown"):
        for uid, gid in ((st.st_uid, st.st_gid), (-1, st.st_gid)):
            try:
                os.chown(tmp, uid, gid)
                break
            except OSError:
                continue


def atomic_write(path: Path, write: Callable[[Path], None], *, overwrite: bool = True) -> Path:
    """Let `write` fill a temporary file beside `path`, then publish it atomically. Replacing an existing
    file keeps its mode and owner; a symlink is written through to its target.

    With `overwrite=False` an existing `path` is never replaced (FileExistsError).
    """
    path = Path(path)
    real = Path(os.path.realpath(path)) if overwrite and path.is_symlink() else path
    tmp = _temp_beside(real)
    try:
        write(tmp)
        if overwrite and real.exists():
            _same_owner_and_mode(tmp, real)
        else:
            os.chmod(tmp, 0o666 & ~_umask())  # a new file as any other the user makes, not mkstemp's 600
        _fsync(tmp)
        if overwrite:
            os.replace(tmp, real)
        else:
            publish_new(tmp, real)
            tmp.unlink(missing_ok=True)
        _fsync_dir(real.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path

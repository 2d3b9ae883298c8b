"""Changing files without ever losing one (DESIGN §2 "Nothing is lost", §13): the generic pieces.

- a file open in Excel or LibreOffice (its `~$` owner file or `.~lock.…#` beside it, in any letter
  case, beside the link and beside a symlink's target) is refused, and so is a read-only one;
- one writer at a time (a lock file beside the file, naming who holds it; a second command waits
  for the first; a lock left by a dead process is taken over),
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
import getpass
import os
import re
import shutil
import socket
import tempfile
import time
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


LOCK_WAIT = 120.0  # seconds a command waits for another to finish with the file before it gives up
EMPTY_LOCK_GRACE = 5.0  # an empty lock file older than this was never written (its process died at once)
_POLL = 0.1


def _lock_path(path: Path, kind: str) -> Path:
    return path.parent / f".{path.name}.{kind}.lock"


def _holder(owner: str) -> tuple[int | None, str | None, str]:
    """(pid, host, the rest: when, and who) of a lock file's text."""
    parts = owner.split(maxsplit=2)
    try:
        pid = int(parts[0])
    except (ValueError, IndexError):
        return None, None, owner.strip()
    return pid, parts[1] if len(parts) > 1 else None, parts[2].strip() if len(parts) > 2 else ""


def _alive(owner: str) -> bool:
    """Whether the process recorded in a lock file still runs (a lock from another host counts as alive)."""
    pid, host, _ = _holder(owner)
    if pid is None or host is None:
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


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name to be had (a service account without one)
        return "?"


def _create(lock: Path) -> bool:
    """Create the lock file holding who takes it (pid, host, when, user), whole or not at all: the text
    is written to a file of this process's own, then linked to the lock's name, which fails if it exists.
    False when another holds it. WriteRefused when the text cannot be written (a full disk): nothing is
    left behind to block the next command."""
    text = f"{os.getpid()} {socket.gethostname()} {dt.datetime.now():%Y-%m-%d %H:%M:%S} {_user()}\n"
    mine = lock.with_name(f"{lock.name}.{os.getpid()}.tmp")
    try:
        try:
            mine.write_text(text)
        except OSError as e:
            raise WriteRefused(f"could not write the lock file {lock} ({e.strerror or e}): is the disk full? "
                               f"Nothing was changed.") from None
        try:
            os.link(mine, lock)
            return True
        except FileExistsError:
            return False
        except OSError:  # no hard links here (FAT, some network shares): create exclusively, then write
            try:
                fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                return False
            try:
                with os.fdopen(fd, "w") as f:
                    f.write(text)
            except OSError as e:
                lock.unlink(missing_ok=True)
                raise WriteRefused(f"could not write the lock file {lock} ({e.strerror or e}): is the disk full? "
                                   f"Nothing was changed.") from None
            return True
    finally:
        mine.unlink(missing_ok=True)


def _take_over(lock: Path, owner: str) -> None:
    """Remove a lock its holder left (a dead process, or never written), safely against another command
    doing the same: under a second lock, and only if the lock still holds what was found in it."""
    guard = lock.with_name(lock.name + ".takeover")
    try:
        fd = os.open(guard, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        try:
            if time.time() - guard.stat().st_mtime > 10:  # its taker died mid-way
                guard.unlink(missing_ok=True)
        except FileNotFoundError:
            pass
        time.sleep(_POLL)
        return
    os.close(fd)
    try:
        try:
            now = lock.read_text()
        except FileNotFoundError:
            return
        if now == owner:
            lock.unlink(missing_ok=True)
    finally:
        guard.unlink(missing_ok=True)


def held_by(lock: Path, owner: str) -> str:
    """Who holds a lock, in words, with how to clear it if nobody does."""
    pid, host, rest = _holder(owner)
    words = rest.split(maxsplit=2)
    when, user = " ".join(words[:2]), words[2] if len(words) > 2 else ""
    who = f"process {pid}" + (f" of {user}" if user else "") + (f" on {host}" if host else "") + \
        (f" since {when}" if when else "")
    return (f"the lock file {lock} says {who}. If no spso-xl command is running there (the computer is off, or the "
            f"command was stopped), delete that file, then try again")


@contextmanager
def file_lock(path: Path, kind: str, busy: str, wait: float | None = None):
    """Hold `.name.kind.lock` beside `path` for the block. While a live process holds it, wait for it
    (up to `wait` seconds, default LOCK_WAIT), then refuse with `busy` and who holds it. A lock whose
    process has died on this host, or that was never written, is taken over safely; one held from
    another computer for longer than the wait is refused at once, named, with how to clear it."""
    lock = _lock_path(Path(path), kind)
    deadline = time.monotonic() + (LOCK_WAIT if wait is None else wait)
    while not _create(lock):
        try:
            owner = lock.read_text()
            age = time.time() - lock.stat().st_mtime
        except FileNotFoundError:
            continue  # released meanwhile
        if not owner.strip():
            if age > EMPTY_LOCK_GRACE:
                _take_over(lock, owner)
                continue
        elif not _alive(owner):
            _take_over(lock, owner)
            continue
        _, host, _ = _holder(owner)
        away = host is not None and host != socket.gethostname()
        if time.monotonic() > deadline or (away and age > (LOCK_WAIT if wait is None else wait)):
            raise WriteRefused(f"{busy} ({held_by(lock, owner) if owner.strip() else f'lock file {lock}'}.)") \
                from None
        time.sleep(_POLL)
    try:
        yield lock
    finally:
        lock.unlink(missing_ok=True)


def writer_lock(real: Path, wait: float | None = None):
    return file_lock(real, "write", f"another spso-xl command is changing {real.name} now: try again when it has "
                                    f"finished. Nothing was changed.", wait)


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

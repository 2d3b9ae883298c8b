"""What a path named on the command line really is, in words a manager can act on.

`workbook_kind` is asked before a tracker file is read (the reading itself is the safe
reader's, `xlsx.tables`): a folder, an empty file, a CSV, an old `.xls`, a password-protected
workbook, or text named `.xlsm` each get one line naming the file and saying what to do, instead
of a reader's exception; the safe reader says the same of a damaged one.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from spso_xl.errors import InputError

_ZIP, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SAVE_AS = "open it in Excel and use File > Save As > Excel Macro-Enabled Workbook (.xlsm)"


def _refuse(message: str, path: Path):
    raise InputError("FILE", message, str(path))


def regular_file(path: Path, what: str) -> None:
    """The one rule for a file spso-xl opens to read (a tracker, a letter template): a regular file, or a
    link to one. A named pipe hangs every reader for ever and a link to /dev/zero never ends, so a pipe, a
    device or a socket is refused by name before it is opened. A missing path or a folder passes: the
    caller says what is wrong with those."""
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return
    kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
    link = f" (a link to {os.path.realpath(path)})" if os.path.islink(path) else ""
    _refuse(f"{path}{link} is {kind}, not a {what}: name the {what} file itself; nothing was read", path)


def workbook_kind(path: Path) -> None:
    """Raise InputError unless `path` is a file that can be an Excel workbook (.xlsx/.xlsm)."""
    regular_file(path, "workbook")
    if not path.exists():
        _refuse(f"{path}: no such tracker (no file of that name in {path.parent.resolve()}): check the name, "
                f"or make a new tracker with spso-xl new", path)
    if path.is_dir():
        inside = sorted((p.suffix.lower() != ".xlsm", p.name) for p in path.glob("*.xls[mx]")
                        if not p.name.startswith(("~$", ".~lock")))
        inside = [name for _, name in inside]
        hint = f", e.g. {path / inside[0]}" if inside else ""
        _refuse(f"{path} is a folder, not a tracker: name the tracker file inside it{hint}", path)
    with open(path, "rb") as f:
        head = f.read(8)
    if not head:
        _refuse(f"{path} is empty (0 bytes), not a workbook: restore it from the backups folder beside it, "
                f"or make a new tracker with spso-xl new", path)
    if head.startswith(_ZIP):
        return
    if head == _OLE:
        _refuse(f"{path} is an old-format (.xls) or password-protected workbook, which spso-xl cannot read: "
                f"remove the password, or {_SAVE_AS}", path)
    if path.suffix.lower() in (".csv", ".txt", ".tsv"):
        _refuse(f"{path} is a {path.suffix[1:].upper()} file, not a workbook: spso-xl reads the tracker "
                f"workbook itself (.xlsm)", path)
    _refuse(f"{path} is not an Excel workbook (whatever its name, it holds "
            f"{'text' if _texty(head) else 'something else'}): name the tracker's .xlsm file", path)


def _texty(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def not_a_tracker(path: Path, sheets: list[str]) -> InputError:
    """The error for a workbook that is not an S&I tracker (it has no Cases sheet)."""
    shown = ", ".join(sheets[:5]) + (", ..." if len(sheets) > 5 else "")
    return InputError("TRACKER", f"{path} is not an S&I tracker: it has no Cases sheet (its sheets: {shown}); nothing was "
                                 f"done. Name the tracker file, or make one with spso-xl new", str(path))

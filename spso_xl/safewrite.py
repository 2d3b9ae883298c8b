"""Changing files without ever losing one (DESIGN §2, "Nothing is lost").

- A tracker open in Excel (its `~$` owner file beside it) or LibreOffice is refused.
- A timestamped backup is taken before a tracker is changed.
- New content goes to a temporary file in the same folder, is checked, then replaces
  the original in one `os.replace`: a crash leaves the old file or the new, never half.
- Files that must never be overwritten (letters) are published with `os.link`, which
  fails rather than replace an existing name.
- openpyxl with `keep_vba=True` keeps the VBA project, Form Control buttons, tables,
  validations, conditional formats, comments and Names of the sheets it does not touch.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import zipfile
from copy import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import openpyxl
from openpyxl.utils import get_column_letter, range_boundaries


class WriteRefused(RuntimeError):
    """The file cannot be written safely now; the message says why and what to do."""


def lock_files(path: Path) -> list[Path]:
    """Owner/lock files that mean someone has the workbook open."""
    names = {f"~${path.name}", f"~${path.name[2:]}", f".~lock.{path.name}#"}
    return sorted(p for p in (path.parent / n for n in names) if p.exists())


def refuse_if_open(path: Path) -> None:
    if locks := lock_files(path):
        raise WriteRefused(f"{path.name} is open in Excel or LibreOffice ({locks[0].name} exists): "
                           f"close it there first, then try again. Nothing was changed.")


def backup(path: Path, when: dt.datetime | None = None) -> Path:
    """Copy `path` into `backups/` beside it, stamped to the second (never replacing a backup)."""
    folder = path.parent / "backups"
    folder.mkdir(exist_ok=True)
    stamp = (when or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    target = folder / f"{path.stem}-{stamp}{path.suffix}"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{path.stem}-{stamp}-{n}{path.suffix}"
    shutil.copy2(path, target)
    return target


def _temp_beside(path: Path) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix + ".tmp", dir=path.parent)
    os.close(fd)
    return Path(name)


def _fsync(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def atomic_write(path: Path, write: Callable[[Path], None], *, overwrite: bool = True) -> Path:
    """Let `write` fill a temporary file beside `path`, then publish it atomically.

    With `overwrite=False` an existing `path` is never replaced (FileExistsError).
    """
    path = Path(path)
    tmp = _temp_beside(path)
    try:
        write(tmp)
        _fsync(tmp)
        if overwrite:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # atomic, and fails if the name is taken
            tmp.unlink()
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def update_tracker(path, change: Callable[[openpyxl.Workbook], None]) -> Path:
    """Apply `change` to the tracker at `path` safely; returns the backup's path."""
    path = Path(path)
    refuse_if_open(path)
    before = path.stat().st_mtime_ns
    wb = openpyxl.load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm", keep_links=True)
    change(wb)

    def save(tmp: Path):
        wb.save(tmp)
        with zipfile.ZipFile(tmp) as z:  # what we publish must at least be a whole workbook
            if z.testzip() is not None or "xl/workbook.xml" not in z.namelist():
                raise WriteRefused(f"the new {path.name} did not check out; the original is unchanged")
        refuse_if_open(path)
        if path.stat().st_mtime_ns != before:
            raise WriteRefused(f"{path.name} changed on disk while spso-xl was working: run the command again")

    saved = backup(path)
    atomic_write(path, save)
    return saved


# --- the write API every tracker-changing command uses -------------------------------------


@dataclass(frozen=True)
class Link:
    """A hyperlink cell: `target` (a path relative to the tracker's folder, an absolute path or a URL)
    shown as `text` (default: the target)."""
    target: str
    text: str | None = None


@dataclass
class TrackerEdit:
    """What one write changes, as plain data (see COMMON "Write API contract").

    cells:  (sheet name, Excel row number, column header) -> new value (None clears); the row is an
            existing row of that sheet's table (the reader's `_row`).
    append: table name -> records by header, added at the table's end (a value may be a `Link`).
    rename: (table name, old header) -> new header.
    """
    cells: dict[tuple[str, int, str], object] = field(default_factory=dict)
    append: dict[str, list[dict]] = field(default_factory=dict)
    rename: dict[tuple[str, str], str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.cells or any(self.append.values()) or self.rename)


def edit_tracker(path, edit: TrackerEdit) -> Path:
    """Apply `edit` to the tracker at `path` safely (refused while open, backed up, atomic); the backup's path."""
    return update_tracker(path, lambda wb: _apply(wb, edit))


def _apply(wb: openpyxl.Workbook, edit: TrackerEdit) -> None:
    from openpyxl.styles import Font

    for (sheet, row, header), value in edit.cells.items():
        ws = wb[sheet]
        table = next(iter(ws.tables.values()), None)
        if table is None:
            raise KeyError(f"the sheet {sheet} has no table")
        c1, r1, c2, _ = range_boundaries(table.ref)
        cols = {ws.cell(r1, c).value: c for c in range(c1, c2 + 1)}
        if header not in cols:
            raise KeyError(f"the {sheet} table has no column {header}")
        cell = ws.cell(row, cols[header])
        cell.value = value
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # data, not a formula
    for table_name, records in edit.append.items():
        if not records:
            continue
        plain = [{k: (v.text or v.target) if isinstance(v, Link) else v for k, v in r.items()} for r in records]
        written = append_rows(wb, table_name, plain)
        ws, t = find_table(wb, table_name)
        c1, r1, c2, _ = range_boundaries(t.ref)
        cols = {ws.cell(r1, c).value: c for c in range(c1, c2 + 1)}
        for r, record in zip(written, records):
            for header, value in record.items():
                if header not in cols:
                    continue
                cell = ws.cell(r, cols[header])
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"
                if isinstance(value, Link):
                    cell.hyperlink = link_target(value.target)
                    cell.font = Font(color="0563C1", underline="single")
    for (table_name, old), new in edit.rename.items():
        ws, t = find_table(wb, table_name)
        c1, r1, c2, _ = range_boundaries(t.ref)
        for c in range(c1, c2 + 1):
            if ws.cell(r1, c).value == old:
                ws.cell(r1, c).value = new
                t.tableColumns[c - c1].name = new
                break
        else:
            raise KeyError(f"the {table_name} table has no column {old}")


def link_target(target: str) -> str:
    """A hyperlink's target as a relationship holds it: a file URI for an absolute path, else URL-quoted."""
    import re
    from urllib.parse import quote

    if re.match(r"^[a-z][a-z0-9+.-]*://", target, re.I):
        return target
    if Path(target).is_absolute() or re.match(r"^[A-Za-z]:[\\/]", target):
        return Path(target).as_uri()
    return quote(target, safe="/")


# --- tables -----------------------------------------------------------------------------


def find_table(wb: openpyxl.Workbook, name: str):
    for ws in wb.worksheets:
        if name in ws.tables:
            return ws, ws.tables[name]
    raise KeyError(f"the tracker has no table named {name}")


def append_rows(wb: openpyxl.Workbook, table_name: str, rows: list[dict]) -> list[int]:
    """Append records (by header) to an Excel Table, growing it; returns the rows written.

    A blank last row (a new tracker's placeholder) is filled first; rows a user typed
    just below the table are kept and taken into it.
    """
    ws, table = find_table(wb, table_name)
    c1, r1, c2, r2 = range_boundaries(table.ref)
    headers = {ws.cell(r1, c).value: c for c in range(c1, c2 + 1)}
    template = r1 + 1

    def blank(r):
        return all(ws.cell(r, c).value in (None, "") or _is_formula(ws.cell(r, c).value) for c in range(c1, c2 + 1))

    last = r2
    while last > r1 and blank(last):
        last -= 1
    below = r2
    while not blank(below + 1):
        below += 1
    if below > r2:
        last = below
    written = []
    for record in rows:
        last += 1
        for header, col in headers.items():
            cell = ws.cell(last, col)
            src = ws.cell(template, col)
            if src.has_style and last != template:
                cell._style = copy(src._style)
            if header in record:
                cell.value = record[header]
            elif _is_formula(src.value) and last != template:
                cell.value = src.value
        written.append(last)
    new_ref = f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{max(last, r2)}"
    table.ref = new_ref
    if table.autoFilter is not None:
        table.autoFilter.ref = new_ref
    return written


def _is_formula(value) -> bool:
    return isinstance(value, str) and value.startswith("=")

"""Where letters go and what they are called: the letters folder, safe file names, publishing
a file that never replaces another (-v2, -v3 ...)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from itertools import count
from pathlib import Path

from spso_xl.errors import InputError
from spso_xl.safewrite import atomic_write

MAX_STEM = 100
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}


def safe_stem(text: str) -> str:
    """A file name stem from any text: letters, digits, space, - _ . kept, the rest '_'; never
    a path (no separators, no leading dot), never a Windows device name, at most MAX_STEM long."""
    text = unicodedata.normalize("NFC", text)
    stem = "".join(c if c.isalnum() or c in " -_." else "_" for c in text)
    stem = " ".join(stem.split()).lstrip(". ").rstrip(". ")[:MAX_STEM].rstrip(". ")
    if not stem or stem.split(".")[0].upper() in _RESERVED:
        stem = "_" + stem
    return stem


MAX_REF_IN_NAME = 60  # a letter's file name keeps its level and date whatever the Ref's length


def letter_stem(ref: str, level: int, as_of: dt.date) -> str:
    """'<Ref> L<level> <yyyy-mm-dd>': the Ref in a safe form, cut so that the rest survives."""
    ref = re.sub(r"^[.\s]+", lambda m: "_" * len(m.group().strip()), ref)  # '..' stays visible as '__'
    short = safe_stem(ref)[:MAX_REF_IN_NAME].rstrip(". ") or "_"
    return f"{short} L{level} {as_of:%Y-%m-%d}"


def letters_dir(settings, base: Path | None) -> Path:
    """The Settings letters folder; a relative one is in `base`, the tracker's folder.

    A folder outside the tracker's folder is used only if it exists: creating it is how a user
    confirms it (the Settings note says so). spso-xl creates folders inside the tracker's only."""
    folder = Path(str(settings.letters_folder or "letters")).expanduser()
    if base is None:
        return folder
    folder = folder if folder.is_absolute() else Path(base) / folder
    root = Path(base).resolve()
    inside = folder.resolve() == root or root in folder.resolve().parents
    if not inside and not folder.is_dir():
        raise InputError("FOLDER", f"the Settings letters folder {folder} is outside the tracker's folder and does not "
                                   f"exist: create it first if letters should go there, or name a folder inside "
                                   f"{root}; no letter was written", str(folder))
    return folder


def publish(data: bytes, out_dir: Path, stem: str, suffix: str) -> Path:
    """Write `data` as out_dir/stem.suffix, or -v2, -v3 ... if taken; never replaces a file."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    root = out_dir.resolve()
    stem = safe_stem(stem)
    for n in count(1):
        path = out_dir / f"{stem}{f'-v{n}' if n > 1 else ''}{suffix}"
        if path.resolve().parent != root:
            raise ValueError(f"refusing to write {path}: outside the letters folder {out_dir}")
        try:
            return atomic_write(path, lambda tmp: tmp.write_bytes(data), overwrite=False)
        except FileExistsError:
            if n >= 999:
                raise

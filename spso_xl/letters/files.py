"""Where letters go and what they are called: the letters folder, safe file names, publishing
a file that never replaces another (-v2, -v3 ...)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from itertools import count
from pathlib import Path

from spso_xl.errors import InputError
from spso_xl.safewrite import atomic_write

MAX_STEM = 100
MAX_STEM_BYTES = 180  # UTF-8: a name's limit is 255 bytes, and a -v999, a suffix and a temporary file's decoration follow
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}


def _cut_bytes(text: str, limit: int) -> str:
    """`text` cut to at most `limit` bytes of UTF-8, never inside a character."""
    return text.encode("utf-8", "surrogatepass")[:limit].decode("utf-8", "ignore")


def safe_stem(text: str) -> str:
    """A file name stem from any text: letters, digits, space, - _ . ~ kept, the rest '_'; never
    a path (no separators, no leading dot), never a Windows device name, at most MAX_STEM characters
    and MAX_STEM_BYTES bytes (a Ref of four-byte letters must not make a name the disk refuses)."""
    text = unicodedata.normalize("NFC", text)
    stem = "".join(c if c.isalnum() or c in " -_.~" else "_" for c in text)
    stem = _cut_bytes(" ".join(stem.split()).lstrip(". ").rstrip(". ")[:MAX_STEM], MAX_STEM_BYTES).rstrip(". ")
    if not stem or stem.split(".")[0].upper() in _RESERVED:
        stem = "_" + stem
    return stem


MAX_REF_IN_NAME = 60  # a letter's file name keeps its level and date whatever the Ref's length
MAX_REF_BYTES = 120


def ref_stem(ref: str) -> str:
    """The one rule for a Ref in a file name: its safe form, and, where that is not the Ref exactly
    (a character replaced, the text normalised or cut), a `~` and a hash of the Ref as typed. So two
    Refs never share a name (`SI/2026/005` and `SI:2026:005`; NFC and NFD): a Ref kept as typed has no
    `~` (a typed `~` is hashed too), a changed one ends with its own hash."""
    lead = re.sub(r"^[.\s]+", lambda m: "_" * len(m.group().strip()), ref)  # '..' stays visible as '__'
    short = _cut_bytes(safe_stem(lead)[:MAX_REF_IN_NAME], MAX_REF_BYTES).rstrip(". ") or "_"
    if short == ref and "~" not in ref:
        return short
    return f"{short}~{hashlib.sha256(ref.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


def letter_stem(ref: str, level: int, as_of: dt.date) -> str:
    """'<Ref> L<level> <yyyy-mm-dd>': the Ref by `ref_stem`, cut so that the rest survives."""
    return f"{ref_stem(ref)} L{level} {as_of:%Y-%m-%d}"


def letters_dir(settings, base: Path | None) -> Path:
    """The Settings letters folder; a relative one is in `base`, the tracker's folder.

    A folder outside the tracker's folder is used only if it exists: creating it is how a user
    confirms it (the Settings note says so). spso-xl creates folders inside the tracker's only."""
    folder = Path(str(settings.letters_folder or "letters")).expanduser()
    if base is None:
        return folder
    folder = folder if folder.is_absolute() else Path(base) / folder
    if folder.exists() and not folder.is_dir():
        raise InputError("FOLDER", f"the Settings letters folder {folder} is a file, not a folder: name a folder "
                                   f"(or move the file away); no letter was written", str(folder))
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

"""What leaves the product: text that becomes a cell somewhere else, and files that must never be
the tracker. Every writer calls these two, so the rules live in one place.

`neutralise`: a spreadsheet reading a CSV, or Excel receiving text through xlwings, takes text
that starts with = + - @ for a formula, also after leading spaces, tabs or line breaks (Excel
strips a leading tab), and a bare carriage return ends a CSV record. So line breaks become
`\\n`, tabs a space, other control characters go, and a formula lead gets Excel's text prefix
`'`. Where the cell type is written explicitly (an xlsx string cell) no prefix is needed
(`parsed=False`): the text stays exactly as typed, less what XML cannot hold.

`refuse_tracker_as_output`: `report --output` or `summary --output` naming the tracker (the
same path, a symlink or a hard link to it) would replace it with a report. `write_output` is the
one way a report is written, to a name given or a default one: it refuses the tracker and any
link (a link someone left in a shared folder under the default name would be written through).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from spso_xl.errors import InputError
from spso_xl.safewrite import atomic_write

_LEADS = ("=", "+", "-", "@")
_DROP = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
MAX_CELL = 32_767


class TrustedFormula(str):
    """A formula the product itself writes (a HYPERLINK to a letter): the one text `neutralise` passes."""


def neutralise(value, parsed: bool = True):
    """Text made safe to become a cell; any other value unchanged (see the module's docstring)."""
    if not isinstance(value, str) or isinstance(value, TrustedFormula):
        return value
    text = _DROP.sub("", value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))
    if len(text) > MAX_CELL:
        text = text[:MAX_CELL - 1] + "…"
    if parsed and text.lstrip()[:1] in _LEADS:
        text = "'" + text
    return text


def refuse_tracker_as_output(output, tracker) -> None:
    """Raise (a one-line InputError) when writing `output` would replace `tracker`."""
    out, src = Path(output), Path(tracker)
    same = False
    try:
        same = out.exists() and os.path.samefile(out, src)
    except OSError:
        pass
    if same or out.resolve() == src.resolve():
        raise InputError("OUTPUT", f"the output {out} is the tracker itself ({src.name}): choose another file name; "
                                 f"nothing was written", str(out))


def write_output(output, tracker, write) -> Path:
    """Write the output file `output` with `write(tmp)` (atomically), never onto the tracker and never
    through a link: both are refused (a one-line InputError) before anything is written."""
    refuse_tracker_as_output(output, tracker)
    out = Path(output)
    if out.is_symlink():
        raise InputError("OUTPUT", f"the output {out} is a link (to {os.readlink(out)}): writing it would change "
                                   f"the file it points to; choose another file name; nothing was written", str(out))
    return atomic_write(out, write)

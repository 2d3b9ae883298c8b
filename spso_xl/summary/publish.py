"""Publishing the quarterly summary (DESIGN §11): the sheet in the tracker, the standalone workbook
a manager forwards (never replacing an earlier one), and its PDF. `publish_summary` is the one
implementation the command line (`write_summary`, for a file) and the Summary button (through the
open workbook) both call.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from spso_xl.outputs.cell_text import refuse_tracker_as_output
from spso_xl.safewrite import atomic_write, refuse_if_open
from spso_xl.summary.figures import Summary, build_summary
from spso_xl.summary.layout import Layout, summary_layout
from spso_xl.summary.workbook import put_sheet, write_standalone
from spso_xl.tracker.read import Tracker, read_tracker
from spso_xl.tracker.write import change_tracker, tracker_lock


def save_new(path: Path, write) -> Path:
    """Publish a new file at `path`, or at 'name (2).xlsx', 'name (3).xlsx', ... when that name is taken:
    an earlier summary is a record and is never replaced. Returns the name used."""
    path = Path(path)
    for n in range(1, 1000):
        target = path if n == 1 else path.with_name(f"{path.stem} ({n}){path.suffix}")
        if target.exists():
            continue
        try:
            return atomic_write(target, write, overwrite=False)
        except FileExistsError:  # taken meanwhile
            continue
    raise RuntimeError(f"{path.parent} holds 999 versions of {path.name}: move some away, then try again")


@dataclass
class SummaryResult:
    """What `publish_summary` did."""

    summary: Summary
    sheet: str | None  # the sheet written into the tracker (None when not asked)
    backup: Path | None  # the tracker's backup taken before the sheet was written
    workbook: Path  # the standalone workbook
    pdf: Path | None

    @property
    def quarter(self):
        return self.summary.quarter

    @property
    def written(self) -> list[Path]:
        """The new files (the tracker itself is changed in place, its backup kept)."""
        return [p for p in (self.workbook, self.pdf) if p]


def publish_summary(tracker: Tracker, folder: Path, put_sheet: Callable[[Layout, Summary], Path | None] | None,
                    quarter=None, as_of: dt.date | None = None, output=None, pdf: bool = False) -> SummaryResult:
    """The one implementation of the summary, for the command line and the Summary button alike: build
    the figures of `quarter` (default: the last full quarter by the tracker's Settings), put them in the
    tracker as the sheet `Summary <quarter>` through `put_sheet(layout, summary)` (the file's writer or
    the open workbook's; it returns the backup, if any; None: no sheet), and publish the standalone
    workbook `SI summary <quarter>.xlsx` in `folder` (or at `output`) as a new file, never replacing an
    earlier one, with a PDF of it if asked."""
    summary = build_summary(tracker, quarter, as_of or dt.date.today())
    lay = summary_layout(summary)
    output = Path(output) if output else Path(folder) / summary.file_name
    if tracker.path is not None:
        refuse_tracker_as_output(output, tracker.path)
    refuse_if_open(output)
    backup = put_sheet(lay, summary) if put_sheet else None
    output = save_new(output, lambda tmp: write_standalone(lay, tmp))
    pdf_path = None
    if pdf:
        from spso_xl.outputs.libreoffice import convert  # LibreOffice runs a process: never on the Lite path

        with tempfile.TemporaryDirectory(prefix="spso-summary-") as tmp:
            source = Path(tmp) / output.name
            shutil.copyfile(output, source)
            made = convert(source, "pdf", Path(tmp) / "pdf")[0]
            pdf_path = save_new(output.with_suffix(".pdf"), lambda target: shutil.copyfile(made, target))
    return SummaryResult(summary, lay.sheet_name if put_sheet else None, backup, output, pdf_path)


def write_summary(path, quarter=None, output=None, pdf=False, as_of=None, sheet=True) -> SummaryResult:
    """`publish_summary` for a tracker file: the sheet goes in through the file's safe writer (a backup
    first), the standalone workbook beside the tracker (or at `output`)."""
    path = Path(path)
    if output:
        refuse_tracker_as_output(output, path)  # before any work: a mistake is told at once
    put = (lambda lay, _: change_tracker(path, lambda package: put_sheet(package, lay))) if sheet else None
    if not sheet:
        return publish_summary(read_tracker(path), path.parent, put, quarter, as_of, output, pdf)
    with tracker_lock(path):  # the figures are read and the sheet written in one turn
        return publish_summary(read_tracker(path), path.parent, put, quarter, as_of, output, pdf)

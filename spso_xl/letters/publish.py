"""Publishing letters (DESIGN §10): rendering each planned letter to a file that never replaces
another, PDF copies, and recording them in the tracker's Letters and Actions logs and on the
cases' rows. `publish_letters` is the one implementation the command line (`write_letters`, for a
file) and the Cases button (through the open workbook's writer) both call.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Callable, Iterable

from spso_xl.errors import SpsoError, TemplateProblem, WriteRefused
from spso_xl.letters.files import letters_dir, publish, safe_stem
from spso_xl.letters.plan import LetterPlan, Refusal, plan_letters
from spso_xl.letters.templates import TEMPLATES, render_bytes, resolve_template, templates_beside
from spso_xl.tracker.edit import Link, TrackerEdit, case_cells, edit_tracker
from spso_xl.tracker.read import Tracker, read_tracker
from spso_xl.tracker.write import tracker_lock


@dataclass
class Written:
    """One letter on disk, recorded in the tracker."""

    plan: LetterPlan
    docx: Path
    pdf: Path | None = None
    note: str | None = None  # e.g. that an edited template from an earlier version was used
    recovered: bool = False  # written by an earlier run that stopped before logging it: logged now


@dataclass
class LettersResult:
    """What `publish_letters` did: each letter written (and logged), each refused and why."""

    written: list[Written] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    folder: Path | None = None  # the letters folder
    backup: Path | None = None  # the tracker's backup taken before logging (None through an open workbook)
    missing: list[str] = field(default_factory=list)  # Cases headers the tracker lacks, so left out
    pdf_error: str | None = None


def render(plan: LetterPlan, out_dir: Path, templates: Path = TEMPLATES) -> Path:
    """Render the plan's letter into `out_dir` (created if needed); the new file's path."""
    return publish(render_bytes(plan, templates), out_dir, plan.stem, ".docx")


def pdf_copies(docxs: list[Path], out_dir: Path, timeout: float = 600) -> list[Path]:
    """PDF copies of letters with LibreOffice headless, in one run; never overwriting."""
    import subprocess  # here, not at the top: the xlwings Lite path (Pyodide) never starts a process

    from spso_xl.outputs.libreoffice import soffice  # it starts processes: never loaded on the Lite path

    exe = soffice()
    if exe is None:
        raise RuntimeError("LibreOffice is not installed, so no PDF copies were made (install libreoffice-writer)")
    with tempfile.TemporaryDirectory(prefix=".pdf-", dir=out_dir) as tmp, \
            tempfile.TemporaryDirectory(prefix="spso-lo-") as profile:
        try:
            proc = subprocess.run(
                [exe, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
                 "--convert-to", "pdf", "--outdir", tmp, *map(str, docxs)],
                capture_output=True, text=True, timeout=timeout, env={**os.environ, "HOME": profile})
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"LibreOffice took longer than {timeout:.0f} s, so no PDF copies were made") from None
        out = []
        for d in docxs:
            made = Path(tmp) / f"{d.stem}.pdf"
            if not made.exists():
                raise RuntimeError(f"LibreOffice could not convert {d.name}: "
                                   f"{proc.stderr.strip() or proc.stdout.strip() or 'no output'}")
            out.append(publish(made.read_bytes(), out_dir, d.stem, ".pdf"))
    return out


LINK_COLUMNS = {"Letters": "File", "Actions": "Document"}


def link_text(path: Path, base: Path | None) -> str:
    """The letter's path as the log shows it: relative to the tracker's folder when possible."""
    if base is not None:
        try:
            return Path(os.path.relpath(Path(path).resolve(), Path(base).resolve())).as_posix()
        except ValueError:  # another drive (Windows)
            pass
    return str(Path(path).resolve())


def log_rows(plan: LetterPlan, path: Path, base: Path | None = None) -> dict[str, list[dict]]:
    """The Letters and Actions rows recording a letter (by header). `base` is the tracker's
    folder, which relative links start from. A writer writes text as text: a value such as
    '=HYPERLINK(...)' in a Ref is data."""
    c = plan.context
    file = link_text(path, base)
    recipient = ", ".join(x for x in (c["recipient_name"], c["recipient_title"]) if x)
    return {
        "Letters": [{"Date": plan.as_of, "Ref": plan.ref, "Level": plan.level, "Organisation": c["organisation"],
                     "Recipient": recipient, "Signed by": c["signatory_name"], "Respond by": plan.respond_by,
                     "File": file}],
        "Actions": [*plan.logs, {"Date": plan.as_of, "Ref": plan.ref, "Level": plan.level,
                     "Action": "Chaser" if plan.chaser and "Chasers" in plan.cells else "Letter",
                     "By": c["signatory_name"],
                     "Notes": f"Level {plan.level} letter to {recipient}, {c['organisation']}; "
                              f"respond {c['respond_by_text']}",
                     "Document": file}],
    }


def log_edit(written: list[Written], tracker: Tracker, base: Path) -> tuple[TrackerEdit, list[str]]:
    """The tracker edit recording letters: their Letters and Actions rows (the file columns as hyperlinks;
    text stays text: a writer never turns a value into a formula) and what each records on its case's row,
    by the headers the file has; and the Cases headers it lacks, which are left out."""
    rows: dict[str, list[dict]] = {"Letters": [], "Actions": []}
    for w in written:
        for table, records in log_rows(w.plan, w.docx, base).items():
            rows[table] += records
    cells, missing = case_cells(tracker, ((w.plan.row, w.plan.cells) for w in written))
    append = {table: [{k: Link(v) if k == LINK_COLUMNS.get(table) and v else v for k, v in record.items()}
                      for record in records] for table, records in rows.items() if records}
    return TrackerEdit(cells=cells, append=append), missing


def publish_letters(tracker: Tracker, folder: Path, write: Callable[[TrackerEdit], Path | None],
                    refs: Iterable[str] | None = None, due: bool = False, as_of: dt.date | None = None,
                    pdf: bool = False, progress: Callable[[list], Iterable] | None = None,
                    out_dir: Path | None = None, templates: Path | None = None) -> LettersResult:
    """The one implementation of writing letters, for the command line and the Cases button alike: plan
    the letters for the named cases (`refs`) and/or those `due`, render each into the letters folder
    (`folder` is the tracker's: the Settings folder and the log's links start there), record them all
    through `write(edit)` in one go (the file's writer or the open workbook's; it returns the backup, if
    any), then make PDF copies if asked. `progress(list)` wraps the rendering loop.

    A letter already on disk but not in the log (a run stopped between writing and logging it) is
    logged, not written again.
    """
    as_of = as_of or dt.date.today()
    templates = templates or templates_beside(folder)
    plans = plan_letters(tracker, refs, due, as_of)
    out_dir = Path(out_dir) if out_dir else letters_dir(tracker.settings, folder)
    result = LettersResult(refused=[p for p in plans if isinstance(p, Refusal)], folder=out_dir)
    todo = [p for p in plans if isinstance(p, LetterPlan)]
    logged = _logged_files(tracker, folder)
    try:
        for plan in (progress(todo) if progress and todo else todo):
            if found := unlogged_letter(plan, out_dir, logged):
                result.written.append(Written(plan, found, recovered=True))
                continue
            try:
                result.written.append(Written(plan, render(plan, out_dir, templates),
                                              note=resolve_template(plan, templates)[1]))
            except TemplateProblem as e:
                result.refused.append(Refusal(plan.ref, plan.row, (str(e),)))
    finally:
        if result.written:
            edit, result.missing = log_edit(result.written, tracker, folder)
            try:
                result.backup = write(edit)
            except (SpsoError, KeyError) as e:  # refused, or a tracker the edit does not fit
                names = ", ".join(w.docx.name for w in result.written)
                why = e.args[0] if isinstance(e, KeyError) and e.args else str(e)
                raise WriteRefused(f"{why.rstrip('.')}. The letters were written but not logged: {names} (the next "
                                   f"run logs them without writing them again)") from None
    if pdf and result.written:
        try:
            for w, p in zip(result.written, pdf_copies([w.docx for w in result.written], out_dir)):
                w.pdf = p
        except (RuntimeError, OSError) as e:
            result.pdf_error = str(e)
    return result


def write_letters(path, refs: Iterable[str] | None = None, due: bool = False, as_of: dt.date | None = None,
                  pdf: bool = False, progress: Callable[[list], Iterable] | None = None,
                  out_dir: Path | None = None, templates: Path | None = None) -> LettersResult:
    """`publish_letters` for a tracker file: refused while it is open in Excel; read, written and logged
    in one turn of the tracker's writer lock (`tracker.write.tracker_lock`), so a second run, or any
    other command, waits for this one and each letter is written once and counted once."""
    path = Path(path)
    with tracker_lock(path):
        return publish_letters(read_tracker(path), path.parent, lambda edit: edit_tracker(path, edit, as_of), refs,
                               due, as_of, pdf, progress, out_dir, templates)


def _logged_files(tracker: Tracker, base: Path) -> set[Path]:
    """The letter files the Letters log names, resolved."""
    out = set()
    for f in tracker.raw["Letters"]["File"]:
        if isinstance(f, str) and f.strip():
            p = Path(f.strip())
            out.add((p if p.is_absolute() else Path(base) / p).resolve())
    return out


def unlogged_letter(plan: LetterPlan, out_dir: Path, logged: set[Path]) -> Path | None:
    """This plan's letter already on disk but not in the log (a run stopped between writing and logging
    it): it is logged, not written again (never a -v2 of a letter nobody has seen in the log)."""
    for n in count(1):
        p = Path(out_dir) / f"{safe_stem(plan.stem)}{f'-v{n}' if n > 1 else ''}.docx"
        if not p.exists():
            return None
        if p.resolve() not in logged:
            return p

"""`spso-xl demo`: the whole journey on realistic sample data, deterministic for a date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from spso_xl.calendar.dates import uk
from spso_xl.errors import plural
from spso_xl.letters.publish import write_letters
from spso_xl.new import build_tracker
from spso_xl.outputs.report import needs_action, report_frame
from spso_xl.summary.publish import write_summary
from spso_xl.tracker.read import read_tracker
from spso_xl.tracker.sample import demo_rows


def run_demo(out: Path, as_of: dt.date, console) -> list[Path]:
    """Build a sample tracker in `out`, then report, letters and summary from it; the files written."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "si_tracker.xlsm"
    if path.exists():
        raise FileExistsError(f"{path} exists: choose another --out folder, or remove it")
    build_tracker(path, demo_rows(as_of), as_of=as_of)
    written = [path, path.with_suffix(".py"), path.parent / "templates"]
    console.print(f"[bold]Built[/] {path} with the 32 councils, two years of findings and "
                  f"{len(demo_rows(as_of)['Cases'])} cases.\n")

    frame, _ = report_frame(read_tracker(path), as_of)
    overdue, up = needs_action(frame)
    act = frame[overdue | up]
    console.print(f"[bold]As of {uk(as_of)}[/]: {plural(len(act), 'case')} {'needs' if len(act) == 1 else 'need'} "
                  f"action ({int(overdue.sum())} overdue, {int(up.sum())} to escalate):")
    for _, row in act.iterrows():
        console.print(f"  [red]{row['Ref']}[/] {row['Organisation']}: {row['Status']}; {row['Reason']}")

    letters = write_letters(path, due=True, as_of=as_of)
    written += [w.docx for w in letters.written]
    console.print(f"\n[bold]Letters[/]: {plural(len(letters.written), 'letter')} written for the cases due one"
                  + (f"; {len(letters.refused)} not written:" if letters.refused else "."))
    for refusal in letters.refused:
        console.print(f"  {refusal}")

    summary = write_summary(path, as_of=as_of)
    written += summary.written
    console.print(f"\n[bold]Summary[/] for {summary.summary.title} ({summary.summary.period}) written to the tracker "
                  f"and beside it.")

    backups = sorted((out / "backups").glob("*")) if (out / "backups").exists() else []
    console.print("\n[bold]Files written[/]:")
    for p in [*written, *backups]:
        console.print(f"  {p}")
    return [*written, *backups]

"""`spso-xl`: everything the tracker's buttons do, headless from the file."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from .dates import to_date, uk
from .errors import InputError


def _date(text: str) -> dt.date:
    try:
        d = to_date(text)
    except InputError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    if d is None:
        raise argparse.ArgumentTypeError("a date is needed, e.g. 31/03/2027")
    return d


def cmd_due(args) -> int:
    """Due dates for notification dates, and the Scottish holidays each deadline skipped."""
    from .deadlines import due_date
    from .settings import DEFAULTS
    from .workdays import scottish_calendar

    cal = scottish_calendar()
    for notified in args.dates:
        for label, urgent, level in (("response", False, 2), ("urgent", True, 2)):
            due = due_date(notified, level, urgent=urgent, cal=cal)
            skipped = "; ".join(f"{d:%a %d/%m/%Y} {n}" for d, n in cal.holidays_between(notified, due)) or "none"
            days = DEFAULTS.urgent_days if urgent else DEFAULTS.response_days
            print(f"notified {notified:%a %d/%m/%Y}  {label:8} {days:2} working days -> due {due:%a} {uk(due)}"
                  f"   holidays skipped: {skipped}")
    return 0


def _console():
    from rich.console import Console

    return Console(width=200 if not sys.stdout.isatty() else None)


def cmd_new(args) -> int:
    """Build a fresh tracker."""
    from .build import build_tracker
    from .safewrite import backup, refuse_if_open, refuse_if_read_only, writer_lock

    if args.path.exists():
        if not args.force:
            print(f"spso-xl: {args.path} exists: choose another name, or --force to rebuild it", file=sys.stderr)
            return 1
        real = Path(os.path.realpath(args.path))
        refuse_if_open(args.path)
        refuse_if_read_only(real)
    edition = "lite" if args.lite else "classic"
    try:
        if args.path.exists():
            with writer_lock(real):
                print(f"kept the old tracker as {backup(real)}")
                build_tracker(args.path, as_of=args.as_of, edition=edition)
        else:
            build_tracker(args.path, as_of=args.as_of, edition=edition)
    except ValueError as e:  # a name the edition cannot take
        print(f"spso-xl: {e}", file=sys.stderr)
        return 2
    if args.lite:
        print(f"wrote {args.path} for xlwings Lite, and beside it main.py, requirements.txt and the folders "
              f"'personal' and 'templates'; open it and follow the Instructions sheet's set-up")
        return 0
    print(f"wrote {args.path} and {args.path.with_suffix('.py').name} (keep them together); "
          f"open it and read the Instructions sheet")
    return 0


def print_problems(problems, console) -> None:
    from rich.table import Table

    table = Table(title=f"{len(problems)} problem{'s' * (len(problems) != 1)}", show_lines=False)
    for col in ("Sheet", "Row", "Column", "Value", "Problem"):
        table.add_column(col, overflow="fold")
    for p in problems:
        table.add_row(p.sheet, str(p.row or ""), p.column or "", "" if p.value is None else repr(p.value), p.message)
    console.print(table)


def cmd_check(args) -> int:
    """Validate every input cell; exit 1 when anything needs fixing."""
    from .tracker import read_tracker

    tracker = read_tracker(args.path)
    if not tracker.problems:
        n = len(tracker.cases)
        print(f"{args.path.name}: no problems ({n} case{'s' * (n != 1)} checked)")
        return 0
    print_problems(tracker.problems, _console())
    return 1


def cmd_report(args) -> int:
    """The Cases table with the computed columns, overdue and escalation-due rows first."""
    from .outputs import refuse_tracker_as_output
    from .report import SHOWN, report_frame, to_csv, to_xlsx
    from .safewrite import atomic_write
    from .tracker import read_tracker

    if args.output:
        refuse_tracker_as_output(args.output, args.path)
    tracker = read_tracker(args.path)
    frame, skipped = report_frame(tracker, args.as_of)
    if skipped:
        print(f"spso-xl: skipped Cases row{'s' * (len(skipped) != 1)} {', '.join(map(str, skipped))} "
              f"(bad cells: run spso-xl check {args.path.name})", file=sys.stderr)
    if args.format == "csv":
        text = to_csv(frame)
        if args.output:
            atomic_write(args.output, lambda p: p.write_text(text, encoding="utf-8-sig"))
        else:
            sys.stdout.write(text)
    elif args.format == "xlsx":
        out = args.output or args.path.with_name(f"{args.path.stem} report {args.as_of:%Y-%m-%d}.xlsx")
        atomic_write(out, lambda p: to_xlsx(frame, p))
        print(f"wrote {out}")
    else:
        from rich.table import Table

        from .report import _display

        table = Table(title=f"{args.path.name} as of {uk(args.as_of)}: {len(frame)} cases")
        for col in SHOWN:
            table.add_column(col, overflow="fold", max_width=70 if col == "Reason" else None)
        styles = {"OVERDUE": "bold red", "DUE TODAY": "yellow", "DUE SOON": "yellow"}
        for row in frame.itertuples(index=False):
            rec = dict(zip(frame.columns, row))
            table.add_row(*(_display(rec[c]) for c in SHOWN), style=styles.get(rec["Status"]))
        _console().print(table)
    return 0


def cmd_refresh(args) -> int:
    """Store the computed columns' values in the tracker, so it reads correctly without Python."""
    from .refresh import refresh

    saved, rows = refresh(args.path, args.as_of)
    print(f"stored the computed values of {rows} Cases row{'s' * (rows != 1)} as of {uk(args.as_of)} in "
          f"{args.path.name} (backup: {saved})")
    return 0


def cmd_demo(args) -> int:
    """The whole journey on realistic sample data."""
    from .demo import run_demo

    try:
        run_demo(args.out, args.as_of, _console())
    except FileExistsError as e:
        print(f"spso-xl: {e}", file=sys.stderr)
        return 1
    return 0


def cmd_letters(args) -> int:
    """Write the letter each selected case's level requires, logged in Letters and Actions."""
    from rich.progress import track

    from .letters import write_letters

    if not args.ref and not args.due:
        print("spso-xl: name the cases with --ref REF ... or use --due", file=sys.stderr)
        return 2
    console = _console()
    result = write_letters(args.path, refs=args.ref, due=args.due, as_of=args.as_of, pdf=args.pdf,
                           progress=lambda plans: track(plans, description="Writing letters", console=console,
                                                        transient=True))
    for w in result.written:
        if w.recovered:
            print(f"logged {w.docx} (written by an earlier run that stopped before logging it)")
        else:
            print(f"wrote {w.docx}" + (f" and {w.pdf.name}" if w.pdf else ""))
        if w.note:
            print(f"  note: {w.note}")
    for r in result.refused:
        print(f"{'not written' if r.blocking else 'skipped'}: {r}", file=sys.stderr)
    if result.pdf_error:
        print(f"spso-xl: {result.pdf_error}", file=sys.stderr)
    if result.written:
        print(f"logged {len(result.written)} letter{'s' * (len(result.written) != 1)} in Letters and Actions "
              f"(backup: {result.backup})")
    elif not result.refused:
        print("no letters due")
    return 1 if result.pdf_error or any(r.blocking for r in result.refused) else 0


def _quarter(text: str):
    from .quarters import parse_quarter

    try:
        return parse_quarter(text)
    except InputError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def cmd_summary(args) -> int:
    """The quarterly summary (policy paras 18-20): a sheet in the tracker and a workbook to forward."""
    from .summary import FIGURES
    from .summary_xlsx import write_summary

    result = write_summary(args.path, args.quarter, args.output, args.pdf, args.as_of, sheet=not args.no_sheet)
    s = result.summary
    for note in s.notes:
        print(f"note: {note}")
    for key in ("level1_actions", "level2_actions", "level3_actions", "opened", "escalations", "resolutions",
                "overdue", "response_median"):
        value = s.figures[key]
        print(f"  {FIGURES[key]}: {'none' if value is None else f'{value:g}'}")
    if s.outliers.get("abnormally high"):
        print(f"  abnormally high uphold rate: {', '.join(s.outliers['abnormally high'])}")
    if result.sheet:
        print(f"wrote sheet '{result.sheet}' in {args.path.name} (backup: {result.backup})")
    print(f"wrote {result.workbook}" + (f" and {result.pdf.name}" if result.pdf else ""))
    return 0

def cmd_doctor(args) -> int:
    """Is this computer, and this tracker, ready for desktop Excel? One line per finding, with its fix."""
    from .doctor import PROBLEM, diagnose

    findings = diagnose(args.path, fix=args.fix)
    for f in findings:
        print(f.line())
    problems = sum(f.status == PROBLEM for f in findings)
    print(f"{problems} problem{'s' * (problems != 1)}" if problems else "ready")
    return 1 if problems else 0


def _recorded(args, decide, verb: str) -> int:
    """`chase` and `escalate`: what the Cases buttons do, decided by spso_xl.record, written through edit_tracker."""
    from .record import NotRecorded, as_edit
    from .safewrite import edit_tracker
    from .tracker import read_tracker

    tracker = read_tracker(args.path)
    try:
        changes = decide(tracker, args.ref, args.as_of)
    except NotRecorded as e:
        print(f"spso-xl: {args.path.name}: {e}; nothing was changed", file=sys.stderr)
        return 1
    done = [c for c in changes if c.done]
    for c in changes:
        print(c.message if c.done else f"not {verb}: {c.message}", file=sys.stdout if c.done else sys.stderr)
    if not done:
        return 1
    edit, missing = as_edit(tracker, done)
    saved = edit_tracker(args.path, edit, args.as_of)
    if missing:
        print(f"note: {args.path.name} has no {', '.join(missing)} column: run spso-xl upgrade {args.path.name}")
    print(f"logged {len(done)} in Actions (backup: {saved})")
    return 0 if len(done) == len(changes) else 1


def cmd_chase(args) -> int:
    """Record a chaser for each case: one more in Chasers, Last chased set, logged in Actions."""
    from .record import chasers

    return _recorded(args, chasers, "chased")


def cmd_escalate(args) -> int:
    """Move each case to its recommended level: Level and Date notified set, the old level's answers cleared."""
    from .record import escalations

    return _recorded(args, escalations, "escalated")


def cmd_upgrade(args) -> int:
    """Bring an older tracker to the current headers, keeping every value."""
    import dataclasses

    from . import schema
    from .safewrite import TrackerEdit, edit_tracker
    from .tracker import read_tracker

    tracker = read_tracker(args.path)
    rename = {(sheet, old): new for (sheet, new), old in tracker.old_headers.items()}
    add: dict[str, list[str]] = {}
    for sheet, header in sorted(schema.ADDED & tracker.absent):
        add.setdefault(sheet, []).append(header)
    can_add = "add_columns" in {f.name for f in dataclasses.fields(TrackerEdit)}
    edit = TrackerEdit(rename=rename, **({"add_columns": add} if can_add and add else {}))
    if not edit:
        print(f"{args.path.name} is up to date" + (f" (it has no {', '.join(h for v in add.values() for h in v)} "
                                                   "column: add it to the table by hand)" if add else ""))
        return 0
    saved = edit_tracker(args.path, edit)
    for (sheet, old), new in rename.items():
        print(f"renamed {sheet}!{old} to {new}, keeping its values")
    for sheet, headers in (add.items() if can_add else ()):
        print(f"added {sheet}!{', '.join(headers)} (blank)")
    print(f"backup: {saved}")
    return 0


SAMPLE_DATES = ["20/11/2026", "18/12/2026", "24/12/2026", "26/03/2027", "30/07/2027", "26/11/2027"]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="spso-xl", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    due = sub.add_parser("due", help="response due dates for notification dates, with the holidays skipped")
    due.add_argument("dates", nargs="*", type=_date, default=[_date(d) for d in SAMPLE_DATES],
                     help="notification dates (dd/mm/yyyy); default: a sample around Christmas and Easter")
    due.set_defaults(func=cmd_due)

    new = sub.add_parser("new", help="build a fresh tracker workbook (.xlsm) and its xlwings entry module")
    new.add_argument("path", type=Path, help="where to write it, e.g. si_tracker.xlsm (or si_tracker.xlsx with --lite)")
    new.add_argument("--lite", action="store_true",
                     help="the xlwings Lite edition: a macro-free .xlsx for Excel on Windows, Mac and the web, "
                          "with main.py, requirements.txt and the personal modules folder beside it")
    new.add_argument("--force", action="store_true", help="replace an existing file")
    new.add_argument("--as-of", type=_date, default=dt.date.today(), help="build as if on this date (default today)")
    new.set_defaults(func=cmd_new)

    check = sub.add_parser("check", help="validate every input cell; exit 1 if anything needs fixing")
    check.add_argument("path", type=Path, help="the tracker (.xlsm/.xlsx)")
    check.set_defaults(func=cmd_check)

    report = sub.add_parser("report", help="the Cases table with Due, Status, overdue days and recommended level")
    report.add_argument("path", type=Path, help="the tracker (.xlsm/.xlsx)")
    report.add_argument("--as-of", type=_date, default=dt.date.today(), help="status as of this date (default today)")
    report.add_argument("--format", choices=("table", "csv", "xlsx"), default="table")
    report.add_argument("--output", type=Path, help="file to write (csv: default standard output; "
                                                     "xlsx: default '<tracker> report <date>.xlsx' beside the tracker)")
    report.set_defaults(func=cmd_report)

    refresh = sub.add_parser("refresh", help="store the computed values in the tracker so that it reads correctly "
                                             "without Python (LibreOffice, previews, pandas)")
    refresh.add_argument("path", type=Path, help="the tracker (.xlsm/.xlsx)")
    refresh.add_argument("--as-of", type=_date, default=dt.date.today(), help="status as of this date (default today)")
    refresh.set_defaults(func=cmd_refresh)

    letters = sub.add_parser("letters", help="write the letter each case's level requires (Word; PDF with --pdf)")
    letters.add_argument("path", type=Path, help="the tracker (.xlsm/.xlsx)")
    letters.add_argument("--ref", nargs="+", action="extend", default=[], metavar="REF",
                         help="the cases' Refs: the letter for each case's Level")
    letters.add_argument("--due", action="store_true",
                         help="every case whose recommended level is above its Level and calls for a letter (2+)")
    letters.add_argument("--pdf", action="store_true", help="also a PDF copy of each letter (needs LibreOffice)")
    letters.add_argument("--as-of", type=_date, default=dt.date.today(), help="date the letters (default today)")
    letters.set_defaults(func=cmd_letters)

    summary = sub.add_parser("summary", help="the quarterly summary: a sheet in the tracker and a standalone workbook")
    summary.add_argument("path", type=Path, help="the tracker (.xlsm/.xlsx)")
    summary.add_argument("--quarter", type=_quarter, help="e.g. 2026-27Q2 (financial) or 2026Q3 (calendar); "
                                                          "default the last full quarter by the Settings convention")
    summary.add_argument("--output", type=Path, help="the standalone workbook (default 'SI summary <quarter>.xlsx' "
                                                     "beside the tracker)")
    summary.add_argument("--pdf", action="store_true", help="also a PDF of the workbook (needs LibreOffice)")
    summary.add_argument("--no-sheet", action="store_true", help="leave the tracker unchanged: standalone workbook only")
    summary.add_argument("--as-of", type=_date, default=dt.date.today(),
                         help="count as if on this date (default today)")
    summary.set_defaults(func=cmd_summary)

    doctor = sub.add_parser("doctor", help="is this computer and this tracker ready for desktop Excel? "
                                           "(Python, xlwings, add-in, entry module, xlwings.conf, Trust Center)")
    doctor.add_argument("path", type=Path, nargs="?", help="the tracker (.xlsm); without it, this computer only")
    doctor.add_argument("--fix", action="store_true",
                        help="write the missing entry module beside the workbook (after a rename or copy)")
    doctor.set_defaults(func=cmd_doctor)


    for name, func, what in (("chase", cmd_chase, "record a chaser sent (the Cases button Record chaser)"),
                             ("escalate", cmd_escalate,
                              "move cases to their recommended level (the Cases button Record escalation)")):
        cmd = sub.add_parser(name, help=what, description=func.__doc__)
        cmd.add_argument("path", type=Path, help="the tracker (.xlsm/.xlsx)")
        cmd.add_argument("--ref", nargs="+", action="extend", required=True, metavar="REF",
                         help="the cases' Refs (several allowed)")
        cmd.add_argument("--as-of", type=_date, default=dt.date.today(), help="the date to record (default today)")
        cmd.set_defaults(func=func)

    upgrade = sub.add_parser("upgrade", help="bring an older tracker to the current headers, keeping every value",
                             description=cmd_upgrade.__doc__)
    upgrade.add_argument("path", type=Path, help="the tracker (.xlsm/.xlsx)")
    upgrade.set_defaults(func=cmd_upgrade)

    demo = sub.add_parser("demo", help="build a sample tracker, then report, letters and summary from it")
    demo.add_argument("--out", type=Path, default=Path("demo"), help="folder to write into (default ./demo)")
    demo.add_argument("--as-of", type=_date, default=dt.date.today(), help="run as if on this date (default today)")
    demo.set_defaults(func=cmd_demo)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (InputError, FileNotFoundError) as e:
        print(f"spso-xl: {e}", file=sys.stderr)
        return 2
    except RuntimeError as e:  # WriteRefused and LibreOffice failures carry a message for the user
        print(f"spso-xl: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

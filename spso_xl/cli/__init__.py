"""`spso-xl`: everything the tracker's buttons do, headless from the file."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from spso_xl import __version__
from spso_xl.calendar.dates import to_date, uk
from spso_xl.errors import InputError, explain, plural


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
    from spso_xl.policy.deadlines import due_date
    from spso_xl.policy.settings import DEFAULTS
    from spso_xl.calendar.workdays import scottish_calendar

    cal = scottish_calendar()
    for notified in args.dates:
        for label, urgent, level in (("response", False, 2), ("urgent", True, 2)):
            due = due_date(notified, level, urgent=urgent, cal=cal)
            skipped = "; ".join(f"{d:%a %d/%m/%Y} {n}" for d, n in cal.holidays_between(notified, due)) or "none"
            days = DEFAULTS.urgent_days if urgent else DEFAULTS.response_days
            print(f"notified {notified:%a %d/%m/%Y}  {label:8} {days:2} working days -> due {due:%a} {uk(due)}"
                  f"   holidays skipped: {skipped}")
    return 0


def _width() -> int:
    """The terminal's width (COLUMNS when set; 120 when the output is not a terminal)."""
    import shutil

    return shutil.get_terminal_size((120, 24)).columns


def _console(file=None):
    from rich.console import Console

    return Console(file=file, width=_width(), highlight=False, soft_wrap=file is not None)


def cmd_new(args) -> int:
    """Build a fresh tracker."""
    from spso_xl.tracker.build import build_tracker
    from spso_xl.safewrite import backup, refuse_if_open, refuse_if_read_only, writer_lock

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


def in_sheet_order(problems) -> list:
    """Problems as a person walks the workbook: sheet by sheet (tab order), row by row, left to right."""
    from spso_xl.tracker import schema

    sheets = list(schema.SHEETS)
    columns = {name: list(sheet.headers) for name, sheet in schema.SHEETS.items()}

    def key(p):
        cols = columns.get(p.sheet, [])
        return (sheets.index(p.sheet) if p.sheet in sheets else len(sheets), p.row or 0,
                cols.index(p.column) if p.column in cols else len(cols))

    return sorted(problems, key=key)


def print_problems(problems, console, name: str = "") -> None:
    from rich.table import Table

    table = Table(title=f"{name}: {plural(len(problems), 'problem')}" if name else plural(len(problems), "problem"),
                  show_lines=False)
    for col in ("Sheet", "Row", "Column", "Value", "Problem"):
        table.add_column(col)
    for p in in_sheet_order(problems):
        table.add_row(p.sheet, str(p.row or ""), p.column or "", "" if p.value is None else repr(p.value), p.message)
    console.print(table)


def cmd_check(args) -> int:
    """Validate every input cell; exit 1 when anything needs fixing."""
    from spso_xl.tracker.read import read_tracker

    tracker = read_tracker(args.path)
    if not tracker.problems:
        print(f"{args.path.name}: no problems ({plural(len(tracker.cases), 'case')} checked)")
        return 0
    print_problems(tracker.problems, _console(), args.path.name)
    return 1


def cmd_report(args) -> int:
    """The Cases table with the computed columns, overdue and escalation-due rows first."""
    from spso_xl.outputs.cell_text import refuse_tracker_as_output
    from spso_xl.outputs.report import TERMINAL, choose_columns, needs_action, report_frame, text_table, to_csv, to_xlsx
    from spso_xl.tracker.read import read_tracker

    if args.output:
        refuse_tracker_as_output(args.output, args.path)
    tracker = read_tracker(args.path)
    frame, skipped = report_frame(tracker, args.as_of)
    if skipped:
        print(f"spso-xl: skipped Cases {'row' if len(skipped) == 1 else 'rows'} {', '.join(map(str, skipped))} "
              f"(bad cells: run spso-xl check {args.path.name})", file=sys.stderr)
    columns = choose_columns(frame, args.columns, TERMINAL if args.format == "table" else frame.columns)
    if args.format == "xlsx" or args.output:
        from spso_xl.safewrite import atomic_write  # only when writing a file
    if args.format == "xlsx":
        out = args.output or args.path.with_name(f"{args.path.stem} report {args.as_of:%Y-%m-%d}.xlsx")
        atomic_write(out, lambda p: to_xlsx(frame[columns], p))
        print(f"wrote {out} ({plural(len(frame), 'case')})")
        return 0
    if args.format == "csv":
        text = to_csv(frame[columns])
    else:
        overdue, escalate = needs_action(frame)
        title = (f"{args.path.name} as of {uk(args.as_of)}: {plural(len(frame), 'case')}, "
                 f"{int((overdue | escalate).sum())} needing action ({int(overdue.sum())} overdue, "
                 f"{int(escalate.sum())} to escalate; the reason is under each)")
        lines = text_table(frame, columns, _width(), title)
        if not args.output:
            from rich.text import Text

            _console().print(Text("\n").join(lines), overflow="ignore", crop=False, soft_wrap=True)
            return 0
        text = "".join(f"{line.plain}\n" for line in lines)
    if args.output:
        atomic_write(args.output, lambda p: p.write_text(text, encoding="utf-8-sig" if args.format == "csv" else "utf-8"))
        print(f"wrote {args.output} ({plural(len(frame), 'case')})")
    else:
        sys.stdout.write(text)
    return 0


def cmd_refresh(args) -> int:
    """Store the computed columns' values in the tracker, so it reads correctly without Python."""
    from spso_xl.tracker.cached import refresh

    saved, rows = refresh(args.path, args.as_of)
    print(f"stored the computed values of {rows} Cases row{'s' * (rows != 1)} as of {uk(args.as_of)} in "
          f"{args.path.name} (backup: {saved})")
    return 0


def cmd_demo(args) -> int:
    """The whole journey on realistic sample data."""
    from spso_xl.cli.demo import run_demo

    try:
        run_demo(args.out, args.as_of, _console())
    except FileExistsError as e:
        print(f"spso-xl: {e}", file=sys.stderr)
        return 1
    return 0


def cmd_letters(args) -> int:
    """Write the letter each selected case's level requires, logged in Letters and Actions."""
    from rich.progress import track

    from spso_xl.letters.plan import write_letters

    if not args.ref and not args.due:
        print("spso-xl: name the cases with --ref REF ... or use --due", file=sys.stderr)
        return 2
    console = _console()
    progress = (lambda plans: track(plans, description="Writing letters", console=console, transient=True)) \
        if console.is_terminal else None  # a transient bar off a terminal leaves only a blank line behind
    result = write_letters(args.path, refs=args.ref, due=args.due, as_of=args.as_of, pdf=args.pdf, progress=progress)
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
        print(f"logged {plural(len(result.written), 'letter')} in Letters and Actions "
              f"(backup: {result.backup})")
    elif not result.refused:
        print("no letters due")
    return 1 if result.pdf_error or any(r.blocking for r in result.refused) else 0


def _quarter(text: str) -> str:
    """The quarter as typed, once it is known to be one (its meaning depends on the tracker's Settings)."""
    from spso_xl.calendar.quarters import parse_quarter

    try:
        parse_quarter(text)
    except InputError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return text


def cmd_summary(args) -> int:
    """The quarterly summary (policy paras 18-20): a sheet in the tracker and a workbook to forward."""
    from spso_xl.summary.figures import FIGURES
    from spso_xl.summary.workbook import write_summary

    result = write_summary(args.path, args.quarter, args.output, args.pdf, args.as_of, sheet=not args.no_sheet)
    s = result.summary
    print(f"{s.title}: {s.period} ({s.convention.lower()} quarter)")
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
    from spso_xl.cli.doctor import PROBLEM, diagnose

    findings = diagnose(args.path, fix=args.fix)
    for f in findings:
        print(f.line())
    problems = sum(f.status == PROBLEM for f in findings)
    print(plural(problems, "problem") if problems else "ready")
    return 1 if problems else 0


def _recorded(args, decide, verb: str) -> int:
    """`chase` and `escalate`: what the Cases buttons do, decided by spso_xl.record, written through edit_tracker."""
    from spso_xl.tracker.chase_escalate import NotRecorded, as_edit
    from spso_xl.tracker.edit import edit_tracker
    from spso_xl.tracker.read import read_tracker

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
    from spso_xl.tracker.chase_escalate import chasers

    return _recorded(args, chasers, "chased")


def cmd_escalate(args) -> int:
    """Move each case to its recommended level: Level and Date notified set, the old level's answers cleared."""
    from spso_xl.tracker.chase_escalate import escalations

    return _recorded(args, escalations, "escalated")


def cmd_upgrade(args) -> int:
    """Bring an older tracker to the current headers, keeping every value."""
    import dataclasses

    from spso_xl.tracker import schema
    from spso_xl.tracker.edit import edit_tracker, TrackerEdit
    from spso_xl.tracker.read import read_tracker

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


DATE = "DD/MM/YYYY"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="spso-xl", description=__doc__,
                                epilog="Run 'spso-xl COMMAND --help' for a command's options.")
    p.add_argument("--version", action="version", version=f"spso-xl {__version__}")
    p.add_argument("--debug", action="store_true", help="on an error, show Python's full traceback")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, help, func):
        c = sub.add_parser(name, help=help, description=help[0].upper() + help[1:] + ".")
        c.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help="on an error, show Python's full traceback")
        c.set_defaults(func=func)
        return c

    def as_of(c, what):
        c.add_argument("--as-of", type=_date, default=dt.date.today(), metavar=DATE,
                       help=f"{what} as if on this date, e.g. 22/11/2026 (default today)")

    def tracker(c):
        c.add_argument("path", type=Path, help="the tracker workbook (.xlsm)")

    due = command("due", "response due dates for notification dates, with the holidays skipped", cmd_due)
    due.add_argument("dates", nargs="*", type=_date, default=[_date(d) for d in SAMPLE_DATES], metavar=DATE,
                     help="notification dates; default: a sample around Christmas and Easter")

    new = command("new", "build a fresh tracker workbook (.xlsm) and its xlwings entry module beside it (--lite: a .xlsx for xlwings Lite)", cmd_new)
    new.add_argument("path", type=Path, help="where to write it, e.g. si_tracker.xlsm (letters, digits and "
                                             "underscores only: Excel's Python imports a module of that name)")
    new.add_argument("--lite", action="store_true",
                     help="the xlwings Lite edition: a macro-free .xlsx for Excel on Windows, Mac and the web, "
                          "with main.py, requirements.txt and the personal modules folder beside it")
    new.add_argument("--force", action="store_true", help="replace an existing file (a backup is kept)")
    as_of(new, "build")

    check = command("check", "validate every input cell; exit 1 if anything needs fixing", cmd_check)
    tracker(check)

    report = command("report", "the Cases table with Due, Status, days late and the recommended level", cmd_report)
    tracker(report)
    as_of(report, "status")
    report.add_argument("--format", choices=("table", "csv", "xlsx"), default="table",
                        help="table: fits the terminal (default); csv; xlsx: a workbook to filter and print")
    report.add_argument("--columns", metavar="NAMES",
                        help="comma-separated columns to show, e.g. 'Ref,Organisation,Due,Status' (any Cases "
                             "header or the table's headings; default for the table: Ref, Organisation, Level, "
                             "Due, Status, Days late, Recommended, Contact; for csv and xlsx: every column)")
    report.add_argument("--output", type=Path, metavar="FILE",
                        help="file to write (table: a text file, default the screen; csv: default the screen; "
                             "xlsx: default '<tracker> report <date>.xlsx' beside the tracker)")

    letters = command("letters", "write the letter each case's level requires (Word; PDF with --pdf) into the "
                                 "'letters' folder beside the tracker, logged on its Letters and Actions sheets",
                      cmd_letters)
    tracker(letters)

    letters.add_argument("--ref", nargs="+", action="extend", default=[], metavar="REF",
                         help="the cases' Refs: the letter for each case's Level")
    letters.add_argument("--due", action="store_true",
                         help="every case whose recommended level is above its Level and calls for a letter "
                              "(2+); with --ref, only those cases, each told apart as written or skipped and why")
    letters.add_argument("--pdf", action="store_true", help="also a PDF copy of each letter (needs LibreOffice)")
    as_of(letters, "date the letters")

    refresh = command("refresh", "store the computed values in the tracker so that it reads correctly without "
                                 "Python (LibreOffice, previews, pandas)", cmd_refresh)
    tracker(refresh)
    as_of(refresh, "work out the status")

    summary = command("summary", "the quarterly summary: a sheet in the tracker and a standalone workbook to "
                                 "forward, laid out for A4 landscape", cmd_summary)
    tracker(summary)
    summary.add_argument("--quarter", type=_quarter, metavar="QUARTER",
                         help="e.g. 2026-27Q2 (financial year 2026-27: July to September 2026) or 2026Q3; "
                              "YYYYQn counts quarters as the tracker's Settings do (financial: 2026Q2 is "
                              "2026-27 Q2). Default: the last full quarter")
    summary.add_argument("--output", type=Path, metavar="FILE",
                         help="the standalone workbook (default 'SI summary <quarter>.xlsx' beside the tracker; "
                              "an earlier file is never replaced: a new version is numbered)")
    summary.add_argument("--pdf", action="store_true", help="also a PDF of the workbook (needs LibreOffice)")
    summary.add_argument("--no-sheet", action="store_true", help="leave the tracker unchanged: standalone workbook only")
    as_of(summary, "count")

    doctor = command("doctor", "is this computer and this tracker ready for desktop Excel? (Python, xlwings, "
                               "add-in, entry module, xlwings.conf, Trust Center)", cmd_doctor)
    doctor.add_argument("path", type=Path, nargs="?", help="the tracker (.xlsm); without it, this computer only")
    doctor.add_argument("--fix", action="store_true",
                        help="write the missing entry module beside the workbook (after a rename or copy)")


    for name, func, what in (("chase", cmd_chase, "record a chaser sent (the Cases button Record chaser)"),
                             ("escalate", cmd_escalate,
                              "move cases to their recommended level (the Cases button Record escalation)")):
        c = command(name, what, func)
        tracker(c)
        c.add_argument("--ref", nargs="+", action="extend", required=True, metavar="REF",
                       help="the cases' Refs (several allowed)")
        as_of(c, "record it")

    upgrade = command("upgrade", "bring an older tracker to the current headers, keeping every value", cmd_upgrade)
    tracker(upgrade)

    demo = command("demo", "build a sample tracker, then report, letters and summary from it", cmd_demo)
    demo.add_argument("--out", type=Path, default=Path("demo"), metavar="FOLDER",
                      help="folder to write into (default ./demo)")
    as_of(demo, "run")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("spso-xl: stopped (files are written whole or not at all)", file=sys.stderr)
        return 130
    except Exception as e:  # the one place an error becomes the line a person reads
        if args.debug:
            raise
        print(f"spso-xl: {explain(e, getattr(args, 'path', None))}", file=sys.stderr)
        return 1 if isinstance(e, RuntimeError) else 2


"""The `spso-xl` commands: each a few lines over the core's action, printing what was done.

What every tracker command needs is imported here; the few heavy writers only one command uses are
imported by that command, so `spso-xl check` or `chase` never loads XlsxWriter, openpyxl's writer or
the letter planner."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import track
from rich.table import Table
from rich.text import Text

from spso_xl.calendar.dates import uk
from spso_xl.calendar.workdays import scottish_calendar
from spso_xl.cli.casework import cmd_add, cmd_import, cmd_update  # noqa: F401 (run by name, as every cmd_)
from spso_xl.errors import NotRecorded, plural
from spso_xl.outputs.cell_text import refuse_tracker_as_output, write_output
from spso_xl.outputs.report import TERMINAL, choose_columns, needs_action, report_frame, text_table, to_csv, to_xlsx
from spso_xl.policy.cases import CHECK
from spso_xl.policy.deadlines import due_date
from spso_xl.policy.settings import DEFAULTS
from spso_xl.safewrite import atomic_write, backup, refuse_if_open, refuse_if_read_only, writer_lock
from spso_xl.summary.figures import FIGURES
from spso_xl.tracker import schema
from spso_xl.tracker.cached import refresh
from spso_xl.tracker.chase_escalate import chasers, escalations, record
from spso_xl.tracker.edit import edit_tracker
from spso_xl.tracker.read import read_tracker
from spso_xl.tracker.upgrade import apply_upgrade, plan_upgrade
from spso_xl.tracker.write import change_tracker, tracker_lock
from spso_xl.xlsx.gate import check_file, checked


def cmd_due(args) -> int:
    """Due dates for notification dates, and the Scottish holidays each deadline skipped."""

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

    return shutil.get_terminal_size((120, 24)).columns


def _console(file=None):
    return Console(file=file, width=_width(), highlight=False, soft_wrap=file is not None)


def cmd_new(args) -> int:
    """Build a fresh tracker."""
    from spso_xl.new import build_tracker  # XlsxWriter and the templates: only when a tracker is built

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
                build_tracker(args.path, as_of=args.as_of, edition=edition, wheel_url=args.wheel_url)
        else:
            build_tracker(args.path, as_of=args.as_of, edition=edition, wheel_url=args.wheel_url)
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

    sheets = list(schema.SHEETS)
    columns = {name: list(sheet.headers) for name, sheet in schema.SHEETS.items()}

    def key(p):
        cols = columns.get(p.sheet, [])
        return (sheets.index(p.sheet) if p.sheet in sheets else len(sheets), p.row or 0,
                cols.index(p.column) if p.column in cols else len(cols))

    return sorted(problems, key=key)


def print_problems(problems, console, name: str = "", what: str = "problem") -> None:

    table = Table(title=f"{name}: {plural(len(problems), what)}" if name else plural(len(problems), what),
                  show_lines=False)
    for col in ("Sheet", "Row", "Column", "Value", what.capitalize()):
        table.add_column(col)
    for p in in_sheet_order(problems):
        table.add_row(p.sheet, str(p.row or ""), p.column or "", "" if p.value is None else repr(p.value), p.message)
    console.print(table)


def cmd_check(args) -> int:
    """Validate every input cell, and the file as Excel opens it (the write gate's checks); exit 1 when
    anything needs fixing."""

    from spso_xl.letters.plan import letter_warnings  # the letter planner: only when a tracker is checked

    tracker = read_tracker(args.path)
    if tracker.warnings:  # valid cells that do not do what they seem to: worth a look, not a failure
        print_problems(tracker.warnings, _console(), args.path.name, "warning")
    for warning in letter_warnings(tracker):  # where a letter would fall back: worth fixing, not an error
        print(f"warning: {warning}")
    damaged = check_file(args.path)
    for problem in damaged:
        print(f"{args.path.name}: Excel would repair this file: {problem}")
    if not tracker.problems and not damaged:
        print(f"{args.path.name}: no problems ({plural(len(tracker.cases), 'case')} checked)")
        return 0
    if tracker.problems:
        print_problems(tracker.problems, _console(), args.path.name)
    return 1


def cmd_report(args) -> int:
    """The Cases table with the computed columns, overdue and escalation-due rows first."""

    if args.output:
        refuse_tracker_as_output(args.output, args.path)
    tracker = read_tracker(args.path)
    frame, to_check = report_frame(tracker, args.as_of)
    if to_check:  # shown with Status CHECK, never hidden; the exit status says so too
        print(f"spso-xl: Cases {'row' if len(to_check) == 1 else 'rows'} {', '.join(map(str, to_check))} "
              f"{'has' if len(to_check) == 1 else 'have'} a cell to check (Status CHECK, the cell named in the "
              f"Reason; spso-xl check {args.path.name} lists them)", file=sys.stderr)
    code = 1 if to_check else 0
    columns = choose_columns(frame, args.columns, TERMINAL if args.format == "table" else frame.columns)
    if args.format == "xlsx":
        out = args.output or args.path.with_name(f"{args.path.stem} report {args.as_of:%Y-%m-%d}.xlsx")
        write_output(out, args.path, checked(lambda p: to_xlsx(frame[columns], p)))
        print(f"wrote {out} ({plural(len(frame), 'case')})")
        return code
    if args.format == "csv":
        text = to_csv(frame[columns])
    else:
        overdue, escalate = needs_action(frame)
        checks = frame["Status"].eq(CHECK)
        title = (f"{args.path.name} as of {uk(args.as_of)}: {plural(len(frame), 'case')}, "
                 f"{int((overdue | escalate).sum())} needing action ({int((overdue & ~checks).sum())} overdue, "
                 f"{int(escalate.sum())} to escalate" + (f", {int(checks.sum())} to check" if checks.any() else "")
                 + "; the reason is under each)")
        lines = text_table(frame, columns, _width(), title)
        if not args.output:

            _console().print(Text("\n").join(lines), overflow="ignore", crop=False, soft_wrap=True)
            return code
        text = "".join(f"{line.plain}\n" for line in lines)
    if args.output:
        write_output(args.output, args.path, lambda p: p.write_text(text, encoding="utf-8-sig" if args.format == "csv" else "utf-8"))
        print(f"wrote {args.output} ({plural(len(frame), 'case')})")
    else:
        sys.stdout.write(text)
    return code


def cmd_refresh(args) -> int:
    """Store the computed columns' values in the tracker, so it reads correctly without Python."""

    saved, rows = refresh(args.path, args.as_of)
    print(f"stored the computed values of {plural(rows, 'Cases row')} as of {uk(args.as_of)} in "
          f"{args.path.name} (backup: {saved})")
    return 0


def cmd_demo(args) -> int:
    """The whole journey on realistic sample data."""
    from spso_xl.cli.demo import run_demo  # every writer at once: only for the demo

    try:
        run_demo(args.out, args.as_of, _console())
    except FileExistsError as e:
        print(f"spso-xl: {e}", file=sys.stderr)
        return 1
    return 0


def cmd_letters(args) -> int:
    """Write the letter each selected case's level requires, logged in Letters and Actions."""
    from spso_xl.letters.publish import write_letters  # the letter planner: only when letters are written

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
        if w.records:
            print(f"  {w.records}")
    for r in result.refused:
        print(f"{'not written' if r.blocking else 'skipped'}: {r}", file=sys.stderr)
    if result.pdf_error:
        print(f"spso-xl: {result.pdf_error}", file=sys.stderr)
    if result.missing:
        print(f"note: {args.path.name} has no {', '.join(result.missing)} column, so the letters could not record "
              f"it: run spso-xl upgrade {args.path.name}")
    if result.written:
        print(f"logged {plural(len(result.written), 'letter')} in Letters and Actions "
              f"(backup: {result.backup})")
    elif not result.refused:
        print("no letters due")
    return 1 if result.pdf_error or any(r.blocking for r in result.refused) else 0


def cmd_summary(args) -> int:
    """The quarterly summary (policy paras 18-20): a sheet in the tracker and a workbook to forward."""
    from spso_xl.summary.publish import write_summary  # openpyxl's writer: only when a summary is built

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
    """Is this computer, and this tracker, ready for desktop Excel or xlwings Lite? One line per finding, with its fix."""
    from spso_xl.cli.doctor import PROBLEM, diagnose  # XlsxWriter's entry module text: only for doctor

    findings = diagnose(args.path, fix=args.fix)
    for f in findings:
        print(f.line())
    problems = sum(f.status == PROBLEM for f in findings)
    print(plural(problems, "problem") if problems else "ready")
    return 1 if problems else 0


def _recorded(args, decide, verb: str) -> int:
    """`chase` and `escalate`: what the Cases buttons do (`record`), written into the file and read back;
    every line is printed from the result once the write has landed, so "recorded" is never said of what
    was not written."""
    try:
        with tracker_lock(args.path):  # read, decide and write in one turn: a command at once loses nothing
            result = record(read_tracker(args.path), args.ref, args.as_of, decide,
                            lambda edit: edit_tracker(args.path, edit, args.as_of), lambda: read_tracker(args.path))
    except NotRecorded as e:
        print(f"spso-xl: {args.path.name}: {e}; nothing was changed", file=sys.stderr)
        return 1
    said, warned = result.lines(verb)
    for line in said:
        print(line)
    for line in warned:
        print(line, file=sys.stderr)
    if result.written:
        print(f"logged {len(result.done) + len(result.unlanded)} in Actions (backup: {result.backup})")
    else:
        print(f"nothing was changed in {args.path.name}", file=sys.stderr)
    return 0 if result.done and not result.left and not result.unlanded else 1


def cmd_chase(args) -> int:
    """Record a chaser for each case: one more in Chasers, Last chased set, logged in Actions."""

    return _recorded(args, chasers, "chased")


def cmd_escalate(args) -> int:
    """Move each case to its recommended level: Level and Date notified set, the old level's answers cleared."""

    return _recorded(args, escalations, "escalated")


def cmd_upgrade(args) -> int:
    """Bring an older tracker to the current headers, tables and Settings rows, keeping every value."""

    with tracker_lock(args.path):  # read and write in one turn
        return _upgrade(args)


def _upgrade(args) -> int:
    upgrade = plan_upgrade(read_tracker(args.path))
    if not upgrade:
        print(f"{args.path.name} is up to date")
        return 0
    saved = change_tracker(args.path, lambda package: apply_upgrade(package, upgrade))
    for (sheet, old), new in upgrade.edit.rename.items():
        print(f"renamed {sheet}!{old} to {new}, keeping its values")
    for sheet, headers in upgrade.edit.add_columns.items():
        print(f"added {sheet}!{', '.join(headers)} (blank)")
    for name in upgrade.tables:
        print(f"added the {name} sheet and table (empty: fill in who each function's letters go to)")
    if settings := upgrade.edit.append.get("Settings"):
        print(f"added the Settings {', '.join(r['Setting'] for r in settings)} with their defaults")
    print(f"backup: {saved}")
    return 0


def cmd_digest(args) -> int:
    """The day's reminders, printed, written to --output and/or emailed (--send)."""
    from spso_xl.reminders import digest, mail, render  # the letter planner and smtplib: only here

    if args.output:
        refuse_tracker_as_output(args.output, args.path)
    tracker = read_tracker(args.path)
    day = digest.build_digest(tracker, args.as_of, args.owner)
    rendered = render.FORMATS[args.format](day)
    if args.output:
        atomic_write(args.output, lambda p: p.write_text(rendered, encoding="utf-8"))
        print(f"wrote {args.output} ({day.headline().lower() if not day.empty else 'nothing needs action'})")
    elif not args.send:
        console = _console()
        if args.format == "text" and console.is_terminal:
            console.print(Text("\n").join(Text(line, style=style) for line, style in render.text_lines(day)))
        else:
            sys.stdout.write(rendered)
    if not args.send:
        return 0
    if day.day_off and not args.force:
        print(f"not sent: {render.day_off_line(day)}")
        return 0
    try:
        route = mail.route(tracker.settings)
        msg = mail.message(day.subject(), render.to_text(day), render.to_html(day), route)
        mail.send(msg, route, os.environ.get(mail.USER_VARIABLE) or None, os.environ.get(mail.PASSWORD_VARIABLE))
    except mail.SendFailed as e:
        print(f"spso-xl: digest not sent: {e}", file=sys.stderr)
        return 1
    print(f"sent the digest ({day.headline().lower()}) to {', '.join(route.to)} through {route.host}:{route.port}")
    return 0


def cmd_calendar(args) -> int:
    """The open cases' due dates as an .ics calendar; answered or closed cases' events cancelled."""
    from spso_xl.reminders.ics import export_calendar  # icalendar: only for the calendar

    out = args.output or args.path.with_name(f"{args.path.stem} deadlines.ics")
    refuse_tracker_as_output(out, args.path)
    tracker = read_tracker(args.path)
    result = export_calendar(tracker, args.as_of, out.read_bytes() if out.exists() else None)
    atomic_write(out, lambda p: p.write_bytes(result.ics))
    print(f"wrote {out}: {plural(result.events, 'due date')}"
          + (f", {plural(result.cancelled, 'event')} cancelled (answered or closed since the last export)"
             if result.cancelled else ""))
    if result.skipped:
        print(f"spso-xl: left out Cases {'row' if len(result.skipped) == 1 else 'rows'} "
              f"{', '.join(map(str, result.skipped))} (bad cells: run spso-xl check {args.path.name})", file=sys.stderr)
    return 0

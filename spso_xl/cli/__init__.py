"""`spso-xl`: everything the tracker's buttons do, headless from the file."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from spso_xl import __version__
from spso_xl.calendar.dates import to_date, user_date
from spso_xl.calendar.quarters import parse_quarter
from spso_xl.errors import InputError, explain


def _date(text: str) -> dt.date:
    try:
        d = to_date(text)
    except InputError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    if d is None:
        raise argparse.ArgumentTypeError("a date is needed, e.g. 31/03/2027")
    return d


def _as_of(text: str) -> dt.date:
    """--as-of: a date by the one rule for dates from users (calendar.dates.user_date)."""
    try:
        d = user_date(text, "--as-of")
    except InputError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    if d is None:
        raise argparse.ArgumentTypeError("a date is needed, e.g. 31/03/2027")
    return d


def _quarter(text: str) -> str:
    """The quarter as typed, once it is known to be one (its meaning depends on the tracker's Settings)."""
    try:
        parse_quarter(text)
    except InputError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return text


SAMPLE_DATES = ["20/11/2026", "18/12/2026", "24/12/2026", "26/03/2027", "30/07/2027", "26/11/2027"]


DATE = "DD/MM/YYYY"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="spso-xl", description=__doc__,
                                epilog="Run 'spso-xl COMMAND --help' for a command's options.")
    p.add_argument("--version", action="version", version=f"spso-xl {__version__}")
    p.add_argument("--debug", action="store_true", help="on an error, show Python's full traceback")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, help):
        c = sub.add_parser(name, help=help, description=help[0].upper() + help[1:] + ".")
        c.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help="on an error, show Python's full traceback")
        return c

    def as_of(c, what):
        c.add_argument("--as-of", type=_as_of, default=dt.date.today(), metavar=DATE,
                       help=f"{what} as if on this date, e.g. 22/11/2026 (default today)")

    def tracker(c):
        c.add_argument("path", type=Path, help="the tracker workbook (.xlsm)")

    due = command("due", "response due dates for notification dates, with the holidays skipped")
    due.add_argument("dates", nargs="*", type=_date, default=[_date(d) for d in SAMPLE_DATES], metavar=DATE,
                     help="notification dates; default: a sample around Christmas and Easter")

    new = command("new", "build a fresh tracker workbook (.xlsm) and its xlwings entry module beside it (--lite: a .xlsx for xlwings Lite)")
    new.add_argument("path", type=Path, help="where to write it, e.g. si_tracker.xlsm (letters, digits and "
                                             "underscores only: Excel's Python imports a module of that name)")
    new.add_argument("--lite", action="store_true",
                     help="the xlwings Lite edition: a macro-free .xlsx for Excel on Windows, Mac and the web, "
                          "with main.py, requirements.txt and the personal modules folder beside it")
    new.add_argument("--wheel-url", metavar="URL",
                     help="with --lite: the https:// address your team serves the spso-xl wheel from (CORS allowed "
                          "for the add-in), stored in the workbook's requirements.txt so nobody uploads spso-xl's code")
    new.add_argument("--force", action="store_true", help="replace an existing file (a backup is kept)")
    as_of(new, "build")

    check = command("check", "validate every input cell and the file as Excel opens it, and warn where a valid "
                             "cell has no effect (Urgent at SWF 2-3); exit 1 if anything needs fixing")
    tracker(check)

    report = command("report", "the Cases table with Due, Status, days late and the recommended level")
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
                                 "'letters' folder beside the tracker, logged on its Letters and Actions sheets")
    tracker(letters)

    letters.add_argument("--ref", nargs="+", action="extend", default=[], metavar="REF",
                         help="the cases' Refs: the letter for each case's Level")
    letters.add_argument("--due", action="store_true",
                         help="every case whose recommended level is above its Level and calls for a letter "
                              "(2+); with --ref, only those cases, each told apart as written or skipped and why")
    letters.add_argument("--pdf", action="store_true", help="also a PDF copy of each letter (needs LibreOffice)")
    as_of(letters, "date the letters")

    refresh = command("refresh", "store the computed values in the tracker so that it reads correctly without "
                                 "Python (LibreOffice, previews, pandas)")
    tracker(refresh)
    as_of(refresh, "work out the status")

    summary = command("summary", "the quarterly summary: a sheet in the tracker and a standalone workbook to "
                                 "forward, laid out for A4 landscape")
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

    doctor = command("doctor", "is this computer and this tracker ready? A .xlsm for desktop Excel (Python, xlwings, "
                               "add-in, entry module, xlwings.conf, Trust Center); a .xlsx for xlwings Lite (no macros, "
                               "the Calc formula, main.py and requirements.txt in the workbook, spso-xl's code, templates)")
    doctor.add_argument("path", type=Path, nargs="?",
                        help="the tracker (.xlsm or xlwings Lite .xlsx); without it, this computer only")
    doctor.add_argument("--fix", action="store_true",
                        help="write what is missing beside the workbook: the entry module (.xlsm, after a rename or "
                             "copy), or main.py, requirements.txt and the personal folder (Lite)")


    for name, what in (("chase", "record a chaser sent (the Cases button Record chaser)"),
                       ("escalate",
                              "move cases to their recommended level (the Cases button Record escalation)")):
        c = command(name, what)
        tracker(c)
        c.add_argument("--ref", nargs="+", action="extend", required=True, metavar="REF",
                       help="the cases' Refs (several allowed)")
        as_of(c, "record it")

    def writes(c, what):
        as_of(c, what)
        c.add_argument("--dry-run", action="store_true", help="say what would change, and write nothing")

    def sets(c, required, example):
        c.add_argument("--set", action="append", default=[], required=required, metavar='"HEADER=VALUE"',
                       help=f"a Cases input column and its value as you would type it in the cell, e.g. {example}")

    def from_file(c, what):
        c.add_argument("--sheet", metavar="NAME", help=f"{what} an .xlsx file: the sheet to read (default the first)")
        c.add_argument("--map", action="append", default=[], metavar='"THEIR HEADER=OUR HEADER"',
                       help="a column of the file whose header is not ours, e.g. "
                            '--map "Date of decision=Decision date" (repeat for more; other headers match by '
                            "name, case and spacing ignored)")

    add = command("add", "add a case (or many, from a CSV or XLSX file), validated as check validates a cell, "
                         "logged in Actions")
    tracker(add)
    sets(add, False, '--set "Ref=SI-2026-031" --set "Organisation=NHS Fife" (one --set per column)')
    add.add_argument("--from", dest="source", type=Path, metavar="FILE",
                     help="a .csv or .xlsx file with one case per row, headed like Cases")
    from_file(add, "with --from")
    writes(add, "log it")

    update = command("update", "set input columns of one or more cases (a response, Resolved, Respond by, "
                               "Closed ...), logged in Actions")
    tracker(update)
    update.add_argument("--ref", nargs="+", action="extend", required=True, metavar="REF",
                        help="the cases' Refs (several allowed)")
    sets(update, True, '--set "Response received=03/12/2026" (repeat for more; an empty value clears the cell)')
    writes(update, "log it")

    imp = command("import", "import a case-management export (.csv or .xlsx) into Findings, Cases, "
                            "Organisations or Contacts; rows already there are not added again")
    tracker(imp)
    imp.add_argument("file", type=Path, help="the .csv or .xlsx file (any common encoding and delimiter)")
    imp.add_argument("--into", default="Findings", metavar="TABLE",
                     help="Findings (default), Cases, Organisations or Contacts")
    from_file(imp, "for")
    imp.add_argument("--on-duplicate", choices=("skip", "update", "fail"), default="skip",
                     help="a row already in the table (Findings by Case ref and Theme, Cases by Ref, Organisations "
                          "by name, Contacts by organisation and function): skip it (default), update its cells "
                          "from the file, or refuse the import")
    imp.add_argument("--skip-bad", action="store_true",
                     help="import the good rows even when some are refused (each is still listed)")
    writes(imp, "log it")

    upgrade = command("upgrade", "bring an older tracker to the current headers, tables (Contacts) and Settings rows, "
                                 "keeping every value")
    tracker(upgrade)

    digest = command("digest", "the day's reminders: overdue, due today, due soon, escalation recommended, chaser "
                               "due, letters to write, rows to check (text, HTML or JSON; --send emails it)")
    tracker(digest)
    as_of(digest, "list")
    digest.add_argument("--owner", metavar="NAME", help="only the cases whose Owner is NAME (any case)")
    digest.add_argument("--format", choices=("text", "html", "json"), default="text",
                        help="text for the terminal (default), html for email, json for other tools")
    digest.add_argument("--output", type=Path, metavar="FILE", help="write it to FILE instead of the screen")
    digest.add_argument("--send", action="store_true",
                        help="email it (HTML with a text alternative) to Settings 'Digest to' from 'Digest from' "
                             "through 'SMTP server'; login from SPSO_SMTP_USER and SPSO_SMTP_PASSWORD if set")
    digest.add_argument("--force", action="store_true",
                        help="send even on a weekend, bank holiday or closure day (by the tracker's Holidays)")

    calendar = command("calendar", "the open cases' due dates as an iCalendar file (.ics) for Outlook or Google "
                                   "Calendar; cases answered or closed since the last export are cancelled")
    tracker(calendar)
    as_of(calendar, "export")
    calendar.add_argument("--output", type=Path, metavar="FILE",
                          help="the .ics file (default '<tracker> deadlines.ics' beside the tracker); the earlier "
                               "export there says which events to cancel")

    demo = command("demo", "build a sample tracker, then report, letters and summary from it")
    demo.add_argument("--out", type=Path, default=Path("demo"), metavar="FOLDER",
                      help="folder to write into (default ./demo)")
    as_of(demo, "run")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    # here, after parsing: --help and a mistyped option never load pandas
    from spso_xl.cli import commands

    try:
        return getattr(commands, f"cmd_{args.command}")(args)
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


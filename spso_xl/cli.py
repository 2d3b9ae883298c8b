"""`spso-xl`: everything the tracker's buttons do, headless from the file."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

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


SAMPLE_DATES = ["20/11/2026", "18/12/2026", "24/12/2026", "26/03/2027", "30/07/2027", "26/11/2027"]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="spso-xl", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    due = sub.add_parser("due", help="response due dates for notification dates, with the holidays skipped")
    due.add_argument("dates", nargs="*", type=_date, default=[_date(d) for d in SAMPLE_DATES],
                     help="notification dates (dd/mm/yyyy); default: a sample around Christmas and Easter")
    due.set_defaults(func=cmd_due)

    demo = sub.add_parser("demo", help="run the product on built-in sample data")
    demo.set_defaults(func=lambda a: cmd_due(argparse.Namespace(dates=[_date(d) for d in SAMPLE_DATES])))
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except InputError as e:
        print(f"spso-xl: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

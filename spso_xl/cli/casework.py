"""`spso-xl add`, `update` and `import`: casework without Excel (DESIGN §12). Each decides its `Plan` in the
core (`tracker.casework`), prints every refused row with its reason, and writes the plan's edit through the
one write path, or with --dry-run says what it would change and writes nothing."""

from __future__ import annotations

import sys

from spso_xl.errors import plural
from spso_xl.tracker.casework import add_cases, import_rows, pairs, update_cases
from spso_xl.tracker.edit import edit_tracker
from spso_xl.tracker.read import read_tracker
from spso_xl.tracker.source_file import read_source
from spso_xl.tracker.write import tracker_lock

SHOWN = 50  # refused or skipped rows listed one by one; the rest counted


def _listed(lines: list[str], prefix: str, file=None) -> None:
    file = file or sys.stdout  # looked up when called: a test or a caller may have replaced it since import
    for line in lines[:SHOWN]:
        print(f"{prefix}{line}", file=file)
    if len(lines) > SHOWN:
        print(f"{prefix}... and {len(lines) - SHOWN} more", file=file)


def _finish(args, plan, what: str) -> int:
    """Report the plan and write it (unless --dry-run or a row was refused); the exit code."""
    name = args.path.name
    for line in plan.ignored:
        print(f"note: column not imported: {line}")
    if plan.bad:
        _listed(plan.bad, "refused: ", sys.stderr)
        if not getattr(args, "skip_bad", False):
            them = "it" if len(plan.bad) == 1 else "them"
            print(f"spso-xl: {name}: nothing was written ({plural(len(plan.bad), 'row')} refused"
                  + (f": fix {them}, or --skip-bad to write the rest)" if hasattr(args, "skip_bad") else ")"),
                  file=sys.stderr)
            return 1
    if plan.skipped and (args.dry_run or len(plan.skipped) <= SHOWN):
        _listed(plan.skipped, "skipped: ")
    counts = [f"{plural(plan.added, 'row')} added"] if what != "update" else []
    if plan.updated or what == "update":
        counts.append(f"{plural(plan.updated, 'case' if what == 'update' else 'row')} updated")
    if plan.skipped:
        counts.append(f"{len(plan.skipped)} already present, skipped" if what != "update"
                      else f"{len(plan.skipped)} unchanged")
    if args.dry_run:
        for line in plan.done:
            print(f"would: {line}")
        print(f"{plan.table} in {name}: {', '.join(counts)} (dry run: nothing was written)")
        return 0
    if not plan.edit:
        print(f"{plan.table} in {name}: {', '.join(counts)}; nothing changed")
        return 1 if plan.bad else 0
    saved = edit_tracker(args.path, plan.edit, args.as_of)
    for line in plan.done:
        print(line)
    print(f"{plan.table} in {name}: {', '.join(counts)}; logged in Actions (backup: {saved})")
    return 1 if plan.bad else 0


def _decide_and_write(args, decide, what: str) -> int:
    """Read the tracker, decide the plan from it (`decide(tracker)`), report it and write it: the one place the
    three commands read and write, so one lock can cover both (DESIGN §13, "Edits read and write the same table")."""
    if args.dry_run:  # reads only: no need to wait for a writer
        return _finish(args, decide(read_tracker(args.path)), what)
    with tracker_lock(args.path):  # read, decide and write in one turn: a command at once loses nothing
        return _finish(args, decide(read_tracker(args.path)), what)


def cmd_add(args) -> int:
    """A new case (--set) or many (--from a CSV or XLSX file), validated as check validates a cell."""
    if bool(args.set) == bool(args.source):
        print("spso-xl: give the case's values with --set \"Header=Value\" ..., or a file with --from", file=sys.stderr)
        return 2
    if args.source:
        source, mapping = read_source(args.source, args.sheet), dict(pairs(args.map, "--map"))
        return _decide_and_write(args, lambda t: import_rows(t, source, "Cases", mapping, args.as_of,
                                                             on_duplicate="fail"), "add")
    values = dict(pairs(args.set))
    return _decide_and_write(args, lambda t: add_cases(t, values, args.as_of), "add")


def cmd_update(args) -> int:
    """Set input cells of one or more cases, logged in Actions with who and what changed."""
    values = dict(pairs(args.set))
    return _decide_and_write(args, lambda t: update_cases(t, args.ref, values, args.as_of), "update")


def cmd_import(args) -> int:
    """The rows of a case-management export into Findings, Cases, Organisations or Contacts, exactly once."""
    source, mapping = read_source(args.file, args.sheet), dict(pairs(args.map, "--map"))
    return _decide_and_write(args, lambda t: import_rows(t, source, args.into, mapping, args.as_of,
                                                         args.on_duplicate, args.skip_bad), "import")

"""New and changed rows for a tracker's tables, decided as plain data before anything is written: the
engine under `spso-xl add`, `update` and `import` (DESIGN §12).

Every value is validated by the code `check` runs (`tracker.read.check_rows`) on the table as the write
would leave it, so a value is accepted exactly when `check` would pass it; the value written is the
canonical one (the vocabulary's spelling, the Organisations sheet's spelling, a date as a date). A row
already in the table is found by its natural key (`KEYS`), so importing a file twice adds nothing. The
result is a `Plan`: a `TrackerEdit` and what to tell the user, or the bad rows and nothing to write.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from dataclasses import dataclass, field

import pandas as pd

from spso_xl.calendar.dates import uk
from spso_xl.errors import InputError, plural, shorten
from spso_xl.policy.vocab import did_you_mean, is_blank, norm, parse_function
from spso_xl.tracker import schema
from spso_xl.tracker.edit import TrackerEdit
from spso_xl.tracker.read import ROW, Tracker, check_rows

# The natural key of each table a file can be imported into: a row whose key is already in the table is
# the same row. A finding is one decision on one theme of a case (a case decided on two themes is two
# findings; a re-export with a changed outcome or Fed back is the same finding).
KEYS = {"Findings": ("Case ref", "Theme"), "Cases": ("Ref",), "Organisations": ("Organisation",),
        "Contacts": ("Organisation", "Function")}
ON_DUPLICATE = ("skip", "update", "fail")
NEW_ROW = 10_000_000  # the `_row` a staged new row is checked under: NEW_ROW + its position
# Cases columns whose new value is itself an event of the case: logged as that action (DESIGN §12); any other
# change is an `Update`. Resolved is a Resolution only when it says Y.
LOGGED = {"Response received": "Response", "Resolved": "Resolution", "Closed": "Closure"}


def who(settings) -> str:
    """Who a change is logged as (Actions `By`): Settings `User`, else the computer's login name."""
    user = str(getattr(settings, "user", "") or "").strip()
    if user:
        return user
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):  # no login name (a container, Pyodide)
        return os.environ.get("USERNAME") or os.environ.get("USER") or ""


@dataclass
class Plan:
    """What a write would change: the edit, and what to say. `bad`: each row or value refused, with its
    reason (the edit is empty while any is, unless the caller skips bad rows)."""

    table: str
    edit: TrackerEdit = field(default_factory=TrackerEdit)
    done: list[str] = field(default_factory=list)  # one line per change, said once it is written
    added: int = 0
    updated: int = 0
    skipped: list[str] = field(default_factory=list)  # rows already present
    bad: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # a file's columns not imported, with why


@dataclass
class TableRows:
    """A tracker table as add, update and import see it: its rows as read (by header, `_row`), the headers
    the file's table has (current names), and the canonical values of its rows."""

    name: str
    raw: pd.DataFrame
    headers: list[str]
    parsed: pd.DataFrame

    @property
    def computed(self) -> tuple[str, ...]:
        return schema.COMPUTED if self.name == schema.CASES.name else ()

    @property
    def inputs(self) -> list[str]:
        return [h for h in self.headers if h not in self.computed]


def table_of(tracker: Tracker, name: str) -> TableRows:
    """The tracker's table `name`; InputError naming it when the tracker has none (an older tracker without
    Contacts: `spso-xl upgrade` adds it)."""
    missing = InputError("TABLE", f"{_file(tracker)} has no {name} table: nothing was changed"
                         + (" (spso-xl upgrade adds it)" if name == "Contacts" else ""))
    if name not in tracker.raw or any(p.sheet == name and p.row is None for p in tracker.problems):
        raise missing
    raw = tracker.raw[name]
    headers = [h for h in raw.columns if h != ROW and (name, h) not in tracker.absent]
    if not headers:
        raise missing
    return TableRows(name, raw, headers, tracker.parsed[name])


def _file(tracker: Tracker) -> str:
    return tracker.path.name if tracker.path else "the workbook"


def match_header(given: str, table: TableRows, settable: bool = True) -> str:
    """The table's header `given` names (trimmed, case-blind; an old name the contract renamed, too); InputError
    with a did-you-mean for an unknown header, and for a computed one when `settable`."""
    key = norm(given)
    renamed = {norm(old): new for (sheet, old), new in schema.RENAMED.items() if sheet == table.name}
    for h in table.headers:
        if norm(h) == key or renamed.get(key) == h:
            if settable and h in table.computed:
                raise InputError("HEADER", f"{table.name}!{h} is computed from the other columns: it cannot be set")
            return h
    absent = next((h for h in schema.SHEETS[table.name].headers if norm(h) == key), None) \
        if table.name in schema.SHEETS else None
    if absent:
        raise InputError("HEADER", f"this tracker's {table.name} table has no {absent} column yet: run spso-xl upgrade")
    choices = table.inputs if settable else table.headers
    raise InputError("HEADER", f"'{shorten(str(given))}' is not a column of {table.name}:{did_you_mean(given, choices)} "
                               f"use one of {', '.join(choices)}")


def _text(value) -> str:
    if is_blank(value) or (value is not None and value != value):
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return uk(value.date())
    if isinstance(value, dt.date):
        return uk(value)
    return str(value)


def _key(name: str, record: dict) -> tuple:
    out = []
    for h in KEYS[name]:
        v = record.get(h)
        if h == "Function":
            try:
                v = parse_function(v)
            except InputError:
                pass
        out.append(norm(_text(v)))
    return tuple(out)


def written(value, column: schema.Column | None, orgs: dict[str, str]):
    """A canonical value as the cell takes it: a date as a date, yes/no as Y/N, an organisation as the
    Organisations sheet spells it, a key's number as text; None for a blank."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, bool):
        return "Y" if value else "N"
    if hasattr(value, "item"):  # a numpy scalar
        value = value.item()
    kind = column.kind if column else "text"
    if kind == "org":
        return orgs.get(norm(value), value)
    if kind in ("ref", "text") and isinstance(value, (int, float)) and column and column.required:
        return _text(value)  # a reference typed as a number is still a reference
    return value


def stage(tracker: Tracker, table: TableRows, new: list[dict], changes: dict[int, dict]
          ) -> tuple[list[dict], dict[int, dict], dict[int, list[str]]]:
    """Check the table as the write would leave it: `new` records appended, `changes` (frame index ->
    {header: value}) applied. The canonical values of the new records and of the changed cells, and each
    staged row's problems (key: position in `new`, or -1 - frame index for a changed row)."""
    frame = table.raw
    if changes:
        frame = frame.copy()
        for i, values in changes.items():
            for h, v in values.items():
                frame.at[i, h] = v
    base = len(frame.index)
    if new:
        added = pd.DataFrame(new, columns=[c for c in frame.columns if c != ROW], dtype=object)
        added = added.where(added.notna(), None)
        added[ROW] = [NEW_ROW + k for k in range(len(new))]
        added.index = range(base, base + len(new))
        frame = pd.concat([frame, added])
    parsed, problems = check_rows(tracker, table.name, frame)
    sheet = schema.SHEETS.get(table.name)
    orgs = {norm(o): str(o).strip() for o in tracker.raw["Organisations"]["Organisation"] if not is_blank(o)}
    by_row = {int(r): i for i, r in zip(frame.index, frame[ROW])}
    errors: dict[int, list[str]] = {}
    for p in problems:
        if p.row is None or p.row not in by_row:
            continue
        i = by_row[p.row]
        where = p.row - NEW_ROW if p.row >= NEW_ROW else (-1 - i if i in changes else None)
        if where is not None:
            errors.setdefault(where, []).append(f"{p.column}: {p.message}" if p.column else p.message)

    values: dict[str, object] = {}  # header -> the column's canonical values as an array, taken once

    def canonical(position, headers):
        out = {}
        for h in headers:
            if h not in values:
                values[h] = (parsed[h] if h in parsed else frame[h]).to_numpy(dtype=object)
            out[h] = written(values[h][position], sheet.column(h) if sheet and h in sheet.headers else None, orgs)
        return out

    new_values = [canonical(base + k, [h for h, v in r.items() if not is_blank(v)]) for k, r in enumerate(new)]
    changed = {i: canonical(frame.index.get_loc(i), values_) for i, values_ in changes.items()}
    return new_values, changed, errors


def plan_rows(tracker: Tracker, name: str, records: list[tuple[int | None, dict]], today: dt.date,
              on_duplicate: str = "skip", skip_bad: bool = False, source: str = "") -> Plan:
    """Add `records` ((line number or None, {header: value})) to table `name`: each validated as `check`
    validates a cell; a record whose natural key is already in the table (or earlier in `records`) skipped,
    updated or refused as `on_duplicate` says. Cases added are logged one by one in Actions (`Opened`),
    cases changed as `update` logs them; any other table's import is one Actions line. Nothing is planned
    while a record is bad unless `skip_bad`."""
    if on_duplicate not in ON_DUPLICATE:
        raise InputError("DUPLICATE", f"--on-duplicate takes {', '.join(ON_DUPLICATE)}, not '{on_duplicate}'")
    table = table_of(tracker, name)
    plan = Plan(name)
    by = who(tracker.settings)
    existing = {}
    if all(h in table.raw for h in KEYS[name]):
        arrays = [(table.parsed[h] if h in table.parsed else table.raw[h]).to_numpy(dtype=object) for h in KEYS[name]]
        for i, values in zip(table.raw.index, zip(*arrays)):
            existing.setdefault(_key(name, dict(zip(KEYS[name], values))), i)
    seen: dict[tuple, int | None] = {}
    new, new_lines, changes, change_lines = [], [], {}, {}

    def at(line):
        return f"line {line}" if line else name

    for line, record in records:
        key = _key(name, record)
        if not key[0]:  # no identity, so no duplicate either: in check's words
            plan.bad.append(f"{at(line)}: {KEYS[name][0]}: {KEYS[name][0]} is required")
            continue
        shown = " / ".join(_text(record.get(h)) for h in KEYS[name] if _text(record.get(h)))
        if key in seen:
            plan.skipped.append(f"{at(line)}: {shown} repeats {at(seen[key])}")
            continue
        seen[key] = line
        if key in existing:
            i = existing[key]
            row = int(table.raw.at[i, ROW])
            if on_duplicate == "fail":
                plan.bad.append(f"{at(line)}: {shown} is already on {name} (row {row})")
            elif on_duplicate == "skip":
                plan.skipped.append(f"{at(line)}: {shown} is already on {name} (row {row})")
            else:
                diff = {h: v for h, v in record.items() if not is_blank(v)
                        and norm(_text(v)) != norm(_text(table.parsed.at[i, h] if h in table.parsed
                                                           else table.raw.at[i, h]))}
                if diff:
                    changes[i], change_lines[i] = diff, line
                else:
                    plan.skipped.append(f"{at(line)}: {shown} is already on {name} as it is (row {row})")
            continue
        new.append(record)
        new_lines.append(line)
    values, changed, errors = stage(tracker, table, new, changes)
    keep_new = [k for k in range(len(new)) if k not in errors]
    keep_changed = []
    for i in changes:  # a value written differently but meaning the same (2026-10-01 for 01/10/2026) is no change
        if -1 - i in errors:
            continue
        changed[i] = {h: v for h, v in changed[i].items()
                      if v != written(table.parsed.at[i, h] if h in table.parsed else table.raw.at[i, h], None, {})}
        if changed[i]:
            keep_changed.append(i)
        else:
            plan.skipped.append(f"{at(change_lines[i])}: already on {name} as it is (row {int(table.raw.at[i, ROW])})")
    for k, reasons in sorted(errors.items(), key=lambda e: (new_lines[e[0]] if e[0] >= 0 else change_lines[-1 - e[0]])
                             or 0):
        line = new_lines[k] if k >= 0 else change_lines[-1 - k]
        plan.bad.append(f"{at(line)}: " + "; ".join(reasons))
    if plan.bad and not skip_bad:
        return plan
    appended = [values[k] for k in keep_new]
    edit = plan.edit
    if appended:
        edit.append[name] = [{tracker.header(name, h): v for h, v in r.items()} for r in appended]
    logs = []
    for i in keep_changed:
        row = int(table.raw.at[i, ROW])
        before = {h: table.parsed.at[i, h] if h in table.parsed else table.raw.at[i, h] for h in changed[i]}
        for h, v in changed[i].items():
            edit.cells[(name, row, tracker.header(name, h))] = v
        if name == schema.CASES.name:
            case = {h: table.parsed.at[i, h] for h in ("Ref", "Level")} | changed[i]
            for line in logs_for(case, before, changed[i], today, by):
                logs.append(line)
                plan.done.append(f"{line['Ref']}: {line['Notes']} ({line['Action']})")
    plan.added, plan.updated = len(appended), len(keep_changed)
    if name == schema.CASES.name:
        for r in appended:
            plan.done.append(f"added {r['Ref']} ({r.get('Organisation') or 'no organisation'})")
            logs.append({"Date": today, "Ref": r["Ref"], "Level": r.get("Level"), "Action": "Opened", "By": by,
                         "Notes": "Added: " + "; ".join(f"{h} {_text(v)}" for h, v in r.items()
                                                        if h != "Ref" and v is not None)})
    elif appended or keep_changed:
        parts = [f"{plural(len(appended), 'row')} added"] + ([f"{len(keep_changed)} updated"] if keep_changed else [])
        if plan.skipped:
            parts.append(f"{len(plan.skipped)} already present")
        if plan.bad:
            parts.append(f"{len(plan.bad)} refused")
        logs.append({"Date": today, "Ref": name, "Action": "Import", "By": by,
                     "Notes": f"{name}: {', '.join(parts)}" + (f", from {source}" if source else "")})
    if logs:
        edit.append.setdefault("Actions", []).extend(logs)
    return plan


def logs_for(case: dict, before: dict, after: dict, today: dt.date, by: str) -> list[dict]:
    """The Actions lines for a change of a case's cells (`before` -> `after`, canonical values by header):
    a Response, a Resolution or a Closure where the column means one, an Update for the rest, each
    saying what changed."""
    lines: dict[str, list[str]] = {}
    for h, v in after.items():
        kind = LOGGED.get(h) if v is not None and (h != "Resolved" or v == "Y") else None
        was = _text(before.get(h))
        lines.setdefault(kind or "Update", []).append(f"{h} {_text(v) or 'cleared'}" + (f" (was {was})" if was else ""))
    level = after.get("Level", case.get("Level"))
    level = None if level is None or level != level else int(level)
    ref = after.get("Ref", case.get("Ref"))
    return [{"Date": today, "Ref": ref, "Level": level, "Action": kind, "By": by, "Notes": "; ".join(notes)}
            for kind, notes in lines.items()]

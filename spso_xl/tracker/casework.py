"""Casework without Excel (DESIGN §12): add a case, change a case's input cells, import the export of a
case-management system. One function per action, plain values in and a `Plan` (its `TrackerEdit`, and what
to say) out; `spso-xl add`, `update` and `import` write the edit through `tracker.edit.edit_tracker`.
"""

from __future__ import annotations

import datetime as dt

from spso_xl.errors import InputError, shorten
from spso_xl.policy.vocab import did_you_mean, is_blank, norm
from spso_xl.tracker import schema
from spso_xl.tracker.intake import (
    KEYS,
    Plan,
    TableRows,
    logs_for,
    match_header,
    plan_rows,
    stage,
    table_of,
    who,
    written,
)
from spso_xl.tracker.read import ROW, Tracker
from spso_xl.tracker.source_file import Source

IMPORT_TABLES = tuple(KEYS)  # Findings first: what a case-management export usually is


def pairs(texts: list[str], option: str = "--set") -> list[tuple[str, str]]:
    """'Header=Value' texts as (header, value); the value may be empty (it clears) and may hold '='."""
    out = []
    for text in texts:
        header, eq, value = text.partition("=")
        if not eq or not header.strip():
            raise InputError("SET", f"{option} '{shorten(text)}' is not 'Header=Value' (e.g. {option} "
                                    f"\"Response received=03/12/2026\")")
        out.append((header.strip(), value.strip()))
    return out


def add_cases(tracker: Tracker, values: dict[str, object], today: dt.date) -> Plan:
    """A new case from its input values by header (as typed: validated as `check` validates a cell), logged
    in Actions as `Opened`; refused while any value is bad or the Ref is already on Cases."""
    table = table_of(tracker, schema.CASES.name)
    record = {match_header(h, table): v for h, v in values.items()}
    return plan_rows(tracker, table.name, [(None, record)], today, on_duplicate="fail")


def update_cases(tracker: Tracker, refs: list[str], values: dict[str, object], today: dt.date) -> Plan:
    """Set input cells of the named cases (header -> value as typed; a blank clears), each case checked as
    `check` would see it after the change; logged in Actions as a Response, a Resolution or a Closure where
    the column means one, else an Update, with what changed and from what. Refused while any case is unknown,
    twice on Cases, or would not check clean."""
    table = table_of(tracker, schema.CASES.name)
    setting = {match_header(h, table): None if is_blank(v) else v for h, v in values.items()}
    plan = Plan(table.name)
    index: dict[str, list[int]] = {}
    for i, ref in table.raw["Ref"].items():
        if not is_blank(ref):
            index.setdefault(norm(ref), []).append(i)
    found = []
    for ref in dict.fromkeys(str(r).strip() for r in refs):
        hits = index.get(norm(ref), [])
        if not hits:
            plan.bad.append(f"{ref}: there is no case '{ref}' on Cases:{did_you_mean(ref, table.raw['Ref'].dropna().map(str))}"
                            f" check the Ref")
        elif len(hits) > 1:
            rows = ", ".join(str(int(table.raw.at[i, ROW])) for i in hits)
            plan.bad.append(f"{ref}: the Ref is on more than one Cases row ({rows}): make each Ref unique first")
        else:
            found.append((ref, hits[0]))
    if plan.bad:
        return plan
    _, changed, errors = stage(tracker, table, [], {i: dict(setting) for _, i in found})
    for ref, i in found:
        for reason in errors.get(-1 - i, []):
            plan.bad.append(f"{ref} (Cases row {int(table.raw.at[i, ROW])}): {reason}")
    if plan.bad:
        return plan
    by = who(tracker.settings)
    logs = []
    for ref, i in found:
        row = int(table.raw.at[i, ROW])
        before = {h: _current(table, i, h) for h in setting}
        diff = {h: v for h, v in changed[i].items() if not _same(v, before[h])}
        if not diff:
            plan.skipped.append(f"{ref}: already so, nothing to change")
            continue
        for h, v in diff.items():
            plan.edit.cells[(table.name, row, tracker.header(table.name, h))] = v
        case = {"Ref": table.parsed.at[i, "Ref"], "Level": table.parsed.at[i, "Level"]}
        for line in logs_for(case, before, diff, today, by):
            logs.append(line)
            plan.done.append(f"{line['Ref']}: {line['Notes']} ({line['Action']})")
        plan.updated += 1
    if logs:
        plan.edit.append["Actions"] = logs
    return plan


def _current(table: TableRows, i: int, header: str):
    """A case's cell as it is now, canonical as a write would store it."""
    return written(table.parsed.at[i, header] if header in table.parsed else table.raw.at[i, header], None, {})


def _same(a, b) -> bool:
    return a == b or (isinstance(a, str) and isinstance(b, str) and a.strip() == b.strip())


def import_rows(tracker: Tracker, source: Source, into: str = "Findings", mapping: dict[str, str] | None = None,
                today: dt.date | None = None, on_duplicate: str = "skip", skip_bad: bool = False) -> Plan:
    """The rows of a file (`source_file.read_source`) into table `into`: the file's columns matched to the
    table's headers by name (trimmed, case-blind) or by `mapping` (their header -> ours); every row validated,
    each bad one named by its line; a row already present (by `intake.KEYS`) skipped, updated or refused."""
    today = today or dt.date.today()
    name = next((t for t in IMPORT_TABLES if norm(t) == norm(into)), None)
    if name is None:
        raise InputError("INTO", f"--into takes {', '.join(IMPORT_TABLES)}, not '{into}'")
    table = table_of(tracker, name)
    chosen, ignored = columns(source, table, mapping or {})
    records = [(line, {h: values[k] if k < len(values) else None for h, k in chosen.items()})
               for line, values in source.rows]
    plan = plan_rows(tracker, name, records, today, on_duplicate, skip_bad, source.name)
    plan.ignored = ignored
    return plan


def columns(source: Source, table: TableRows, mapping: dict[str, str]) -> tuple[dict[str, int], list[str]]:
    """Which of the file's columns fills which of the table's headers (header -> column position), and the
    file's columns left out with why. A `mapping` naming a column the file lacks, or a header the table lacks,
    and a file column one typo away from a header, are refused with a did-you-mean; a required header no
    column fills is refused by name."""
    positions = {}
    for k, h in enumerate(source.headers):
        if h:
            positions.setdefault(norm(h), k)
    chosen: dict[str, int] = {}
    for theirs, ours in mapping.items():
        k = positions.get(norm(theirs))
        if k is None:
            raise InputError("MAP", f"--map: {source.name} has no column '{shorten(theirs)}':"
                                    f"{did_you_mean(theirs, [h for h in source.headers if h])} its columns are "
                                    f"{', '.join(h for h in source.headers if h)}")
        chosen[match_header(ours, table)] = k
    taken, ignored = set(chosen.values()), []
    absent = [h for h in schema.SHEETS[table.name].headers if h not in table.headers] \
        if table.name in schema.SHEETS else []
    for k, h in enumerate(source.headers):
        if not h or k in taken:
            continue
        ours = next((x for x in table.headers if norm(x) == norm(h)), None)
        if ours is None and norm(h) in {norm(x) for x in absent}:
            ignored.append(f"{h} (this tracker's {table.name} has no such column yet: spso-xl upgrade)")
        elif ours is None:
            near = did_you_mean(h, [x for x in table.inputs if x not in chosen])
            if near:
                raise InputError("HEADER", f"{source.name}: the column '{shorten(h)}' is not a column of {table.name}:"
                                           f"{near} name it with --map \"{h}=<our header>\"")
            ignored.append(f"{h} (not a column of {table.name})")
        elif ours in table.computed:
            ignored.append(f"{h} (computed in the tracker)")
        elif ours in chosen:
            ignored.append(f"{h} (a second column for {ours})")
        else:
            chosen[ours] = k
    needed = [c.header for c in schema.SHEETS[table.name].columns if c.required] \
        if table.name in schema.SHEETS else list(KEYS[table.name])
    missing = [h for h in needed if h not in chosen]
    if missing:
        raise InputError("HEADER", f"{source.name} has no column for {', '.join(missing)} (needed in {table.name}): "
                                   f"name the file's column with --map \"Their header={missing[0]}\"")
    return chosen, ignored

"""Reading a tracker into tidy pandas frames, and validating every input cell.

Columns are found by header name, not letter, so users may reorder columns, add their
own, leave blank rows or type below the table. Each row keeps its Excel row number
(`_row`) so that every problem can be reported where the user will look for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from spso_xl.calendar.dates import to_date, user_date
from spso_xl.calendar.workdays import YEARS, Calendar
from spso_xl.errors import InputError, shorten
from spso_xl.policy.deadlines import urgent_note
from spso_xl.policy.settings import DEFAULTS, Settings, holidays_calendar, is_setting, settings_from_rows
from spso_xl.policy.vocab import (
    did_you_mean,
    is_blank,
    norm,
    parse_area,
    parse_choice,
    parse_count,
    parse_function,
    parse_level,
    parse_trigger,
    parse_yes_no,
)
from spso_xl.tracker import schema
from spso_xl.tracker.kind import not_a_tracker, workbook_kind
from spso_xl.xlsx.tables import MAX_TEXT, CellError, clean_header, read_boxes, sheet_names

ROW = "_row"  # the Excel row number of each record


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int | None
    column: str | None
    value: object
    message: str
    code: str = ""  # the InputError's tag, for a cell's `#CODE? message`

    @property
    def cell_text(self) -> str:
        return f"#{self.code}? {self.message}" if self.code else f"#{self.message}"

    @property
    def where(self) -> str:
        return f"{self.sheet}!{self.column or ''} row {self.row}" if self.row else self.sheet


@dataclass
class Tracker:
    path: Path | None  # the file, or the open workbook's path; None for a tracker made in memory
    raw: dict[str, pd.DataFrame]  # cell values as read, by header
    parsed: dict[str, pd.DataFrame]  # canonical values; bad cells blank
    problems: list[Problem] = field(default_factory=list)
    settings: object = DEFAULTS
    calendar: Calendar = None
    old_headers: dict[tuple[str, str], str] = field(default_factory=dict)  # (sheet, header) -> the old one in the file
    absent: set[tuple[str, str]] = field(default_factory=set)  # (sheet, header) the file does not have
    warnings: list[Problem] = field(default_factory=list)  # worth a look, but nothing is wrong: `check` lists them

    def header(self, sheet: str, name: str) -> str:
        """The header as the file has it: `name`, or the old name it still carries (schema.RENAMED)."""
        return self.old_headers.get((sheet, name), name)

    @property
    def cases(self) -> pd.DataFrame:
        return self.parsed["Cases"]

    def require(self, *sheets: str) -> None:
        """Refuse (InputError) when a sheet the work needs is missing or lacks a required column:
        a command must not report success on a tracker it could not read."""
        for p in self.problems:
            if p.sheet in sheets and p.value is None and (p.row is None or (
                    p.column and schema.SHEETS[p.sheet].column(p.column).required and "missing" in p.message)):
                name = self.path.name if self.path else "the workbook"
                raise InputError("TRACKER", f"{name}: {p.where if p.row else p.sheet}: {p.message}; "
                                            f"nothing was done (spso-xl check lists every problem)")


def read_tracker(path) -> Tracker:
    """Read and validate a tracker file; problems are collected, never raised.

    Only each table's cells are read (`xlsx.tables`, the safe reader): a stray cell far from a
    table costs nothing, and error values reach the checks as `CellError`."""
    path = Path(path)
    workbook_kind(path)  # a folder, a CSV, an old .xls, an empty file: one line saying what to do
    cells, boxes = read_boxes(path, list(schema.SHEETS))
    if "Cases" not in cells:
        raise not_a_tracker(path, sheet_names(path))
    tracker = tracker_from_sheets({name: c.rows for name, c in cells.items()}, path)
    for name, c in cells.items():
        if c.dropped_below:
            box = boxes[name]
            tracker.problems.append(Problem(name, c.dropped_below, None, None,
                                            f"values from row {c.dropped_below} are more than {box.read_to - box.last_row} "
                                            f"rows below the {name} table (which ends at row {box.last_row}) and were "
                                            f"not read: move them into the table"))
    return tracker


def read_settings(path) -> Settings:
    """The tracker's Settings alone, as `read_tracker` reads them (defaults where unreadable): only the
    Settings table goes through the safe reader. For the write path, which needs a few values (how
    many backups to keep) and must not be stopped by a bad Settings row; `check` reports that."""
    try:
        cells, _ = read_boxes(Path(path), [schema.SETTINGS.name])
        frame = _frame(cells[schema.SETTINGS.name].rows, schema.SETTINGS, 0, [], {}, set())
        return _settings(frame, [])
    except Exception:  # an unreadable file or sheet: the defaults
        return DEFAULTS


def tracker_from_sheets(sheets: dict[str, list[list]], path: Path | None = None) -> Tracker:
    """A tracker from each sheet's cell values from A1 (as a file or an open xlwings Book holds them)."""
    problems: list[Problem] = []
    raw, old, absent = {}, {}, set()
    for name, sheet in schema.SHEETS.items():
        if name not in sheets:
            if name in schema.ADDED_SHEETS:  # an older tracker: `spso-xl upgrade` adds it
                absent.update((name, h) for h in sheet.headers)
                raw[name] = _empty(sheet)
                continue
            problems.append(Problem(name, None, None, None, f"the sheet '{name}' is missing"))
            raw[name] = _empty(sheet)
            continue
        top = schema.CASES_HEADER_ROW - 1 if sheet is schema.CASES else 0
        raw[name] = _frame(sheets[name], sheet, top, problems, old, absent)
    settings = _settings(raw["Settings"], problems)
    orgs = {norm(o): str(o).strip() for o in raw["Organisations"]["Organisation"] if not is_blank(o)}
    parsed = {name: _parse(raw[name], sheet, problems, orgs, settings) for name, sheet in schema.SHEETS.items()}
    _cross_checks(parsed, raw, problems)
    return Tracker(Path(path) if path else None, raw, parsed, problems, settings, _calendar(parsed["Holidays"]), old,
                   absent, _warnings(parsed))


def cases_from_block(rows: list[list]) -> tuple[pd.DataFrame, list[Problem]]:
    """The Cases input block as a formula passes it (header row first, then the table's rows
    in order): canonical values by header, each record's position in `_row` (the header is
    row 1), and the problems of its cells. Columns are found by header, so columns added or
    moved later flow through."""
    problems: list[Problem] = []
    raw = _frame([list(r) for r in rows], schema.CASES, 0, problems, {}, set())
    return _parse(raw, schema.CASES, problems, set(), DEFAULTS), problems


def _empty(sheet: schema.Sheet) -> pd.DataFrame:
    return pd.DataFrame(columns=[*sheet.headers, ROW])


def _frame(rows: list[list], sheet: schema.Sheet, top: int, problems: list[Problem], old: dict,
           absent: set) -> pd.DataFrame:
    """Find the header row (expected at `top`, else the best match near the top) and take
    every non-blank row below it, by header. An old header (schema.RENAMED) is read as its new
    name, and noted in `old`; headers the sheet lacks are noted in `absent` (a problem unless
    the column was added since earlier trackers, schema.ADDED)."""
    renamed = {was: now for (name, was), now in schema.RENAMED.items() if name == sheet.name}
    wanted = set(sheet.headers)

    def score(i):
        return len(wanted & {renamed.get(clean_header(v), clean_header(v)) for v in rows[i] if isinstance(v, str)})

    candidates = range(min(len(rows), top + 10))
    if not candidates:
        problems.append(Problem(sheet.name, None, None, None, f"the sheet '{sheet.name}' is empty: no header row"))
        return _empty(sheet)
    head = top if top < len(rows) and score(top) == len(wanted) else max(candidates, key=score)
    headers = [clean_header(v) for v in rows[head]]
    for v, h in zip(rows[head], headers):
        if isinstance(v, str) and v != h and renamed.get(h, h) in wanted:
            problems.append(Problem(sheet.name, None, h, v, f"the header '{v}' has spaces around it: it is read as "
                                                            f"'{h}'; retype it as '{h}' so that Excel formulas naming "
                                                            f"the column match it"))
    for i, h in enumerate(headers):
        if h in renamed and renamed[h] not in headers:
            headers[i] = renamed[h]
            old[(sheet.name, renamed[h])] = h
    for h in sheet.headers:
        if h in headers:
            continue
        absent.add((sheet.name, h))
        if (sheet.name, h) not in schema.ADDED:
            problems.append(Problem(sheet.name, head + 1, h, None, f"the column '{h}' is missing from the header row"))
    keep = [i for i, h in enumerate(headers) if h]
    seen = set()
    cols = []
    for i in keep:  # a header typed twice: the first one counts
        if headers[i] not in seen:
            seen.add(headers[i])
            cols.append(i)
    computed = {j for j, i in enumerate(cols) if headers[i] in schema.COMPUTED} if sheet is schema.CASES else set()
    records, numbers = [], []
    for r in range(head + 1, len(rows)):
        row = rows[r]
        values = [row[i] if i < len(row) else "" for i in cols]
        if all(v == "" or v is None or j in computed for j, v in enumerate(values)):
            continue  # a blank row (computed cells alone do not make a record)
        records.append([None if v == "" else v for v in values])
        numbers.append(r + 1)
    frame = pd.DataFrame(records, columns=[headers[i] for i in cols], dtype=object)
    for h in sheet.headers:
        if h not in frame:
            frame[h] = None
    frame[ROW] = numbers
    return frame


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _usable(value):
    """Any cell's value, or InputError for what no column can use: an error value, a text with
    an invisible control character (it would not match its own name elsewhere), or a text
    longer than a cell holds."""
    if isinstance(value, CellError):
        raise InputError("ERROR", f"the cell shows the error {value}, not a value: fix its formula or type the "
                                  f"value", value)
    if isinstance(value, str):
        if m := _CONTROL.search(value):
            raise InputError("TEXT", f"'{shorten(_CONTROL.sub('?', value))}' holds an invisible control character "
                                     f"(U+{ord(m.group()):04X}) at position {m.start() + 1}: retype the text", value)
        if len(value) > MAX_TEXT:
            raise InputError("TEXT", f"the text is {len(value):,} characters long; a cell holds {MAX_TEXT:,}", value)
    return True


def _tracker_date(value):
    """A date the calendar can count working days from (YEARS: 1900-2200)."""
    d = to_date(value)
    if d is not None and d.year not in YEARS:
        raise InputError("DATE", f"{d.day:02}/{d.month:02}/{d.year} is outside the years whose working days are "
                                 f"known ({YEARS.start}-{YEARS.stop - 1}): check the year", value)
    return d


# Dates of things done: one more than a year after today is a typing mistake (calendar.dates.user_date).
# Deadlines (Respond by), decisions and the Holidays list may lie further ahead.
ACTION_DATES = {"Cases": {"Date identified", "Date notified", "Last chased", "Response received", "Closed"},
                "Actions": {"Date"}, "Letters": {"Date"}}


def _action_date(value):
    return _tracker_date(user_date(value, "the date"))


_CHOICE_PARSERS = {"Function": parse_function, "Area": parse_area, "Trigger": parse_trigger}


def _parser(column: schema.Column, orgs: dict, sheet: str = ""):
    """The cell parser for a column's kind: canonical value, or InputError."""
    if column.kind == "date":
        return _action_date if column.header in ACTION_DATES.get(sheet, ()) else _tracker_date
    if column.kind == "yesno":
        return parse_yes_no
    if column.kind == "count":
        return parse_count
    if column.kind == "choice":
        vocab = schema.LISTS[column.choices]
        return _CHOICE_PARSERS.get(column.choices, lambda v: parse_choice(v, vocab, column.header.lower()))
    if column.kind == "org" and orgs:
        def org(value):
            if is_blank(value):
                return None
            if norm(value) not in orgs:
                raise InputError("ORG", f"'{value}' is not in the Organisations sheet:{did_you_mean(value, orgs.values())} "
                                        f"add it there first", value)
            return str(value).strip()
        return org
    return lambda v: None if is_blank(v) else (v.strip() if isinstance(v, str) else v)


def _parse(frame: pd.DataFrame, sheet: schema.Sheet, problems: list[Problem], orgs: dict, settings) -> pd.DataFrame:
    """Canonical values for every input column; each distinct cell value is parsed once."""
    out = pd.DataFrame({ROW: frame[ROW].to_numpy()}, index=frame.index)
    rows = frame[ROW].tolist()
    for col in sorted(sheet.inputs, key=lambda c: c.kind == "level"):  # levels need the parsed Function
        values = frame[col.header].tolist()
        if col.kind == "level":
            functions = out["Function"].tolist() if "Function" in out else [None] * len(values)
            keys = list(zip(values, functions))
            parse = lambda key: parse_level(key[0], key[1])  # noqa: E731
        else:
            keys, parse = values, _parser(col, orgs, sheet.name)
        cache, parsed = {}, []
        for row, value, key in zip(rows, values, keys):
            k = (type(value), key)
            if k not in cache:
                try:
                    cache[k] = (parse(_usable(value) and key), None)
                except InputError as e:
                    cache[k] = (None, e)
            result, error = cache[k]
            parsed.append(result)
            if error:
                problems.append(Problem(sheet.name, int(row), col.header, value, str(error), error.code))
            elif col.required and result is None:
                problems.append(Problem(sheet.name, int(row), col.header, None, f"{col.header} is required"))
        out[col.header] = pd.Series(parsed, index=frame.index, dtype=object)
    for col in sheet.columns:
        if col.kind == "date" and col.header in out:
            out[col.header] = pd.to_datetime(out[col.header]).astype("datetime64[s]")
    return out


def parse_rows(tracker: Tracker, name: str, raw: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """Rows of sheet `name` (raw values by header, with `_row`) parsed as `read_tracker` parses them,
    against the tracker's Organisations and Settings: for rows about to be written."""
    problems: list[Problem] = []
    return _parse(raw, schema.SHEETS[name], problems, _orgs(tracker), tracker.settings), problems


def check_rows(tracker: Tracker, name: str, raw: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """What `check` says of table `name`'s rows as a write would leave them (`raw`: values by header, with
    `_row`): canonical values and every problem, against the tracker's Organisations and Settings, with the
    Cases checks across rows (a Ref on two rows, dates out of order). The one validator of add, update and
    import, so a value is accepted exactly when `check` would pass it. A table the contract does not know
    (a Contacts table of a newer tracker, say) is read as text, its Organisation checked against Organisations."""
    problems: list[Problem] = []
    sheet = schema.SHEETS.get(name) or schema.Sheet(name, tuple(
        schema.Column(h, "org" if h == "Organisation" else "text") for h in raw.columns if h != ROW))
    parsed = _parse(raw, sheet, problems, _orgs(tracker), tracker.settings)
    if sheet is schema.CASES:
        _cross_checks({"Cases": parsed}, {"Cases": raw}, problems)
    return parsed, problems


def _orgs(tracker: Tracker) -> dict[str, str]:
    return {norm(o): str(o).strip() for o in tracker.raw["Organisations"]["Organisation"] if not is_blank(o)}


def _settings(frame: pd.DataFrame, problems: list[Problem]):
    good = []
    for key, value, row in zip(frame["Setting"], frame["Value"], frame[ROW]):
        if isinstance(key, CellError) or isinstance(value, CellError):
            continue  # reported with the other bad cells
        try:
            settings_from_rows([(key, value)])
            good.append((key, value))
        except InputError as e:
            known = is_setting(key)
            problems.append(Problem("Settings", int(row), "Value" if known else "Setting", value if known else key,
                                    str(e)))
    return settings_from_rows(good)


def _calendar(holidays: pd.DataFrame) -> Calendar:
    return holidays_calendar(zip(holidays["Date"], holidays["Kind"]))


def _warnings(parsed: dict) -> list[Problem]:
    """Cells that are valid but do not do what they seem to: `Urgent` = Y where it leaves Due as it was (DESIGN §5)."""
    cases, found = parsed["Cases"], []
    for i in cases.index[cases["Urgent"].eq(True) & cases["Respond by"].isna()]:
        level = cases["Level"][i]
        note = urgent_note(None if pd.isna(level) else int(level), cases["Function"][i], True, cases["Trigger"][i])
        if note:
            found.append(Problem("Cases", int(cases[ROW][i]), "Urgent", "Y", note))
    return found


def _cross_checks(parsed: dict, raw: dict, problems: list[Problem]):
    cases = parsed["Cases"]
    refs = raw["Cases"]["Ref"].map(lambda v: norm(v) if not is_blank(v) else None)
    dupes = refs[refs.notna() & refs.duplicated(keep=False)]
    for i in dupes.index:
        problems.append(Problem("Cases", int(cases[ROW][i]), "Ref", raw["Cases"]["Ref"][i],
                                f"the Ref '{raw['Cases']['Ref'][i]}' is used on more than one row"))
    for later, earlier, what in (("Response received", "Date notified", "the response is dated before the notification"),
                                 ("Date notified", "Date identified", "the notification is dated before the issue was identified"),
                                 ("Closed", "Date identified", "the case closed before the issue was identified")):
        bad = cases[later] < cases[earlier]
        for i in cases.index[bad.fillna(False)]:
            problems.append(Problem("Cases", int(cases[ROW][i]), later, raw["Cases"][later][i],
                                    f"{what} ({cases[earlier][i]:%d/%m/%Y})"))
    noted = cases["Date notified"].notna() & cases["Level"].isna()
    for i in cases.index[noted & raw["Cases"]["Level"].map(is_blank)]:
        problems.append(Problem("Cases", int(cases[ROW][i]), "Level", None,
                                "a notified case needs the level of action taken"))

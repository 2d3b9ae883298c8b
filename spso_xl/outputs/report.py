"""The Cases table with its computed columns, as a terminal table, CSV or XLSX."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import pandas as pd

from spso_xl.errors import InputError
from spso_xl.outputs.cell_text import neutralise
from spso_xl.policy.cases import CHECK, compute_cases, flag_cases
from spso_xl.policy.vocab import did_you_mean, norm
from spso_xl.tracker import schema
from spso_xl.tracker.read import ROW, Tracker

SHOWN = ("Ref", "Organisation", "Level", "Due", "Status", "Working days overdue", "Recommended level",
         "Contact from", "Reason")


def report_frame(tracker: Tracker, as_of: dt.date) -> tuple[pd.DataFrame, list[int]]:
    """Every Cases row with the computed columns, most urgent first; and the rows to check. A row with a
    bad cell stays, with Status CHECK and the cell named in its Reason (`policy.cases.flag_cases`)."""
    tracker.require("Cases")
    cases = tracker.cases
    problems: dict[int, list[str]] = {}
    for p in tracker.problems:
        if p.sheet == "Cases" and p.row:
            problems.setdefault(p.row, []).append(f"Cases!{p.column} row {p.row}: {p.message}" if p.column
                                                  else f"Cases row {p.row}: {p.message}")
    good = cases
    bad = sorted(set(problems) & set(good[ROW]))  # a problem below the table (values not read) is no case
    computed = flag_cases(compute_cases(good, as_of, tracker.settings, tracker.calendar), good[ROW], problems)
    raw = tracker.raw["Cases"].loc[good.index]
    shown_in = good[[h for h in schema.CASES.headers if h in good and h not in computed]].copy()
    flagged = good[ROW].isin(bad)
    for h in shown_in.columns:  # a cell that could not be read shows as typed (its text), not as a blank
        if shown_in[h].dtype == object and h in raw:
            typed = raw[h].map(lambda v: v if isinstance(v, str) else None)
            shown_in[h] = shown_in[h].where(~(flagged & shown_in[h].isna()), typed)
    out = pd.concat([shown_in, computed], axis=1)
    extra = [c for c in raw.columns if c not in out and c != ROW]
    out = pd.concat([out[[h for h in schema.CASES.headers]], raw[extra]], axis=1)
    out.insert(0, "Row", good[ROW])
    overdue, escalate = needs_action(out)
    priority = (overdue.map({True: 0, False: 3})
                .where(~escalate | overdue, 1)
                .where(~out["Status"].isin(["DUE TODAY", "DUE SOON"]), 2))
    out = out.assign(_p=priority).sort_values(["_p", "Due", "Row"], na_position="last", kind="stable").drop(columns="_p")
    return out.reset_index(drop=True), bad


def needs_action(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The rows a manager acts on: (overdue or to check, a higher level recommended than the case's Level)."""
    level = pd.to_numeric(frame["Level"], errors="coerce").fillna(0)
    return (frame["Status"].isin(["OVERDUE", CHECK]),
            pd.to_numeric(frame["Recommended level"], errors="coerce") > level)


# --- choosing columns ---------------------------------------------------------------------------

TERMINAL = ("Ref", "Organisation", "Level", "Due", "Status", "Working days overdue", "Recommended level", "Contact from")
HEADINGS = {"Working days overdue": "Days late", "Recommended level": "Rec. level", "Contact from": "Contact"}
NUMBERS = {"Row", "Level", "Working days overdue", "Recommended level", "Chasers"}


def choose_columns(frame: pd.DataFrame, wanted: str | None, default) -> list[str]:
    """The columns named in `wanted` ('Ref, Due, late': headers or short headings, any case), else `default`."""
    if not wanted:
        return [c for c in default if c in frame.columns]
    names = {norm(c): c for c in frame.columns} | {norm(h): c for c, h in HEADINGS.items()}
    names |= {"late": "Working days overdue", "recommended": "Recommended level", "contact": "Contact from"}
    out = []
    for name in (n.strip() for n in wanted.split(",")):
        if not name:
            continue
        if norm(name) not in names:
            raise InputError("COLUMNS", f"--columns: '{name}' is not a report column:"
                                        f"{did_you_mean(name, [*frame.columns, *HEADINGS.values()])} use any of "
                                        f"{', '.join(HEADINGS.get(c, c) for c in frame.columns)}", name)
        out.append(names[norm(name)])
    return list(dict.fromkeys(out))


# --- the terminal table -------------------------------------------------------------------------

GAP = "  "
STYLES = {"OVERDUE": "bold red", "DUE TODAY": "yellow", "DUE SOON": "yellow", "CHECK": "bold magenta"}


def _fit(natural: list[int], least: list[int], room: int) -> list[int]:
    """Column widths within `room`: the widest slack is narrowed first, never below a column's longest word."""
    widths = list(natural)
    excess = sum(widths) - room
    while excess > 0:
        i = max(range(len(widths)), key=lambda j: widths[j] - least[j])
        slack = widths[i] - least[i]
        if slack <= 0:
            break  # narrower than the longest words: lines run long rather than split a word
        others = max([widths[j] - least[j] for j in range(len(widths)) if j != i] or [0])
        step = min(excess, max(1, slack - others))
        widths[i] -= step
        excess -= step
    return widths


@lru_cache(maxsize=8192)
def _wrap(text: str, width: int) -> tuple[str, ...]:
    """Lines of at most `width` characters, broken only between words (a longer word has a line to itself)."""
    if len(text) <= width:
        return (text,)
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) <= width:
            line += " " + word
        else:
            if line:
                lines.append(line)
            line = word
    lines.append(line)
    return tuple(lines)


def text_table(frame: pd.DataFrame, columns: list[str], width: int, title: str):
    """The report as lines of rich Text that fit `width`: one row per case (cells wrap between words),
    and the Reason wrapped beneath each overdue or escalation-due row."""
    from rich.text import Text

    heads = [HEADINGS.get(c, c) for c in columns]
    cells = [shown(frame[c], defuse=False) for c in columns]
    longest = lambda s: max((len(w) for w in s.split()), default=0)  # noqa: E731
    natural = [max([len(h), *map(len, set(col))]) for h, col in zip(heads, cells)]
    least = [max([longest(h), *map(longest, set(col))]) for h, col in zip(heads, cells)]
    gap = GAP if sum(least) + len(GAP) * (len(columns) - 1) <= width else " "  # a narrow terminal: closer columns
    widths = _fit(natural, least, width - len(gap) * (len(columns) - 1))
    right = [c in NUMBERS for c in columns]

    def lines(values: list[str]) -> list[str]:
        wrapped = [_wrap(v, w) for v, w in zip(values, widths)]
        return [gap.join((part[k] if k < len(part) else "").rjust(w) if r else
                         (part[k] if k < len(part) else "").ljust(w)
                         for part, w, r in zip(wrapped, widths, right)).rstrip()
                for k in range(max(map(len, wrapped)))]

    for line in _wrap(title, width):
        yield Text(line, style="bold")
    for line in lines(heads):
        yield Text(line, style="bold")
    yield Text(gap.join("─" * w for w in widths))
    overdue, escalate = needs_action(frame)
    reasons = frame["Reason"].tolist() if "Reason" in frame and "Reason" not in columns else None
    indent = " " * min(widths[0] + len(gap), 16)
    for i, status in enumerate(frame["Status"].tolist() if "Status" in frame else [None] * len(frame)):
        style = STYLES.get(status, "")
        for line in lines([col[i] for col in cells]):
            yield Text(line, style=style)
        if reasons and (overdue.iat[i] or escalate.iat[i]) and reasons[i]:
            for line in _wrap(str(reasons[i]), max(width - len(indent), longest(str(reasons[i])))):
                yield Text(indent + line, style="italic")
            yield Text("")


def _display(value):
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return "" if pd.isna(value) else value.strftime("%d/%m/%Y")
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def to_csv(frame: pd.DataFrame) -> str:
    """CSV as a person reads the sheet: dd/mm/yyyy dates, Y/N, whole numbers, formula text defused."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([neutralise(str(c)) for c in frame.columns])
    writer.writerows(zip(*(shown(col) for _, col in frame.items())))
    return out.getvalue()


def shown(col: pd.Series, defuse: bool = True) -> list[str]:
    """A column's cells as a person reads them (`_display`; formula text defused for files), each distinct
    value worked out once and a date or number column in one pass."""
    if pd.api.types.is_datetime64_any_dtype(col):
        return col.dt.strftime("%d/%m/%Y").fillna("").tolist()
    if pd.api.types.is_integer_dtype(col) or pd.api.types.is_string_dtype(col) and col.dtype != object:
        text = col.astype(str).where(col.notna(), "")
        return text.map(neutralise).tolist() if defuse else text.tolist()
    show = (lambda v: neutralise(_display(v))) if defuse else _display
    cache: dict = {}
    out = []
    for v in col.tolist():
        try:
            text = cache.get((v.__class__, v))
            if text is None:
                text = cache[(v.__class__, v)] = show(v)
        except TypeError:  # an unhashable value
            text = show(v)
        out.append(text)
    return out


def to_xlsx(frame: pd.DataFrame, path) -> None:
    """A values-only workbook: real dates, no formulas (text that looks like one stays text)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "default_date_format": "dd/mm/yyyy"})
    ws = wb.add_worksheet("Report")
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    ws.write_row(0, 0, [neutralise(str(c), parsed=False) for c in frame.columns], wb.add_format({"bold": True, "text_wrap": True, "valign": "top"}))
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    for c, name in enumerate(frame.columns):  # wide enough for the longest value, long text wraps
        values = [_display(v) for v in frame[name].head(2000).tolist()]
        longest = max([max((len(w) for w in str(name).split()), default=0), *map(len, values)])
        width = 10.5 if pd.api.types.is_datetime64_any_dtype(frame[name]) else min(longest + 2, XLSX_WRAP)
        ws.set_column(c, c, width, wrap if longest > XLSX_WRAP else None)
    for r, row in enumerate(frame.itertuples(index=False), start=1):
        for c, v in enumerate(row):
            if isinstance(v, (pd.Timestamp, dt.datetime, dt.date)) and not pd.isna(v):
                ws.write_datetime(r, c, pd.Timestamp(v).to_pydatetime(), date_fmt)
            elif not (v is None or v is pd.NaT or (isinstance(v, float) and pd.isna(v))):
                ws.write(r, c, v if isinstance(v, (int, float, bool)) else neutralise(str(v), parsed=False))
    ws.autofilter(0, 0, len(frame), len(frame.columns) - 1)
    ws.freeze_panes(1, 0)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.repeat_rows(0)
    ws.fit_to_pages(1, 0)  # every column on one page width, as many pages down as the rows need
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    if "Status" in frame.columns and len(frame):  # the tracker's status colours (DESIGN §3), in print too
        col = list(frame.columns).index("Status")
        for status, colours in STATUS_COLOURS.items():
            ws.conditional_format(1, col, len(frame), col, {
                "type": "cell", "criteria": "==", "value": f'"{status}"',
                "format": wb.add_format({"bg_color": colours[0], "font_color": colours[1], "bold": True})})
    wb.close()


# The status colours the tracker's conditional formats use: OVERDUE red, DUE TODAY / DUE SOON amber, CHECK violet.
STATUS_COLOURS = {"OVERDUE": ("#FFC7CE", "#9C0006"), "DUE TODAY": ("#FFEB9C", "#9C5700"),
                  "DUE SOON": ("#FFEB9C", "#9C5700"), "CHECK": ("#E4DFEC", "#5B2C6F")}


XLSX_WRAP = 60  # characters: longer text (Reason, Description) wraps in its cell

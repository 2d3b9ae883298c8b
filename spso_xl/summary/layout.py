"""The summary on A4 landscape pages (DESIGN §11): one grid of cells that every writer takes (the
tracker's sheet, the standalone workbook, the xlwings button), with column widths in characters,
row heights, page breaks between sections, headers repeated on long tables, and where each chart
goes: two side by side on a page, at full size. Every column fits one page's width: a table wider
than that prints in parts split by meaning (PARTS), never as pages holding only a repeated column A."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from spso_xl.calendar.dates import uk
from spso_xl.summary.figures import FIGURES, PERCENT, FigureTable, Summary, pct
from spso_xl.xlsx.refs import column_letters

TABLE_ORDER = ("level12_trigger", "level12_area", "level12_kind", "level3", "by_org", "overdue", "response", "funnel",
               "levels_by_month")
CHART_DATA = {"levels_by_month", "level12_trigger", "funnel", "funnel_curve"}  # tables a chart reads: kept whole
CHART_CM = (11.0, 7.5)  # the least width and height a chart is given: two side by side on an A4 landscape page
CHART_ROWS = 16  # 15-point rows: 8.5 cm
PX_PER_CHAR = 9.4  # one character of column width, at the widest font a reader may print with (see _cm)
MAX_WIDTH = 32  # longer text in a table wraps
TEXT_LINE = 125  # notes and definitions are broken into lines of about this many characters (11 pt, A4 landscape)
PAGE_CM = 27.4  # A4 landscape's 29.7 cm less 1 cm margins each side, with a little to spare
PAGE_PT = 430.0  # A4 landscape's height less margins and the two title rows repeated on every page
ROW_PT = {"title": 21.0, "section": 16.5}  # other rows 15 points, wrapped ones as `Layout.heights` says
PRINT_TITLE_ROWS = 2  # the title and the period's dates head every printed page
LEAST_WIDTH = 12.5  # a date (dd/mm/yyyy) and the longest heading word whole
LEAST_FIRST = 26.0  # column A narrowed to fit the page: most organisations' names still whole
FIRST_WIDTH = 32.0  # column A: organisation names whole; longer key-figure labels wrap
# Tables too wide for one printed page, split by meaning into parts that each fit (DESIGN §11): each part
# is a list of the table's columns, its first column the key that names its rows; the first part keeps the
# table's title (and the columns a chart reads), the others are titled "<title>: <label>".
PARTS = {
    "level3": ((None, ("Organisation", "Ref", "Level", "Function", "Trigger", "Contact from", "Issue")),
               ("dates and status", ("Ref", "Date notified", "Due", "Response received", "Status at quarter end",
                                     "Actions this quarter"))),
    "by_org": ((None, ("Organisation", "Level 1 actions", "Level 2 actions", "Level 3+ actions", "All actions",
                       "Cases opened", "Escalations")),
               ("outcomes", ("Organisation", "Resolutions", "Overdue at quarter end", "Decisions", "Upheld",
                             "Uphold rate", "Funnel"))),
    "funnel": ((None, ("Organisation", "Function", "Sector", "Decisions", "Upheld", "Uphold rate", "Funnel")),
               ("funnel limits", ("Organisation", "Sector rate", "95% lower", "95% upper", "99.8% lower",
                                  "99.8% upper"))),
}


@dataclass(frozen=True)
class Block:
    """Where a table landed in the grid (0-based): its header row, last row and column headings."""
    header_row: int
    last_row: int
    columns: tuple[str, ...]


@dataclass(frozen=True)
class PlacedChart:
    """A chart's cells: its top-left corner at the top-left of `anchor`, its bottom-right corner at the
    top-left of `end` (so an xlwings picture is placed at range(anchor) and sized to range(end))."""
    key: str
    title: str
    anchor: str  # e.g. "A28"
    end: str  # e.g. "D44"
    left_cm: float = 0.3  # how far into the anchor cell the chart begins
    right_cm: float = 0.0  # and how far into the end cell it ends


@dataclass
class Layout:
    sheet_name: str
    rows: list[list]  # rectangular grid of values: str, int, float, datetime.date or None
    styles: dict[int, str]  # row -> title | subtitle | section | header | note | text | figure
    formats: dict[tuple[int, int], str]  # (row, col) -> number format; dates are formatted dd/mm/yyyy by type
    widths: list[float]  # column widths in characters
    blocks: dict[str, Block]  # table key -> where it is
    charts: list[PlacedChart]
    wrap: set[tuple[int, int]] = field(default_factory=set)  # (row, col) cells whose text wraps
    heights: dict[int, float] = field(default_factory=dict)  # row -> height in points, for wrapped rows
    breaks: list[int] = field(default_factory=list)  # rows that begin a printed page (sections kept whole)
    header: str = ""  # the printed page header: the quarter and its dates


def _cell(v):
    """A value as a cell holds it: dates as dates, blanks as None, numpy numbers as Python numbers."""
    if v is None or v is pd.NaT or v is pd.NA:
        return None
    if isinstance(v, pd.Timestamp):
        return v.date()
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, (bool, np.bool_)):
        return "Y" if v else "N"
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if math.isnan(v) else float(v)
    if isinstance(v, np.datetime64):
        return None if np.isnat(v) else pd.Timestamp(v).date()
    return v


def summary_layout(s: Summary) -> Layout:
    """The summary as one sheet laid out for A4 landscape at full size: a grid of values, the row styles,
    number formats, row heights for wrapped text, page breaks between sections and chart anchors."""
    import textwrap

    q = s.quarter
    lay = Layout(s.sheet_name, [], {}, {}, _widths(s), {}, [],
                 header=f"Support and Intervention summary {s.title}: {s.period}")
    rows = lay.rows
    used = [0.0]  # points used on the printed page so far (below the repeated title rows)

    def add(values=(), style=None, height=None) -> int:
        rows.append([_cell(v) for v in values])
        r = len(rows) - 1
        if style:
            lay.styles[r] = style
        if height:
            lay.heights[r] = height
        if r >= PRINT_TITLE_ROWS:
            used[0] += height or ROW_PT.get(style, 15.0)
        return r

    def section(points: float) -> None:
        """A new section starts: on a new page unless it fits in what is left of this one."""
        if used[0] and used[0] + points > PAGE_PT:
            lay.breaks.append(len(rows))
            used[0] = 0.0

    def say(text, style="text"):
        for line in textwrap.wrap(text, TEXT_LINE) or [""]:
            add([line], style)

    running = f", to date: the quarter ends {q.end.day} {q.end:%B %Y}" if s.running else ""
    add([f"Support and Intervention summary {s.title}"], "title")  # these two rows head every printed page
    add([f"{s.period} ({s.convention.lower()} quarter{running}); figures as they stood on {uk(s.cutoff)}"],
        "subtitle")
    add([f"From {s.source}, built {uk(s.as_of)}. Policy paras 18-20."], "subtitle")
    add()
    for n in s.notes:
        say(n, "note")
    if s.notes:
        add()
    add(["Key figures"], "section")
    labels = dict(FIGURES, outer_outliers=f"Organisations above the {pct(s.limits[1])} funnel limit")
    for key, label in labels.items():
        v = s.figures.get(key)
        lines = _lines(label, lay.widths[0])
        r = add([label, "none" if v is None else v], "figure", 15.0 * lines if lines > 1 else None)
        if lines > 1:
            lay.wrap.add((r, 0))
        if key == "sector_rate" and v is not None:
            lay.formats[(r, 1)] = PERCENT
        elif key.startswith("response_") and v is not None:
            lay.formats[(r, 1)] = "0.0"
    add()
    section(ROW_PT["section"] + 5 * 15)
    add(["Uphold-rate outliers (policy para 8)"], "section")
    inner, outer = (pct(x) for x in s.limits)
    outliers = [(f"Above the {outer} limit (abnormally high)", s.outliers.get("abnormally high")),
                (f"Above the {inner} limit", s.outliers.get("high")), (f"Below the {inner} limit", s.outliers.get("low"))]
    if not s.figures.get("decisions"):
        add(["No casework decisions in the quarter: no funnel plot."], "text")
    elif not any(names for _, names in outliers):
        add([f"None: every organisation's uphold rate is within the {inner} limits."], "text")
    else:
        for label, names in outliers:
            text = ", ".join(names) if names else "none"
            lines = max(_lines(label, lay.widths[0]), _lines(text, lay.widths[1]))
            r = add([label, text], "figure", 15.0 * lines if lines > 1 else None)
            lay.wrap.update({(r, 0), (r, 1)} if lines > 1 else set())
    add()
    places, per_band = _chart_places(lay.widths)
    for band in range(0, len(s.charts), per_band):  # each band of charts whole on a page
        section((CHART_ROWS + 1) * 15)
        top = len(rows)
        for _ in range(CHART_ROWS + 1):
            add()
        for chart, ((first, left), (end, right)) in zip(s.charts[band:band + per_band], places):
            lay.charts.append(PlacedChart(chart.key, chart.title, f"{column_letters(first + 1)}{top + 1}",
                                          f"{column_letters(end + 1)}{top + 1 + CHART_ROWS}", left, right))
    for key in TABLE_ORDER:
        for part_key, part in _parts(key, s.tables[key]):
            _table(add, section, used, part, part_key, lay)
    section(ROW_PT["section"] + 15 * sum(len(textwrap.wrap(d, TEXT_LINE)) for d in s.definitions))
    add(["How these figures are counted"], "section")
    for d in s.definitions:
        say(d)
    add()
    _table(add, section, used, s.tables["funnel_curve"], "funnel_curve", lay)
    width = max(len(lay.widths), max(len(r) for r in rows))
    lay.widths += [10.0] * (width - len(lay.widths))
    for r in rows:
        r.extend([None] * (width - len(r)))
    return lay


def _lines(text: str, width: float) -> int:
    """How many lines `text` takes wrapped in a column `width` characters wide (a character of width is a
    digit's: letters run narrower on average, which leaves room for a bold or wide word)."""
    import textwrap

    return len(textwrap.wrap(str(text), max(int(width - 1), 1), break_long_words=False)) or 1


def _cm(width: float) -> float:
    """A column's printed width in cm, reckoned wide: a character of width is the default font's digit,
    7 px in Excel's Calibri but 9.3 px where LibreOffice falls back to DejaVu Sans, so whatever ends
    before the page's edge here does so everywhere."""
    return width * PX_PER_CHAR / 96 * 2.54


def _chart_places(widths: list[float]) -> tuple[list[tuple[tuple[int, float], tuple[int, float]]], int]:
    """Where charts go across a band: ((column, cm into it) at the left, the same at the right) for each
    chart, two to a band when two fit the columns a printed page holds whole, else one; and how many."""
    edges = [0.0]
    for c in range(40):
        edges.append(edges[-1] + _cm(widths[c] if c < len(widths) else 10.0))
    page = max(e for e in edges if e <= PAGE_CM)  # the page breaks between columns: the charts end before it
    per_band = 2 if (page - 0.9) / 2 >= CHART_CM[0] else 1
    width = min((page - 0.3 * (per_band + 1)) / per_band, 18.0)

    def at(x: float) -> tuple[int, float]:
        col = max(i for i, e in enumerate(edges) if e <= x)
        return col, round(x - edges[col], 3)

    places = []
    for i in range(per_band):
        left = 0.3 + i * (width + 0.3)
        places.append((at(left), at(left + width)))
    return places, per_band


def _parts(key: str, t: FigureTable) -> list[tuple[str, FigureTable]]:
    """A table as the parts it prints in (PARTS), each under its own block key (`key`, then `key:label`);
    every column of the table is in a part, so no figure is lost."""
    if key not in PARTS or t.frame.empty:
        return [(key, t)]
    have = list(t.frame.columns)
    named = {c for _, cols in PARTS[key] for c in cols}
    parts = [(label, [c for c in cols if c in have] + ([c for c in have if c not in named] if label is None else []))
             for label, cols in PARTS[key]]
    return [(key if label is None else f"{key}:{label}",
             FigureTable(t.title if label is None else f"{t.title}: {label}", t.frame[cols], t.empty,
                         t.note if label is None else "", {c: f for c, f in t.formats.items() if c in cols}))
            for label, cols in parts if label is None or len(cols) > 1]


def _table(add, section, used, t: FigureTable, key: str, lay: Layout) -> None:
    """A titled table, on a new page unless it fits on this one; a table longer than a page repeats its
    header row at the top of each page it runs on to (tables a chart reads are kept in one piece)."""
    columns = [str(c) for c in t.frame.columns]
    width = lambda c: lay.widths[c] if c < len(lay.widths) else 10.0  # noqa: E731
    values = [[_cell(v) for v in row] for row in t.frame.itertuples(index=False)]
    wrapped = [{c for c, v in enumerate(row) if isinstance(v, str) and len(v) > width(c) - 2} for row in values]
    heights = [15.0 * min(max(_lines(row[c], width(c)) for c in cells), 10) if cells else None
               for row, cells in zip(values, wrapped)]
    head = 15.0 * max([_lines(c, width(i)) for i, c in enumerate(columns)] or [1])
    head = head if head > 15 else None
    top = ROW_PT["section"] + 15 * bool(t.note) + (head or 15.0)
    whole = top + sum(h or 15.0 for h in heights) + 15
    # a table longer than a page runs on to the next anyway: it starts here if its first rows fit
    section(whole if whole <= PAGE_PT or key in CHART_DATA else top + sum(h or 15.0 for h in heights[:3]))
    add([t.title], "section")
    if t.note:
        add([t.note], "note")
    if not values:
        add([t.empty], "text")
    else:
        header = add(columns, "header", head)
        for row, cells, height in zip(values, wrapped, heights):
            if key not in CHART_DATA and used[0] + (height or 15.0) > PAGE_PT:
                lay.breaks.append(len(lay.rows))
                used[0] = 0.0
                add(columns, "header", head)
            r = add(row, height=height)
            lay.wrap.update((r, c) for c in cells)
        for c, name in enumerate(columns):
            if name in t.formats:
                for r in range(header + 1, len(lay.rows)):
                    if lay.rows[r][c] is not None and not isinstance(lay.rows[r][c], str):
                        lay.formats[(r, c)] = t.formats[name]
        lay.blocks[key] = Block(header, len(lay.rows) - 1, tuple(columns))
    add()


def _widths(s: Summary) -> list[float]:
    """Column widths from the tables' values and their headings' longest words (headings wrap), at most
    MAX_WIDTH (longer text wraps); column A at least FIRST_WIDTH, where the key figures' labels wrap."""
    out: dict[int, float] = {0: FIRST_WIDTH}

    def see(c: int, v, heading: bool = False) -> None:
        if v is None:
            return
        if heading:
            n = max((len(w) for w in str(v).split()), default=0) + 1
        elif isinstance(v, dt.date):
            n = 10.5
        else:
            n = len(f"{v:.1%}" if isinstance(v, float) and v <= 1 else f"{v:.1f}" if isinstance(v, float) else str(v))
        out[c] = max(out.get(c, 10.0), min(n + 2, MAX_WIDTH))

    for v in s.figures.values():
        see(1, _cell(v))
    for t in (part for key, table in s.tables.items() if not table.frame.empty for _, part in _parts(key, table)):
        for c, name in enumerate(t.frame.columns):
            see(c, name, heading=True)
            for v in t.frame[name].head(500).tolist():
                see(c, _cell(v))
    widths = [out.get(c, 10.0) for c in range(max(out) + 1)]
    return _fit(widths)


def _fit(widths: list[float]) -> list[float]:
    """The widths narrowed, widest first, until every column fits one printed page's width (wider text then
    wraps), never below a date's width (column A: below most organisations' names): so no page holds a lone
    column A, and no text shrinks."""
    budget = PAGE_CM / _cm(1.0)
    out = list(widths)
    least = [LEAST_FIRST] + [LEAST_WIDTH] * (len(out) - 1)
    while sum(out) > budget:
        c = max((i for i in range(len(out)) if out[i] > least[i]), key=lambda i: out[i], default=None)
        if c is None:
            break
        out[c] = max(least[c], out[c] - 0.25)
    return out


def summary_grid(summary: Summary) -> list[list]:
    """The sheet's cell values, row by row, as every writer writes them (the xlwings button too)."""
    return summary_layout(summary).rows

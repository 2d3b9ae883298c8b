"""The Cases table with its computed columns, as a terminal table, CSV or XLSX."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from . import schema
from .compute import compute_cases
from .outputs import neutralise
from .tracker import ROW, Tracker

SHOWN = ("Ref", "Organisation", "Level", "Due", "Status", "Working days overdue", "Recommended level",
         "Contact from", "Reason")


def report_frame(tracker: Tracker, as_of: dt.date) -> tuple[pd.DataFrame, list[int]]:
    """Every sound Cases row with the computed columns, most urgent first; and the rows skipped."""
    tracker.require("Cases")
    cases = tracker.cases
    bad = sorted({p.row for p in tracker.problems if p.sheet == "Cases" and p.row})
    good = cases[~cases[ROW].isin(bad)]
    computed = compute_cases(good, as_of, tracker.settings, tracker.calendar)
    raw = tracker.raw["Cases"].loc[good.index]
    out = pd.concat([good[[h for h in schema.CASES.headers if h in good and h not in computed]], computed], axis=1)
    extra = [c for c in raw.columns if c not in out and c != ROW]
    out = pd.concat([out[[h for h in schema.CASES.headers]], raw[extra]], axis=1)
    out.insert(0, "Row", good[ROW])
    level = pd.to_numeric(out["Level"], errors="coerce")
    escalate = pd.to_numeric(out["Recommended level"], errors="coerce") > level.fillna(0)
    priority = (out["Status"].eq("OVERDUE").map({True: 0, False: 3})
                .where(~escalate | out["Status"].eq("OVERDUE"), 1)
                .where(~out["Status"].isin(["DUE TODAY", "DUE SOON"]), 2))
    out = out.assign(_p=priority).sort_values(["_p", "Due", "Row"], na_position="last", kind="stable").drop(columns="_p")
    return out.reset_index(drop=True), bad


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
    shown = pd.DataFrame(index=frame.index)
    for name, col in frame.items():
        if pd.api.types.is_datetime64_any_dtype(col):
            shown[name] = col.dt.strftime("%d/%m/%Y").fillna("")
        else:
            cache = {}
            shown[name] = [cache.setdefault((type(v), v), neutralise(_display(v))) if _hashable(v)
                           else neutralise(_display(v)) for v in col.tolist()]
    shown.columns = [neutralise(str(c)) for c in shown.columns]
    return shown.to_csv(index=False, lineterminator="\n")


def _hashable(v) -> bool:
    return v.__hash__ is not None


def to_xlsx(frame: pd.DataFrame, path) -> None:
    """A values-only workbook: real dates, no formulas (text that looks like one stays text)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "default_date_format": "dd/mm/yyyy"})
    ws = wb.add_worksheet("Report")
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    ws.write_row(0, 0, [neutralise(str(c), parsed=False) for c in frame.columns], wb.add_format({"bold": True}))
    for r, row in enumerate(frame.itertuples(index=False), start=1):
        for c, v in enumerate(row):
            if isinstance(v, (pd.Timestamp, dt.datetime, dt.date)) and not pd.isna(v):
                ws.write_datetime(r, c, pd.Timestamp(v).to_pydatetime(), date_fmt)
            elif not (v is None or v is pd.NaT or (isinstance(v, float) and pd.isna(v))):
                ws.write(r, c, v if isinstance(v, (int, float, bool)) else neutralise(str(v), parsed=False))
    ws.autofilter(0, 0, len(frame), len(frame.columns) - 1)
    ws.freeze_panes(1, 0)
    wb.close()

"""The quarterly summary the policy promises (paras 18-20; DESIGN §11), as plain data.

`build_summary` is pure: the tracker's frames in, a `Summary` out (titled tables, key
figures, named outliers, chart series, notes). `summary.layout` turns it into one grid
of cell values with chart anchors, which every writer writes, so they cannot drift apart.

Counts follow the dates, not today's state: an action counts in the quarter its Date
falls in, and a case's deadline is worked out as it stood on the last day of the
quarter. The definitions are written into the sheet (`definitions`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from spso_xl.calendar.dates import to_date, uk
from spso_xl.calendar.quarters import Quarter, last_full_quarter, long_dates, parse_quarter
from spso_xl.calendar.workdays import scottish_calendar, working_days_after_array
from spso_xl.errors import InputError, plural
from spso_xl.policy.cases import due_column
from spso_xl.policy.deadlines import Status, status_array
from spso_xl.policy.evidence import FLAGS, binomial_limit, funnel
from spso_xl.policy.rules import contact
from spso_xl.policy.tables import RECORD_KINDS
from spso_xl.policy.vocab import norm

REQUESTS = ("Contact", "Letter", "Escalation")  # actions that ask an organisation for a reply
NOT_ON_CASES, NOT_RECORDED = "Not on Cases", "Not recorded"
UNKNOWN_LEVEL = "Level not recorded"
FROM_CASES = "Level on Cases (not logged)"  # the kind of an action counted from a case's Level and Date notified

FIGURES = {  # key -> label, in the order the sheet shows them
    "actions": "Actions logged",
    "level1_actions": "Level 1 actions",
    "level2_actions": "Level 2 actions",
    "level12_cases": "Cases with level 1 or 2 action",
    "level3_actions": "Level 3+ actions",
    "level3_cases": "Cases with level 3+ action",
    "opened": "Cases opened",
    "escalations": "Escalations",
    "escalated_cases": "Cases escalated",
    "resolutions": "Resolutions",
    "resolved_cases": "Cases resolved",
    "closed": "Cases closed",
    "overdue": "Cases overdue at quarter end",
    "responses": "Responses received",
    "response_median": "Response time, median (working days)",
    "response_p90": "Response time, 90th percentile (working days)",
    "decisions": "Casework decisions (Findings)",
    "sector_rate": "Sector uphold rate",
    "outer_outliers": "Organisations above the outer funnel limit",
}
PERCENT = "0.0%"


@dataclass
class FigureTable:
    """One titled table of the summary (not an Excel Table: the layout places it on the sheet)."""

    title: str
    frame: pd.DataFrame
    empty: str = "None."  # shown in place of a table with no rows
    note: str = ""
    formats: dict[str, str] = field(default_factory=dict)  # column -> Excel number format


@dataclass(frozen=True)
class Chart:
    key: str  # "levels_by_month", "level12_by_trigger" (table level12_trigger) or "funnel" (funnel, funnel_curve)
    title: str


@dataclass
class Summary:
    quarter: Quarter
    convention: str
    as_of: dt.date
    cutoff: dt.date  # the day figures stand at: the quarter's end, or as_of in an unfinished quarter
    source: str
    figures: dict[str, object]
    tables: dict[str, FigureTable] = field(repr=False)
    outliers: dict[str, list[str]]  # evidence.FLAGS key -> organisations
    charts: list[Chart]
    notes: list[str]
    definitions: list[str] = field(repr=False)
    limits: tuple[float, float] = (0.95, 0.998)  # funnel inner, outer

    @property
    def running(self) -> bool:
        """The quarter is not over: its figures are 'to date'."""
        return self.cutoff < self.quarter.end

    @property
    def title(self) -> str:
        return f"{self.quarter.label} to date" if self.running else self.quarter.label

    @property
    def period(self) -> str:
        """The dates the figures cover, in words."""
        return long_dates(self.quarter, self.cutoff)

    @property
    def sheet_name(self) -> str:
        return f"Summary {self.quarter.label}"  # at most 21 characters: inside Excel's 31

    @property
    def file_name(self) -> str:
        return f"SI summary {self.title}.xlsx"


def pct(x: float) -> str:
    """0.125 -> '12.5%'."""
    return f"{x * 100:g}%"


# --- preparing the frames -------------------------------------------------------------------


def _keys(values: pd.Series) -> pd.Series:
    """Refs and names as matched (any case and spacing), normalised once per distinct value."""
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    lookup = np.array([norm(u) for u in uniques] + [None], dtype=object)
    return pd.Series(lookup[codes], index=values.index, dtype=object)


def _cases(tracker) -> pd.DataFrame:
    c = tracker.parsed["Cases"]
    out = pd.DataFrame({
        "key": _keys(c["Ref"]), "ref": c["Ref"], "org": c["Organisation"], "function": c["Function"],
        "area": c["Area"], "trigger": c["Trigger"], "issue": c["Description"],
        "org_key": _keys(c["Organisation"].fillna(NOT_RECORDED)),
        "level": pd.to_numeric(c["Level"], errors="coerce"), "urgent": c["Urgent"],
        **{k: pd.to_datetime(c[h]).astype("datetime64[s]") for k, h in (
            ("identified", "Date identified"), ("notified", "Date notified"), ("respond_by", "Respond by"),
            ("received", "Response received"), ("closed", "Closed"))},
    }, index=c.index)
    return out[out["key"].notna()].reset_index(drop=True)


def _actions(tracker, cases: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Dated Actions rows in date order with each action's level (see `definitions`); and how many had no date."""
    a = tracker.parsed["Actions"]
    frame = pd.DataFrame({"key": _keys(a["Ref"]), "ref": a["Ref"], "date": pd.to_datetime(a["Date"]).astype("datetime64[s]"),
                          "level": pd.to_numeric(a["Level"], errors="coerce"), "kind": a["Action"], "row": a["_row"]})
    frame = frame[~frame["kind"].isin(RECORD_KINDS)]  # bookkeeping (a case added, an import): not an action taken
    undated = int(frame["date"].isna().sum())
    frame = frame[frame["date"].notna() & frame["key"].notna()]
    frame = frame.sort_values(["key", "date", "row"], kind="stable").reset_index(drop=True)
    frame["level"] = frame.groupby("key", sort=False)["level"].ffill()
    first = cases.drop_duplicates("key").set_index("key")
    pos = first.index.get_indexer(frame["key"])  # each action's case, -1 when its Ref is not on Cases
    on = pos >= 0
    frame["on_cases"] = on
    frame["level"] = frame["level"].fillna(pd.Series(np.where(on, first["level"].to_numpy(float)[pos], np.nan),
                                                      index=frame.index))
    for col, missing in (("org", NOT_RECORDED), ("org_key", norm(NOT_RECORDED)), ("function", None),
                         ("area", NOT_RECORDED), ("trigger", NOT_RECORDED)):
        values = first[col].astype(object).to_numpy()[pos]
        if missing is not None:
            values = np.where(pd.isna(values), missing, values)
            values = np.where(on, values, norm(NOT_ON_CASES) if col == "org_key" else NOT_ON_CASES)
        else:
            values = np.where(on, values, None)
        frame[col] = pd.Series(values, index=frame.index, dtype=object)
    return frame, undated


def _with_levels_on_cases(acts: pd.DataFrame, cases: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The actions and, for each case given a level (Level and Date notified on Cases) but never logged in
    Actions, that level as an action on its Date notified (DESIGN §11: a level recorded on a case in the
    quarter is an action even when nobody logged it); and how many were added."""
    c = cases[cases["notified"].notna() & cases["level"].notna()].drop_duplicates("key")
    c = c[~c["key"].isin(set(acts["key"]))]
    if c.empty:
        return acts, 0
    added = pd.DataFrame({"key": c["key"], "ref": c["ref"], "date": c["notified"], "level": c["level"],
                          "kind": FROM_CASES, "row": -1, "on_cases": True, "org": c["org"].fillna(NOT_RECORDED),
                          "org_key": c["org_key"], "function": c["function"], "area": c["area"].fillna(NOT_RECORDED),
                          "trigger": c["trigger"].fillna(NOT_RECORDED)})
    both = pd.concat([acts, added[acts.columns]], ignore_index=True)
    return both.sort_values(["key", "date", "row"], kind="stable").reset_index(drop=True), len(added)


def _lookup(keys: pd.Series, table: pd.Series) -> pd.Series:
    """table[key] for each key, blank where absent (Series.map loses the dtype of an empty table)."""
    return table.reindex(keys.to_numpy()).set_axis(keys.index)


def _first_after(events: pd.DataFrame, cases: pd.DataFrame, since: pd.Series) -> pd.Series:
    """Per case, the first event date on or after `since` (the case's notification then in force)."""
    if events.empty:
        return pd.Series(pd.NaT, index=cases.index, dtype="datetime64[s]")
    m = events[["key", "date"]].merge(pd.DataFrame({"key": cases["key"], "since": since, "i": cases.index}), on="key")
    m = m[m["date"] >= m["since"]]
    return m.groupby("i")["date"].min().reindex(cases.index).astype("datetime64[s]")


def _state_at(cases: pd.DataFrame, acts: pd.DataFrame, cutoff: dt.date, settings, cal) -> pd.DataFrame:
    """Each case as it stood on `cutoff`: the level and notification then in force, Due, response, status.

    Cases holds today's state. Where its Date notified is on or before the cutoff, that row was
    in force then; where it is later (re-notified, usually escalated, since), the Actions log
    says what was: the level of the last action by the cutoff, notified when that level began.
    """
    c = pd.Timestamp(cutoff)
    past = acts[acts["date"] <= c]
    level = past["level"].fillna(0)  # an unknown level is one run, like any other
    new_run = level.ne(level.groupby(past["key"], sort=False).shift())
    run = new_run.groupby(past["key"], sort=False).cumsum()
    began = past["date"].groupby([past["key"], run], sort=False).transform("min")
    last = past.assign(began=began).groupby("key", sort=False).tail(1).set_index("key")
    current = cases["notified"].notna() & (cases["notified"] <= c)
    level = cases["level"].where(current, _lookup(cases["key"], last["level"].astype(float)))
    notified = cases["notified"].where(current, _lookup(cases["key"], last["began"].astype("datetime64[s]")))
    respond_by = cases["respond_by"].where(current)
    received = cases["received"].where(current & (cases["received"] <= c))
    logged = _first_after(past[past["kind"] == "Response"], cases, notified)
    received = pd.concat([received, logged], axis=1).min(axis=1)
    closed = cases["closed"].where(cases["closed"] <= c)
    resolved = _first_after(past[past["kind"] == "Resolution"], cases, notified)
    closed = pd.concat([closed, resolved], axis=1).min(axis=1)

    levels = [None if x != x else int(x) for x in level.to_numpy()]
    functions = cases["function"].to_numpy(dtype=object)
    urgent = cases["urgent"].to_numpy(dtype=object)
    due = due_column(notified, levels, urgent, respond_by, functions, cases["trigger"].to_numpy(dtype=object), settings, cal)
    day = lambda s: s.to_numpy().astype("datetime64[D]")  # noqa: E731
    status = status_array(due, day(received), day(closed), cutoff, settings, cal)
    status = np.where(notified.isna().to_numpy() & (status == str(Status.NO_DEADLINE)), "NOT NOTIFIED", status)
    overdue = status == str(Status.OVERDUE)
    late = np.where(overdue, working_days_after_array(due, np.datetime64(cutoff, "D"), cal), 0)
    return pd.DataFrame({"level": level, "notified": notified, "due": pd.to_datetime(due).astype("datetime64[s]"),
                         "received": received, "status": status, "overdue": overdue,
                         "days_overdue": np.nan_to_num(late).astype(int)}, index=cases.index)


# --- the summary ------------------------------------------------------------------------------


def _by(frame: pd.DataFrame, column: str, heading: str) -> pd.DataFrame:
    """Level 1 and 2 actions counted by one column, biggest first."""
    if frame.empty:
        return pd.DataFrame(columns=[heading, "Level 1", "Level 2", "Total"])
    t = frame.groupby([column, "level"]).size().unstack(fill_value=0).reindex(columns=[1.0, 2.0], fill_value=0)
    t.columns = ["Level 1", "Level 2"]
    t["Total"] = t.sum(axis=1)
    t = t.rename_axis(heading).reset_index()
    return t.sort_values(["Total", heading], ascending=[False, True], kind="stable").reset_index(drop=True)


def _contact_from(function, level) -> str:
    """rules.contact, blank where the log holds no usable level or function."""
    try:
        return contact(int(level), function)
    except (IndexError, KeyError, ValueError, TypeError):
        return ""


def _percentile(x: np.ndarray, q: float):
    return None if len(x) == 0 else float(np.percentile(x, q))  # linear: Excel's PERCENTILE.INC / MEDIAN


def build_summary(tracker, quarter=None, as_of=None) -> Summary:
    """The summary of `quarter` (a Quarter or its label; default the last full quarter by the
    Settings convention) as the tracker's data stood at its end, or on `as_of` if that is earlier."""
    as_of = to_date(as_of) or dt.date.today()
    tracker.require("Cases")
    settings = tracker.settings
    tracker_convention = getattr(settings, "quarters", "Financial")
    notes: list[str] = []
    if quarter is None or (isinstance(quarter, str) and not quarter.strip()):
        q = last_full_quarter(as_of, tracker_convention)
    elif isinstance(quarter, Quarter):
        q = quarter
    else:
        q = parse_quarter(quarter, tracker_convention)
        if norm(q.label).replace(" ", "") != norm(quarter).replace(" ", ""):
            notes.append(f"'{quarter}' is read as {q.label}, {long_dates(q)}: this tracker counts "
                         f"{tracker_convention.lower()} quarters (Settings).")
    convention = "Financial" if "-" in q.label else "Calendar"
    if as_of < q.start:
        raise InputError("QUARTER", f"{q.label} ({long_dates(q)}) has not started yet on {uk(as_of)}: there is "
                                    f"nothing to summarise; choose a quarter that has begun", q.label)
    cutoff = min(q.end, as_of)
    cal = tracker.calendar or scottish_calendar()
    limits = (settings.funnel_inner, settings.funnel_outer)
    start, end = pd.Timestamp(q.start), pd.Timestamp(cutoff)
    if as_of < q.end:
        notes.append(f"{q.label} is not over: figures are to date, {long_dates(q, as_of)} (the quarter ends "
                     f"{uk(q.end)}).")

    cases = _cases(tracker)
    acts, undated = _actions(tracker, cases)
    acts, _ = _with_levels_on_cases(acts, cases)
    aq = acts[(acts["date"] >= start) & (acts["date"] <= end)]
    state = _state_at(cases, acts, cutoff, settings, cal)
    lvl = aq["level"]
    l12, l3 = aq[lvl.isin([1, 2])], aq[lvl >= 3]
    esc, res = aq[aq["kind"] == "Escalation"], aq[aq["kind"] == "Resolution"]
    first_action = acts.groupby("key")["date"].min()
    opened_at = _lookup(cases["key"], first_action.astype("datetime64[s]"))
    opened_at = opened_at.fillna(cases["notified"]).fillna(cases["identified"])
    opened = cases[(opened_at >= start) & (opened_at <= end)]
    closed = cases[(cases["closed"] >= start) & (cases["closed"] <= end)]

    if undated:
        notes.append(f"{plural(undated, 'Actions row')} {'has' if undated == 1 else 'have'} no valid Date and "
                     f"{'is' if undated == 1 else 'are'} not counted: run spso-xl check.")
    if aq.empty and as_of >= q.start:
        notes.append(f"No actions were logged in {q.label}.")
    if orphans := int((~aq["on_cases"]).sum()):
        notes.append(f"{plural(orphans, 'action')} in {q.label} {'names' if orphans == 1 else 'name'} a Ref that is not on Cases: "
                     f"counted, with organisation and trigger shown as '{NOT_ON_CASES}'.")
    if lvl.isna().any():
        notes.append(f"{plural(int(lvl.isna().sum()), 'action')} {'has' if lvl.isna().sum() == 1 else 'have'} no level "
                     f"recorded (Actions or Cases): "
                     f"counted under '{UNKNOWN_LEVEL}'.")
    if unlogged := int((aq["kind"] == FROM_CASES).sum()):
        notes.append(f"{plural(unlogged, 'case')} given a level in {q.label} {'has' if unlogged == 1 else 'have'} no "
                     f"Actions row for it: counted from {'its' if unlogged == 1 else 'their'} Level and Date notified "
                     f"on Cases (as '{FROM_CASES}').")
    if tracker.problems:
        notes.append(f"The tracker has {plural(len(tracker.problems), 'problem')} (run spso-xl check): cells that could not "
                     f"be read are left out of these figures.")

    no_l12 = f"No level 1 or 2 actions were logged in {q.label}."
    tables = {
        "level12_trigger": FigureTable("Level 1 and 2 actions by trigger", _by(l12, "trigger", "Trigger"), no_l12),
        "level12_area": FigureTable("Level 1 and 2 actions by area", _by(l12, "area", "Area"), no_l12),
        "level12_kind": FigureTable("Level 1 and 2 actions by kind of action", _by(l12, "kind", "Action"), no_l12),
        "level3": FigureTable("Level 3+ actions: details", _level3(l3, cases, state),
                        f"No level 3 or higher actions were taken in {q.label}.",
                        note="One row per case; its actions at level 3 or above in the quarter are listed."),
        "overdue": FigureTable(f"Cases overdue on {uk(cutoff)}", _overdue(cases, state), f"No case was overdue on {uk(cutoff)}."),
    }
    rt, days, unmatched = _response_times(aq, acts, cases, start, end, cal)
    if unmatched:
        notes.append(f"{plural(unmatched, 'response')} in {q.label} {'has' if unmatched == 1 else 'have'} no earlier Contact, Letter, Escalation or Date "
                     f"notified to time them from: left out of the response times.")
    tables["response"] = FigureTable("Response times (working days)", rt, f"No responses were received in {q.label}.",
                               formats={"Median": "0.0", "90th percentile": "0.0"})
    fun, ftab, curve, no_funnel = _funnel(tracker.parsed["Findings"], q, start, end, limits,
                                          tracker.parsed["Organisations"], settings.funnel_min)
    if no_funnel:
        notes.append(no_funnel)
    outliers = {flag: sorted(fun.loc[fun["flag"] == flag, "organisation"].tolist(), key=str.casefold)
                for flag in FLAGS[:3]}
    tables["funnel"] = FigureTable("Uphold rates by organisation", ftab, no_funnel,
                             formats={c: PERCENT for c in ftab.columns if "rate" in c or "lower" in c or "upper" in c})
    tables["levels_by_month"] = FigureTable("Actions by level and month", _by_month(aq, q))
    tables["by_org"] = FigureTable("By organisation", _by_org(aq, opened, esc, res, cases, state, fun, ftab),
                             f"Nothing to count by organisation in {q.label}.", formats={"Uphold rate": PERCENT})
    tables["funnel_curve"] = FigureTable("Funnel plot limits (chart data)", curve, "No funnel plot.",
                                   formats={c: PERCENT for c in curve.columns if c != "Decisions"})

    figures = {
        "actions": len(aq), "level1_actions": int((lvl == 1).sum()), "level2_actions": int((lvl == 2).sum()),
        "level12_cases": int(l12["key"].nunique()), "level3_actions": len(l3), "level3_cases": int(l3["key"].nunique()),
        "opened": int(opened["key"].nunique()), "escalations": len(esc), "escalated_cases": int(esc["key"].nunique()),
        "resolutions": len(res), "resolved_cases": int(res["key"].nunique()), "closed": int(closed["key"].nunique()),
        "overdue": int(state["overdue"].sum()), "responses": len(days),
        "response_median": _percentile(days, 50), "response_p90": _percentile(days, 90),
        "decisions": int(fun["n"].sum()) if len(fun) else 0, "sector_rate": float(fun.loc[fun["group_n"].idxmax(), "p"]) if len(fun) else None,
        "outer_outliers": len(outliers["abnormally high"]),
    }
    charts = [chart for chart, shown in ((Chart("levels_by_month", "Actions by level, month by month"), len(aq)),
                                         (Chart("level12_by_trigger", "Level 1 and 2 actions by trigger"), len(l12)),
                                         (Chart("funnel", "Uphold rates: funnel plot"), len(fun))) if shown]
    source = tracker.path.name if getattr(tracker, "path", None) else "the open tracker"
    return Summary(q, convention, as_of, cutoff, source, figures, tables, outliers, charts, notes,
                   definitions(q, convention, *limits), limits)


def _level3(l3: pd.DataFrame, cases: pd.DataFrame, state: pd.DataFrame) -> pd.DataFrame:
    """One row per case with a level 3+ action in the quarter: its highest level, those actions, and
    where it stood at the quarter's end."""
    columns = ["Organisation", "Ref", "Level", "Function", "Trigger", "Contact from", "Date notified", "Due",
               "Response received", "Status at quarter end", "Actions this quarter", "Issue"]
    if l3.empty:
        return pd.DataFrame(columns=columns)
    text = (l3["date"].dt.strftime("%d/%m/%Y") + " " + l3["kind"].fillna("") + " (L"
            + l3["level"].astype(int).astype(str) + ")").tolist()
    d = l3.groupby("key", sort=False).agg(ref=("ref", "first"), level=("level", "max"), org=("org", "first"),
                                          function=("function", "first"), trigger=("trigger", "first"))
    keys = l3["key"].to_numpy()  # in key and date order: each case's actions are one run
    edges = np.r_[0, np.flatnonzero(keys[1:] != keys[:-1]) + 1, len(keys)]
    d["text"] = pd.Series(["; ".join(text[a:b]) for a, b in zip(edges[:-1], edges[1:])], index=keys[edges[:-1]])
    s = pd.concat([cases[["key", "ref", "issue"]], state], axis=1).drop_duplicates("key").set_index("key").reindex(d.index)
    out = pd.DataFrame({
        "Organisation": d["org"], "Ref": s["ref"].fillna(d["ref"]), "Level": d["level"].astype(int),
        "Function": d["function"].fillna(""), "Trigger": d["trigger"],
        "Contact from": [_contact_from(f, lv) for f, lv in zip(d["function"], d["level"])],
        "Date notified": s["notified"], "Due": s["due"], "Response received": s["received"],
        "Status at quarter end": s["status"], "Actions this quarter": d["text"], "Issue": s["issue"],
    }, columns=columns)
    return out.sort_values(["Level", "Organisation", "Ref"], ascending=[False, True, True], key=_sort_key,
                           ignore_index=True)


def _overdue(cases: pd.DataFrame, state: pd.DataFrame) -> pd.DataFrame:
    """Cases overdue at the cut-off, longest overdue first, with the level and deadline then in force."""
    c, s = cases[state["overdue"]], state[state["overdue"]]
    out = pd.DataFrame({"Organisation": c["org"], "Ref": c["ref"], "Level": s["level"].astype("Int64"),
                        "Date notified": s["notified"], "Due": s["due"], "Working days overdue": s["days_overdue"],
                        "Trigger": c["trigger"]})
    return out.sort_values(["Working days overdue", "Organisation"], ascending=[False, True], kind="stable",
                           ignore_index=True)


def _response_times(aq, acts, cases, start, end, cal) -> tuple[pd.DataFrame, np.ndarray, int]:
    """Working days from each response in the quarter back to the request it answers (see `definitions`)."""
    got = cases[(cases["received"] >= start) & (cases["received"] <= end)]
    resp = pd.concat([aq.loc[aq["kind"] == "Response", ["key", "date", "level"]],
                      got[["key", "received", "level"]].rename(columns={"received": "date"})])
    resp = resp.drop_duplicates(["key", "date"]).sort_values("date")
    asked = pd.concat([acts.loc[acts["kind"].isin(REQUESTS), ["key", "date"]],
                       cases.loc[cases["notified"].notna(), ["key", "notified"]].rename(columns={"notified": "date"})])
    asked = asked.rename(columns={"date": "asked"}).dropna().sort_values("asked")
    resp = pd.merge_asof(resp, asked, left_on="date", right_on="asked", by="key", direction="backward")
    unmatched = int(resp["asked"].isna().sum())
    resp = resp.dropna(subset=["asked"])
    days = working_days_after_array(resp["asked"].to_numpy(), resp["date"].to_numpy(), cal)
    lv = resp["level"].to_numpy(dtype=float)
    groups = [("Level 1", lv == 1), ("Level 2", lv == 2), ("Level 3+", lv >= 3), (UNKNOWN_LEVEL, np.isnan(lv)),
              ("All responses", np.ones(len(lv), bool))]
    rows = [{"Responses to": name, "Responses": int(m.sum()), "Median": _percentile(days[m], 50),
             "90th percentile": _percentile(days[m], 90), "Longest": float(days[m].max())}
            for name, m in groups if m.any()]
    return pd.DataFrame(rows, columns=["Responses to", "Responses", "Median", "90th percentile", "Longest"]), days, \
        unmatched


def _funnel(findings, q: Quarter, start, end, limits, organisations=None, min_decisions=10
            ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, str]:
    """evidence.funnel over the quarter's decisions (each organisation against its own sector within its
    function), as a table (outliers first) and the chart lines of the group with most decisions; and
    the note to show when there is no funnel."""
    inner, outer = limits
    recorded = findings is not None and not findings[["Decision date", "Outcome"]].dropna(how="all").empty
    dates = findings["Decision date"] if recorded else None
    if dates is not None and pd.api.types.is_datetime64_any_dtype(dates):  # the rows funnel keeps, found cheaply
        findings = findings[(dates >= start) & (dates <= end)]
    fun = funnel(findings, start, end, inner, outer, organisations, min_decisions)
    note = "" if len(fun) else (f"No casework decisions (Findings) are dated in {q.label}: no uphold-rate funnel."
                                if recorded else
                                "The tracker has no Findings (casework decisions): the uphold-rate funnel needs them.")
    flag_text = {"abnormally high": f"Abnormally high (above {pct(outer)})", "high": f"High (above {pct(inner)})",
                 "low": f"Low (below {pct(inner)})", "within": "Within limits",
                 "too few to judge": f"Too few decisions in the sector to judge (under {min_decisions})"}
    order = fun["flag"].map({f: i for i, f in enumerate(FLAGS)})
    fun = fun.assign(_o=order).sort_values(["_o", "rate", "organisation"], ascending=[True, False, True],
                                           ignore_index=True)
    table = pd.DataFrame({"Organisation": fun["organisation"], "Function": fun["function"], "Sector": fun["sector"],
                          "Decisions": fun["n"].astype(int),
                          "Upheld": fun["k"].astype(int), "Uphold rate": fun["rate"], "Sector rate": fun["p"],
                          f"{pct(inner)} lower": fun["inner_lower"], f"{pct(inner)} upper": fun["inner_upper"],
                          f"{pct(outer)} lower": fun["outer_lower"], f"{pct(outer)} upper": fun["outer_upper"],
                          "Funnel": fun["flag"].map(flag_text)})
    curve = pd.DataFrame(columns=["Decisions"])
    if len(fun):  # the limit lines at about 60 sizes up to the largest organisation: smooth enough, cheap
        p = float(fun.loc[fun["group_n"].idxmax(), "p"])  # the largest sector-and-function group's rate
        n = np.unique(np.geomspace(1, max(int(fun["n"].max() * 1.1), 2), 60).round().astype(int))
        curve = pd.DataFrame({"Decisions": n, **{f"{pct(lim)} {side}": binomial_limit(n, p, (1 + sign * lim) / 2)
                                                 for lim in limits for side, sign in (("lower", -1), ("upper", 1))},
                              "Sector rate": np.full(len(n), p)})
    return fun, table, curve, note


def _by_month(aq: pd.DataFrame, q: Quarter) -> pd.DataFrame:
    """Actions in each month of the quarter by level (levels 1-5 always, 6 when used)."""
    lvl = aq["level"]
    levels = range(1, max(5, int(lvl.max()) if lvl.notna().any() else 5) + 1)
    counts = aq.groupby([aq["date"].dt.month, lvl.fillna(0)]).size()
    rows = []
    for m in q.months:
        row = {"Month": m.strftime("%b %Y"), **{f"Level {v}": int(counts.get((m.month, float(v)), 0)) for v in levels}}
        if lvl.isna().any():
            row[UNKNOWN_LEVEL] = int(counts.get((m.month, 0.0), 0))
        rows.append(row)
    return pd.DataFrame(rows)


def _sort_key(col: pd.Series) -> pd.Series:
    return col.astype(str).str.casefold() if col.dtype == object else col


def _by_org(aq, opened, esc, res, cases, state, fun, ftab) -> pd.DataFrame:
    """One row per organisation with anything to count, busiest first."""
    names: dict[str, str] = {}

    def count(frame: pd.DataFrame) -> pd.Series:
        firsts = frame[["org_key", "org"]].drop_duplicates("org_key")
        names.update({k: o for k, o in zip(firsts["org_key"], firsts["org"].fillna(NOT_RECORDED)) if k not in names})
        return frame["org_key"].value_counts()

    lvl = aq["level"]
    cols = {
        "Level 1 actions": count(aq[lvl == 1]), "Level 2 actions": count(aq[lvl == 2]),
        "Level 3+ actions": count(aq[lvl >= 3]), "All actions": count(aq),
        "Cases opened": count(opened), "Escalations": count(esc), "Resolutions": count(res),
        "Overdue at quarter end": count(cases[state["overdue"]]),
    }
    f = None
    if len(fun):  # an organisation in more than one function: its decisions together, its worst flag (listed first)
        f = fun.assign(key=_keys(fun["organisation"]), text=ftab["Funnel"]).groupby("key", sort=False).agg(
            organisation=("organisation", "first"), n=("n", "sum"), k=("k", "sum"), text=("text", "first"))
        f["rate"] = f["k"] / f["n"]
    if f is not None:
        names.update({k: o for k, o in zip(f.index, f["organisation"]) if k not in names})
    index = pd.Index(sorted(names), dtype=object)
    out = pd.DataFrame({c: s.reindex(index, fill_value=0).astype(int) for c, s in cols.items()}, index=index)
    if f is not None:
        out["Decisions"] = f["n"].reindex(index).fillna(0).astype(int)
        out["Upheld"] = f["k"].reindex(index).fillna(0).astype(int)
        out["Uphold rate"] = f["rate"].reindex(index)
        out["Funnel"] = f["text"].reindex(index)
    out.insert(0, "Organisation", [names[k] for k in index])
    out = out.sort_values(["All actions", "Organisation"], ascending=[False, True], kind="stable")
    return out.reset_index(drop=True)


def definitions(q: Quarter, convention: str, inner: float, outer: float) -> list[str]:
    """'How these figures are counted': the choices a reader needs to trust the numbers."""
    return [
        f"Quarter: {q.label}, {uk(q.start)} to {uk(q.end)} ({convention.lower()} quarters: change 'Quarter convention' "
        f"on Settings). Figures are as they stood at the end of the quarter (or today, in the current quarter): "
        f"actions count in the quarter their Date falls in, and later changes to Cases do not alter them.",
        "Level of an action: the Level typed in the Actions log; where blank, the level of the case's previous "
        "logged action, else the case's Level on Cases. 'Level 3+' is levels 3-6 of the SWF scale and 3-5 of the "
        "policy scale (Complaints, INWO).",
        "Level 1 and 2 actions: every Actions row at that level dated in the quarter (a case with three such actions "
        "counts three times), with trigger, area and organisation from the case's row on Cases. A case given a "
        f"Level on Cases but never logged in Actions counts as one action on its Date notified ('{FROM_CASES}').",
        "Level 3+ details: one row per case with an action at level 3 or above in the quarter, showing the highest "
        "such level; notification, Due, response and status as they stood at the end of the quarter.",
        "Cases opened: cases whose first Actions row is dated in the quarter (a case with nothing logged: its "
        "Date notified, else its Date identified).",
        "Escalations and Resolutions: Actions rows of that kind dated in the quarter; a case escalated twice "
        "counts twice there and once under 'Cases escalated'. Cases closed: a Closed date in the quarter.",
        "Overdue at quarter end: cases whose Due had passed by the last day of the quarter with no response and "
        "not closed or resolved by then. Due is worked out as on that day: from the case's Date notified and Level "
        "if it was notified by then, else from the Actions log (the level of its last action by then, from the day "
        "that level began). A response is a Response received date or a Response action; closing is a Closed date "
        "or a Resolution action.",
        "Response time: working days after the request up to the day the response came (counted as Due is: 10 "
        "means on the last day of a 10-working-day window), for each response in the quarter (Response actions "
        "and Response received dates, once per case and day). The request is the latest Contact, Letter or "
        "Escalation action, or Date notified, on or before the response. Median and 90th percentile as Excel's "
        "MEDIAN and PERCENTILE.INC.",
        f"Uphold rates: casework decisions on the Findings sheet dated in the quarter. Each organisation's upheld "
        f"share is set against the pooled rate of all organisations, with exact binomial limits at {pct(inner)} and "
        f"{pct(outer)} (Settings). Above the {pct(outer)} limit is 'abnormally high' (policy para 8); these are "
        f"prompts to look closer, not findings in themselves.",
        "Working days: Monday to Friday less Scotland's bank holidays and the office closures on the Holidays sheet.",
    ]


# --- the layout every writer uses --------------------------------------------------------------



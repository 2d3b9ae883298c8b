"""The evidence base for S&I action (DESIGN §7): recurring findings and uphold rates.

Both read the tracker's Findings table by its workbook headers, vectorised with pandas.
- Recurrence (policy para 8, "a recurrent theme or trend in complaints upheld by SPSO"): upheld
  findings of one Theme for one Organisation in one Function within a rolling window of months
  ending on the as-of date. Row 4 of the leaflet's appendix (level 2) needs more than feedback: the
  theme "has been fed back as part of a previous decision" and "the issue remains unresolved", which
  the findings show as one upheld *after* the decision that last fed it back. So three facts: how many
  upheld in the window, when it was last fed back, how many upheld since; `Recurred` = Y is suggested
  only when one was upheld since (feedback in the decision that made it recurrent is row 2, level 1).
- Uphold rate (policy para 8, "an abnormally high proportion ... upheld, compared to the
  sector"): each organisation's upheld share on a funnel plot, with exact binomial control
  limits around the rate of its own sector (Organisations[Sector]) within one function
  (Spiegelhalter (2005), "Funnel plots for comparing institutional performance", Statistics in
  Medicine 24:1185-1202; his interpolation of the limits, appendix A.1.1, is optional: see
  `funnel`). A sector-and-function group too small to judge says so.

Text is matched the way people type it: Organisation and Theme in any case and spacing (the
first spelling seen is shown), Outcome case-insensitively. A bad Outcome, Decision date or
Function is an InputError naming the case ref, never silently dropped.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import numpy as np
import pandas as pd

from spso_xl.calendar.dates import day, to_date, uk
from spso_xl.errors import InputError, plural
from spso_xl.policy.tables import DEFAULT_FUNCTION, OUTCOMES
from spso_xl.policy.vocab import norm, parse_choice, parse_count, parse_function, parse_yes_no

REF, ORG, FUNCTION, DATE, OUTCOME, THEME, FED_BACK = (
    "Case ref", "Organisation", "Function", "Decision date", "Outcome", "Theme", "Fed back")
UPHELD = OUTCOMES[0]
RECURRENCE_COLUMNS = ("organisation", "function", "theme", "count", "first", "last", "refs", "recurrent", "fed_back",
                      "last_fed_back", "upheld_since", "suggest_recurred")
FUNNEL_COLUMNS = ("function", "sector", "organisation", "n", "k", "rate", "group_n", "p", "inner_lower", "inner_upper",
                  "outer_lower", "outer_upper", "flag")
FLAGS = ("abnormally high", "high", "low", "within", "too few to judge")
NO_SECTOR = "Sector not recorded"

# --- reading the Findings table ------------------------------------------------------------


def _text(col: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Trimmed text as typed and its matching key (casefolded, inner spaces collapsed); "" for blank."""
    shown = col.astype("string").str.split().str.join(" ").fillna("")
    return shown, shown.str.casefold()


def _parsed(findings: pd.DataFrame, column: str, parse) -> pd.Series:
    """`parse` applied once per distinct value of a column; errors name the first case ref holding the value."""
    col = findings[column]
    codes, uniques = pd.factorize(col.astype(object), use_na_sentinel=True)
    values = []
    for j, value in enumerate(uniques):
        try:
            values.append(parse(value))
        except InputError as e:
            row = int(np.argmax(codes == j))
            ref = findings[REF].iloc[row] if REF in findings else None
            where = f"Case ref {ref}" if ref is not None and ref == ref else f"row {row + 1}"
            raise InputError(e.code, f"Findings {where}, {column}: {e}", value) from None
    out = np.empty(len(values) + 1, dtype=object)  # last slot: blank (code -1)
    out[:-1] = values
    return pd.Series(out[codes], index=findings.index)


def _outcome(value):
    return parse_choice(value, OUTCOMES, "outcome")


def _read(findings: pd.DataFrame, needed: tuple[str, ...]) -> pd.DataFrame:
    """The Findings columns the calculations use, normalised; an empty table for no rows."""
    if findings is None or len(findings) == 0:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in (
            ("ref", object), ("org", object), ("org_key", object), ("theme", object), ("theme_key", object),
            ("function", object), ("date", "datetime64[ns]"), ("decided", bool), ("upheld", bool),
            ("fed_back", bool))})
    missing = [c for c in needed if c not in findings.columns]
    if missing:
        raise InputError("FINDINGS", f"the Findings table has no column {', '.join(missing)}: "
                                     f"its headers are {', '.join((REF, ORG, FUNCTION, DATE, OUTCOME, THEME, FED_BACK))}")
    n = len(findings)
    blank = pd.Series([None] * n, index=findings.index, dtype=object)
    org, org_key = _text(findings[ORG]) if ORG in findings else (blank, blank)
    theme, theme_key = _text(findings[THEME]) if THEME in findings else (blank, blank)
    outcome = _parsed(findings, OUTCOME, _outcome)
    dates = findings[DATE]
    if not pd.api.types.is_datetime64_any_dtype(dates):
        dates = _parsed(findings, DATE, to_date)
    function = (_parsed(findings, FUNCTION, parse_function).fillna(DEFAULT_FUNCTION) if FUNCTION in findings
                else pd.Series([DEFAULT_FUNCTION] * n, index=findings.index, dtype=object))
    fed_back = (_parsed(findings, FED_BACK, parse_yes_no).eq(True) if FED_BACK in findings
                else pd.Series(False, index=findings.index))
    return pd.DataFrame({
        "ref": findings[REF] if REF in findings else blank, "org": org, "org_key": org_key, "theme": theme,
        "theme_key": theme_key, "function": function,
        "date": pd.to_datetime(dates).astype("datetime64[ns]").dt.normalize(),
        "decided": outcome.notna(), "upheld": (outcome == UPHELD).fillna(False).astype(bool),
        "fed_back": fed_back.astype(bool),
    })


def _bound(value) -> pd.Timestamp | None:
    """A date argument (as-of, start, end) as pandas compares it with the Decision date column."""
    d = day(value)
    return None if d is None else pd.Timestamp(d)


# --- recurrence ------------------------------------------------------------------------------


def recurrence(findings: pd.DataFrame, as_of, window_months=12, threshold=3, function=None) -> pd.DataFrame:
    """Upheld findings per (Organisation, Function, Theme) with Decision date in (as_of - window_months, as_of].

    One row per group with at least one such finding: organisation, function, theme, count, first
    and last decision date, the case refs (in date order), `recurrent` (count >= threshold),
    `fed_back` (the theme was fed back in a decision of that group up to as_of), `last_fed_back`
    (the latest such decision's date, NaT if none), `upheld_since` (findings upheld after it, up to
    as_of) and `suggest_recurred`: recurrent, fed back, and upheld since (appendix row 4, not row 2). The window is whole calendar months back from `as_of`, clipped at month
    ends (29/02 - 12 months = 28/02). `function` keeps only that function's findings.
    """
    f = _read(findings, (REF, ORG, DATE, OUTCOME, THEME))
    as_of = _bound(as_of)
    if as_of is None:
        raise InputError("DATE", "the as-of date is blank", as_of)
    months, threshold = parse_count(window_months), parse_count(threshold)
    named = (f.org_key != "") & (f.theme_key != "") & (f.date <= as_of)
    if function is not None:
        named &= f.function == parse_function(function)
    keep = named & f.upheld & (f.date > as_of - pd.DateOffset(months=months))
    groups = ["org_key", "function", "theme_key"]
    hits = f[keep].assign(ref_text=f.ref.astype(str)).sort_values(["date", "ref_text"], kind="stable")
    out = hits.groupby(groups, sort=True).agg(
        organisation=("org", "first"), theme=("theme", "first"), count=("ref", "size"),
        first=("date", "min"), last=("date", "max"), refs=("ref", list))
    told = f[named & f.fed_back].groupby(groups)["date"].max().rename("last_fed_back")
    out["fed_back"] = out.index.isin(told.index)
    out = out.join(told)
    upheld = f[named & f.upheld].merge(told.reset_index(), on=groups, how="inner")
    since = upheld[upheld["date"] > upheld["last_fed_back"]].groupby(groups).size()
    out["upheld_since"] = since.reindex(out.index, fill_value=0) if len(out) else since
    out = out.reset_index().reindex(columns=RECURRENCE_COLUMNS)
    out["count"] = out["count"].astype(int)
    out["recurrent"] = out["count"] >= max(threshold, 1)
    out["fed_back"] = out["fed_back"].astype(bool)
    out["last_fed_back"] = pd.to_datetime(out["last_fed_back"])
    out["upheld_since"] = out["upheld_since"].fillna(0).astype(int)
    out["suggest_recurred"] = out["recurrent"] & out["fed_back"] & (out["upheld_since"] > 0)
    return out


class Recurrence(NamedTuple):
    recurrent: bool
    count: int  # upheld in the window
    refs: list
    fed_back: bool
    last_fed_back: dt.date | None = None  # the latest decision that fed the theme back
    upheld_since: int = 0  # upheld after that decision, up to the as-of date

    @property
    def suggests_recurred(self) -> bool:
        """Appendix row 4: recurrent, "fed back as part of a previous decision", and "the issue remains
        unresolved" (a finding upheld since that decision). Feedback alone is row 2."""
        return self.recurrent and self.fed_back and self.upheld_since > 0

    def describe(self, months: int) -> str:
        """What a cell shows: the three facts, and whether they suggest Recurred = Y (row 4) or not (row 2)."""
        found = f"{plural(self.count, 'upheld finding')} in {months} months"
        if not self.recurrent:
            return f"{found}: not recurrent"
        if not self.fed_back:
            return f"{found}: recurrent, not yet fed back (Recurred = N)"
        told = f"last fed back {uk(self.last_fed_back)}" if self.last_fed_back else "fed back"
        if not self.upheld_since:
            return f"{found}: recurrent, {told}, none upheld since (Recurred = N)"
        return f"{found}: recurrent, {told}, {self.upheld_since} upheld since (Recurred = Y)"


def is_recurrent(findings: pd.DataFrame, organisation, theme, as_of, window_months=12, threshold=3,
                 function=None) -> Recurrence:
    """(recurrent, count, case refs, fed back, last fed back, upheld since) for one organisation and theme
    (in one function when given, else SWF's): the scalar form for a cell."""
    f = findings
    if f is not None and len(f) and ORG in f and THEME in f:
        f = f[(_text(f[ORG])[1] == norm(organisation)) & (_text(f[THEME])[1] == norm(theme))]
    rows = recurrence(f, as_of, window_months, threshold, function or DEFAULT_FUNCTION)
    if rows.empty:
        return Recurrence(False, 0, [], False)
    first = rows.iloc[0]
    told = first["last_fed_back"]
    return Recurrence(bool(first["recurrent"]), int(first["count"]), list(first["refs"]), bool(first["fed_back"]),
                      None if pd.isna(told) else told.date(), int(first["upheld_since"]))


# --- uphold rate funnel -----------------------------------------------------------------------


def binomial_limit(n, p, prob: float, interpolate: bool = False) -> np.ndarray:
    """The `prob` quantile of Binomial(n, p) as a proportion of n, vectorised over n (and p).

    Exact: r is the smallest count with P(X <= r) >= prob, the pmf summed in log space from
    log-factorials (no normal approximation); the work is O(len(n) * max(n)). The limit is r / n.
    With `interpolate`, Spiegelhalter's (r - a) / n, a = (P(X <= r) - prob) / (P(X <= r) - P(X <= r - 1)),
    which draws smooth funnel lines.
    """
    n = np.atleast_1d(np.asarray(n, dtype=np.int64))
    p = np.broadcast_to(np.asarray(p, dtype=float), n.shape)
    if n.size == 0:
        return np.zeros(0)
    r = np.arange(int(n.max()) + 1)
    log_fact = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, len(r))))])
    nn, pp = n[:, None], p[:, None]
    inside = r[None, :] <= nn
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_pmf = (log_fact[nn] - log_fact[r][None, :] - log_fact[np.where(inside, nn - r, 0)]
                   + _xlog(r[None, :], pp) + _xlog(nn - r[None, :], 1 - pp))
        cdf = np.cumsum(np.where(inside, np.exp(log_pmf), 0.0), axis=1)
    cdf = np.where(r[None, :] >= nn, 1.0, np.minimum(cdf, 1.0))
    q = np.argmax(cdf >= prob - 1e-12, axis=1)
    a = np.zeros(len(n))
    if interpolate:
        rows = np.arange(len(n))
        at, below = cdf[rows, q], np.where(q > 0, cdf[rows, q - 1], 0.0)
        step = at - below
        a = np.divide(at - prob, step, out=a, where=step > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        limit = np.clip((q - a) / n, 0.0, 1.0)
    degenerate = (p <= 0) | (p >= 1) | (n == 0)  # every count certain: the limit is the rate itself
    return np.where(degenerate, np.clip(p, 0, 1), limit)


def _xlog(x, y):
    """x * log(y), 0 where x is 0 (so p = 0 or 1 does not give 0 * -inf)."""
    return np.where(x == 0, 0.0, x * np.log(np.where(x == 0, 1.0, y)))


def _probability(value, what: str) -> float:
    try:
        x = float(str(value).strip().rstrip("%"))
    except ValueError:
        x = float("nan")
    x = x / 100 if x > 1 else x
    if not 0 < x < 1:
        raise InputError("SETTING", f"'{value}' is not a {what} limit between 0% and 100%", value)
    return x


def sector_map(organisations: pd.DataFrame | None) -> dict[str, str]:
    """Organisation (matching key) -> Sector, from the Organisations table; blank sectors left out."""
    if organisations is None or not len(organisations) or "Sector" not in organisations:
        return {}
    names, sectors = _text(organisations["Organisation"])[1], _text(organisations["Sector"])[0]
    return {k: v for k, v in zip(names, sectors) if k and v}


def funnel(findings: pd.DataFrame, start=None, end=None, inner=0.95, outer=0.998, sectors=None, min_decisions=10,
           interpolate=False) -> pd.DataFrame:
    """Each organisation's uphold rate against its own sector's within one function, with funnel-plot limits.

    Decisions are findings with an Outcome whose Decision date is in [start, end] (either end
    open when None; undated findings count only when neither is given). Organisations are grouped
    by Function and by sector (`sectors`: the Organisations table, or a mapping organisation ->
    sector; organisations without one form the group NO_SECTOR). n decisions, k upheld, rate k/n;
    group_n the group's decisions and p its pooled rate. Limits are two-sided exact binomial
    quantiles as proportions: inner (95%) and outer (99.8%), lower and upper. flag: 'abnormally
    high' above the outer upper limit (policy para 8), 'high' above the inner upper, 'low' below
    the inner lower, else 'within'; 'too few to judge' in a group with fewer than `min_decisions`
    decisions or a single organisation (there is no sector to compare with).

    Plain quantiles by default because the flag can prompt S&I action: a rate above r/n has a
    tail probability within the stated level. Spiegelhalter's interpolation (`interpolate=True`)
    puts any count equal to the quantile above the line, so with few decisions it flags
    too much: 4 upheld of 4 against a sector rate of 83% (chance 48%) would be "abnormally high".
    """
    inner, outer = _probability(inner, "inner"), _probability(outer, "outer")
    f = _read(findings, (ORG, DATE, OUTCOME))
    start, end = _bound(start), _bound(end)
    keep = f.decided & (f.org_key != "")
    if start is not None:
        keep &= f.date >= start
    if end is not None:
        keep &= f.date <= end
    f = f[keep]
    if f.empty:
        return pd.DataFrame({c: pd.Series(dtype=object if c in ("organisation", "function", "sector", "flag")
                                          else float) for c in FUNNEL_COLUMNS})
    lookup = sectors if isinstance(sectors, dict) else sector_map(sectors)
    lookup = {norm(k): v for k, v in lookup.items()}
    f = f.assign(sector=f.org_key.map(lookup).astype(object).fillna(NO_SECTOR))
    groups = ["function", "sector"]
    out = f.groupby(groups + ["org_key"], sort=True).agg(
        organisation=("org", "first"), n=("decided", "size"), k=("upheld", "sum")).reset_index()
    out["n"], out["k"] = out["n"].astype(int), out["k"].astype(int)
    out["rate"] = out["k"] / out["n"]
    pooled = out.groupby(groups)[["k", "n"]].transform("sum")
    out["group_n"], out["p"] = pooled["n"].astype(int), pooled["k"] / pooled["n"]
    for name, level in (("inner", inner), ("outer", outer)):
        out[f"{name}_lower"] = binomial_limit(out["n"], out["p"], (1 - level) / 2, interpolate)
        out[f"{name}_upper"] = binomial_limit(out["n"], out["p"], (1 + level) / 2, interpolate)
    alone = out.groupby(groups)["org_key"].transform("size") < 2
    small = alone | (out["group_n"] < parse_count(min_decisions))
    out["flag"] = np.select(
        [small, out["rate"] > out["outer_upper"], out["rate"] > out["inner_upper"], out["rate"] < out["inner_lower"]],
        [FLAGS[4], *FLAGS[:3]], FLAGS[3])
    return out[list(FUNNEL_COLUMNS)].reset_index(drop=True)


def funnel_curve(p: float, n_max: int, inner=0.95, outer=0.998, interpolate=False) -> pd.DataFrame:
    """The funnel's four limit lines for n = 1..n_max around sector rate p, for a chart."""
    n = np.arange(1, max(int(n_max), 1) + 1)
    inner, outer = _probability(inner, "inner"), _probability(outer, "outer")
    return pd.DataFrame({"n": n, **{f"{name}_{side}": binomial_limit(n, p, (1 + sign * level) / 2, interpolate)
                                    for name, level in (("inner", inner), ("outer", outer))
                                    for side, sign in (("lower", -1), ("upper", 1))}})

"""Recurrence windows and the uphold-rate funnel, checked against hand-computed binomial values."""

import datetime as dt
from math import comb

import numpy as np
import pandas as pd
import pytest

from spso_xl.errors import InputError
from spso_xl.policy.evidence import (FUNNEL_COLUMNS, NO_SECTOR, RECURRENCE_COLUMNS, Recurrence, binomial_limit, funnel,
                              funnel_curve, is_recurrent, recurrence)

D = dt.date
HEADERS = ["Case ref", "Organisation", "Function", "Decision date", "Outcome", "Theme", "Fed back"]


def findings(*rows):
    """Rows of (ref, organisation, decision date, outcome, theme[, function[, fed back]])."""
    return pd.DataFrame([(r[0], r[1], r[5] if len(r) > 5 else "SWF", r[2], r[3], r[4], r[6] if len(r) > 6 else None)
                         for r in rows], columns=HEADERS)


# --- recurrence -------------------------------------------------------------------------------

AS_OF = D(2026, 11, 30)


def test_window_is_open_at_the_start_and_closed_at_as_of():
    f = findings(
        ("R0", "Fife Council", D(2025, 11, 30), "Upheld", "Delay"),  # exactly 12 months before: out
        ("R1", "Fife Council", D(2025, 12, 1), "Upheld", "Delay"),  # first day in
        ("R2", "Fife Council", D(2026, 6, 1), "Not upheld", "Delay"),  # not upheld: not counted
        ("R3", "Fife Council", AS_OF, "Upheld", "Delay"),  # as-of day: in
        ("R4", "Fife Council", D(2026, 12, 1), "Upheld", "Delay"),  # after as-of: out
    )
    out = recurrence(f, AS_OF)
    assert list(out.columns) == list(RECURRENCE_COLUMNS)
    row = out.iloc[0]
    assert (row["count"], row["refs"], row["recurrent"]) == (2, ["R1", "R3"], False)
    assert (row["first"], row["last"]) == (pd.Timestamp(2025, 12, 1), pd.Timestamp(AS_OF))
    assert recurrence(f, AS_OF, threshold=2).iloc[0]["recurrent"]
    assert recurrence(f, AS_OF, window_months=6).iloc[0]["refs"] == ["R3"]
    assert recurrence(f, D(2026, 12, 1)).iloc[0]["refs"] == ["R3", "R4"]  # a day later R1 drops out, R4 comes in


@pytest.mark.parametrize("as_of, months, out_day, in_day", [
    (D(2028, 2, 29), 12, D(2027, 2, 28), D(2027, 3, 1)),  # leap day: back 12 months is 28/02
    (D(2026, 3, 31), 1, D(2026, 2, 28), D(2026, 3, 1)),  # month end clipped
    (D(2026, 1, 15), 24, D(2024, 1, 15), D(2024, 1, 16)),
])
def test_window_month_arithmetic(as_of, months, out_day, in_day):
    f = findings(("OUT", "Angus Council", out_day, "Upheld", "Signposting"),
                 ("IN", "Angus Council", in_day, "Upheld", "Signposting"))
    assert recurrence(f, as_of, window_months=months).iloc[0]["refs"] == ["IN"]


def test_matching_is_tolerant_and_grouped_per_organisation_and_theme():
    f = findings(
        ("A1", "Fife Council", "15/01/2026", "upheld", "Delay"),
        ("A2", " fife  COUNCIL ", 46100, " UPHELD ", "delay "),  # Excel serial 46100 = 17/03/2026
        ("A3", "Fife Council", pd.Timestamp("2026-05-01"), "Upheld", "DELAY"),
        ("A4", "Fife Council", "2026-05-02", "Upheld", "Communication"),
        ("B1", "Angus Council", "01/02/2026", "Upheld", "Delay", "Complaints"),
        ("B2", "Angus Council", None, "Upheld", "Delay"),  # undated: cannot be in a window
        ("B3", "", "01/02/2026", "Upheld", "Delay"),  # no organisation: not grouped
    )
    out = recurrence(f, AS_OF)
    assert [tuple(r) for r in out[["organisation", "function", "theme", "count", "recurrent"]].itertuples(
        index=False)] == [("Angus Council", "Complaints", "Delay", 1, False),
                          ("Fife Council", "SWF", "Communication", 1, False), ("Fife Council", "SWF", "Delay", 3, True)]
    assert out.iloc[2]["refs"] == ["A1", "A2", "A3"]
    assert recurrence(f, AS_OF, function="complaints")["organisation"].tolist() == ["Angus Council"]
    assert is_recurrent(f, "FIFE council", " delay", AS_OF, 12, 3) == Recurrence(True, 3, ["A1", "A2", "A3"], False)
    assert is_recurrent(f, "Fife Council", "Delay", AS_OF, 12, 4) == Recurrence(False, 3, ["A1", "A2", "A3"], False)
    assert is_recurrent(f, "Moray Council", "Delay", AS_OF, 12, 3) == Recurrence(False, 0, [], False)
    assert is_recurrent(f, "Angus Council", "Delay", AS_OF, 12, 1).count == 0  # SWF unless the function is given
    assert is_recurrent(f, "Angus Council", "Delay", AS_OF, 12, 1, "Complaints").recurrent


def test_datetime_column_and_empty_tables():
    f = findings(("A1", "Fife Council", D(2026, 1, 15), "Upheld", "Delay"))
    f["Decision date"] = pd.to_datetime(f["Decision date"])
    assert recurrence(f, AS_OF).iloc[0]["count"] == 1
    for empty in (pd.DataFrame(), pd.DataFrame(columns=HEADERS), None,
                  findings(("N1", "Fife Council", D(2026, 1, 15), "Not upheld", "Delay"))):
        out = recurrence(empty, AS_OF)
        assert out.empty and list(out.columns) == list(RECURRENCE_COLUMNS)
    assert is_recurrent(pd.DataFrame(), "Fife Council", "Delay", AS_OF, 12, 3) == Recurrence(False, 0, [], False)


@pytest.mark.parametrize("bad, code, words", [
    (("X9", "Fife Council", "01/02/2026", "Partly upheld", "Delay"), "OUTCOME", ["X9", "'Partly upheld'", "Upheld"]),
    (("X8", "Fife Council", "31/02/2026", "Upheld", "Delay"), "DATE", ["X8", "31/02/2026"]),
    (("X7", "Fife Council", "01/02/2026", "Upheld", "Delay", "Housing"), "FUNCTION", ["X7", "'Housing'"]),
])
def test_bad_findings_name_the_case(bad, code, words):
    f = findings(("A1", "Fife Council", "15/01/2026", "Upheld", "Delay"), bad)
    for call in (lambda: recurrence(f, AS_OF), lambda: funnel(f)):
        with pytest.raises(InputError) as e:
            call()
        assert e.value.code == code and all(w in str(e.value) for w in words), str(e.value)


def test_missing_columns_are_named():
    with pytest.raises(InputError, match="no column Theme"):
        recurrence(findings(("A1", "Fife Council", "15/01/2026", "Upheld", "Delay")).drop(columns="Theme"), AS_OF)


# --- binomial limits, against an independent implementation --------------------------------------

def cdf(r, n, p):
    return sum(comb(n, i) * p ** i * (1 - p) ** (n - i) for i in range(r + 1)) if r >= 0 else 0.0


def hand_limit(n, p, prob, interpolate):
    r = 0
    while cdf(r, n, p) < prob:
        r += 1
    if not interpolate:
        return r / n
    a = (cdf(r, n, p) - prob) / (cdf(r, n, p) - cdf(r - 1, n, p))
    return max((r - a) / n, 0.0)


PAIRS = [(1, 0.5), (7, 0.9), (10, 0.3), (25, 0.45), (50, 0.05), (200, 0.41), (333, 0.123)]
PROBS = [0.001, 0.025, 0.5, 0.975, 0.999]


@pytest.mark.parametrize("interpolate", [False, True])
def test_limits_match_hand_computed_binomial_quantiles(interpolate):
    ns, ps = np.array([n for n, _ in PAIRS]), np.array([p for _, p in PAIRS])
    for prob in PROBS:
        got = binomial_limit(ns, ps, prob, interpolate)
        want = [hand_limit(n, p, prob, interpolate) for n, p in PAIRS]
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-9, err_msg=f"prob {prob}")


def test_known_values_and_degenerate_rates():
    # Binomial(10, 0.3): P(X<=5) = 0.9527 >= 0.95 > P(X<=4) = 0.8497, so the 95% quantile is 5
    assert binomial_limit(10, 0.3, 0.95)[0] == 0.5
    assert binomial_limit(10, 0.3, 0.95, interpolate=True)[0] == pytest.approx(5 / 10 - (0.95265 - 0.95) / 0.10292 / 10,
                                                                                abs=1e-4)
    assert list(binomial_limit([5, 5], [0.0, 1.0], 0.999)) == [0.0, 1.0]
    assert list(binomial_limit([5, 5], [0.0, 1.0], 0.001, interpolate=True)) == [0.0, 1.0]
    assert binomial_limit([], 0.3, 0.95).size == 0


# --- funnel --------------------------------------------------------------------------------------

ORGS = {"A": (200, 120), "B": (200, 80), "C": (200, 50), "D": (100, 55), "E": (300, 120), "F": (5, 3)}
EXPECTED = {"A": "abnormally high", "B": "within", "C": "low", "D": "high", "E": "within", "F": "within"}


def decisions(orgs, day=D(2026, 5, 1), function="SWF"):
    rows = []
    for org, (n, k) in orgs.items():
        rows += [(f"{org}{i}", f"{org} Council", day, "Upheld" if i < k else "Not upheld", "Theme", function)
                 for i in range(n)]
    return findings(*rows)


def tail_flag(n, k, p):
    """The flag from tail probabilities: above the upper limit iff P(X >= k) <= (1 - level) / 2."""
    high = lambda level: k > 0 and cdf(k - 1, n, p) >= (1 + level) / 2  # noqa: E731
    low = lambda level: cdf(k, n, p) < (1 - level) / 2  # noqa: E731
    return "abnormally high" if high(0.998) else "high" if high(0.95) else "low" if low(0.95) else "within"


def test_funnel_rates_limits_and_flags():
    out = funnel(decisions(ORGS))
    assert list(out.columns) == list(FUNNEL_COLUMNS)
    p = sum(k for _, k in ORGS.values()) / sum(n for n, _ in ORGS.values())
    for row in out.itertuples(index=False):
        n, k = ORGS[row.organisation[0]]
        assert (row.n, row.k, row.rate) == (n, k, k / n) and row.p == pytest.approx(p)
        for col, prob in (("inner_lower", 0.025), ("inner_upper", 0.975), ("outer_lower", 0.001),
                          ("outer_upper", 0.999)):
            assert getattr(row, col) == pytest.approx(hand_limit(n, p, prob, False), abs=1e-12), (row, col)
        assert row.flag == EXPECTED[row.organisation[0]] == tail_flag(n, k, p)


def test_interpolated_limits_flag_small_counts_at_the_quantile():
    f = decisions({"Fife": (4, 4), "Angus": (2, 1)})  # sector rate 5/6
    plain, smooth = funnel(f, min_decisions=0), funnel(f, min_decisions=0, interpolate=True)
    assert plain["flag"].tolist() == ["within", "within"]
    assert smooth.loc[smooth.organisation == "Fife Council", "flag"].item() == "abnormally high"
    assert smooth["outer_upper"].tolist() == pytest.approx([hand_limit(n, 5 / 6, 0.999, True) for n in (2, 4)])


def test_funnel_period_and_functions():
    f = pd.concat([decisions({"A": (10, 9), "B": (10, 1)}, D(2026, 4, 1)),
                   decisions({"A": (10, 1)}, D(2026, 7, 1)),
                   decisions({"A": (20, 2), "B": (20, 18)}, D(2026, 4, 2), function="Complaints")])
    q1 = funnel(f, start="01/04/2026", end=D(2026, 6, 30))
    assert q1[["function", "organisation", "n", "k"]].values.tolist() == [
        ["Complaints", "A Council", 20, 2], ["Complaints", "B Council", 20, 18],
        ["SWF", "A Council", 10, 9], ["SWF", "B Council", 10, 1]]
    both = funnel(f, start=D(2026, 4, 1), end=D(2026, 4, 1), inner="95%", outer=99.8)  # both ends inclusive
    assert both["n"].tolist() == [10, 10] and both["p"].tolist() == [0.5, 0.5]
    per = funnel(f)  # SWF reviews are compared with SWF reviews, complaints with complaints
    assert per[["function", "organisation", "n", "k", "group_n"]].values.tolist() == [
        ["Complaints", "A Council", 20, 2, 40], ["Complaints", "B Council", 20, 18, 40],
        ["SWF", "A Council", 20, 10, 30], ["SWF", "B Council", 10, 1, 30]]
    assert per["p"].tolist() == pytest.approx([0.5, 0.5, 11 / 30, 11 / 30])
    assert set(per["sector"]) == {NO_SECTOR}


def test_funnel_compares_each_organisation_with_its_own_sector():
    """Policy para 8: "an abnormally high proportion of complaints to SPSO are upheld, compared to the sector"."""
    councils = {f"Council {i}": (100, 20) for i in range(6)}
    boards = {"NHS A": (100, 60), "NHS B": (100, 65), "NHS C": (100, 62), "NHS D": (100, 58)}
    f = decisions(councils | boards, function="Complaints")
    f["Organisation"] = f["Organisation"].str.replace(" Council$", "", regex=True)
    pooled = funnel(f)
    assert (pooled.loc[pooled.organisation.str.startswith("NHS"), "flag"] == "abnormally high").all()
    orgs = pd.DataFrame({"Organisation": list(councils) + list(boards),
                         "Sector": ["Local government"] * 6 + ["  NHS  boards"] * 4})
    own = funnel(f, sectors=orgs)
    assert set(own.loc[own.organisation.str.startswith("NHS"), "flag"]) == {"within"}
    assert set(own["sector"]) == {"Local government", "NHS boards"}
    assert own.loc[own.sector == "NHS boards", "p"].iloc[0] == pytest.approx(245 / 400)
    assert funnel(f, sectors={"nhs a": "NHS boards"}).set_index("organisation").loc["NHS A", "flag"] == \
        "too few to judge"  # alone in its sector: nothing to compare it with


def test_funnel_groups_too_small_to_judge_say_so():
    f = decisions({"A": (4, 4), "B": (4, 0)})
    assert set(funnel(f)["flag"]) == {"too few to judge"}  # 8 decisions < 10
    assert set(funnel(f, min_decisions=8)["flag"]) != {"too few to judge"}
    assert funnel(f, min_decisions=0)["group_n"].tolist() == [8, 8]


def test_recurrence_per_function_and_whether_it_was_fed_back():
    """Appendix row 2 (level 1): "Our casework data shows a recurrent issue in our findings about your
    organisation." Row 4 (level 2): "... and this has been fed back as part of a previous decision." """
    f = findings(
        ("S1", "Fife Council", D(2026, 3, 1), "Upheld", "Delay", "SWF", "N"),
        ("S2", "Fife Council", D(2026, 5, 1), "Upheld", "Delay", "SWF", "Y"),
        ("S3", "Fife Council", D(2026, 9, 1), "Upheld", "Delay", "SWF", None),
        ("C1", "Fife Council", D(2026, 4, 1), "Upheld", "Delay", "Complaints", "N"),
        ("C2", "Fife Council", D(2026, 6, 1), "Upheld", "Delay", "Complaints", "no"),
        ("C3", "Fife Council", D(2026, 8, 1), "Not upheld", "Delay", "Complaints", "Y"),
        ("C4", "Fife Council", D(2026, 10, 1), "Upheld", "Delay", "Complaints", None),
    )
    out = recurrence(f, AS_OF).set_index("function")
    assert out.loc["SWF", "count"] == 3 and out.loc["SWF", "fed_back"] and out.loc["SWF", "recurrent"]
    assert out.loc["Complaints", "count"] == 3 and out.loc["Complaints", "fed_back"]  # fed back in C3's decision
    assert not recurrence(f.drop(index=5), AS_OF).set_index("function").loc["Complaints", "fed_back"]
    r = is_recurrent(f, "Fife Council", "Delay", AS_OF, 12, 3, "SWF")
    assert r == Recurrence(True, 3, ["S1", "S2", "S3"], True, D(2026, 5, 1), 1)  # S3 upheld after S2 fed it back
    assert r.suggests_recurred
    assert r.describe(12) == ("3 upheld findings in 12 months: recurrent, last fed back 01/05/2026, 1 upheld since "
                              "(Recurred = Y)")
    assert is_recurrent(f, "Fife Council", "Delay", D(2026, 4, 30), 12, 1, "SWF").describe(12) == (
        "1 upheld finding in 12 months: recurrent, not yet fed back (Recurred = N)")
    assert is_recurrent(f, "Fife Council", "Delay", AS_OF, 12, 4).describe(6) == (
        "3 upheld findings in 6 months: not recurrent")
    with pytest.raises(InputError, match="S9"):
        recurrence(findings(("S9", "Fife Council", D(2026, 3, 1), "Upheld", "Delay", "SWF", "maybe")), AS_OF)


def test_funnel_curve_matches_the_limits():
    curve = funnel_curve(0.3, 40)
    assert list(curve.columns) == ["n", "inner_lower", "inner_upper", "outer_lower", "outer_upper"]
    assert curve["inner_upper"].iloc[9] == hand_limit(10, 0.3, 0.975, False)
    assert (curve["outer_upper"] >= curve["inner_upper"]).all() and (curve["outer_lower"] <= curve["inner_lower"]).all()


def test_row4_needs_a_finding_upheld_after_the_feedback():
    """Appendix row 4: "Our casework data shows a recurrent issue ... and this has been fed back as part of a previous
    decision. Our previous correspondence has not been responded to or the issue remains unresolved." Feedback in the
    very decision that made the theme recurrent is row 2 (level 1): nothing yet shows it unresolved."""
    three = [("R1", D(2026, 2, 1), "N"), ("R2", D(2026, 5, 1), "N"), ("R3", D(2026, 8, 1), "Y")]
    f = findings(*[(ref, "Fife Council", d, "Upheld", "Delay", "SWF", fb) for ref, d, fb in three])
    r = is_recurrent(f, "Fife Council", "Delay", AS_OF, 12, 3, "SWF")
    assert (r.recurrent, r.fed_back, r.last_fed_back, r.upheld_since) == (True, True, D(2026, 8, 1), 0)
    assert not r.suggests_recurred
    assert r.describe(12) == ("3 upheld findings in 12 months: recurrent, last fed back 01/08/2026, none upheld since "
                              "(Recurred = N)")
    later = findings(*[(ref, "Fife Council", d, "Upheld", "Delay", "SWF", fb) for ref, d, fb in three],
                     ("R4", "Fife Council", D(2026, 10, 1), "Upheld", "Delay", "SWF", None),
                     ("R5", "Fife Council", D(2026, 10, 2), "Not upheld", "Delay", "SWF", None))
    r = is_recurrent(later, "Fife Council", "Delay", AS_OF, 12, 3, "SWF")
    assert (r.count, r.upheld_since, r.suggests_recurred) == (4, 1, True)  # R5 was not upheld: not counted
    before = is_recurrent(later, "Fife Council", "Delay", D(2026, 9, 30), 12, 3, "SWF")  # R4 not yet decided
    assert not before.suggests_recurred and before.upheld_since == 0
    table = recurrence(later, AS_OF)
    assert list(table.columns) == list(RECURRENCE_COLUMNS)
    assert table.iloc[0][["last_fed_back", "upheld_since", "suggest_recurred"]].tolist() == [
        pd.Timestamp(2026, 8, 1), 1, True]
    assert not is_recurrent(later, "Fife Council", "Delay", AS_OF, 12, 5, "SWF").suggests_recurred  # not recurrent


def test_row4_the_latest_feedback_counts_and_other_themes_do_not():
    """Fed back twice: the issue is unresolved only if upheld after the latest feedback; another theme's or another
    function's findings never count."""
    f = findings(("A1", "Fife Council", D(2026, 1, 5), "Upheld", "Delay", "SWF", "Y"),
                 ("A2", "Fife Council", D(2026, 3, 5), "Upheld", "Delay", "SWF", None),
                 ("A3", "Fife Council", D(2026, 6, 5), "Upheld", "Delay", "SWF", "Y"),
                 ("B1", "Fife Council", D(2026, 9, 5), "Upheld", "Signposting", "SWF", None),
                 ("C1", "Fife Council", D(2026, 9, 5), "Upheld", "Delay", "Complaints", None))
    r = is_recurrent(f, "Fife Council", "Delay", AS_OF, 12, 3, "SWF")
    assert (r.last_fed_back, r.upheld_since, r.suggests_recurred) == (D(2026, 6, 5), 0, False)
    assert is_recurrent(f, "Fife Council", "Delay", D(2026, 5, 1), 12, 2, "SWF").suggests_recurred  # A2 after A1


def test_the_evidence_and_the_rules_tell_one_story():
    """What SI_RECURRENCE suggests for Recurred is what the rules need for row 4 (level 2); feedback alone leaves a
    new recurrent issue at row 2 (level 1). Appendix row 2: "Our casework data shows a recurrent issue in our findings
    about your organisation." Row 4 adds: "Our previous correspondence has not been responded to or the issue remains
    unresolved." """
    from spso_xl.policy.rules import recommend_cells

    rows = [("R1", D(2026, 2, 1), "N"), ("R2", D(2026, 5, 1), "N"), ("R3", D(2026, 8, 1), "Y")]
    fed_last = findings(*[(ref, "Fife Council", d, "Upheld", "Delay", "SWF", fb) for ref, d, fb in rows])
    upheld_since = findings(*[(ref, "Fife Council", d, "Upheld", "Delay", "SWF", fb) for ref, d, fb in rows],
                            ("R4", "Fife Council", D(2026, 10, 1), "Upheld", "Delay", "SWF", None))
    for f, level, row in ((fed_last, 1, "appendix row 2"), (upheld_since, 2, "appendix row 4")):
        r = is_recurrent(f, "Fife Council", "Delay", AS_OF, 12, 3, "SWF")
        rec = recommend_cells(None, "Recurrent issue", None, 0, None, "Y" if r.suggests_recurred else "N", "N", "N",
                              "N", "SWF")
        assert (rec.level, row in rec.reason) == (level, True), (r, rec)
        assert ("(Recurred = Y)" in r.describe(12)) == r.suggests_recurred

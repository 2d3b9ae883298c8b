"""Properties of the recommendation over every input combination, junk included."""

import datetime as dt
import re

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from spso_xl.policy.deadlines import Status
from spso_xl.errors import InputError
from spso_xl.policy.tables import FUNCTIONS, TRIGGERS, scale_for
from spso_xl.policy.recommend import recommend_frame
from spso_xl.policy.rules import case_from_cells, entry_level, is_serious, recommend, recommend_cells


def spellings(words):
    """Each word as people type it: any case, stray spaces."""
    return st.sampled_from(list(words)).flatmap(lambda w: st.sampled_from(
        [w, w.upper(), w.lower(), f"  {w} ", w.title(), " ".join(w.split()).replace(" ", "  ")]))


BLANK = st.sampled_from([None, "", "  ", float("nan")])
LEVEL = st.one_of(BLANK, st.integers(0, 6), st.integers(0, 6).map(float),
                  st.integers(1, 6).flatmap(lambda n: st.sampled_from([f"L{n}", f"l{n}", f" Level {n} ", f"level{n}",
                                                                       str(n), f"{n}.0", f"LVL {n}"])))
TRIGGER = spellings(TRIGGERS)
STATUS = st.one_of(BLANK, st.sampled_from(list(Status)), spellings([s.value for s in Status]))
CHASERS = st.one_of(BLANK, st.integers(0, 5), st.integers(0, 5).map(float), st.integers(0, 5).map(str))
YES_NO = st.one_of(BLANK, st.booleans(), st.sampled_from([0, 1, 0.0, 1.0]),
                   spellings(["Y", "N", "Yes", "No", "TRUE", "FALSE", "1", "0"]))
FUNCTION = st.one_of(BLANK, spellings(FUNCTIONS))
DUE = st.one_of(BLANK, st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)),
                st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)).map(lambda d: d.strftime("%d/%m/%Y")))

JUNK = st.one_of(st.text(max_size=12), st.integers(-5, 20), st.floats(allow_nan=False, allow_infinity=True),
                 st.booleans())
CELLS = ("level", "trigger", "status", "chasers", "resolved", "recurred", "significant", "refused", "mitigating",
         "function", "due", "last_chased", "closed")
VALID = dict(level=LEVEL, trigger=TRIGGER, status=STATUS, chasers=CHASERS, resolved=YES_NO, recurred=YES_NO,
             significant=YES_NO, refused=YES_NO, mitigating=YES_NO, function=FUNCTION, due=DUE, last_chased=DUE,
             closed=DUE)
AS_OF = dt.date(2025, 6, 2)  # inside the range of DUE, so chaser windows both pending and passed


def valid_row():
    return st.fixed_dictionaries(VALID).filter(lambda r: _level_fits(r["level"], r["function"]))


def _level_fits(level, function):
    """A valid level on the SWF scale may be off the top of the policy scale: that one is junk."""
    try:
        case_from_cells(level, "Poor response", None, 0, None, 0, 0, 0, 0, function)
        return True
    except InputError:
        return False


def any_row():
    return st.fixed_dictionaries({k: st.one_of(v, JUNK) for k, v in VALID.items()})


VERBS = re.compile(r"^(Start at level (\d)|Stay at level (\d)|Escalate to level (\d)|Chase|Take no S&I action): \S")
CITED = re.compile(r"\((?:policy paras? |appendix row |leaflet §3)[^()]*(\([^()]*\)[^()]*)*\)$")
UNCITED = {"closed", "awaiting"}  # a closed case, and what date to record, rest on no passage of the texts


def check_recommendation(cells, r):
    case = case_from_cells(**cells, as_of=AS_OF)
    scale = scale_for(case.function)
    current = case.level or None
    entry = entry_level(case)
    if case.trigger == "Advice requested":
        assert r.level == 0
    elif r.rule == "closed":
        assert r.level == (current or 0)
    else:
        assert (0 if r.rule == "new-issue" else 1) <= r.level <= scale.top
        if current is None:
            assert r.level in (entry, 1, 0)  # 1: mitigating factors; 0: policy footnote 3
        else:
            assert current <= r.level <= max(current + 1, entry)  # never down; one up, or to the entry level
    assert r.contact and r.reason and r.rule
    m = VERBS.match(r.reason)
    assert m, r.reason
    named = next((g for g in m.groups()[1:] if g), None)
    assert named is None or int(named) == r.level, r.reason
    assert CITED.search(r.reason) or r.rule in UNCITED, r.reason
    assert r.reason.count(". ") == 0 and not re.search("[\x00-\x1f]", r.reason), r.reason  # one sentence
    if scale.name == "policy":  # nothing on the policy scale exceeds 5, names level 6 or cites the SWF leaflet
        assert r.level <= 5 and "level 6" not in r.reason and "appendix" not in r.reason, r.reason
        assert "leaflet" not in r.reason and r.contact != "Case Reviewer", r.reason


@settings(max_examples=1500, deadline=None)
@given(valid_row())
def test_valid_vocabularies_never_raise(cells):
    check_recommendation(cells, recommend_cells(**cells, as_of=AS_OF))


@settings(max_examples=1500, deadline=None)
@given(any_row())
def test_junk_is_only_ever_an_input_error(cells):
    try:
        r = recommend_cells(**cells, as_of=AS_OF)
    except InputError as e:
        assert e.cell_text().startswith(f"#{e.code}? ") and len(str(e)) > 10
        return
    check_recommendation(cells, r)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(any_row(), min_size=0, max_size=40))
def test_batched_path_equals_row_by_row(rows):
    df = pd.DataFrame(rows, columns=CELLS, dtype=object)
    out = recommend_frame(df, AS_OF)
    for i, cells in enumerate(rows):
        try:
            r = recommend_cells(**cells, as_of=AS_OF)
            expected = (r.level, r.contact, r.reason, None)
        except InputError as e:
            expected = (None, None, None, e.cell_text())
        got = tuple(None if pd.isna(v) else v for v in
                    out[["recommended_level", "contact_from", "reason", "error"]].astype(object).iloc[i])
        assert got == expected, (cells, got, expected)


@pytest.mark.parametrize("level", ["l3", " Level 3 ", 3.0, 3, "3", "L3", "level3", "3.0"])
@pytest.mark.parametrize("yes", ["yes", "TRUE", 1, True, "Y", " y ", 1.0])
def test_tolerant_spellings_give_the_same_answer(level, yes):
    base = recommend_cells(3, "Poor response", "OVERDUE", 0, None, "N", "N", "Y", "N", "SWF")
    assert recommend_cells(level, " poor RESPONSE ", "overdue", None, "", "no", 0, yes, False, " swf ") == base
    assert recommend_cells(4, "Refusal to comply", "Overdue", 0, None, 0, "n", yes, "N") == recommend_cells(
        4, "Refusal to comply", "OVERDUE", 0, None, "N", "N", "Y", "N")


@pytest.mark.parametrize("status", ["overdue", "Overdue", " OVERDUE ", Status.OVERDUE])
def test_status_spellings(status):
    assert recommend(case_from_cells(2, "Poor response", status, 0, None, 0, 0, 0, 0)).level == 3


# --- the organisation's time, mitigating factors, the policy scale (issue 14) -----------------------------

WAITING = ("ON TRACK", "DUE SOON", "DUE TODAY")


def _case(cells, **fixed):
    cells = cells | fixed
    assume(_level_fits(cells["level"], cells["function"]))
    return recommend(case_from_cells(**cells, as_of=AS_OF)), case_from_cells(**cells, as_of=AS_OF)


@settings(max_examples=800, deadline=None)
@given(st.fixed_dictionaries(VALID), st.integers(1, 6), st.sampled_from(WAITING))
def test_while_the_organisation_has_time_nothing_rises(cells, level, status):
    """Leaflet §3: "Your organisation will have a reasonable opportunity to respond to the concerns raised (at
    least ten working days ...)"; policy para 7.5: "given a fair opportunity to resolve these themselves"."""
    r, case = _case(cells, level=level, status=status, closed=None)
    if case.trigger != "Advice requested":
        assert r.level == case.level, r


@settings(max_examples=800, deadline=None)
@given(st.fixed_dictionaries(VALID))
def test_mitigating_factors_hold_for_one_further_window_except_for_a_serious_failure(cells):
    """Policy para 10: "In determining whether to escalate an issue, SPSO will have regard to ... any mitigating
    factors"; para 12: level 4 or 5 "will not be taken as a first step unless there is a serious failure".
    Having regard is not a permanent block: once the further window has passed, the reason says they were weighed."""
    r, case = _case(cells, mitigating="Y")
    if is_serious(case) and r.level == entry_level(case) > (case.level or 1):
        assert "mitigating factors are to be weighed before acting" in r.reason, r  # they never hold the entry level
    elif r.level > (case.level or 1):
        assert not case.hold_pending and "mitigating factors were weighed" in r.reason, r
    elif r.rule == "mitigating":
        assert case.hold_pending and "to be weighed first" in r.reason, r


REQUEST_TRIGGERS = ("Information overdue", "No response after two requests")


@settings(max_examples=800, deadline=None)
@given(st.fixed_dictionaries(VALID | {"trigger": spellings(REQUEST_TRIGGERS), "chasers": st.integers(0, 4)}),
       st.dates(dt.date(2025, 4, 1), dt.date(2025, 7, 31)))
def test_two_requests_to_comply_never_three(cells, last_chased):
    """Appendix row 1: "We will contact you immediately to chase up the information needed."; row 3: "does not
    respond to an enquiry by the deadline we gave and fails to respond to two requests to comply." The level 1
    request is the first request, so the tool asks for one chaser, never a second, before level 2."""
    r, case = _case(cells, level=1, status="OVERDUE", closed=None, resolved=None, last_chased=last_chased)
    if r.rule == "chase" and case.chaser_pending:
        assert r.level == 1 and r.reason.startswith("Stay at level 1"), r  # waiting on a request already sent
    elif case.chasers == 0:
        assert r.reason.startswith("Chase: ") and "second request" in r.reason, r
    else:  # two requests have gone unanswered: no further chase, level 2 or the mitigating factors' one window
        assert not r.reason.startswith("Chase"), r
        assert r.level >= 2 or (r.rule == "mitigating" and case.hold_pending), r


@settings(max_examples=800, deadline=None)
@given(st.fixed_dictionaries(VALID), st.integers(1, 6), st.dates(dt.date(2025, 5, 26), dt.date(2025, 6, 9)))
def test_nothing_rises_inside_a_chasers_window(cells, level, last_chased):
    """Leaflet §3: "a reasonable opportunity to respond"; policy para 7.5: "a fair opportunity to resolve these
    themselves": a chaser's window is the organisation's time too, whatever is flagged."""
    r, case = _case(cells, level=level, status="OVERDUE", closed=None, last_chased=last_chased)
    if case.trigger != "Advice requested" and case.chaser_pending:
        assert r.level == case.level, r


@settings(max_examples=800, deadline=None)
@given(st.fixed_dictionaries(VALID | {"function": spellings(["Complaints", "INWO"]),
                                      "level": st.one_of(BLANK, st.integers(0, 5))}))
def test_nothing_on_the_policy_scale_exceeds_5_or_names_level_6(cells):
    r, case = _case(cells)
    assert r.level <= 5 and "level 6" not in r.reason.lower() and "appendix" not in r.reason
    assert "leaflet" not in r.reason and "Case Reviewer" not in (r.contact, r.reason)

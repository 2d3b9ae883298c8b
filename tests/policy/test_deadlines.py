import datetime as dt

import numpy as np
import pytest
from hypothesis import given, strategies as st

from spso_xl.policy.deadlines import Status, days_overdue, due_date, status, status_array, urgent_note
from spso_xl.policy.settings import settings_from_rows

D = dt.date
FRI = D(2026, 11, 20)  # ten working days later is Mon 07/12/2026 (St Andrew's Day 30/11 skipped)


@pytest.mark.parametrize("level, function, expected", [
    (1, "SWF", D(2026, 12, 7)), (2, "SWF", D(2026, 12, 7)), (4, "SWF", D(2026, 12, 7)),
    (5, "SWF", None), (6, "SWF", None),
    (3, "Complaints", D(2026, 12, 7)), (4, "Complaints", None), (5, "INWO", None),
    (None, "SWF", D(2026, 12, 7)), (0, "SWF", None),
])
def test_due_by_level_and_scale(level, function, expected):
    assert due_date(FRI, level, function=function) == expected


def test_urgent_respond_by_and_settings():
    assert due_date(FRI, 4, urgent=True) == D(2026, 11, 24)
    assert due_date(FRI, 2, respond_by=D(2027, 1, 8)) == D(2027, 1, 8)
    assert due_date(FRI, 6, respond_by=D(2027, 1, 8)) == D(2027, 1, 8)
    assert due_date(None, 2) is None
    s = settings_from_rows([("Response working days", 15), ("Level 1 response working days", "5")])
    assert due_date(FRI, 2, settings=s) == D(2026, 12, 14)
    assert due_date(FRI, 1, settings=s) == D(2026, 11, 27)


DUE = D(2026, 12, 7)  # a Monday


@pytest.mark.parametrize("kwargs, expected", [
    (dict(closed=D(2026, 12, 1)), Status.CLOSED),
    (dict(received=D(2026, 12, 7)), Status.RESPONDED),
    (dict(received=D(2026, 12, 8)), Status.RESPONDED_LATE),
    (dict(as_of=D(2026, 12, 8)), Status.OVERDUE),
    (dict(as_of=D(2026, 12, 7)), Status.DUE_TODAY),
    (dict(as_of=D(2026, 12, 3)), Status.DUE_SOON),  # Fri 4th and Mon 7th left
    (dict(as_of=D(2026, 12, 5)), Status.DUE_SOON),  # a Saturday: one working day left
    (dict(as_of=D(2026, 12, 2)), Status.ON_TRACK),  # three left
])
def test_status(kwargs, expected):
    assert status(DUE, **kwargs) == expected


def test_no_deadline_and_days_overdue():
    assert status(None, as_of=DUE) == Status.NO_DEADLINE
    assert days_overdue(DUE, as_of=D(2026, 12, 14)) == 5
    assert days_overdue(DUE, received=D(2026, 12, 9), as_of=D(2027, 1, 5)) == 2
    assert days_overdue(DUE, received=D(2026, 12, 1), as_of=D(2027, 1, 5)) == 0
    assert days_overdue(None, as_of=D(2027, 1, 5)) == 0


dates = st.one_of(st.none(), st.dates(min_value=D(2025, 1, 1), max_value=D(2027, 12, 31)))


@given(st.lists(st.tuples(dates, dates, dates), min_size=1, max_size=40), st.dates(D(2025, 1, 1), D(2027, 12, 31)))
def test_status_array_agrees_with_scalar(rows, as_of):
    cols = [np.array([np.datetime64(r[i]) if r[i] else np.datetime64("NaT") for r in rows], dtype="datetime64[D]")
            for i in range(3)]
    got = status_array(*cols, as_of=as_of)
    assert list(got) == [str(status(d, rcv, as_of, cl)) for d, rcv, cl in rows]


def test_a_scale_has_no_level_outside_it():
    from spso_xl.policy.tables import POLICY_SCALE, SWF_SCALE

    assert SWF_SCALE.level(6).contact_from == "Ombudsman"
    for scale, n in ((SWF_SCALE, 0), (SWF_SCALE, 7), (POLICY_SCALE, 6), (POLICY_SCALE, -1)):
        with pytest.raises(IndexError, match="not on the"):
            scale.level(n)  # not Python's count from the end: level 0 is not the top level


URGENT, TEN = D(2026, 11, 24), D(2026, 12, 7)  # FRI + 2 and + 10 working days


@pytest.mark.parametrize("function, level, urgent, trigger, expected", [
    # SWF levels 2-3, leaflet §3: "at least ten working days unless the issue concerns non-payment of an award which
    # is time sensitive": only non-payment shortens it, and Urgent = Y on anything else does not
    ("SWF", 2, None, "Non-payment of award", URGENT), ("SWF", 3, True, "Non-payment of award", URGENT),
    ("SWF", 2, False, "Non-payment of award", TEN), ("SWF", 2, True, "Poor response", TEN),
    ("SWF", 3, True, "Risk of harm", TEN), ("SWF", 3, None, None, TEN), ("SWF", 2, True, None, TEN),
    # SWF level 4: "This is usually ten working days unless the issue is an urgent matter."
    ("SWF", 4, True, "Poor response", URGENT), ("SWF", 4, None, "Non-payment of award", URGENT),
    ("SWF", 4, False, "Non-payment of award", TEN), ("SWF", 4, None, "Poor response", TEN),
    # SWF level 1: "These will range from a single short contact to several weeks."
    ("SWF", 1, True, "Poor response", URGENT), ("SWF", 1, None, "Non-payment of award", URGENT),
    ("SWF", 1, None, "Poor response", TEN),
    # SWF levels 5-6: "These will depend on the specific circumstances of the case." - Respond by
    ("SWF", 5, True, "Non-payment of award", None), ("SWF", 6, True, None, None),
    # the policy sets no timeframe: the team's own windows at levels 1-3, Urgent as typed; none at 4-5
    ("Complaints", 2, True, "Poor response", URGENT), ("INWO", 3, True, None, URGENT), ("INWO", 3, None, None, TEN),
    ("Complaints", 4, True, "Poor response", None),
])
def test_urgent_follows_the_text_of_each_level(function, level, urgent, trigger, expected):
    assert due_date(FRI, level, urgent, function=function, trigger=trigger) == expected


@pytest.mark.parametrize("function, level, trigger, warned", [
    ("SWF", 2, "Poor response", True), ("SWF", 3, None, True), ("SWF", 2, "Non-payment of award", False),
    ("SWF", 4, "Poor response", False), ("SWF", 1, "Poor response", False), ("SWF", 5, None, True),
    ("Complaints", 3, "Poor response", False), ("INWO", 4, None, True), ("SWF", None, "Poor response", False),
])
def test_check_says_where_urgent_has_no_effect(function, level, trigger, warned):
    """DESIGN §5: `Urgent` = Y on any other trigger does not shorten Due at SWF 2-3; `check` says so."""
    note = urgent_note(level, function, True, trigger)
    assert (note is not None) == warned, note
    if warned:
        assert note.startswith("Urgent has no effect") and ("leaflet §3" in note or "Respond by" in note)
        assert due_date(FRI, level, True, function=function, trigger=trigger) == due_date(
            FRI, level, None, function=function, trigger=trigger)  # the warning is true: Due is the same
    assert urgent_note(level, function, None, trigger) is None and urgent_note(level, function, False, trigger) is None


def test_respond_by_sets_due_where_there_is_no_default():
    assert due_date(None, 5, respond_by=D(2027, 1, 8)) == D(2027, 1, 8)
    assert due_date(FRI, 4, function="INWO") is None
    assert due_date(FRI, 4, function="INWO", respond_by=D(2027, 1, 8)) == D(2027, 1, 8)

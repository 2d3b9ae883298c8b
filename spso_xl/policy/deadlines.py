"""When an organisation must reply, and where a case stands against that (DESIGN §5)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import numpy as np

from spso_xl.calendar.workdays import Calendar, scottish_calendar, workday, working_days_after, working_days_after_array
from spso_xl.policy.settings import DEFAULTS
from spso_xl.policy.tables import LEVEL1_WINDOW, TRIGGERS, scale_for


class Status(StrEnum):
    CLOSED = "CLOSED"
    RESPONDED = "RESPONDED"
    RESPONDED_LATE = "RESPONDED LATE"
    OVERDUE = "OVERDUE"
    DUE_TODAY = "DUE TODAY"
    DUE_SOON = "DUE SOON"
    ON_TRACK = "ON TRACK"
    NO_DEADLINE = "NO DEADLINE"


AWAITING = frozenset({Status.ON_TRACK, Status.DUE_SOON, Status.DUE_TODAY, Status.NO_DEADLINE})


def is_urgent(urgent: bool | None, trigger: str | None = None) -> bool:
    """`Urgent` as typed; blank means urgent for a trigger that is time sensitive by nature
    (leaflet §3: "unless the issue concerns non-payment of an award which is time sensitive")."""
    if urgent is not None:
        return bool(urgent)
    return bool(trigger) and trigger in TRIGGERS and TRIGGERS[trigger].urgent


def window_days(level: int | None, function: str | None, urgent: bool | None, settings=DEFAULTS,
                trigger: str | None = None) -> int | None:
    """Working days allowed at this level, or None where the policy sets no default deadline.

    A blank level counts as level 1 (policy para 10: issues start at level 1); levels whose
    timeframe "depends on the circumstances" (SWF 5-6, policy 4-5) have no default even
    when urgent: the manager sets one with `Respond by`.
    """
    if level == 0:
        return None
    window = scale_for(function).level(level or 1).window
    if window is None:
        return None
    if is_urgent(urgent, trigger):
        return settings.urgent_days
    return settings.level1_days if window == LEVEL1_WINDOW else settings.response_days


def due_date(notified: dt.date | None, level: int | None, urgent: bool | None = None,
             respond_by: dt.date | None = None, function: str | None = None, trigger: str | None = None,
             settings=DEFAULTS, cal: Calendar | None = None) -> dt.date | None:
    """`Respond by` if given, else `Date notified` + the level's window in working days."""
    if respond_by is not None:
        return respond_by
    days = window_days(level, function, urgent, settings, trigger)
    if notified is None or days is None:
        return None
    return workday(notified, days, cal or scottish_calendar())


def status(due: dt.date | None, received: dt.date | None = None, as_of: dt.date | None = None,
           closed: dt.date | None = None, settings=DEFAULTS, cal: Calendar | None = None) -> Status:
    """Where a case stands on `as_of` (default today)."""
    if closed is not None:
        return Status.CLOSED
    if received is not None:
        return Status.RESPONDED_LATE if due is not None and received > due else Status.RESPONDED
    if due is None:
        return Status.NO_DEADLINE
    as_of = as_of or dt.date.today()
    if as_of > due:
        return Status.OVERDUE
    if as_of == due:
        return Status.DUE_TODAY
    left = working_days_after(as_of, due, cal or scottish_calendar())
    return Status.DUE_SOON if left <= settings.due_soon_days else Status.ON_TRACK


def days_overdue(due: dt.date | None, received: dt.date | None = None, as_of: dt.date | None = None,
                 closed: dt.date | None = None, cal: Calendar | None = None) -> int:
    """Working days after Due until the reply came (or, with none, until closing or `as_of`)."""
    if due is None:
        return 0
    end = received or closed or as_of or dt.date.today()
    return working_days_after(due, end, cal or scottish_calendar())


# --- whole columns -------------------------------------------------------------------


def status_array(due, received, closed, as_of: dt.date, settings=DEFAULTS, cal: Calendar | None = None) -> np.ndarray:
    """`status` over datetime64[D] columns (NaT = blank), as an object array of Status text."""
    cal = cal or scottish_calendar()
    today = np.datetime64(as_of, "D")
    no_due, got, shut = np.isnat(due), ~np.isnat(received), ~np.isnat(closed)
    left = working_days_after_array(np.full(due.shape, today), due, cal)
    with np.errstate(invalid="ignore"):
        conditions = [
            shut,
            got & ~no_due & (received > due),
            got,
            no_due,
            today > due,
            today == due,
            left <= settings.due_soon_days,
        ]
    choices = [Status.CLOSED, Status.RESPONDED_LATE, Status.RESPONDED, Status.NO_DEADLINE,
               Status.OVERDUE, Status.DUE_TODAY, Status.DUE_SOON]
    return np.select(conditions, [str(c) for c in choices], default=str(Status.ON_TRACK)).astype(object)

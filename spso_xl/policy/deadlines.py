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
    return _time_sensitive(trigger)


def _time_sensitive(trigger: str | None) -> bool:
    return bool(trigger) and trigger in TRIGGERS and TRIGGERS[trigger].urgent


def urgent_applies(level: int | None, function: str | None, urgent: bool | None, trigger: str | None = None) -> bool:
    """Whether the urgent window replaces the usual one at this level of this scale (DESIGN §5).

    The leaflet gives a different rule at each level, so one `Urgent` switch cannot act the same
    everywhere: at SWF levels 2-3 only non-payment of an award shortens the time ("at least ten
    working days unless the issue concerns non-payment of an award which is time sensitive"); at
    SWF level 4 any urgent matter does ("usually ten working days unless the issue is an urgent
    matter"); SWF level 1 ("from a single short contact to several weeks") and the team's own
    windows on the policy scale take `Urgent` as typed (blank: urgent for non-payment)."""
    if not is_urgent(urgent, trigger):
        return False
    if scale_for(function).name == "SWF" and (level or 1) in (2, 3):
        return _time_sensitive(trigger)
    return True


def urgent_note(level: int | None, function: str | None, urgent: bool | None, trigger: str | None = None) -> str | None:
    """What `check` says when `Urgent` = Y has no effect on a row's Due; None when it has one (or is not Y)."""
    if urgent is not True or level == 0:
        return None
    n = level or 1
    if scale_for(function).level(n).window is None:
        return (f"Urgent has no effect at level {n}: there is no default timeframe at this level, so set the date "
                "in Respond by")
    if urgent_applies(level, function, urgent, trigger):
        return None
    return (f"Urgent has no effect at SWF level {n}: the leaflet shortens the time at levels 2-3 only for "
            "non-payment of an award (leaflet §3, timeframes for level 2 or 3 action); to give less time, set "
            "Respond by")


def window_days(level: int | None, function: str | None, urgent: bool | None, settings=DEFAULTS,
                trigger: str | None = None) -> int | None:
    """Working days allowed at this level, or None where the policy sets no default deadline.

    A blank level counts as level 1 (policy para 10: issues start at level 1); levels whose
    timeframe "depends on the circumstances" (SWF 5-6) or that the policy gives none and the team
    sets none (policy 4-5) have no default even when urgent: the manager sets one with `Respond by`.
    Where `Urgent` shortens the time is `urgent_applies`'s (DESIGN §5).
    """
    if level == 0:
        return None
    window = scale_for(function).level(level or 1).window
    if window is None:
        return None
    if urgent_applies(level, function, urgent, trigger):
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

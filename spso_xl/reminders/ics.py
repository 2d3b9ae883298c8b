"""The open cases' due dates as an RFC 5545 calendar (DESIGN §15), with the `icalendar` library.

One all-day event per open case with a Due (no response yet, not closed), a reminder (VALARM) at
09:00 on the working day the case turns DUE SOON, and a UID stable per Ref, so that importing the
file again, or a calendar subscribed to it, updates events rather than duplicating them.

The previous export (the file at the output path) says what calendars already hold: an event that
changed gets the next SEQUENCE and a new DTSTAMP (an unchanged one keeps both), and a case answered
or closed since then is exported once more as STATUS:CANCELLED with the next SEQUENCE, so
subscribers remove it. The file is `METHOD:PUBLISH` throughout (a published calendar; cancelling a
published event is done with its STATUS, not with an iTIP CANCEL request). A row `check` rejects
keeps its previous event as it was: a typo never cancels a deadline.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

import icalendar

from spso_xl.calendar.dates import uk
from spso_xl.calendar.workdays import workday
from spso_xl.errors import InputError
from spso_xl.outputs.report import report_frame
from spso_xl.policy.vocab import norm
from spso_xl.tracker.read import ROW, Tracker

OPEN = ("OVERDUE", "DUE TODAY", "DUE SOON", "ON TRACK")  # statuses of a case still waiting for a response
PRODID = "-//SPSO//spso-xl S&I deadlines//EN"
ALARM_HOUR = 9  # the reminder's time of day, on the working day the case turns DUE SOON
KEEP_CANCELLED = dt.timedelta(days=90)  # a cancelled event stays in the file this long after its date


@dataclass(frozen=True)
class Deadline:
    """One open case's deadline, as plain values."""

    ref: str
    organisation: str
    level: int | None
    due: dt.date
    status: str
    reason: str
    owner: str = ""


@dataclass
class Export:
    ics: bytes
    events: int  # open cases' events
    cancelled: int  # events cancelled by this export
    skipped: list[int] = field(default_factory=list)  # Cases rows left out (bad cells): previous events kept


def uid(ref: str) -> str:
    """The event's UID: the Ref (as `norm` matches it, so 'si-1' and 'SI-1 ' are one case), made URL-safe."""
    return re.sub(r"[^a-z0-9._-]", lambda m: f"%{ord(m.group()):02X}", norm(ref)) + "@spso-xl"


def _summary(d: Deadline) -> str:
    level = f" (level {d.level})" if d.level else ""
    return f"Reply due: {d.ref} {d.organisation}{level}"


def _event(d: Deadline, as_of: dt.date, due_soon_days: int, cal) -> icalendar.Event:
    e = icalendar.Event()
    e.add("uid", uid(d.ref))
    e.add("summary", _summary(d))
    e.add("dtstart", d.due)
    e.add("dtend", d.due + dt.timedelta(days=1))
    e.add("transp", "TRANSPARENT")  # a deadline, not a meeting: it never blocks the diary
    e.add("status", "CONFIRMED")
    e.add("categories", ["S&I deadline"])
    owner = f"\nOwner: {d.owner}" if d.owner else ""
    e.add("description", f"Status on {uk(as_of)}: {d.status}\n{d.reason}{owner}")
    warn = workday(d.due, -due_soon_days, cal) if due_soon_days else d.due
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"Due soon ({uk(d.due)}): {d.ref} {d.organisation}")
    alarm.add("trigger", -(dt.timedelta(days=(d.due - warn).days)) + dt.timedelta(hours=ALARM_HOUR))
    e.add_component(alarm)
    return e


def _fingerprint(e) -> str:
    """What a calendar shows of an event: a change here is a new SEQUENCE."""
    parts = [e.get(k).to_ical().decode() if hasattr(e.get(k), "to_ical") else str(e.get(k, ""))
             for k in ("dtstart", "summary", "description", "status")]
    parts += [a.get("trigger").to_ical().decode() for a in e.walk("VALARM") if a.get("trigger") is not None]
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def _previous(data: bytes | None) -> dict[str, icalendar.Event]:
    if not data:
        return {}
    try:
        cal = icalendar.Calendar.from_ical(data)
    except Exception:  # whatever the parser trips on: the file is not a calendar, and is not ours to replace
        cal = None
    if not isinstance(cal, icalendar.Calendar) or cal.name != "VCALENDAR":
        raise InputError("OUTPUT", "the output file is there already and is not an iCalendar file: choose another "
                                   "--output (an earlier export is read to cancel what closed); nothing was written")
    return {str(e.get("uid")): e for e in cal.walk("VEVENT") if e.get("uid")}


def calendar_bytes(deadlines: list[Deadline], previous: bytes | None, as_of: dt.date, due_soon_days: int, cal,
                   now: dt.datetime, kept: set[str] = frozenset(), closed: dict[str, str] | None = None,
                   name: str = "S&I deadlines") -> tuple[bytes, int]:
    """The calendar for `deadlines` given the previous export: (the .ics, how many events it cancels).
    `kept`: UIDs whose previous event is carried over unchanged (rows that could not be read);
    `closed`: UID -> why the case's event is cancelled ('answered on ...')."""
    before = _previous(previous)
    out = icalendar.Calendar()
    out.add("prodid", PRODID)
    out.add("version", "2.0")
    out.add("calscale", "GREGORIAN")
    out.add("method", "PUBLISH")
    out.add("x-wr-calname", name)
    stamp = now.astimezone(dt.timezone.utc).replace(microsecond=0)
    seen = set()
    for d in sorted(deadlines, key=lambda d: (d.due, norm(d.ref))):
        e = _event(d, as_of, due_soon_days, cal)
        key = str(e["uid"])
        if key in seen:
            continue  # a Ref typed twice is a `check` problem; one event
        seen.add(key)
        old = before.get(key)
        if old is None:
            e.add("sequence", 0)
            e.add("dtstamp", stamp)
        elif _fingerprint(old) == _fingerprint(e):
            e.add("sequence", int(old.get("sequence", 0)))
            e.add("dtstamp", old.decoded("dtstamp") if old.get("dtstamp") else stamp)
        else:
            e.add("sequence", int(old.get("sequence", 0)) + 1)
            e.add("dtstamp", stamp)
        out.add_component(e)
    cancelled = 0
    for key, old in before.items():
        if key in seen:
            continue
        if key in kept:
            out.add_component(old)
            continue
        start = old.decoded("dtstart") if old.get("dtstart") else None
        if str(old.get("status", "")).upper() == "CANCELLED":
            if start is None or isinstance(start, dt.date) and as_of - _day(start) <= KEEP_CANCELLED:
                out.add_component(old)  # still there for a subscriber that missed the cancellation
            continue
        e = icalendar.Event()
        for prop in ("uid", "dtstart", "dtend", "summary", "transp", "categories"):
            if old.get(prop) is not None:
                e.add(prop, old.decoded(prop) if prop in ("dtstart", "dtend") else old.get(prop))
        e.add("status", "CANCELLED")
        e.add("description", f"Cancelled on {uk(as_of)}: {(closed or {}).get(key, 'no longer open on the Cases sheet')}")
        e.add("sequence", int(old.get("sequence", 0)) + 1)
        e.add("dtstamp", stamp)
        out.add_component(e)
        cancelled += 1
    return out.to_ical(), cancelled


def _day(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def export_calendar(tracker: Tracker, as_of: dt.date, previous: bytes | None = None,
                    now: dt.datetime | None = None) -> Export:
    """The tracker's open deadlines as an .ics, cancelling what the previous export held that is now
    answered or closed."""
    frame, skipped = report_frame(tracker, as_of)
    deadlines, closed = [], {}
    for r in frame.to_dict("records"):
        ref = str(r["Ref"] or "").strip()
        if not ref:
            continue
        if r["Status"] in OPEN and r["Due"] is not None and r["Due"] == r["Due"]:
            level = r["Level"]
            deadlines.append(Deadline(ref, str(r["Organisation"] or ""), int(level) if level == level and level else None,
                                      r["Due"].date(), r["Status"], str(r["Reason"] or ""),
                                      "" if r["Owner"] is None or r["Owner"] != r["Owner"] else str(r["Owner"])))
        elif r["Status"] == "CLOSED":
            closed[uid(ref)] = f"{ref} closed on {uk(r['Closed'].date())}" if r["Closed"] == r["Closed"] else "closed"
        elif str(r["Status"]).startswith("RESPONDED"):
            got = r["Response received"]
            closed[uid(ref)] = f"{ref} answered on {uk(got.date())}" if got == got and got is not None else "answered"
    raw = tracker.raw["Cases"]
    kept = {uid(str(ref)) for ref, row in zip(raw["Ref"], raw[ROW]) if row in skipped and ref is not None}
    name = f"S&I deadlines: {tracker.path.stem}" if tracker.path else "S&I deadlines"
    ics, cancelled = calendar_bytes(deadlines, previous, as_of, tracker.settings.due_soon_days, tracker.calendar,
                                    now or dt.datetime.now(dt.timezone.utc), kept, closed, name)
    return Export(ics, len({uid(d.ref) for d in deadlines}), cancelled, skipped)

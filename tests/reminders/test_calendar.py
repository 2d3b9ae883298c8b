"""`spso-xl calendar` (DESIGN §15): the .ics parses (icalendar, and khal's import where khal is installed),
one all-day event per open case on its Due with a reminder at the due-soon threshold, UIDs stable per
Ref, SEQUENCE and DTSTAMP that move only when an event changes, and cancelled events for cases answered
or closed since the previous export."""

import datetime as dt
import shutil
import subprocess

import icalendar
import pytest

from spso_xl.calendar.workdays import scottish_calendar, workday
from spso_xl.cli import main
from spso_xl.new import build_tracker
from spso_xl.reminders.ics import export_calendar, uid
from spso_xl.tracker.read import read_tracker
from tests.reminders.test_digest import BASE, DAY, PLANTED, planted_rows

OPEN = {"SI-A", "SI-B", "SI-B2", "SI-C", "SI-D", "SI-E"}  # no response, not closed, cells readable
NOW = dt.datetime(2026, 12, 2, 7, 0, tzinfo=dt.timezone.utc)


def events(data: bytes) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(data)
    assert cal["method"] == "PUBLISH" and cal["version"] == "2.0" and cal["prodid"]
    return {str(e["uid"]): e for e in cal.walk("VEVENT")}


def export(path, previous=None, day=DAY, now=NOW):
    return export_calendar(read_tracker(path), day, previous, now)


def rebuilt(path, **changes):
    """The planted tracker again at `path`, with some cases' cells changed (Ref -> cells)."""
    rows = planted_rows()
    for case in rows["Cases"]:
        case |= changes.get(case["Ref"].replace("-", "_"), {})
    path.unlink()
    return build_tracker(path, rows, as_of=DAY)


def test_one_all_day_event_per_open_case_with_a_reminder(tmp_path):
    path = build_tracker(tmp_path / "si_tracker.xlsm", planted_rows(), as_of=DAY)
    result = export(path)
    got = events(result.ics)
    assert set(got) == {uid(ref) for ref in OPEN} and result.events == len(OPEN) and not result.cancelled
    assert result.skipped  # SI-H's bad date: left out, and said
    cal = scottish_calendar()
    for ref in OPEN:
        e = got[uid(ref)]
        due = PLANTED[ref][0]["Respond by"]
        assert e.decoded("dtstart") == due and not isinstance(e.decoded("dtstart"), dt.datetime)  # all day
        assert e.decoded("dtend") == due + dt.timedelta(days=1)
        assert str(e["summary"]) == f"Reply due: {ref} Fife Council (level 1)"
        assert "Status on 02/12/2026: " in str(e["description"])
        assert e["sequence"] == 0 and e.decoded("dtstamp") == NOW
        [alarm] = e.walk("VALARM")
        fires = dt.datetime.combine(due, dt.time()) + alarm.decoded("trigger")
        assert fires == dt.datetime.combine(workday(due, -2, cal), dt.time(9))  # 09:00, 2 working days before
    assert "OVERDUE" in str(got[uid("SI-A")]["description"]) and "Escalate to level 2" in str(got[uid("SI-A")]["description"])


def test_a_second_export_cancels_what_closed_and_updates_what_changed(tmp_path, capsys):
    path = build_tracker(tmp_path / "si_tracker.xlsm", planted_rows(), as_of=DAY)
    ics = tmp_path / "due.ics"
    assert main(["calendar", str(path), "--as-of", "02/12/2026", "--output", str(ics)]) == 0
    assert "wrote" in capsys.readouterr().out
    first = events(ics.read_bytes())

    again = export(path, ics.read_bytes(), now=NOW + dt.timedelta(hours=1))  # nothing changed
    assert {k: (e["sequence"], e.decoded("dtstamp")) for k, e in events(again.ics).items()} == \
           {k: (e["sequence"], e.decoded("dtstamp")) for k, e in first.items()}

    # SI-C closes, SI-D is answered, SI-E gets a new Respond by; the rest stay as they were
    rebuilt(path, SI_C={"Closed": dt.date(2026, 12, 2)}, SI_D={"Response received": dt.date(2026, 12, 2)},
            SI_E={"Respond by": dt.date(2026, 12, 21)})
    assert main(["calendar", str(path), "--as-of", "02/12/2026", "--output", str(ics)]) == 0
    out = capsys.readouterr().out
    assert "2 events cancelled" in out
    second = events(ics.read_bytes())
    assert set(second) == set(first)  # nothing dropped: the cancelled ones are there, cancelled
    for ref in ("SI-C", "SI-D"):
        e = second[uid(ref)]
        assert e["status"] == "CANCELLED" and e["sequence"] == 1
        assert e.decoded("dtstart") == first[uid(ref)].decoded("dtstart")
    assert "closed on 02/12/2026" in str(second[uid("SI-C")]["description"])
    assert "answered on 02/12/2026" in str(second[uid("SI-D")]["description"])
    assert second[uid("SI-E")]["sequence"] == 1 and second[uid("SI-E")].decoded("dtstart") == dt.date(2026, 12, 21)
    for ref in ("SI-A", "SI-B", "SI-B2"):
        assert second[uid(ref)]["sequence"] == 0 and second[uid(ref)]["status"] == "CONFIRMED"

    # a third export keeps the cancellations (for subscribers that missed one) without cancelling again
    third = export(path, ics.read_bytes())
    assert not third.cancelled and events(third.ics)[uid("SI-C")]["sequence"] == 1


def test_a_row_that_cannot_be_read_keeps_its_event(tmp_path):
    path = build_tracker(tmp_path / "si_tracker.xlsm", planted_rows(), as_of=DAY)
    before = export(path).ics
    rebuilt(path, SI_E={"Respond by": "31/02/2026"})
    after = export(path, before)
    assert not after.cancelled
    assert events(after.ics)[uid("SI-E")].to_ical() == events(before)[uid("SI-E")].to_ical()


def test_the_uid_is_the_ref_as_matched():
    assert uid("SI-2026-009") == uid(" si-2026-009 ") == "si-2026-009@spso-xl"
    assert uid("SI 1/2") == "si%201%2F2@spso-xl"


def test_the_default_output_is_beside_the_tracker(tmp_path, capsys):
    path = build_tracker(tmp_path / "si_tracker.xlsm", {"Cases": [BASE | {"Ref": "SI-E"} | PLANTED["SI-E"][0]]},
                         as_of=DAY)
    assert main(["calendar", str(path), "--as-of", "02/12/2026"]) == 0
    assert (tmp_path / "si_tracker deadlines.ics").exists()
    assert "1 due date" in capsys.readouterr().out


def test_khal_imports_it(tmp_path):
    """A calendar application run here: khal (a CalDAV/vdir calendar) imports the file and lists the events."""
    khal = shutil.which("khal")
    if khal is None:
        pytest.skip("khal is not installed (apt install khal)")
    path = build_tracker(tmp_path / "si_tracker.xlsm", planted_rows(), as_of=DAY)
    ics = tmp_path / "due.ics"
    ics.write_bytes(export(path).ics)
    store = tmp_path / "calendars" / "si"
    store.mkdir(parents=True)
    config = tmp_path / "khal.conf"
    config.write_text(f"[calendars]\n[[si]]\npath = {store}\n[locale]\ntimeformat = %H:%M\ndateformat = %d/%m/%Y\n"
                      f"longdateformat = %d/%m/%Y\ndatetimeformat = %d/%m/%Y %H:%M\n"
                      f"longdatetimeformat = %d/%m/%Y %H:%M\ndefault_timezone = Europe/London\n"
                      f"local_timezone = Europe/London\n")
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "LANG": "C.UTF-8"}
    run = subprocess.run([khal, "-c", str(config), "import", "--batch", "-a", "si", str(ics)],
                         capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    assert len(list(store.glob("*.ics"))) == len(OPEN)
    listed = subprocess.run([khal, "-c", str(config), "list", "01/10/2026", "31/12/2026"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert listed.returncode == 0, listed.stderr
    for ref in OPEN:
        assert f"Reply due: {ref} Fife Council" in listed.stdout


def test_an_output_that_is_not_a_calendar_is_left_alone(tmp_path, capsys):
    path = build_tracker(tmp_path / "si_tracker.xlsm", {"Cases": [BASE | {"Ref": "SI-E"} | PLANTED["SI-E"][0]]},
                         as_of=DAY)
    notes = tmp_path / "notes.ics"
    notes.write_text("my own notes, not a calendar\n")
    assert main(["calendar", str(path), "--as-of", "02/12/2026", "--output", str(notes)]) == 2
    assert "not an iCalendar file" in capsys.readouterr().err
    assert notes.read_text() == "my own notes, not a calendar\n"

"""Issue 26's measure of done: a manager runs a week of casework without opening Excel (DESIGN §12
"Casework without Excel") — add, chase, respond, resolve, escalate, letter, close — each step a
`spso-xl` command, and every step lands in the Actions log with who did it."""

import getpass

import pandas as pd

from spso_xl.cli import main
from spso_xl.tracker.read import read_tracker

A, B = "SI-2026-101", "SI-2026-102"


def _run(*argv) -> None:
    assert main([str(a) for a in argv]) == 0, argv


def test_a_week_of_casework_from_the_command_line(demo_copy, capsys):
    t = demo_copy
    # Monday: two cases come in; A was already at level 2 and chased once before it reached the tracker
    _run("add", t, "--set", f"Ref={A}", "--set", "Organisation=fife council", "--set", "Function=SWF",
         "--set", "Trigger=Information overdue", "--set", "Level=L2", "--set", "Date notified=02/11/2026",
         "--set", "Chasers=1", "--set", "Last chased=16/11/2026", "--set",
         "Description=Information requested on 3 SWF crisis grant reviews not provided", "--as-of", "23/11/2026")
    _run("add", t, "--set", f"Ref={B}", "--set", "Organisation=Angus Council", "--set", "Function=SWF",
         "--set", "Trigger=Poor response", "--set", "Level=1", "--set", "Date notified=09/11/2026",
         "--as-of", "23/11/2026")
    # Tuesday: B is overdue: chase it
    _run("chase", t, "--ref", B, "--as-of", "24/11/2026")
    # Wednesday: B responds
    _run("update", t, "--ref", B, "--set", "Response received=25/11/2026", "--as-of", "25/11/2026")
    # Thursday: B's response resolves the issue; A, silent after its chaser, is escalated, given a date and written to
    _run("update", t, "--ref", B, "--set", "Resolved=yes", "--as-of", "26/11/2026")
    _run("escalate", t, "--ref", A, "--as-of", "26/11/2026")
    _run("update", t, "--ref", A, "--set", "Respond by=11/12/2026", "--as-of", "26/11/2026")
    _run("letters", t, "--ref", A, "--as-of", "26/11/2026")
    # Friday: B is closed
    _run("update", t, "--ref", B, "--set", "Closed=27/11/2026", "--as-of", "27/11/2026")

    tracker = read_tracker(t)
    assert tracker.problems == []
    cases = tracker.cases.set_index("Ref")
    assert cases.loc[A, "Level"] == 3 and cases.loc[A, "Respond by"] == pd.Timestamp(2026, 12, 11)
    assert cases.loc[A, "Organisation"] == "Fife Council"  # the Organisations sheet's spelling, not as typed
    assert cases.loc[B, "Resolved"] is True and cases.loc[B, "Closed"] == pd.Timestamp(2026, 11, 27)
    actions = tracker.raw["Actions"]
    week = actions[actions["Ref"].isin([A, B])]
    steps = [(r["Ref"], r["Action"], r["Date"].strftime("%d/%m")) for _, r in week.iterrows()]
    assert steps == [(A, "Opened", "23/11"), (B, "Opened", "23/11"), (B, "Chaser", "24/11"),
                     (B, "Response", "25/11"), (B, "Resolution", "26/11"),
                     (A, "Contact", "02/11"),  # the escalation keeps the level-2 notification it replaces (summary)
                     (A, "Escalation", "26/11"),
                     (A, "Update", "26/11"), (A, "Letter", "26/11"), (B, "Closure", "27/11")]
    me = getpass.getuser()
    by = dict(zip(week["Action"], week["By"]))
    assert all(by[k] == me for k in ("Opened", "Chaser", "Response", "Resolution", "Escalation", "Update", "Closure"))
    assert by["Letter"]  # the letter is logged as signed by its signatory
    notes = dict(zip(week["Action"], week["Notes"]))
    assert notes["Update"] == "Respond by 11/12/2026" and notes["Closure"] == "Closed 27/11/2026"
    assert "Level 2" in notes["Opened"] or "Level 1" in notes["Opened"]
    assert list((t.parent / "letters").glob(f"{A}*.docx"))

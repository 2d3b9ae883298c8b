"""`spso-xl add`, `update` and `import` (DESIGN §12 "Casework without Excel"): one validator (check's),
headers with a did-you-mean, computed columns refused, every change logged with who made it, --dry-run
writes nothing, exactly once; and the Organisations a new tracker starts with (DESIGN §3)."""

import datetime as dt
import getpass

import pytest

from spso_xl.cli import main
from spso_xl.errors import InputError
from spso_xl.tracker.casework import add_cases, import_rows, update_cases
from spso_xl.tracker.councils import NHS_BOARDS
from spso_xl.tracker.edit import TrackerEdit, edit_tracker
from spso_xl.tracker.read import ROW, read_tracker
from spso_xl.tracker.source_file import read_source

DAY = dt.date(2026, 12, 1)
CASE = {"Ref": "SI-2026-900", "Organisation": "Fife Council", "Function": "SWF", "Trigger": "Information overdue",
        "Level": "2", "Date notified": "16/11/2026"}
HEAD = "Case ref,Organisation,Function,Decision date,Outcome,Theme,Fed back\n"


def _sets(values: dict) -> list[str]:
    return [a for h, v in values.items() for a in ("--set", f"{h}={v}")]


def _write(path, text: str, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_nhs_board_cases_check_clean_in_a_new_tracker(tracker, tmp_path):
    """DESIGN §3: Organisations is prefilled with the councils and the NHS boards, territorial and special, so a
    Complaints or INWO team's cases about a board check clean in a new tracker."""
    rows = "".join(f"SI-NHS-{i},{board},{'INWO' if i % 2 else 'Complaints'},Information overdue,1,16/11/2026\n"
                   for i, board in enumerate(NHS_BOARDS))
    csv = _write(tmp_path / "boards.csv", "Ref,Organisation,Function,Trigger,Level,Date notified\n" + rows)
    assert main(["import", str(tracker), str(csv), "--into", "Cases", "--as-of", "01/12/2026"]) == 0
    t = read_tracker(tracker)
    assert t.problems == []
    assert len(t.cases) == len(NHS_BOARDS) == 22
    sectors = dict(zip(t.raw["Organisations"]["Organisation"], t.raw["Organisations"]["Sector"]))
    assert sectors["NHS Greater Glasgow and Clyde"] == "NHS" and sectors["Fife Council"] == "Local authority"


@pytest.mark.parametrize("header, value", [("Date notified", "31/02/2026"), ("Level", "7"), ("Trigger", "Overdue info"),
                                           ("Organisation", "Fife Cuncil"), ("Urgent", "maybe"), ("Chasers", "-1")])
def test_add_refuses_a_value_with_the_words_check_uses_for_that_cell(tracker, header, value):
    """One vocabulary, one parser: the refusal is check's own message for the same value typed in the cell."""
    planted = dict(CASE, Ref="SI-PLANTED", **{header: value})
    edit_tracker(tracker, TrackerEdit(append={"Cases": [planted]}))
    said = {(p.column, p.message) for p in read_tracker(tracker).problems if p.sheet == "Cases"}
    assert len(said) == 1
    column, message = said.pop()
    plan = add_cases(read_tracker(tracker), {**CASE, header: value}, DAY)
    assert plan.bad == [f"Cases: {column}: {message}"] and not plan.edit


def test_add_a_case_canonical_values_and_log(tracker):
    before = tracker.read_bytes()
    argv = ["add", str(tracker), *_sets({**CASE, "organisation": "  fife COUNCIL ", "Urgent": "yes",
                                         "Trigger": "information OVERDUE"}), "--as-of", "01/12/2026"]
    assert main([*argv, "--dry-run"]) == 0
    assert tracker.read_bytes() == before  # a dry run writes nothing
    assert main(argv) == 0
    t = read_tracker(tracker)
    raw = t.raw["Cases"].iloc[0]
    assert (raw["Organisation"], raw["Trigger"], raw["Urgent"], raw["Level"]) == \
           ("Fife Council", "Information overdue", "Y", 2)
    assert raw["Date notified"] == dt.date(2026, 11, 16)  # a date, not the text typed
    [log] = t.raw["Actions"].to_dict("records")
    assert (log["Ref"], log["Action"], log["By"], log["Level"]) == ("SI-2026-900", "Opened", getpass.getuser(), 2)
    assert "Organisation Fife Council" in log["Notes"]
    assert main(argv) == 2 or main(argv) == 1  # the same Ref again is refused
    assert len(read_tracker(tracker).cases) == 1


def test_headers_unknown_and_computed(tracker, capsys):
    assert main(["add", str(tracker), *_sets({**CASE, "Respnd by": "01/01/2027"})]) == 2
    assert "did you mean Respond by?" in capsys.readouterr().err
    assert main(["add", str(tracker), *_sets({**CASE, "Recommended level": "3"})]) == 2
    assert "Cases!Recommended level is computed" in capsys.readouterr().err
    assert main(["add", str(tracker), *_sets(CASE)]) == 0
    # the header a tracker had before Respond by (schema.RENAMED) still names that column
    plan = update_cases(read_tracker(tracker), [CASE["Ref"]], {"extended TO": "18/12/2026"}, DAY)
    assert plan.edit.cells == {("Cases", 4, "Respond by"): dt.date(2026, 12, 18)}
    with pytest.raises(InputError, match="'Statuss' is not a column of Cases: use one of Ref, "):
        update_cases(read_tracker(tracker), [CASE["Ref"]], {"Statuss": "x"}, DAY)  # no computed column offered


def test_update_logs_each_event_and_who_from_settings(tracker):
    assert main(["add", str(tracker), *_sets(CASE), "--as-of", "01/12/2026"]) == 0
    t = read_tracker(tracker)
    row = int(t.raw["Settings"].loc[t.raw["Settings"]["Setting"] == "User", ROW].iloc[0])
    edit_tracker(tracker, TrackerEdit(cells={("Settings", row, "Value"): "Jamie Reid"}))
    plan = update_cases(read_tracker(tracker), ["si-2026-900"], {"Response received": "03/12/2026", "Resolved": "y",
                                                                 "Owner": "JR", "Closed": "04/12/2026"}, DAY)
    assert plan.bad == []
    kinds = [(a["Action"], a["By"], a["Notes"]) for a in plan.edit.append["Actions"]]
    assert kinds == [("Response", "Jamie Reid", "Response received 03/12/2026"),
                     ("Resolution", "Jamie Reid", "Resolved Y"), ("Update", "Jamie Reid", "Owner JR"),
                     ("Closure", "Jamie Reid", "Closed 04/12/2026")]
    edit_tracker(tracker, plan.edit)
    again = update_cases(read_tracker(tracker), ["SI-2026-900"], {"Owner": "JR"}, DAY)
    assert not again.edit and again.skipped  # already so: nothing to write, nothing logged
    cleared = update_cases(read_tracker(tracker), ["SI-2026-900"], {"Owner": ""}, DAY)
    assert cleared.edit.append["Actions"][0]["Notes"] == "Owner cleared (was JR)"


def test_update_refuses_unknown_cases_and_a_change_check_would_flag(tracker):
    assert main(["add", str(tracker), *_sets(CASE), "--as-of", "01/12/2026"]) == 0
    t = read_tracker(tracker)
    assert update_cases(t, ["SI-2026-901"], {"Owner": "x"}, DAY).bad[0].startswith("SI-2026-901: there is no case")
    plan = update_cases(t, ["SI-2026-900"], {"Response received": "01/11/2026"}, DAY)  # before the notification
    assert plan.bad == ["SI-2026-900 (Cases row 4): Response received: the response is dated before the notification "
                        "(16/11/2026)"] and not plan.edit
    # a level the case's function does not have: checked against the row as it would be (Function SWF: 1-6)
    assert "is not a level" in update_cases(t, ["SI-2026-900"], {"Function": "INWO", "Level": "6"}, DAY).bad[0]


def test_import_findings_exactly_once_and_bad_rows_by_line(tracker, tmp_path, capsys):
    text = (HEAD + "C1,Fife Council,SWF,01/10/2026,Upheld,Delay,N\n"
            '"C2",NHS Fife,Complaints,2026-10-02,not upheld,"Communication,\nand records",\n'
            "C3,Fife Council,SWF,31/09/2026,Upheld,Delay,N\n"
            "C4,Nowhere Council,SWF,01/10/2026,Partly,Delay,N\n"
            "C1,Fife Council,swf,01/10/2026,Upheld,Delay,N\n")
    csv = _write(tmp_path / "export.csv", text)
    before = tracker.read_bytes()
    assert main(["import", str(tracker), str(csv)]) == 1
    err = capsys.readouterr().err
    # lines as an editor numbers them: C2's quoted Theme runs over lines 3 and 4
    assert "refused: line 5: Decision date: '31/09/2026' is not a date" in err
    assert "refused: line 6: Organisation: 'Nowhere Council' is not in the Organisations sheet" in err
    assert "Outcome: 'Partly' is not a" in err
    assert "nothing was written" in err and tracker.read_bytes() == before
    assert main(["import", str(tracker), str(csv), "--skip-bad", "--as-of", "01/12/2026"]) == 1
    out = capsys.readouterr().out
    assert "Findings in si_tracker.xlsm: 2 rows added, 1 already present" in out
    findings = read_tracker(tracker).parsed["Findings"]
    assert list(findings["Case ref"]) == ["C1", "C2"] and list(findings["Outcome"]) == ["Upheld", "Not upheld"]
    assert findings["Theme"][1] == "Communication,\nand records"
    mid = tracker.read_bytes()
    assert main(["import", str(tracker), str(csv), "--skip-bad"]) == 1  # twice: nothing added, nothing written
    assert tracker.read_bytes() == mid
    actions = read_tracker(tracker).raw["Actions"]
    assert list(actions["Action"]) == ["Import"] and actions["Ref"][0] == "Findings"
    assert actions["Notes"][0] == "Findings: 2 rows added, 1 already present, 2 refused, from export.csv"


def test_import_on_duplicate_update_and_fail(tracker, tmp_path):
    csv = _write(tmp_path / "e.csv", HEAD + "C1,Fife Council,SWF,01/10/2026,Upheld,Delay,N\n")
    assert main(["import", str(tracker), str(csv)]) == 0
    changed = _write(tmp_path / "e2.csv", HEAD + "C1,Fife Council,SWF,01/10/2026,Not upheld,Delay,Y\n")
    same = _write(tmp_path / "same.csv", HEAD + "c1,fife council,swf,2026-10-01,upheld,delay,no\n")
    plan = import_rows(read_tracker(tracker), read_source(same), on_duplicate="update")
    assert not plan.edit and len(plan.skipped) == 1  # written differently, meaning the same: no change
    assert main(["import", str(tracker), str(changed), "--on-duplicate", "fail"]) == 1
    assert main(["import", str(tracker), str(changed), "--on-duplicate", "update"]) == 0
    t = read_tracker(tracker)
    assert list(t.parsed["Findings"]["Outcome"]) == ["Not upheld"] and t.parsed["Findings"]["Fed back"][0] is True
    assert t.raw["Actions"]["Notes"].iloc[-1].startswith("Findings: 0 rows added, 1 updated")


@pytest.mark.parametrize("encoding, delimiter, prefix", [
    ("utf-8-sig", ",", ""), ("cp1252", ";", ""), ("cp1252", ";", "sep=;\r\n"), ("utf-16", "\t", ""),
    ("utf-8", "|", ""), ("latin-1", ",", ""),
    ("utf-16", "\t", "sep=\t\r\n")])  # Excel's sep= line naming a tab (found by tests/tracker/test_source_file.py)
def test_csv_as_programs_write_it(tmp_path, encoding, delimiter, prefix):
    rows = [["Case ref", "Organisation", "Theme"], ["C1", "Comhairle nan Eilean Siar", "Café; délai, écrit"]]
    body = "\r\n".join(delimiter.join(f'"{v}"' if delimiter in v or "," in v or ";" in v else v for v in r)
                       for r in rows) + "\r\n"
    path = _write(tmp_path / "x.csv", prefix + body, encoding)
    source = read_source(path)
    assert source.headers == rows[0] and source.rows == [(2 + bool(prefix), rows[1])]


def test_import_xlsx_first_sheet_or_named_and_a_map(tracker, tmp_path, capsys):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Notes"
    wb.active.append(["not the data"])
    ws = wb.create_sheet("Decisions")
    ws.append(["Reference", "Body", "Date of decision", "Decision", "Subject", "Complainant"])
    ws.append([1234, "Fife Council", dt.datetime(2026, 10, 1), "Upheld", "Delay", "Mr X"])
    ws.append(["C-2", "Angus Council", dt.datetime(2026, 10, 2), "Not upheld", None, "Ms Y"])
    path = tmp_path / "export.xlsx"
    wb.save(path)
    maps = ["--map", "Reference=Case ref", "--map", "body=Organisation", "--map", "Date of decision=Decision date",
            "--map", "Decision=Outcome", "--map", "Subject=Theme"]
    assert main(["import", str(tracker), str(path), *maps]) == 2  # the first sheet has none of it
    assert "export.xlsx (Notes) has no column 'Reference'" in capsys.readouterr().err
    assert main(["import", str(tracker), str(path), "--sheet", "decisions", *maps]) == 0
    out = capsys.readouterr().out
    assert "column not imported: Complainant (not a column of Findings)" in out
    findings = read_tracker(tracker).parsed["Findings"]
    assert list(findings["Case ref"]) == ["1234", "C-2"]  # a reference typed as a number stays a reference
    assert findings["Decision date"][0].date() == dt.date(2026, 10, 1)
    assert main(["import", str(tracker), str(path), "--sheet", "Decisions", *maps]) == 0
    assert len(read_tracker(tracker).parsed["Findings"]) == 2


def test_a_header_one_typo_away_is_refused_with_did_you_mean(tracker, tmp_path, capsys):
    csv = _write(tmp_path / "e.csv", HEAD.replace("Decision date", "Decison date") + "C1,Fife Council,SWF,01/10/2026,"
                                                                                     "Upheld,Delay,N\n")
    assert main(["import", str(tracker), str(csv)]) == 2
    assert "'Decison date' is not a column of Findings: did you mean Decision date?" in capsys.readouterr().err


def test_import_organisations_then_cases_about_them(tracker, tmp_path):
    orgs = _write(tmp_path / "o.csv", "Organisation,Sector,Email\nCity of Glasgow College,College,a@b.example\n"
                                      "Fife Council,Local authority,\n")
    assert main(["import", str(tracker), str(orgs), "--into", "organisations"]) == 0
    cases = _write(tmp_path / "c.csv", "Ref,Organisation,Trigger\nSI-1,City of Glasgow College,Poor response\n")
    assert main(["add", str(tracker), "--from", str(cases), "--as-of", "01/12/2026"]) == 0
    t = read_tracker(tracker)
    assert t.problems == [] and list(t.raw["Organisations"]["Organisation"]).count("Fife Council") == 1
    assert list(t.raw["Actions"]["Action"]) == ["Import", "Opened"]


def test_contacts_into_the_trackers_own_table_or_refused_by_name(tracker, tmp_path, capsys):
    csv = _write(tmp_path / "c.csv", "Organisation,Function,Name,Email\nNHS Fife,INWO,Dr A Grant,a@nhs.example\n"
                                     "NHS Fife,Complaints,Ms B Lee,b@nhs.example\nNo Such Board,INWO,X,\n")
    from tests.tracker.test_upgrade import older_tracker

    older = older_tracker(tmp_path / "older")  # from before the Contacts table (issue 23)
    assert main(["import", str(older), str(csv), "--into", "Contacts"]) == 2
    assert "has no Contacts table" in capsys.readouterr().err
    path = tracker
    maps = ["--map", "Name=Recipient name"]
    assert main(["import", str(path), str(csv), "--into", "Contacts", *maps]) == 1
    assert "line 4: Organisation: 'No Such Board' is not in the Organisations sheet" in capsys.readouterr().err
    assert main(["import", str(path), str(csv), "--into", "Contacts", *maps, "--skip-bad"]) == 1
    assert main(["import", str(path), str(csv), "--into", "Contacts", *maps, "--skip-bad"]) == 1
    plan = import_rows(read_tracker(path), read_source(csv), "Contacts", {"Name": "Recipient name"}, DAY,
                       skip_bad=True)
    assert plan.added == 0 and len(plan.skipped) == 2  # by organisation and function: twice adds nothing
    from spso_xl.tracker.intake import table_of

    contacts = table_of(read_tracker(path), "Contacts").raw
    assert list(contacts["Recipient name"]) == ["Dr A Grant", "Ms B Lee"]


def test_an_import_killed_at_random_points_leaves_the_old_file_or_the_new(tracker, tmp_path):
    """SIGKILL an import at random moments: the tracker is the old file or the new one, never half of one, and
    the next run completes it, each row once (DESIGN §2 "Nothing is lost", §12 exactly once)."""
    import os
    import random
    import signal
    import subprocess
    import sys
    import time
    import zipfile

    n = 2000
    csv = _write(tmp_path / "big.csv", HEAD + "".join(f"K{i},Fife Council,SWF,01/10/2026,Upheld,Delay,N\n"
                                                      for i in range(n)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}

    def start(path):
        return subprocess.Popen([sys.executable, "-m", "spso_xl.cli", "import", str(path), str(csv)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    probe = tmp_path / "probe" / tracker.name
    probe.parent.mkdir()
    probe.write_bytes(tracker.read_bytes())
    t = time.perf_counter()
    assert start(probe).wait(timeout=300) == 0
    took = time.perf_counter() - t
    rng = random.Random(26)
    for k in range(int(os.environ.get("SPSO_KILLS", "3"))):
        path = tmp_path / f"k{k}" / tracker.name
        path.parent.mkdir()
        path.write_bytes(tracker.read_bytes())
        proc = start(path)
        time.sleep(rng.uniform(0.2, took))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with zipfile.ZipFile(path) as z:
            assert z.testzip() is None, f"kill {k}: not a whole workbook"
        assert len(read_tracker(path).parsed["Findings"]) in (0, n), f"kill {k}: half an import"
        assert start(path).wait(timeout=300) == 0
        assert len(read_tracker(path).parsed["Findings"]) == n


def test_every_writing_casework_command_has_a_dry_run_that_writes_nothing(tracker, tmp_path, capsys):
    assert main(["add", str(tracker), *_sets(CASE), "--as-of", "01/12/2026"]) == 0
    before = tracker.read_bytes()
    csv = _write(tmp_path / "e.csv", HEAD + "C1,Fife Council,SWF,01/10/2026,Upheld,Delay,N\n")
    capsys.readouterr()
    for argv in (["update", "--ref", CASE["Ref"], "--set", "Owner=AB"], ["import", str(csv)],
                 ["add", *_sets(dict(CASE, Ref="SI-2026-999"))]):
        assert main([argv[0], str(tracker), *argv[1:], "--dry-run", "--as-of", "01/12/2026"]) == 0, argv
        assert tracker.read_bytes() == before, argv
    out = capsys.readouterr().out
    assert "would: SI-2026-900: Owner AB (Update)" in out and out.count("dry run: nothing was written") == 3


def test_a_row_without_its_key_is_refused_in_checks_words(tracker, tmp_path):
    csv = _write(tmp_path / "e.csv", HEAD + ",Fife Council,SWF,01/10/2026,Upheld,Delay,N\n"
                                            ",Fife Council,SWF,02/10/2026,Upheld,Delay,N\n")
    plan = import_rows(read_tracker(tracker), read_source(csv))
    assert plan.bad == ["line 2: Case ref: Case ref is required", "line 3: Case ref: Case ref is required"]

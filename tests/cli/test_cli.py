from spso_xl.cli import main


def test_due_lists_the_holidays_skipped(capsys):
    assert main(["due", "20/11/2026"]) == 0
    out = capsys.readouterr().out
    assert "due Mon 07/12/2026" in out and "Saint Andrew's Day" in out


def test_bad_date_is_a_clear_usage_error(capsys):
    try:
        main(["due", "31/02/2026"])
    except SystemExit as e:
        assert e.code == 2
    assert "'31/02/2026' is not a date" in capsys.readouterr().err


def test_new_refuses_to_replace_without_force_and_backs_up_with_it(tmp_path, capsys):
    path = tmp_path / "si_tracker.xlsm"
    assert main(["new", str(path), "--as-of", "22/11/2026"]) == 0
    original = path.read_bytes()
    assert main(["new", str(path)]) == 1 and path.read_bytes() == original
    (tmp_path / "~$si_tracker.xlsm").write_text("owner")
    assert main(["new", str(path), "--force"]) == 1 and path.read_bytes() == original
    assert "open in Excel" in capsys.readouterr().err
    (tmp_path / "~$si_tracker.xlsm").unlink()
    assert main(["new", str(path), "--force", "--as-of", "22/11/2026"]) == 0
    [kept] = (tmp_path / "backups").iterdir()
    assert kept.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backups", "si_tracker.py", "si_tracker.xlsm", "templates"]


def test_output_piped_into_head_ends_quietly():
    import subprocess
    import sys

    proc = subprocess.run(f"{sys.executable} -m spso_xl.cli due {' '.join(['20/11/2026'] * 3000)} | head -1",
                          shell=True, capture_output=True, text=True)
    assert proc.stdout.startswith("notified Fri 20/11/2026") and "Traceback" not in proc.stderr


# --- every mistake a person can make on the command line: one line, the file named, a non-zero exit ---------

import re  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

import openpyxl  # noqa: E402
import pytest  # noqa: E402

from tests.support import dates  # noqa: E402
from tests.support.trackers import copy_tracker  # noqa: E402

AS_OF = dates.AS_OF.strftime("%d/%m/%Y")  # as the command line takes it


def _mistakes(folder):
    """name -> (path, words the message must hold)."""
    (folder / "a folder.xlsm").mkdir()
    (folder / "notes.xlsm").write_text("these are my notes, not a workbook\n")
    (folder / "cases.csv").write_text("Ref,Organisation\nSI-1,Fife Council\n")
    (folder / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    (folder / "empty.xlsm").write_bytes(b"")
    (folder / "broken.xlsm").write_bytes(b"PK\x03\x04 not really a zip")
    wb = openpyxl.Workbook()
    wb.active["A1"] = "a budget"
    wb.save(folder / "other.xlsx")
    return {
        "folder": (folder / "a folder.xlsm", "is a folder"),
        "text named .xlsm": (folder / "notes.xlsm", "not an Excel workbook"),
        "csv": (folder / "cases.csv", "CSV file, not a workbook"),
        "old xls": (folder / "old.xls", "Save As"),
        "empty": (folder / "empty.xlsm", "is empty"),
        "damaged": (folder / "broken.xlsm", "could not be read"),
        "missing": (folder / "nope.xlsm", "no such tracker"),
        "not a tracker": (folder / "other.xlsx", "not an S&I tracker"),
    }


def _one_line(capsys, code, name, words):
    captured = capsys.readouterr()
    assert code not in (0, None), captured
    err = captured.err.strip()
    assert "Traceback" not in captured.err + captured.out
    assert "\n" not in err, err  # one line
    assert err.startswith("spso-xl: ") and name in err and words in err, err
    return err


@pytest.mark.parametrize("command", [["check"], ["report"], ["report", "--format", "csv"], ["summary"],
                                     ["letters", "--due"]])
def test_a_file_that_is_not_a_tracker_gets_one_line(tmp_path, capsys, command):
    for path, words in _mistakes(tmp_path).values():
        code = main([command[0], str(path), *command[1:], *(["--as-of", AS_OF] if command != ["check"] else [])])
        _one_line(capsys, code, path.name, words)
    assert not list(tmp_path.glob("SI summary*")) and not (tmp_path / "letters").exists()


def test_report_on_a_workbook_that_is_not_a_tracker_says_so_not_0_cases(tmp_path, capsys):
    path, _ = _mistakes(tmp_path)["not a tracker"]
    err = _one_line(capsys, main(["report", str(path)]), "other.xlsx", "not an S&I tracker")
    assert "0 cases" not in err and "no Cases sheet" in err


@pytest.mark.parametrize("name, words", [("SI tracker 2026.xlsm", "e.g. SI_tracker_2026.xlsm"),
                                         ("plain.xlsx", "name it plain.xlsm"), ("2026.xlsm", "digit"),
                                         ("macros.xlsm", "a name Python already uses")])
def test_new_with_a_name_excel_python_cannot_use(tmp_path, capsys, name, words):
    code = main(["new", str(tmp_path / name)])
    _one_line(capsys, code, name, words)
    assert not list(tmp_path.iterdir())


def test_debug_shows_the_traceback_and_the_default_does_not(tmp_path):
    (tmp_path / "cases.csv").write_text("a,b\n")
    run = lambda *a: subprocess.run([sys.executable, "-m", "spso_xl.cli", *a], capture_output=True, text=True)  # noqa
    plain, debug = run("check", str(tmp_path / "cases.csv")), run("check", str(tmp_path / "cases.csv"), "--debug")
    assert plain.returncode == 2 and "Traceback" not in plain.stderr and plain.stderr.count("\n") == 1
    assert debug.returncode != 0 and "Traceback" in debug.stderr and "InputError" in debug.stderr


def test_an_unexpected_error_is_one_line_that_says_how_to_report_it(tracker, capsys, monkeypatch):
    import spso_xl.tracker.read

    monkeypatch.setattr(spso_xl.tracker.read, "tracker_from_sheets", lambda *a: 1 / 0)
    err = _one_line(capsys, main(["check", str(tracker)]), tracker.name, "unexpected error (ZeroDivisionError")
    assert "--debug" in err


def test_version_and_help_say_what_a_manager_needs(capsys):
    from spso_xl import __version__

    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0 and capsys.readouterr().out.strip() == f"spso-xl {__version__}"

    def help_of(*command):
        with pytest.raises(SystemExit):
            main([*command, "--help"])
        return " ".join(capsys.readouterr().out.split())

    report = help_of("report")
    assert "--as-of DD/MM/YYYY" in report and "22/11/2026" in report
    assert "fits the terminal (default)" in report and "--columns" in report
    assert "table: a text file" in report  # --output for every format
    letters = help_of("letters")
    assert "'letters' folder beside the tracker" in letters
    assert "with --ref, only those cases" in letters
    summary = help_of("summary")
    assert "2026Q2 is 2026-27 Q2" in summary and "never replaced" in summary
    assert "--debug" in help_of("check")


def test_a_quarter_in_words_is_a_usage_line(tracker, capsys):
    with pytest.raises(SystemExit) as e:
        main(["summary", str(tracker), "--quarter", "the second quarter"])
    err = capsys.readouterr().err
    assert e.value.code == 2 and "'the second quarter' is not a quarter" in err and "Traceback" not in err


def test_an_open_tracker_refusal_says_how_to_clear_a_stale_lock(tracker, capsys):
    lock = tracker.parent / f"~${tracker.name}"
    lock.write_text("owner")
    code = main(["summary", str(tracker), "--as-of", AS_OF])
    err = _one_line(capsys, code, tracker.name, "open in Excel or LibreOffice")
    assert f"delete {lock}" in err and "Nothing was changed" in err


# --- the terminal report, on the demo tracker ---------------------------------------------------------------

_RULE = re.compile(r"^[─ ]+$")


@pytest.mark.parametrize("width", [80, 120])
def test_terminal_report_fits_the_width_and_never_splits_a_word(demo_tracker, capsys, monkeypatch, width):
    from spso_xl.outputs.report import _display, report_frame
    from spso_xl.tracker.read import read_tracker

    monkeypatch.setenv("COLUMNS", str(width))
    assert main(["report", str(demo_tracker), "--as-of", AS_OF]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(map(len, lines)) <= width
    frame, _ = report_frame(read_tracker(demo_tracker), dates.AS_OF)
    source = set(" ".join(_display(v) for v in frame.to_numpy().ravel()).split())
    title = set(lines[0].split()) | set(lines[1].split())
    heads = {"Ref", "Organisation", "Level", "Due", "Status", "Days", "late", "Rec.", "level", "Contact"}
    words = {w for line in lines[2:] if not _RULE.match(line) for w in line.split()}
    assert words - source - heads - title == set()  # every word on screen is a whole word of a value
    assert "Organisation" in lines[1] or "Organisation" in lines[2]
    # the columns a manager acts on, one row per case, the reason under each overdue or escalation-due row
    si9 = next(i for i, line in enumerate(lines) if line.startswith("SI-2026-009"))
    assert "OVERDUE" in lines[si9] and "05/10/2026" in lines[si9]
    below = " ".join(line.strip() for line in lines[si9 + 1:si9 + 6])
    assert "Escalate to level 4: the organisation has not responded by 05/10/2026" in below
    assert sum(line.startswith("SI-2026-") for line in lines) == len(frame)
    assert len(lines) < 24 * 6


def test_terminal_report_to_a_text_file_and_chosen_columns(demo_tracker, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    out = tmp_path / "report.txt"
    assert main(["report", str(demo_tracker), "--as-of", AS_OF, "--output", str(out), "--columns", "ref, due,late"]) == 0
    assert f"wrote {out} (24 cases)" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    head = next(line for line in text.splitlines() if line.startswith("Ref"))
    assert "\x1b" not in text and head.split() == ["Ref", "Due", "Days", "late"]
    assert "Fife Council" not in text and "Escalate to level 4" in text
    code = main(["report", str(demo_tracker), "--columns", "Ref,Organsation"])
    _one_line(capsys, code, "Organsation", "did you mean Organisation?")


def test_csv_output_with_columns(demo_tracker, tmp_path, capsys):
    out = tmp_path / "r.csv"
    assert main(["report", str(demo_tracker), "--as-of", AS_OF, "--format", "csv", "--columns", "Ref,Status",
                 "--output", str(out)]) == 0
    assert out.read_text(encoding="utf-8-sig").splitlines()[0] == "Ref,Status"


def test_xlsx_report_is_sized_frozen_filtered_with_uk_dates(demo_tracker, tmp_path, capsys):
    out = tmp_path / "r.xlsx"
    assert main(["report", str(demo_tracker), "--as-of", AS_OF, "--format", "xlsx", "--output", str(out)]) == 0
    ws = openpyxl.load_workbook(out).active
    header = [c.value for c in ws[1]]
    col = lambda name: openpyxl.utils.get_column_letter(header.index(name) + 1)  # noqa: E731
    assert ws.column_dimensions[col("Ref")].width >= len("SI-2026-010") + 1
    assert ws.column_dimensions[col("Organisation")].width >= len("Comhairle nan Eilean Siar")
    assert ws.column_dimensions[col("Reason")].width <= 62
    assert ws[f"{col('Reason')}2"].alignment.wrap_text
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    assert ws[f"{col('Due')}2"].number_format == "dd/mm/yyyy"
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$1"


# --- messages -----------------------------------------------------------------------------------------------

def test_check_lists_problems_sheet_by_sheet_and_row_by_row(tmp_path, capsys, monkeypatch):
    from spso_xl.new import build_tracker
    from spso_xl.tracker.sample import demo_rows

    rows = demo_rows(dates.AS_OF)
    rows["Cases"][5]["Trigger"] = "Informaton overdue"
    rows["Cases"][1]["Organisation"] = "Fif Council"
    rows["Cases"][3]["Function"] = "Complaint handlng"
    rows["Actions"][0]["Date"] = "31/02/2026"
    path = build_tracker(tmp_path / "si_tracker.xlsm", rows, as_of=dates.AS_OF)
    monkeypatch.setenv("COLUMNS", "250")
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "si_tracker.xlsm: 4 problems" in out
    assert "did you mean Fife Council? Otherwise add it there first" in out
    assert "did you mean Information overdue?" in out
    order = [out.index(w) for w in ("'Fif Council'", "'Complaint handlng'", "'Informaton overdue'", "'31/02/2026'")]
    assert order == sorted(order)  # Cases rows 5, 7, 9, then the Actions sheet


def test_function_near_miss_is_suggested():
    from spso_xl.errors import InputError
    from spso_xl.policy.vocab import parse_function, parse_trigger

    with pytest.raises(InputError, match="did you mean Complaints"):
        parse_function("Complants")
    with pytest.raises(InputError) as e:
        parse_trigger("something else entirely")
    assert "did you mean" not in str(e.value) and "use one of" in str(e.value)


def test_plurals_in_what_a_person_reads(tmp_path, capsys):
    from spso_xl.new import build_tracker
    from spso_xl.errors import plural
    from spso_xl.tracker.sample import demo_rows

    assert (plural(1, "case"), plural(0, "case"), plural(2, "case")) == ("1 case", "0 cases", "2 cases")
    rows = demo_rows(dates.AS_OF)
    rows["Cases"] = rows["Cases"][:1]
    path = build_tracker(tmp_path / "si_tracker.xlsm", rows, as_of=dates.AS_OF)
    assert main(["check", str(path)]) == 0
    assert "no problems (1 case checked)" in capsys.readouterr().out
    assert main(["report", str(path), "--as-of", AS_OF]) == 0
    assert ": 1 case," in capsys.readouterr().out


def test_letters_output_starts_with_what_was_done_and_ref_with_due_says_what_happened(demo_tracker, tmp_path, capsys):
    from spso_xl.tracker.read import read_tracker  # noqa: F401

    path = copy_tracker(demo_tracker, tmp_path)
    code = main(["letters", str(path), "--ref", "SI-2026-001", "SI-2026-009", "--due", "--as-of", AS_OF])
    captured = capsys.readouterr()
    assert code == 0 and captured.out.startswith("wrote ")
    assert "SI-2026-009" in captured.out
    assert "skipped: SI-2026-001" in captured.err and "no letter due" in captured.err


def test_letters_refused_for_a_bad_row_names_the_cell_not_cells_above(tmp_path, capsys):
    from spso_xl.new import build_tracker
    from spso_xl.tracker.sample import demo_rows

    rows = demo_rows(dates.AS_OF)
    rows["Cases"][0]["Level"] = "L9"
    path = build_tracker(tmp_path / "si_tracker.xlsm", rows, as_of=dates.AS_OF)
    assert main(["letters", str(path), "--ref", "SI-2026-001", "--as-of", AS_OF]) == 1
    err = capsys.readouterr().err
    assert "above" not in err and "fix that cell first" in err and "'L9' is not a level" in err


def test_demo_count_equals_the_list_it_shows(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    assert main(["demo", "--out", str(tmp_path / "demo"), "--as-of", AS_OF]) == 0
    out = capsys.readouterr().out
    m = re.search(r"(\d+) cases need action \((\d+) overdue, (\d+) to escalate\)", out)
    listed = re.findall(r"^  SI-2026-\d+ ", out.split("Letters")[0], re.M)
    assert m and int(m.group(1)) == len(listed) and int(m.group(2)) <= len(listed)

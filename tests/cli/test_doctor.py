"""`spso-xl doctor`: one line per finding, each with its fix, and a non-zero exit on a problem."""

import openpyxl
import pytest

from spso_xl.cli import doctor
from spso_xl.tracker.build import ENTRY_MODULE
from spso_xl.cli import main
from spso_xl.cli.doctor import NOTE, OK, PROBLEM, diagnose


def statuses(findings) -> list[str]:
    return [f.status for f in findings]


def test_this_computer_here_python_and_xlwings_ok_excel_settings_noted(capsys):
    found = diagnose(platform="linux")
    assert statuses(found) == [OK, OK, NOTE, NOTE]
    assert "xlwings addin status" in found[2].line()
    assert "Trust access to the VBA project object model" in found[3].line()
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "ready" and all("\n" not in line for line in out)


def test_the_addin_and_the_trust_center_on_windows(tmp_path, monkeypatch):
    monkeypatch.setenv("APPDATA", str(tmp_path))
    monkeypatch.setattr(doctor, "_vbom_trusted", lambda: False)
    addin, trust = doctor.addin("win32"), doctor.trust_center("win32")
    assert addin.status == PROBLEM and "xlwings addin install" in addin.fix
    assert trust.status == PROBLEM and "Trust Center" in trust.fix and "Import Functions" in trust.message
    xlstart = tmp_path / "Microsoft" / "Excel" / "XLSTART"
    xlstart.mkdir(parents=True)
    (xlstart / "xlwings.xlam").write_bytes(b"add-in")
    monkeypatch.setattr(doctor, "_vbom_trusted", lambda: True)
    assert doctor.addin("win32").status == doctor.trust_center("win32").status == OK


def test_on_a_mac_the_functions_are_noted_as_windows_only():
    mac = doctor.trust_center("darwin")
    assert mac.status == NOTE and "Windows-only" in mac.message and "spso-xl report" in mac.fix


def test_a_renamed_copy_needs_an_importable_name(tracker, capsys):
    renamed = tracker.with_name("si_tracker (1).xlsm")
    tracker.rename(renamed)
    assert main(["doctor", str(renamed), "--fix"]) == 1
    out = capsys.readouterr().out
    assert "'si_tracker (1)' is not a name Python can import" in out
    assert "save the workbook as si_tracker_1.xlsm, then run: spso-xl doctor --fix si_tracker_1.xlsm" in out
    assert not renamed.with_suffix(".py").exists()  # nothing written under a name xlwings cannot import


def test_fix_writes_the_entry_module_beside_a_renamed_workbook(tracker, capsys):
    moved = tracker.with_name("team_tracker.xlsm")
    tracker.rename(moved)
    assert main(["doctor", str(moved)]) == 1
    assert "team_tracker.py is missing beside the workbook" in capsys.readouterr().out
    assert main(["doctor", str(moved), "--fix"]) == 0
    assert moved.with_suffix(".py").read_text() == ENTRY_MODULE
    assert main(["doctor", str(moved)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "ready"


def test_a_foreign_entry_module_is_not_replaced(tracker):
    tracker.with_suffix(".py").write_text("print('mine')\n")
    [finding] = [f for f in diagnose(tracker, fix=True) if ".py" in f.message]
    assert finding.status == PROBLEM and tracker.with_suffix(".py").read_text() == "print('mine')\n"


def _conf(tracker, rows):
    wb = openpyxl.load_workbook(tracker, keep_vba=True)
    ws = wb["xlwings.conf"]
    ws.delete_rows(1, ws.max_row)
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row, start=1):
            ws.cell(r, c, v)
    wb.save(tracker)


@pytest.mark.parametrize("rows, expected", [
    ([("Interpreter_Win", None), ("UDF Modules", "udfs")], "'Interpreter_Win' is blank"),
    ([("UDF Modules", "udfs"), (None, None), ("Interpreter_Mac", "/usr/bin/python3")], "comes after the blank row 2"),
    ([("Show Console", False)], "no 'UDF Modules'"),
    ([("UDF Modules", "no_such_module_here")], "'no_such_module_here' cannot be imported"),
])
def test_the_conf_sheet_as_xlwings_reads_it(tracker, rows, expected):
    _conf(tracker, rows)
    problems = [f.line() for f in diagnose(tracker) if f.status == PROBLEM]
    assert any(expected in line for line in problems), problems


def test_a_built_tracker_is_ready_and_bad_paths_get_one_line(tracker, tmp_path, capsys):
    assert statuses(diagnose(tracker, platform="linux")) == [OK, OK, NOTE, NOTE, OK, OK]
    text = tmp_path / "notes.txt"
    text.write_text("x")
    for path in (text, tmp_path / "missing.xlsm"):
        assert main(["doctor", str(path)]) == 1
        err = capsys.readouterr()
        assert "Traceback" not in err.out + err.err and err.out.count("problem ") == 1


# --- an xlwings Lite tracker -------------------------------------------------------------------


@pytest.fixture(scope="module")
def lite_tracker(tmp_path_factory):
    from spso_xl.new import build_tracker
    from tests.support.dates import AS_OF

    return build_tracker(tmp_path_factory.mktemp("lite") / "si_tracker.xlsx", as_of=AS_OF, edition="lite")


@pytest.fixture
def lite_copy(lite_tracker, tmp_path):
    from tests.support.trackers import copy_folder

    return copy_folder(lite_tracker, tmp_path)


def test_a_healthy_lite_tracker_passes_on_what_lite_needs(lite_copy, capsys):
    """Not the desktop checks (Python, the xlwings add-in, the entry module, xlwings.conf, the Trust
    Center), which a Lite tracker does not need, but what it does: no macros, the Calc formula, the add-in's
    main.py and requirements.txt in the workbook, spso-xl's code and the templates to upload."""
    found = diagnose(lite_copy, platform="win32")
    assert PROBLEM not in statuses(found)
    text = "\n".join(f.line() for f in found)
    for words in ("no macros", "SI_CASES formula", "carries spso-xl's main.py", "requirements.txt lists",
                  "'personal' folder", "'templates' folder", "Enter formulas"):
        assert words in text, words
    for desktop in ("Trust access", "xlwings.conf", "entry module", "addin install"):
        assert desktop not in text
    assert main(["doctor", str(lite_copy)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "ready"


def test_a_lite_tracker_missing_what_lite_needs_says_what_to_do(lite_copy, capsys):
    import shutil

    shutil.rmtree(lite_copy.parent / "personal")
    shutil.rmtree(lite_copy.parent / "templates")
    assert main(["doctor", str(lite_copy)]) == 1
    out = capsys.readouterr().out
    assert "no wheel address in requirements.txt and no 'personal' folder" in out and "doctor --fix" in out
    assert "no 'templates' folder" in out
    (lite_copy.parent / "requirements.txt").write_text("https://example.org/spso_xl-0.1.0-py3-none-any.whl\n")
    # the workbook's own requirements.txt has no address: the one beside it counts only for an older tracker
    assert any("'personal' folder" in f.message for f in diagnose(lite_copy) if f.status == PROBLEM)


def test_a_lite_tracker_with_macros_or_without_its_formula_is_a_problem(lite_copy):
    import zipfile

    data = {i.filename: zipfile.ZipFile(lite_copy).read(i) for i in zipfile.ZipFile(lite_copy).infolist()}
    sheets = [n for n, d in data.items() if n.startswith("xl/worksheets/sheet") and b"SI_CASES(" in d]
    assert len(sheets) == 1
    data[sheets[0]] = data[sheets[0]].replace(b"SI_CASES(", b"SUM(")
    data["xl/vbaProject.bin"] = b"vba"
    with zipfile.ZipFile(lite_copy, "w") as z:
        for name, blob in data.items():
            z.writestr(name, blob)
    problems = [f.message for f in diagnose(lite_copy) if f.status == PROBLEM]
    assert any("holds macros" in m for m in problems) and any("no SI_CASES formula" in m for m in problems)


def test_a_lite_tracker_built_with_the_wheels_address_needs_no_personal_folder(tmp_path):
    import shutil
    import zipfile

    from spso_xl.errors import InputError
    from spso_xl.new import build_tracker

    url = "https://spso.example.org/wheels/spso_xl-0.1.0-py3-none-any.whl"
    path = build_tracker(tmp_path / "t.xlsx", edition="lite", wheel_url=url)
    shutil.rmtree(tmp_path / "personal")
    with zipfile.ZipFile(path) as z:
        assert doctor._lite_properties(z)["requirements.txt"].splitlines()[-1] == url
    found = diagnose(path)
    assert PROBLEM not in statuses(found) and any(url in f.message for f in found)
    assert (tmp_path / "requirements.txt").read_text().splitlines()[-1] == url
    for edition, bad in (("classic", url), ("lite", "http://spso.example.org/spso_xl.whl"), ("lite", "spso_xl.whl")):
        with pytest.raises(InputError, match="https:// address ending in .whl"):
            build_tracker(tmp_path / ("u.xlsm" if edition == "classic" else "u.xlsx"), edition=edition, wheel_url=bad)

"""A bad cell flags its case, never hides it (DESIGN §3, issue 25): a duplicate Ref (which hid the
original overdue case too), an organisation not on the list, or a date typed 12/31/2026 dropped the
case from report with one line on stderr and exit 0. The row stays, with Status CHECK and the cell
named; letters refuse it by name; the exit status says there are rows to check."""



import pytest

from spso_xl.cli import main
from spso_xl.new import build_tracker
from spso_xl.outputs.report import report_frame
from spso_xl.tracker.read import read_tracker
from spso_xl.tracker.sample import demo_rows
from tests.support.dates import AS_OF


@pytest.fixture(scope="module")
def bad(tmp_path_factory):
    rows = demo_rows(AS_OF)
    cases = rows["Cases"]
    refs = [c["Ref"] for c in cases]
    i009, i005, i006, i012 = (refs.index(r) for r in ("SI-2026-009", "SI-2026-005", "SI-2026-006", "SI-2026-012"))
    cases[i012]["Ref"] = "SI-2026-009"  # a duplicate: the original SI-2026-009 is overdue
    cases[i005]["Organisation"] = "Narnia Council"
    cases[i006]["Date notified"] = "12/31/2026"
    path = build_tracker(tmp_path_factory.mktemp("bad") / "si_tracker.xlsm", rows, as_of=AS_OF)
    return path, len(cases)


def test_every_row_stays_and_the_bad_ones_say_check_and_name_the_cell(bad):
    path, n = bad
    frame, to_check = report_frame(read_tracker(path), AS_OF)
    assert len(frame) == n and len(to_check) == 4
    flagged = frame[frame["Status"] == "CHECK"].set_index("Row")
    assert sorted(flagged.index) == to_check
    reasons = " | ".join(flagged["Reason"])
    assert reasons.count("the Ref 'SI-2026-009' is used on more than one row") == 2  # both rows flagged
    assert "Cases!Organisation" in reasons and "'Narnia Council' is not in the Organisations sheet" in reasons
    assert "Cases!Date notified" in reasons and "'12/31/2026' is not a date (dates are day first" in reasons
    assert "Narnia Council" in set(flagged["Organisation"])  # shown as typed
    assert flagged["Recommended level"].isna().all()
    original = flagged[flagged["Ref"] == "SI-2026-009"]
    assert len(original) == 2 and original["Working days overdue"].max() > 0  # still shown as late


def test_report_lists_them_first_and_exits_non_zero(bad, capsys):
    path, n = bad
    assert main(["report", str(path), "--as-of", "22/11/2026", "--format", "csv"]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == n + 1 and "a cell to check" in err and "skipped" not in err
    assert main(["report", str(path), "--as-of", "22/11/2026"]) == 1
    assert "4 to check" in capsys.readouterr().out


def test_letters_refuse_the_rows_to_check_by_name(bad, tmp_path, capsys):
    import shutil

    path = shutil.copy(bad[0], tmp_path / "si_tracker.xlsm")
    main(["letters", str(path), "--due", "--as-of", "22/11/2026"])
    err = capsys.readouterr().err
    for cell in ("Cases!Organisation row", "Cases!Date notified row", "Cases!Ref row"):
        assert f"{cell}" in err and "fix that cell first" in err


def test_a_clean_tracker_exits_zero(demo_tracker, capsys):
    assert main(["report", str(demo_tracker), "--as-of", "22/11/2026", "--format", "csv"]) == 0
    assert "CHECK" not in capsys.readouterr().out


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

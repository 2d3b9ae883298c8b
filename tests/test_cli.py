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

"""Paths handed to another program (issue 25): one rule, `program_path`, makes every path absolute so
that a user's setting can never become an option. The attack: a Settings letters folder named
`--accept=socket,…`, `letters --pdf` run from the tracker's folder, and LibreOffice opening a control
port that runs commands for anyone on the network."""

import subprocess

from spso_xl.cli import main
from spso_xl.new import build_tracker
from spso_xl.outputs import libreoffice
from spso_xl.tracker.sample import demo_rows
from tests.support.dates import AS_OF

ATTACK = "--accept=socket,host=127.0.0.1,port=2002;urp;"


def test_program_path_is_absolute_whatever_it_is_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for given in (ATTACK, f"{ATTACK}/x.docx", "-env:UserInstallation=file:///tmp", "letters/a.docx"):
        arg = libreoffice.program_path(given)
        assert arg.startswith(str(tmp_path)) and not arg.startswith("-"), arg


def test_a_letters_folder_named_like_an_option_is_never_an_option(tmp_path, monkeypatch, libreoffice, capsys):
    rows = demo_rows(AS_OF)
    for r in rows["Settings"]:
        if r["Setting"] == "Letters folder":
            r["Value"] = ATTACK
    path = build_tracker(tmp_path / "si_tracker.xlsm", rows, as_of=AS_OF)
    seen = []
    real_run = subprocess.run

    def spy(argv, *a, **kw):
        seen.append(list(argv))
        return real_run(argv, *a, **kw)

    monkeypatch.setattr(subprocess, "run", spy)
    monkeypatch.chdir(tmp_path)  # run from the tracker's folder, with a relative tracker path
    assert main(["letters", path.name, "--ref", "SI-2026-005", "--pdf", "--as-of", "22/11/2026"]) == 0, \
        capsys.readouterr().err
    [argv] = [a for a in seen if "--convert-to" in a]
    files = argv[argv.index("--outdir") + 1:]
    assert files and all(f.startswith("/") for f in files), argv
    assert not any(a.startswith("--accept") for a in argv), argv
    assert list((tmp_path / ATTACK).glob("*.pdf")) and list((tmp_path / ATTACK).glob("*.docx"))

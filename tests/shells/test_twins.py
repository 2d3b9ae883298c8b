"""Each button and its command-line twin leave the same tracker and the same files (issue 21: one
implementation per action). The button runs on xlwings' remote engine over one copy of a tracker,
its actions applied back to that file; the command runs on another copy; then both are read back.
The Lite scripts call the same handlers (tests/shells/test_lite.py)."""

import datetime as dt

import openpyxl
import pytest
from docx import Document

from spso_xl.cli import main
from spso_xl.new import build_tracker
from spso_xl.tracker import schema
from spso_xl.tracker.read import read_tracker
from spso_xl.tracker.sample import demo_rows
from tests.support import clicks, remote
from tests.support.dates import TODAY
from tests.support.trackers import FIRST, copy_folder

LETTER_REF = "SI-2026-009"


@pytest.fixture(scope="module")
def original(tmp_path_factory):
    rows = demo_rows(TODAY)
    i = [c["Ref"] for c in rows["Cases"]].index(LETTER_REF)
    rows["Cases"][i]["Date notified"] = None  # not yet notified: its letter is the notification
    return build_tracker(tmp_path_factory.mktemp("twins") / "si_tracker.xlsm", rows, as_of=TODAY)


@pytest.fixture
def twins(original, tmp_path, monkeypatch):
    """Two copies of the tracker's folder (templates beside it); the remote engine knows a book's name
    only, so the button's files go to the working folder: the button's copy."""
    button, cli = (copy_folder(original, tmp_path / name) for name in ("button", "cli"))
    monkeypatch.chdir(button.parent)
    return button, cli


def click(path, active="Cases", action=None, selection="A4"):
    """The button clicked on TODAY; it must say it did what was asked (one alert, info)."""
    actions = clicks.click(path, action, today=TODAY, active=active, selection=selection)
    alerts = [a["args"] for a in actions if a["func"] == "alert"]
    assert len(alerts) == 1 and alerts[0][3] == "info", alerts
    return actions


def row_of(path, ref) -> int:
    return FIRST + list(read_tracker(path).raw["Cases"]["Ref"]).index(ref)


def state(path, *sheets):
    """The tables as read (canonical values: Excel's 2.0 and our 2 are one level), Excel rows left out."""
    t = read_tracker(path)
    return {s: t.parsed[s].drop(columns="_row").astype(object).where(t.parsed[s].notna(), None).to_dict("records")
            for s in sheets}


@pytest.mark.parametrize("action, command, ref", [
    ("Record chaser", "chase", "SI-2026-004"),
    ("Record escalation", "escalate", "SI-2026-005"),
])
def test_chase_and_escalate(twins, action, command, ref):
    button, cli = twins
    remote.apply(button, click(button, action=action, selection=f"A{row_of(button, ref)}"))
    assert main([command, str(cli), "--ref", ref, "--as-of", TODAY.strftime("%d/%m/%Y")]) == 0
    assert state(button, "Cases", "Actions") == state(cli, "Cases", "Actions")
    assert state(cli, "Actions")["Actions"], "nothing was logged: the comparison would prove nothing"


def test_letters(twins):
    button, cli = twins
    remote.apply(button, click(button, action="Generate letters", selection=f"A{row_of(button, LETTER_REF)}"))
    assert main(["letters", str(cli), "--ref", LETTER_REF, "--as-of", TODAY.strftime("%d/%m/%Y")]) == 0
    letters = [sorted((p.parent / "letters").glob("*.docx")) for p in (button, cli)]
    assert [p.name for p in letters[0]] == [p.name for p in letters[1]] and len(letters[0]) == 1
    assert [[q.text for q in Document(p).paragraphs] for p in (letters[0][0], letters[1][0])][0] == \
        [q.text for q in Document(letters[1][0]).paragraphs]
    links = {"Letters": "File", "Actions": "Document"}
    ours, theirs = state(button, "Cases", "Letters", "Actions"), state(cli, "Cases", "Letters", "Actions")
    assert ours["Cases"] == theirs["Cases"]
    for sheet, link in links.items():  # the link cell: a formula through Excel, a hyperlink in the file
        assert [{k: v for k, v in r.items() if k != link} for r in ours[sheet]] == \
            [{k: v for k, v in r.items() if k != link} for r in theirs[sheet]]
        shown = [r[link] for r in theirs[sheet] if r[link]]
        assert shown and all(s.startswith("letters/") for s in shown)
        wb = openpyxl.load_workbook(button)
        formulas = [c.value for c in wb[sheet][openpyxl.utils.get_column_letter(
            schema.SHEETS[sheet].headers.index(link) + 1)] if isinstance(c.value, str) and "HYPERLINK" in c.value]
        assert formulas == [f'=HYPERLINK("{s}","{s}")' for s in shown]


def test_summary(twins):
    button, cli = twins
    actions = click(button, active="Summary", selection="B3")
    assert main(["summary", str(cli), "--quarter", "2026-27 Q2", "--as-of", TODAY.strftime("%d/%m/%Y")]) == 0
    name = "SI summary 2026-27 Q2.xlsx"
    assert sorted(p.name for p in button.parent.glob("SI summary*")) == [name]
    assert sorted(p.name for p in cli.parent.glob("SI summary*")) == [name]

    def cells(path, sheet=None):
        wb = openpyxl.load_workbook(path)
        return [list(row) for row in (wb[sheet] if sheet else wb.active).iter_rows(values_only=True)]

    def plain(rows, width):  # dates as dates, rows to one width, no blank rows at the end
        rows = [[v.date() if isinstance(v, dt.datetime) else v for v in row] + [None] * (width - len(row))
                for row in rows]
        while rows and not any(v is not None for v in rows[-1]):
            rows.pop()
        return rows

    assert cells(button.parent / name) == cells(cli.parent / name)
    # the sheet in the tracker: the button's grid as Excel stores what xlwings sends, the command's as written
    [grid] = [a["values"] for a in actions if a["func"] == "setValues"]
    written = cells(cli, "Summary 2026-27 Q2")
    width = len(written[0])
    assert plain([[remote._value(v) for v in row] for row in grid], width) == plain(written, width)

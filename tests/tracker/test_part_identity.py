"""Every writing command changes only the parts it owns (DESIGN §13), on a tracker that holds what
Excel users add: a dynamic-array formula (xl/metadata.xml, cm=), legacy comments, a drawing with a
chart, data validations, a sheet of their own and a column of their own beside a table. And every
writing command keeps the file's permissions."""

import re
import zipfile

import pytest

from spso_xl.new import build_tracker
from spso_xl.tracker import build, schema
from spso_xl.cli import main
from spso_xl.tracker.edit import edit_tracker, TrackerEdit
from spso_xl.tracker.sample import demo_rows
from spso_xl.tracker.read import ROW, read_tracker
from tests.support import xlsx_parts as xp
from tests.support.dates import AS_OF
from tests.support.trackers import copy_tracker

DAY = AS_OF.strftime("%d/%m/%Y")


class _RichBuilder(build._Builder):
    """The tracker as a user has grown it: their own sheet with a spilled formula, a chart and a note,
    and a column of their own to the right of the Cases table."""

    def lists(self):
        super().lists()
        ws = self.wb.add_worksheet("My notes")
        ws.write_dynamic_array_formula("A1:A1", "=_xlfn.SEQUENCE(3)")
        ws.write_comment("C1", "my own note", {"x_scale": 3})
        ws.data_validation("B1:B5", {"validate": "list", "source": ["a", "b"]})
        chart = self.wb.add_chart({"type": "column"})
        chart.add_series({"values": "='My notes'!$A$1:$A$3"})
        ws.insert_chart("E2", chart)
        cases = self.wb.get_worksheet_by_name("Cases")
        right = len(schema.CASES.headers)  # the first column right of the Cases table (0-based)
        cases.write_string(2, right, "My column")
        for r in range(3, 8):
            cases.write_string(r, right, f"mine {r}")


@pytest.fixture(scope="module")
def rich(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rich")
    original = build._Builder
    build._Builder = _RichBuilder
    try:
        return build_tracker(folder / "si_tracker.xlsm", demo_rows(AS_OF), as_of=AS_OF)
    finally:
        build._Builder = original


@pytest.fixture
def tracker(rich, tmp_path):
    target = copy_tracker(rich, tmp_path, templates=True)
    target.chmod(0o664)
    return target


def _changed(before: dict, after: dict) -> set[str]:
    return {n for n in set(before) | set(after) if before.get(n) != after.get(n)}


def _owned(path, *sheets, tables=(), extra=()) -> set[str]:
    parts = xp.sheet_parts(path)
    names = {parts[s] for s in sheets}
    names |= {n.replace("worksheets/", "worksheets/_rels/") + ".rels" for n in names}
    table_parts = {}
    for name, data in xp.parts(path).items():
        if name.startswith("xl/tables/"):
            table_parts[re.search(rb' name="([^"]+)"', data).group(1).decode()] = name
    return names | {table_parts[t] for t in tables} | set(extra)


def _assert_users_things_kept(path):
    parts = xp.parts(path)
    assert "xl/metadata.xml" in parts
    mine = parts[xp.sheet_parts(path)["My notes"]].decode()
    assert re.search(r'<c r="A1"[^>]*cm="1"[^>]*><f t="array" ref="A1(:A1)?">_xlfn.SEQUENCE\(3\)</f>', mine)
    assert any(n.startswith("xl/charts/chart") for n in parts) and any(n.startswith("xl/drawings/drawing") for n in parts)
    assert xp.count(path, "My notes", "dataValidation") == 1
    assert "mine 5" in " ".join(str(v) for v in read_tracker(path).raw["Cases"].get("My column", []))


def _run(argv):
    assert main(argv) in (0, 1)


COMMANDS = {
    "letters": (lambda p: _run(["letters", str(p), "--due", "--as-of", DAY]),  # a notifying letter sets Date notified
                lambda p: _owned(p, "Letters", "Actions", "Cases", *(["Calc"] if "Calc" in xp.sheet_parts(p) else []),
                                 tables=("Letters", "Actions"), extra=("xl/sharedStrings.xml",))),
    "summary": (lambda p: _run(["summary", str(p), "--quarter", "2026-27Q2", "--as-of", DAY]),
                lambda p: {xp.sheet_parts(p)["Summary 2026-27 Q2"], "xl/workbook.xml", "[Content_Types].xml",
                           "xl/_rels/workbook.xml.rels", "xl/styles.xml"}),
    "refresh": (lambda p: _run(["refresh", str(p), "--as-of", "23/11/2026"]),
                lambda p: _owned(p, "Cases", *(["Calc"] if "Calc" in xp.sheet_parts(p) else []),
                                 extra=("xl/workbook.xml", "xl/sharedStrings.xml"))),  # the spill's new texts
    "cell edit (a chaser)": (
        lambda p: edit_tracker(p, TrackerEdit(
            cells={("Cases", int(read_tracker(p).cases[ROW].iloc[0]), "Chasers"): 3},
            append={"Actions": [{"Date": AS_OF, "Ref": "SI-2026-001", "Action": "Chaser", "By": "AB"}]})),
        lambda p: _owned(p, "Cases", "Actions", *(["Calc"] if "Calc" in xp.sheet_parts(p) else []),
                         tables=("Actions",), extra=("xl/sharedStrings.xml",))),
    "add": (lambda p: _run(["add", str(p), "--set", "Ref=SI-NEW", "--set", "Organisation=Fife Council",
                            "--set", "Trigger=Poor response", "--as-of", DAY]),
            lambda p: _owned(p, "Cases", "Actions", *(["Calc"] if "Calc" in xp.sheet_parts(p) else []),
                             tables=("Cases", "Actions"), extra=("xl/sharedStrings.xml",))),
    "update": (lambda p: _run(["update", str(p), "--ref", "SI-2026-001", "--set", "Owner=Someone new", "--as-of", DAY]),
               lambda p: _owned(p, "Cases", "Actions", *(["Calc"] if "Calc" in xp.sheet_parts(p) else []),
                                tables=("Actions",), extra=("xl/sharedStrings.xml",))),
    "import": (lambda p: (p.parent / "f.csv").write_text("Case ref,Organisation,Decision date,Outcome,Theme\n"
                                                          "NEW-1,Fife Council,01/11/2026,Upheld,A new theme\n")
               and _run(["import", str(p), str(p.parent / "f.csv"), "--as-of", DAY]),
               lambda p: _owned(p, "Findings", "Actions", tables=("Findings", "Actions"),
                                extra=("xl/sharedStrings.xml",))),
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_writing_command_changes_only_the_parts_it_owns(tracker, command):
    write, owned = COMMANDS[command]
    before = xp.parts(tracker)
    write(tracker)
    after = xp.parts(tracker)
    changed = _changed(before, after)
    assert changed, "the command changed nothing"
    assert changed <= owned(tracker), f"{command} changed parts it does not own: {changed - owned(tracker)}"
    assert set(before) <= set(after)
    _assert_users_things_kept(tracker)
    with zipfile.ZipFile(tracker) as z:
        assert z.testzip() is None


@pytest.mark.parametrize("command", [*COMMANDS, "new --force"])
def test_a_shared_tracker_keeps_its_mode(tracker, command):
    if command == "new --force":
        _run(["new", str(tracker), "--force", "--as-of", DAY])
    else:
        COMMANDS[command][0](tracker)
    assert oct(tracker.stat().st_mode & 0o777) == "0o664"

"""Trackers people have reshaped (tests/support/reshaped.py), under every write command (DESIGN §3 "A
tracker is found by its tables", §13): the right rows change and nothing else does, or the command is
refused with one line and the file is left byte-identical.

Before tables were found by name, `chase` on a tracker whose Cases tab was renamed read the renamed
tab and wrote the fresh `Cases` tab's rows; a hidden second table named Cases was read or written
depending on the path; a Total Row took new log rows under it; a header typed `Chasers ` crashed
`letters` after the letter was written; a ref to row 1,048,576 made `chase` and `refresh` walk a
million rows and write a spill that long.
"""

import re
import zipfile

import pytest

from spso_xl.cli import main
from spso_xl.letters.plan import LetterPlan, plan_letters
from spso_xl.tracker.read import ROW, read_tracker
from spso_xl.xlsx.worksheet import SheetEdit
from tests.support import reshaped
from tests.support.dates import AS_OF as DEMO_DAY
from tests.support.dates import TODAY
from tests.support.trackers import FIRST

AS_OF = ["--as-of", TODAY.strftime("%d/%m/%Y")]
COMMANDS = {
    "chase": ["chase", "--ref", "SI-2", *AS_OF],
    "escalate": ["escalate", "--ref", "SI-1", *AS_OF],
    "refresh": ["refresh", *AS_OF],
    "summary": ["summary", "--quarter", "2026-27 Q2", *AS_OF],
    "upgrade": ["upgrade"],
}


def _parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def _run(command: str, path, *extra) -> int:
    args = COMMANDS[command]
    return main([args[0], str(path), *args[1:], *extra])


def _records(path, table: str) -> list[dict]:
    frame = read_tracker(path).raw[table]
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _decoys(parts: dict[str, bytes]) -> set[str]:
    """The parts of the tab called `Cases` that is not the Cases table's (a fresh copy, an old range)."""
    wb = parts["xl/workbook.xml"].decode()
    rid = re.search(r'<sheet name="Cases" sheetId="\d+" r:id="(rId\d+)"', wb)
    if not rid:
        return set()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    part = "xl/" + re.search(rf'Id="{rid.group(1)}"[^>]*Target="([^"]+)"', rels).group(1)
    out = {part}
    rels_name = part.replace("worksheets/", "worksheets/_rels/") + ".rels"
    if rels_name in parts:
        out |= {"xl/" + t.lstrip("./") for t in re.findall(r'Target="\.\./([^"]+)"', parts[rels_name].decode())}
    return out


@pytest.mark.parametrize("build", ["renamed_with_fresh_cases", "renamed_with_old_range"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_renamed_cases_tab_is_read_and_written_through_its_table(build, command, tmp_path, capsys):
    path = reshaped.BUILDERS[build](tmp_path)
    before, cases, actions = _parts(path), _records(path, "Cases"), _records(path, "Actions")
    decoys = _decoys(before)
    assert decoys, "the builder left no tab called Cases beside the renamed one"
    assert _run(command, path) == 0, capsys.readouterr()
    after = _parts(path)
    assert {p: after[p] for p in decoys} == {p: before[p] for p in decoys}  # the tab called Cases: untouched
    now = {r["Ref"]: r for r in _records(path, "Cases")}
    was = {r["Ref"]: r for r in cases}
    if command == "chase":
        assert now["SI-2"]["Chasers"] == (was["SI-2"]["Chasers"] or 0) + 1 and now["SI-2"]["Last chased"]
        assert {k: v for k, v in now.items() if k != "SI-2"} == {k: v for k, v in was.items() if k != "SI-2"}
    elif command == "escalate":
        assert now["SI-1"]["Level"] == 2 and now["SI-1"]["Chasers"] is None
        assert {k: v for k, v in now.items() if k != "SI-1"} == {k: v for k, v in was.items() if k != "SI-1"}
    else:
        assert now == was
    logged = _records(path, "Actions")
    assert logged[:len(actions)] == actions
    assert len(logged) - len(actions) == (1 if command in ("chase", "escalate") else 0)


@pytest.mark.parametrize("command", [*COMMANDS, "letters", "check", "report"])
def test_two_tables_named_cases_are_refused_by_name_and_the_file_left_as_it_was(command, tmp_path, capsys):
    path = reshaped.hidden_duplicate_cases(tmp_path)
    before = path.read_bytes()
    extra = {"letters": ["letters", str(path), "--due"], "check": ["check", str(path)],
             "report": ["report", str(path)]}
    rc = main(extra[command]) if command in extra else _run(command, path)
    err = capsys.readouterr().err.strip()
    assert rc != 0 and path.read_bytes() == before
    assert err.count("\n") == 0 and "two tables are named Cases" in err and "'Archive'" in err, err
    assert not (tmp_path / "letters").exists() and not (tmp_path / "backups").exists()


def _total_row(path) -> tuple[str, str, str]:
    """The Actions table's ref, its autoFilter's ref, and its Total Row's label cell address."""
    parts = _parts(path)
    table = next(d.decode() for n, d in parts.items() if n.startswith("xl/tables/") and b'displayName="Actions"' in d)
    sheet = next(d.decode() for n, d in parts.items() if n.startswith("xl/worksheets/sheet")
                 and b"SUBTOTAL(103,Actions[Ref])" in d)
    label = re.search(r'<c r="(A\d+)"[^>]*t="inlineStr"><is><t>Total</t>', sheet).group(1)
    assert 'totalsRowCount="1"' in table
    return (re.search(r'<table [^>]*\bref="([^"]+)"', table).group(1),
            re.search(r'<autoFilter ref="([^"]+)"', table).group(1), label)


def test_new_log_rows_go_above_a_total_row_which_moves_down(tmp_path, capsys):
    path = reshaped.actions_total_row(tmp_path)
    assert _total_row(path) == ("A1:G3", "A1:G2", "A3") and _records(path, "Actions") == []
    assert main(["chase", str(path), "--ref", "SI-2", *AS_OF]) == 0  # into the blank row above the Total Row
    assert _total_row(path) == ("A1:G3", "A1:G2", "A3")
    assert main(["chase", str(path), "--ref", "SI-1", "SI-3", *AS_OF]) == 0  # two more: the Total Row moves
    assert _total_row(path) == ("A1:G5", "A1:G4", "A5")
    logged = _records(path, "Actions")
    assert [(r["Ref"], r["Action"], r[ROW]) for r in logged] == [("SI-2", "Chaser", 2), ("SI-1", "Chaser", 3),
                                                                ("SI-3", "Chaser", 4)]
    assert not read_tracker(path).problems  # the Total Row is never read as a record


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_keeps_a_total_row_last(command, tmp_path, capsys):
    path = reshaped.actions_total_row(tmp_path)
    assert _run(command, path) == 0, capsys.readouterr()
    ref, rows, label = _total_row(path)
    end = int(ref.split(":")[1][1:])
    assert label == f"A{end}" and rows == f"A1:G{end - 1}"
    assert all(r[ROW] < end for r in _records(path, "Actions"))


def test_letters_log_above_a_total_row(demo_tracker, tmp_path, capsys):
    path = reshaped.actions_total_row(tmp_path, demo_tracker)
    actions = _records(path, "Actions")
    assert main(["letters", str(path), "--due", "--as-of", "22/11/2026"]) in (0, 1)
    logged = _records(path, "Actions")
    ref, rows, label = _total_row(path)
    end = int(ref.split(":")[1][1:])
    assert len(logged) > len(actions) and logged[:len(actions)] == actions
    assert max(r[ROW] for r in logged) == end - 1 and label == f"A{end}" and rows == f"A1:G{end - 1}"


def _rows(path, table: str) -> int:
    """How many row elements the sheet holding `table` has."""
    parts = _parts(path)
    for name, data in parts.items():
        if name.startswith("xl/worksheets/sheet") and re.search(rb"<tablePart ", data):
            rels = parts.get(name.replace("worksheets/", "worksheets/_rels/") + ".rels", b"")
            for target in re.findall(rb'Target="\.\./tables/([^"]+)"', rels):
                if f'displayName="{table}"'.encode() in parts[f"xl/tables/{target.decode()}"]:
                    return len(re.findall(rb"<row ", data))
    raise AssertionError(table)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_ref_to_the_last_row_costs_what_the_data_costs(command, tmp_path, capsys):
    path = reshaped.whole_column_refs(tmp_path)
    size, cases_rows, action_rows = path.stat().st_size, _rows(path, "Cases"), _rows(path, "Actions")
    calc = _parts(path)["xl/worksheets/sheet12.xml"].count(b"<row ")
    assert _run(command, path) == 0, capsys.readouterr()
    assert _rows(path, "Cases") == cases_rows and path.stat().st_size < 2 * size + 20_000
    assert _parts(path)["xl/worksheets/sheet12.xml"].count(b"<row ") <= calc + 1  # the spill: one row a case
    refs = {n: re.search(rb'<table [^>]*\bref="([^"]+)"', d).group(1) for n, d in _parts(path).items()
            if n.startswith("xl/tables/")}
    assert all(r.endswith(b"1048576") for r in refs.values())  # the refs stay as the user drew them
    if command in ("chase", "escalate"):
        assert _rows(path, "Actions") == action_rows  # the log line went into the blank row 2
        assert [r[ROW] for r in _records(path, "Actions")] == [2]


def test_a_far_refs_chase_logs_after_the_last_row_of_data(tmp_path, capsys):
    path = reshaped.whole_column_refs(tmp_path)
    for ref in ("SI-1", "SI-2", "SI-3", "SI-2"):
        assert main(["chase", str(path), "--ref", ref, *AS_OF]) == 0
    assert [(r["Ref"], r[ROW]) for r in _records(path, "Actions")] == [("SI-1", 2), ("SI-2", 3), ("SI-3", 4),
                                                                      ("SI-2", 5)]
    assert {r["Ref"]: r["Chasers"] for r in _records(path, "Cases")} == {"SI-1": 3, "SI-2": 2, "SI-3": 2}


def test_a_header_typed_with_spaces_is_matched_and_check_names_it(tmp_path, capsys):
    path = reshaped.spaced_header(tmp_path)
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "'Chasers '" in out and "spaces around it" in out
    assert main(["chase", str(path), "--ref", "SI-2", *AS_OF]) == 0
    assert {r["Ref"]: r["Chasers"] for r in _records(path, "Cases")}["SI-2"] == 1
    assert b'name="Chasers "' in next(d for n, d in _parts(path).items() if n == "xl/tables/table1.xml")


def test_letters_record_their_chaser_under_a_header_typed_with_spaces(demo_tracker, tmp_path, capsys):
    """`Chasers ` used to pass check, then crash `letters` after the letter was written, unlogged."""
    path = reshaped.spaced_header(tmp_path, demo_tracker)
    plans = [p for p in plan_letters(read_tracker(path), due=True, as_of=DEMO_DAY) if isinstance(p, LetterPlan)]
    chasing = {p.ref: int(p.cells["Chasers"] or 0) for p in plans if "Chasers" in p.cells}
    assert chasing, "no due letter records a chaser: the test would prove nothing"
    rc = main(["letters", str(path), "--due", "--as-of", DEMO_DAY.strftime("%d/%m/%Y")])
    out = capsys.readouterr()
    assert rc in (0, 1) and "logged" in out.out, out
    written = sorted(p.name for p in (tmp_path / "letters").glob("*.docx"))
    assert len(written) == len(plans)
    now = {r["Ref"]: r for r in read_tracker(path).cases.to_dict("records")}
    assert {ref: int(now[ref]["Chasers"]) for ref in chasing} == chasing


def test_the_cases_table_is_found_on_the_fresh_tabs_neighbour_row_for_row(tmp_path, capsys):
    """The rows read and the rows written are the same table's: SI-2 is on row FIRST + 1 of the renamed tab."""
    path = reshaped.renamed_with_fresh_cases(tmp_path)
    assert main(["chase", str(path), "--ref", "SI-2", *AS_OF]) == 0
    row = next(r for r in _records(path, "Cases") if r["Ref"] == "SI-2")
    assert row[ROW] == FIRST + 1 and row["Chasers"] == 1


def test_a_far_ref_append_visits_the_rows_the_sheet_holds_not_the_refs(tmp_path, monkeypatch, capsys):
    """No timing here (bench/ has the figures): a chase on a tracker whose refs run to row 1,048,576 looks
    up a handful of rows, not a million."""
    path = reshaped.whole_column_refs(tmp_path)
    looked_up = []
    row_xml = SheetEdit.row_xml
    monkeypatch.setattr(SheetEdit, "row_xml", lambda self, r: looked_up.append(r) or row_xml(self, r))
    assert main(["chase", str(path), "--ref", "SI-2", *AS_OF]) == 0
    assert len(looked_up) < 50 and max(looked_up, default=0) < 100


def test_a_total_row_with_values_under_it_is_refused_with_one_line_and_the_file_kept(tmp_path, capsys):
    path = reshaped.actions_total_row(tmp_path)

    def note_below(parts):
        sheet = next(n for n, d in parts.items() if b"SUBTOTAL(103,Actions[Ref])" in d)
        parts[sheet] = parts[sheet].replace(b"</sheetData>", b'<row r="4"><c r="B4" t="inlineStr"><is><t>see note'
                                                             b'</t></is></c></row></sheetData>')
    reshaped.rewrite(path, note_below)
    before = path.read_bytes()
    assert main(["chase", str(path), "--ref", "SI-1", "SI-2", *AS_OF]) != 0
    err = capsys.readouterr().err.strip()
    assert path.read_bytes() == before and "\n" not in err
    assert "row 4, under the table's Total Row, holds values" in err, err

"""`spso-xl upgrade` on a tracker made before the Contacts table and the Cases Theme column (DESIGN §3):
both are added, every value kept, and the letters then read them."""

import openpyxl

from spso_xl.cli import main
from spso_xl.tracker import schema
from spso_xl.tracker.read import read_tracker
from tests.support.trackers import cases_tracker


def older_tracker(folder):
    """`cases_tracker` as a tracker from before this round has it: no Contacts sheet, no Cases Theme column."""
    path = cases_tracker(folder, "older.xlsm")
    wb = openpyxl.load_workbook(path, keep_vba=True)
    del wb["Contacts"]
    ws = wb["Cases"]
    table = ws.tables["Cases"]
    assert table.tableColumns[-1].name == "Theme"
    first, last = table.ref.split(":")
    col = len(table.tableColumns)
    table.tableColumns = table.tableColumns[:-1]
    table.ref = f"{first}:{openpyxl.utils.get_column_letter(col - 1)}{''.join(c for c in last if c.isdigit())}"
    table.autoFilter.ref = table.ref
    ws.cell(schema.CASES_HEADER_ROW, col).value = None
    wb.save(path)
    return path


def test_upgrade_adds_the_contacts_table_and_the_theme_column(tmp_path, capsys):
    path = older_tracker(tmp_path)
    old = read_tracker(path)
    assert ("Cases", "Theme") in old.absent and ("Contacts", "Salutation") in old.absent
    assert not old.problems  # an older tracker is read as before: nothing to fix
    before = old.cases.drop(columns=["_row"]).astype(object).to_dict("records")

    assert main(["upgrade", str(path)]) == 0
    out = capsys.readouterr().out
    assert "added Cases!Theme (blank)" in out and "added the Contacts sheet and table" in out
    wb = openpyxl.load_workbook(path)
    assert [c.name for c in wb["Contacts"].tables["Contacts"].tableColumns] == list(schema.CONTACTS.headers)
    assert wb["Cases"].tables["Cases"].tableColumns[-1].name == "Theme"
    new = read_tracker(path)
    assert not new.absent and not new.problems
    assert new.cases.drop(columns=["_row"]).astype(object).to_dict("records") == before
    assert main(["upgrade", str(path)]) == 0 and "up to date" in capsys.readouterr().out

"""The Cases buttons on reshaped trackers (tests/support/reshaped.py): they find the Cases and Actions
tables by name, as the file's writer does, whatever the tabs are called (DESIGN §3, §9)."""

import copy
import zipfile

from spso_xl.tracker import schema
from spso_xl.tracker.read import read_tracker
from tests.support import remote, reshaped
from tests.support.clicks import alerts, press
from tests.support.trackers import FIRST, cases_tracker


def _parts(path):
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def _click(path, active: str, selection: str, action: str) -> list[dict]:
    payload = remote.payload(path, active=active, selection=selection)
    sheet = next(s for s in payload["sheets"] if s["name"] == active)
    sheet["values"][0][5] = action  # the action dropdown, the Name CasesAction (Cases!F1 before the rename)
    return press(payload)


def test_record_chaser_on_a_renamed_cases_tab_writes_its_own_rows(tmp_path):
    path = reshaped.renamed_with_fresh_cases(tmp_path)
    fresh = _parts(path)["xl/worksheets/sheet13.xml"]  # the tab now called Cases: a copy, not the tracker's
    actions = _click(path, reshaped.RENAMED, f"A{FIRST + 1}", schema.CASE_ACTIONS[1])
    [(message, mode)] = alerts(actions)
    assert mode == "info" and "SI-2 (now 1)" in message, message
    remote.apply(path, actions)
    t = read_tracker(path)
    assert dict(zip(t.raw["Cases"]["Ref"], t.cases["Chasers"])) == {"SI-1": 2, "SI-2": 1, "SI-3": 1}
    assert t.parsed["Actions"]["Ref"].tolist() == ["SI-2"]
    assert _parts(path)["xl/worksheets/sheet13.xml"] == fresh


def test_a_button_on_a_workbook_with_two_cases_tables_refuses_by_name(tmp_path):
    """A second table named CASES on another sheet (the client reports every sheet's tables; openpyxl,
    which builds the payload here, will not open such a file, so the copy is added to the payload)."""
    path = cases_tracker(tmp_path)
    payload = remote.payload(path, selection=f"A{FIRST}")
    cases = next(s for s in payload["sheets"] if s["name"] == "Cases")
    payload["sheets"].append({**copy.deepcopy(cases), "name": "Archive",
                              "tables": [{**cases["tables"][0], "name": "CASES"}]})
    cases["values"][0][5] = schema.CASE_ACTIONS[1]
    actions = press(payload)
    [(message, mode)] = alerts(actions)
    assert mode == "critical" and "two tables are named Cases" in message and "'Archive'" in message
    assert [a["func"] for a in actions] == ["alert"]  # nothing written

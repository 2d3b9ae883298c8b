"""Readable without Python (DESIGN §8): after `spso-xl demo` the tracker's computed columns hold
their values as cached formula results, so readers that read the file rather than recalculate it
(pandas, calamine, openpyxl: scripts, previews) show values, not errors.

LibreOffice 7.4 recalculates every array formula on loading (the one SI_CASES spill, DESIGN §8) and
every formula depending on one, and shows #NAME? there whatever is cached (the lead's decision,
bulletin 05:40: keep the spill). That behaviour is asserted, not skipped: the day LibreOffice keeps
cached array results, the LibreOffice test fails and tells us to assert values there too."""

import csv
import datetime as dt

import pandas as pd
import pytest

from spso_xl.cli import main
from spso_xl.outputs.libreoffice import CSV_ALL_SHEETS, convert
from spso_xl.outputs.report import report_frame
from spso_xl.tracker.schema import COMPUTED
from spso_xl.tracker.read import read_tracker
from tests.support.dates import AS_OF

SHOWN = ("Due", "Status", "Recommended level")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "demo"
    assert main(["demo", "--out", str(out), "--as-of", AS_OF.strftime("%d/%m/%Y")]) == 0
    return out / "si_tracker.xlsm"


def _expected(path) -> dict[str, dict[str, str]]:
    frame, _ = report_frame(read_tracker(path), AS_OF)
    return {r["Ref"]: {"Due": "" if pd.isna(r["Due"]) else r["Due"].strftime("%m/%d/%Y"), "Status": r["Status"],
                       "Recommended level": str(r["Recommended level"])} for _, r in frame.iterrows()}


@pytest.mark.libreoffice
def test_libreoffice_shows_the_inputs_and_recalculates_the_computed_columns(demo, tmp_path, libreoffice):
    [sheet] = [p for p in convert(demo, CSV_ALL_SHEETS, tmp_path) if p.name.endswith("-Cases.csv")]
    rows = list(csv.reader(sheet.open(encoding="utf-8")))
    header = next(i for i, r in enumerate(rows) if r[:1] == ["Ref"])
    cols = {h: rows[header].index(h) for h in ("Ref", "Organisation", *SHOWN)}
    shown = {r[cols["Ref"]]: r for r in rows[header + 1:] if r and r[cols["Ref"]]}
    raw = read_tracker(demo).raw["Cases"]
    assert {ref: r[cols["Organisation"]] for ref, r in shown.items()} == dict(zip(raw["Ref"], raw["Organisation"]))
    errors = {ref: [r[cols[h]] for h in SHOWN] for ref, r in shown.items()}
    assert all(x.startswith(("Err:", "#NAME?")) for v in errors.values() for x in v), (
        "LibreOffice now shows stored values for the computed columns: assert them here (DESIGN §8)", errors)


def _as_cell(value):
    if value is pd.NaT or value is None:
        return ""
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.strftime("%m/%d/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_readers_of_the_file_see_every_computed_value(demo, engine):
    frame = pd.read_excel(demo, sheet_name="Cases", header=2, engine=engine)
    frame = frame[frame["Ref"].notna()]
    report, _ = report_frame(read_tracker(demo), AS_OF)
    report = report.set_index("Ref")
    assert len(frame) == len(report) > 10
    for h in COMPUTED:
        got = {ref: _as_cell(v) for ref, v in zip(frame["Ref"], frame[h])}
        want = {ref: _as_cell(v) for ref, v in report[h].items()}
        assert got == want, h

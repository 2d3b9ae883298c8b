"""Readable without Python (DESIGN §8): after `spso-xl demo` the tracker's computed columns hold
their values as cached formula results, so LibreOffice (headless, as a colleague without the add-in
or a preview would read it) and pandas show values, not Err:507 or #NAME?."""

import csv
import datetime as dt

import pandas as pd
import pytest

from spso_xl.cli import main
from spso_xl.office import CSV_ALL_SHEETS, convert
from spso_xl.report import report_frame
from spso_xl.tracker import read_tracker

AS_OF = dt.date(2026, 11, 22)
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
def test_libreoffice_shows_the_computed_values_of_every_case(demo, tmp_path, libreoffice):
    [sheet] = [p for p in convert(demo, CSV_ALL_SHEETS, tmp_path) if p.name.endswith("-Cases.csv")]
    rows = list(csv.reader(sheet.open(encoding="utf-8")))
    header = next(i for i, r in enumerate(rows) if r[:1] == ["Ref"])
    cols = {h: rows[header].index(h) for h in ("Ref", *SHOWN)}
    shown = {r[cols["Ref"]]: {h: r[cols[h]] for h in SHOWN} for r in rows[header + 1:] if r and r[cols["Ref"]]}
    expected = _expected(demo)
    assert len(shown) == len(expected) > 10
    bad = {ref: v for ref, v in shown.items() if any(x.startswith(("Err:", "#NAME?", "#VALUE")) for x in v.values())}
    assert not bad, f"{len(bad)} cases show errors, e.g. {next(iter(bad.items()))}"
    assert shown == expected


def test_pandas_reads_the_values_from_the_file(demo):
    frame = pd.read_excel(demo, sheet_name="Cases", header=2, engine="calamine")
    frame = frame[frame["Ref"].notna()]
    expected = _expected(demo)
    assert {r: str(s) for r, s in zip(frame["Ref"], frame["Status"])} == {r: v["Status"] for r, v in expected.items()}
    assert frame["Recommended level"].notna().all()

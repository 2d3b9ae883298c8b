"""WORKDAY/NETWORKDAYS against LibreOffice Calc, which implements Excel's functions.

A workbook of random cases with native formulas and the same holiday list is
recalculated by LibreOffice headless; every answer must match ours.
"""

import csv
import datetime as dt
import random

import openpyxl
import pytest

from spso_xl.calendar.dates import from_serial
from spso_xl.outputs.libreoffice import CSV_ALL_SHEETS, convert
from spso_xl.calendar.workdays import networkdays, scottish_calendar, workday

pytestmark = pytest.mark.libreoffice
N = 4000


def _cases(rng, cal):
    lo, hi = dt.date(1995, 1, 1).toordinal(), dt.date(2045, 12, 31).toordinal()
    special = [d for d in cal.holidays if 1995 <= d.year <= 2045]
    for _ in range(N):
        start = rng.choice(special) if rng.random() < 0.2 else dt.date.fromordinal(rng.randint(lo, hi))
        days = rng.choice([0, rng.randint(-300, 300), round(rng.uniform(-40, 40), 2)])
        end = start + dt.timedelta(days=rng.randint(-400, 400))
        yield start, days, end


def test_workday_and_networkdays_match_libreoffice(tmp_path, libreoffice):
    rng = random.Random(20261122)
    cal = scottish_calendar(closures=[dt.date(2026, 12, 24), dt.date(2031, 7, 14)],
                            working_days=[dt.date(2026, 11, 30), dt.date(2040, 1, 2)])
    cases = list(_cases(rng, cal))

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Cases"
    hol = wb.create_sheet("Holidays")
    for i, day in enumerate(sorted(cal.holidays), start=1):
        hol.cell(i, 1, day)
    ref = f"Holidays!$A$1:$A${len(cal.holidays)}"
    for r, (start, days, end) in enumerate(cases, start=1):
        ws.cell(r, 1, start)
        ws.cell(r, 2, days)
        ws.cell(r, 3, end)
        ws.cell(r, 4, f"=WORKDAY(A{r},B{r},{ref})")
        ws.cell(r, 5, f"=NETWORKDAYS(A{r},C{r},{ref})")
    src = tmp_path / "oracle.xlsx"
    wb.save(src)

    out = {p.stem.split("-")[-1]: p for p in convert(src, CSV_ALL_SHEETS, tmp_path / "out")}
    with open(out["Cases"], newline="") as f:
        rows = list(csv.reader(f))
    assert len(rows) == N

    mismatches = []
    for (start, days, end), row in zip(cases, rows):
        lo_workday, lo_net = from_serial(float(row[3])), int(float(row[4]))
        ours = (workday(start, days, cal), networkdays(start, end, cal))
        if ours != (lo_workday, lo_net):
            mismatches.append((start, days, end, ours, (lo_workday, lo_net)))
    assert not mismatches, f"{len(mismatches)} of {N} differ, e.g. {mismatches[:5]}"

"""The bodies a new tracker's Organisations sheet is prefilled with, each with its sector (DESIGN §3).

One data file shipped with the package, `spso_xl/policy/data/organisations.csv` (Organisation, Sector,
Kind): Scotland's 32 councils (`Local authority`) and the NHS boards, territorial and special (`NHS`).
`COUNCILS` and `NHS_BOARDS` are views of it, so a body is named in one place only.
"""

from __future__ import annotations

import csv
import io
from importlib import resources

LOCAL_AUTHORITY = "Local authority"
NHS = "NHS"


def _rows() -> tuple[dict, ...]:
    text = (resources.files("spso_xl.policy") / "data" / "organisations.csv").read_text(encoding="utf-8")
    return tuple(dict(r) for r in csv.DictReader(io.StringIO(text)))


ORGANISATIONS = _rows()  # {"Organisation", "Sector", "Kind"} in the file's order
SECTORS = {r["Organisation"]: r["Sector"] for r in ORGANISATIONS}
COUNCILS = tuple(r["Organisation"] for r in ORGANISATIONS if r["Sector"] == LOCAL_AUTHORITY)
NHS_BOARDS = tuple(r["Organisation"] for r in ORGANISATIONS if r["Sector"] == NHS)

"""Where things are, for a test in any folder (never `Path(__file__).parents[N]`, which changes when a test moves)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository: pyproject.toml, spso_xl/, workbook/
DATA = ROOT / "tests" / "data"  # input files the tests read (a legacy letter template)
SHARED = ROOT.parent / "shared"  # the project's shared folder beside the repository
POLICY = SHARED / "policy"  # the SPSO policy texts the rules cite

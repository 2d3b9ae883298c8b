"""Render the README's pictures with LibreOffice headless, so that they show what the code does.

    .venv/bin/python docs/screenshots.py     # writes docs/tracker.png, letter.png, letter-complaints.png

The tracker picture is the demo tracker's Cases sheet with the computed columns filled in
by the core, as Excel shows them once the SI_ functions are imported (LibreOffice itself
cannot run xlwings functions). Needs LibreOffice and pdftoppm (poppler-utils).
"""

import datetime as dt
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl

from spso_xl.tracker import schema
from spso_xl.policy.cases import compute_cases
from spso_xl.cli.demo import run_demo
from spso_xl.outputs.libreoffice import convert
from spso_xl.tracker.read import ROW, read_tracker

AS_OF = dt.date(2026, 11, 22)
HERE = Path(__file__).parent
SHOWN = ("Ref", "Organisation", "Trigger", "Level", "Date notified", "Due", "Status", "Working days overdue",
         "Recommended level", "Contact from", "Reason")


def _png(pdf: Path, target: Path, dpi: int = 110, trim: bool = False) -> None:
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(target.with_suffix(""))], check=True)
    if trim:  # ImageMagick, where installed: cut the empty page around the table
        subprocess.run(["convert", str(target), "-trim", "-bordercolor", "white", "-border", "12", str(target)],
                       check=False)


def tracker_picture(path: Path, tmp: Path) -> None:
    tracker = read_tracker(path)
    computed = compute_cases(tracker.cases, AS_OF, tracker.settings, tracker.calendar)
    wb = openpyxl.load_workbook(path)
    for name in wb.sheetnames:
        if name != "Cases":
            del wb[name]
    ws = wb["Cases"]
    col = {c.value: c.column for c in ws[schema.CASES_HEADER_ROW] if c.value}
    for i, excel_row in enumerate(tracker.cases[ROW]):
        for header in schema.COMPUTED:
            value = computed[header].iloc[i]
            ws.cell(excel_row, col[header]).value = (None if value != value else  # NaT/NaN: a blank cell
                                                     value.to_pydatetime() if hasattr(value, "to_pydatetime") else value)
    for header, c in col.items():
        ws.column_dimensions[openpyxl.utils.get_column_letter(c)].hidden = header not in SHOWN
    ws.column_dimensions[openpyxl.utils.get_column_letter(col["Reason"])].width = 120
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    view = tmp / "cases.xlsx"
    wb.save(view)
    [pdf] = convert(view, "pdf", tmp / "pdf")
    _png(pdf, HERE / "tracker.png", dpi=220, trim=True)


LETTERS = {"letter.png": "SI-2026-008 L3 ", "letter-complaints.png": "SI-2026-021 L4 "}  # picture -> which demo letter


def letter_pictures(letters: list[Path], tmp: Path) -> None:
    """The first page of the demo's level-3 SWF letter and of its level-4 Complaints letter."""
    for picture, marker in LETTERS.items():
        letter = next(p for p in letters if p.suffix == ".docx" and marker in p.name)
        [pdf] = convert(letter, "pdf", tmp / picture)
        _png(pdf, HERE / picture)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        from rich.console import Console

        written = run_demo(tmp / "demo", AS_OF, Console(quiet=True))
        tracker_picture(tmp / "demo" / "si_tracker.xlsm", tmp)
        letter_pictures(written, tmp)
    print("wrote docs/tracker.png, docs/letter.png and docs/letter-complaints.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())

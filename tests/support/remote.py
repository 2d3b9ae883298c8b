"""A real tracker file as xlwings' remote engine sees a workbook, and its actions applied back.

`payload` builds the JSON an xlwings client sends (sheets' values from A1, tables, Names,
the active sheet and the selection) from the file; `apply` writes the actions the
handlers queue (setValues, resizeTable) back into the file through the safe write path,
so a test can re-read the tracker as the user would after clicking.
"""

import datetime as dt

import openpyxl
import xlwings as xw
from openpyxl.utils import get_column_letter, range_boundaries

from spso_xl.xlsx.worksheet import Formula
from spso_xl.tracker.write import change_tracker


def _cell(v):
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(v, dt.date):
        return v.strftime("%Y-%m-%dT00:00:00.000Z")
    if v is None or (isinstance(v, str) and v.startswith("=")):
        return ""  # no cached value: an unopened file's formula cells are blank to the client
    return v


def payload(path, active: str = "Cases", selection: str | None = "A4", filtered: bool = False) -> dict:
    wb = openpyxl.load_workbook(path)
    sheets = []
    for ws in wb.worksheets:
        values = [[_cell(c) for c in row] for row in ws.iter_rows(values_only=True)] or [[""]]
        tables = []
        for t in ws.tables.values():
            c1, r1, c2, r2 = range_boundaries(t.ref)
            a = lambda r, c: f"${get_column_letter(c)}${r}"  # noqa: E731
            tables.append({"name": t.name, "range_address": f"{a(r1, c1)}:{a(r2, c2)}",
                           "header_row_range_address": f"{a(r1, c1)}:{a(r1, c2)}",
                           "data_body_range_address": f"{a(r1 + 1, c1)}:{a(r2, c2)}",
                           "total_row_range_address": None, "show_headers": True, "show_totals": False,
                           "table_style": "TableStyleMedium2", "show_autofilter": True,
                           "filtered": filtered and t.name == active})
        sheets.append({"name": ws.title, "values": values, "pictures": [], "tables": tables})
    index = {ws.title: i for i, ws in enumerate(wb.worksheets)}
    names = []
    for name, dn in wb.defined_names.items():
        if "[" in dn.attr_text:
            continue  # a Name over a table column: clients report only plain-range Names
        for sheet, coord in dn.destinations:
            names.append({"name": name, "sheet_index": index[sheet], "address": coord.replace("$", ""),
                          "scope_sheet_name": None, "scope_sheet_index": None, "book_scope": True})
    return {"client": "Office.js", "version": xw.__version__,
            "book": {"name": path.name, "active_sheet_index": index[active], "selection": selection},
            "names": names, "sheets": sheets}


def book(path, **kwargs) -> xw.Book:
    return xw.Book(json=payload(path, **kwargs))


def _value(v):
    """A value as Excel takes what xlwings sends: ISO dates as dates, '=...' as a formula, a leading
    apostrophe as Excel's text prefix."""
    if isinstance(v, str) and len(v) == 10 and v[4] == "-" and v[7] == "-":
        return dt.date.fromisoformat(v)
    if isinstance(v, str) and v.startswith("="):
        return Formula(v[1:])
    if isinstance(v, str) and v.startswith("'"):
        return v[1:]
    return None if v == "" else v


def apply(path, actions: list[dict]) -> None:
    """Write the handlers' setValues and resizeTable actions into the file (through the safe write path)."""
    def change(package):
        names = list(package.sheets)
        for a in actions:
            name = names[a["sheet_position"]] if a["sheet_position"] is not None else None
            if a["func"] == "setValues":
                sheet = package.sheet(name)
                for i, row in enumerate(a["values"]):
                    for j, v in enumerate(row):
                        sheet.set(a["start_row"] + 1 + i, a["start_column"] + 1 + j, _value(v))
            elif a["func"] == "resizeTable":
                table = [t for t in package.tables.values() if t.sheet == name][a["args"][0]]
                package.set_table_ref(table, a["args"][1].replace("$", ""))
    change_tracker(path, change)

"""Every formula of a workbook file, read from its XML, and what each one refers to.

An independent reading for tests: cells, table calculated columns, conditional formats,
data validations and defined Names, with Excel's references (A1, ranges, other sheets,
Names, structured references to tables) resolved to rectangles of cells, so a test can
ask which cells depend on a volatile function, or which names a formula uses.
"""

from __future__ import annotations

import html
import posixpath
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import cached_property

from openpyxl.formula.tokenizer import Tokenizer
from openpyxl.utils.cell import range_boundaries

from tests.support import xlsx_parts as xp

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
# Excel recalculates these (and everything that depends on them) on every recalculation.
VOLATILE = frozenset({"TODAY", "NOW", "RAND", "RANDBETWEEN", "RANDARRAY", "OFFSET", "INDIRECT", "CELL", "INFO"})
CELL_REF = re.compile(r"^\$?[A-Z]{1,3}\$?\d+(:\$?[A-Z]{1,3}\$?\d+)?$|^\$?[A-Z]{1,3}:\$?[A-Z]{1,3}$|^\$?\d+:\$?\d+$")


@dataclass(frozen=True)
class Rect:
    sheet: str
    r1: int
    c1: int
    r2: int
    c2: int

    def __contains__(self, cell) -> bool:
        sheet, r, c = cell
        return sheet == self.sheet and self.r1 <= r <= self.r2 and self.c1 <= c <= self.c2

    @property
    def area(self) -> int:
        return (self.r2 - self.r1 + 1) * (self.c2 - self.c1 + 1)


@dataclass
class Table:
    name: str
    sheet: str
    ref: Rect
    columns: list[str]
    header_rows: int = 1


@dataclass
class Reference:
    text: str
    kind: str  # cells | table | bare-table | name | unknown
    rects: list[Rect] = field(default_factory=list)


class Workbook:
    def __init__(self, path):
        self.parts = xp.parts(path)
        self.sheet_parts = xp.sheet_parts(path)
        self.names = {k: html.unescape(v) for k, v in xp.defined_names(path).items()}
        self.cells: dict[tuple[str, int, int], str] = {}  # (sheet, row, col) -> formula without "="
        self.other: list[tuple[str, str, tuple | None]] = []  # (where, formula, host cell) outside cells
        self.tables: dict[str, Table] = {}
        for sheet, part in self.sheet_parts.items():
            self._read_sheet(sheet, part)

    def _read_sheet(self, sheet: str, part: str):
        root = ET.fromstring(self.parts[part])
        for c in root.iterfind("m:sheetData/m:row/m:c", NS):
            f = c.find("m:f", NS)
            if f is None:
                continue
            if f.get("t") == "shared" and not f.text:
                raise NotImplementedError(f"{sheet}!{c.get('r')}: shared formulas are not read here")
            c1, r1, _, _ = range_boundaries(c.get("r"))
            self.cells[(sheet, r1, c1)] = f.text or ""
        for cf in root.iterfind("m:conditionalFormatting", NS):
            for f in cf.iterfind("m:cfRule/m:formula", NS):
                self.other.append((f"{sheet} conditional format {cf.get('sqref')}", f.text or "", None))
        for dv in root.iterfind("m:dataValidations/m:dataValidation", NS):
            for tag in ("formula1", "formula2"):
                f = dv.find(f"m:{tag}", NS)
                if f is not None and f.text and not f.text.startswith('"'):
                    self.other.append((f"{sheet} validation {dv.get('sqref')}", f.text, None))
        rels = self.parts.get(posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels"))
        for target in re.findall(rb'Target="([^"]*tables/[^"]+)"', rels or b""):
            path = posixpath.normpath(posixpath.join(posixpath.dirname(part), target.decode()))
            t = ET.fromstring(self.parts[path])
            c1, r1, c2, r2 = range_boundaries(t.get("ref"))
            name = t.get("name")
            self.tables[name.lower()] = Table(name, sheet, Rect(sheet, r1, c1, r2, c2),
                                              [col.get("name") for col in t.iterfind("m:tableColumns/m:tableColumn", NS)],
                                              int(t.get("headerRowCount", "1")))
            for i, col in enumerate(t.iterfind("m:tableColumns/m:tableColumn", NS)):
                f = col.find("m:calculatedColumnFormula", NS)
                if f is not None:  # as it stands in the table's first row
                    self.other.append((f"{name}[{col.get('name')}] calculated column", f.text or "", (sheet, r1 + 1, c1 + i)))

    # --- references ------------------------------------------------------------------------

    @staticmethod
    def functions(formula: str) -> list[str]:
        """The functions a formula calls, upper case, without the _xlfn. prefixes."""
        return [t.value[:-1].upper().replace("_XLFN._XLWS.", "").replace("_XLFN.", "")
                for t in Tokenizer("=" + formula).items if t.type == "FUNC" and t.subtype == "OPEN"]

    def references(self, formula: str, host: tuple[str, int, int] | None = None) -> list[Reference]:
        """Every range operand of a formula, resolved (host: the cell the formula sits in)."""
        return [self.resolve(t.value, host) for t in Tokenizer("=" + formula).items
                if t.type == "OPERAND" and t.subtype == "RANGE"]

    def resolve(self, text: str, host=None, depth: int = 0) -> Reference:
        sheet, _, local = text.rpartition("!")
        sheet = sheet.strip("'").replace("''", "'") if sheet else (host[0] if host else None)
        if CELL_REF.match(local):
            c1, r1, c2, r2 = range_boundaries(local.replace("$", ""))
            return Reference(text, "cells", [Rect(sheet, r1 or 1, c1 or 1, r2 or 1_048_576, c2 or 16_384)])
        if "[" in local:
            return Reference(text, "table", self._structured(local, host))
        if local.lower() in self.tables:
            t = self.tables[local.lower()]
            return Reference(text, "bare-table", [self._rows(t, "#Data", 0, len(t.columns) - 1, host)])
        if local in self.names and depth < 5:
            rects = [r for ref in self.references(self.names[local]) for r in ref.rects]
            return Reference(text, "name", rects)
        return Reference(text, "unknown")

    def _structured(self, text: str, host) -> list[Rect]:
        name, _, inside = text.partition("[")
        if name:
            table = self.tables[name.lower()]
        else:  # `[@[Due]]` inside a table: that table
            table = next(t for t in self.tables.values() if host and host in t.ref)
        inside = inside[:-1]  # the closing bracket
        items = re.findall(r"\[([^\]]*)\]|(:)", inside) if inside.startswith("[") else [(inside, "")] if inside else []
        specials, columns, span = [], [], False
        for item, colon in items:
            if colon:
                span = True
            elif item.startswith("#"):
                specials.append(item)
            elif item:
                columns.append(table.columns.index(item))
        first, last = (columns[0], columns[-1]) if columns else (0, len(table.columns) - 1)
        if columns and not span:
            last = first
        return [self._rows(table, s, first, last, host) for s in (specials or ["#Data"])]

    @staticmethod
    def _rows(table: Table, special: str, first: int, last: int, host) -> Rect:
        ref = table.ref
        rows = {"#All": (ref.r1, ref.r2), "#Data": (ref.r1 + table.header_rows, ref.r2),
                "#Headers": (ref.r1, ref.r1), "#This Row": (host[1], host[1]) if host else (0, -1),
                "#Totals": (ref.r2 + 1, ref.r2)}[special]
        return Rect(table.sheet, rows[0], ref.c1 + first, rows[1], ref.c1 + last)

    # --- what depends on what -----------------------------------------------------------------

    @cached_property
    def _by_sheet(self) -> dict[str, list[tuple[str, int, int]]]:
        out: dict[str, list] = {}
        for cell in self.cells:
            out.setdefault(cell[0], []).append(cell)
        return out

    def formula_cells_in(self, rect: Rect):
        if rect.area <= len(self._by_sheet.get(rect.sheet, ())):
            return [(rect.sheet, r, c) for r in range(rect.r1, rect.r2 + 1) for c in range(rect.c1, rect.c2 + 1)
                    if (rect.sheet, r, c) in self.cells]
        return [cell for cell in self._by_sheet.get(rect.sheet, ()) if cell in rect]

    def volatile_cells(self, volatile_functions=VOLATILE) -> set[tuple[str, int, int]]:
        """Formula cells Excel recalculates on every recalculation: those calling a volatile
        function (Excel's, or a UDF declared volatile), and every cell depending on one,
        directly or through other cells."""
        memo: dict = {}

        def volatile(cell) -> bool:
            if cell in memo:
                return memo[cell]
            memo[cell] = False  # a circular reference does not make itself volatile
            formula = self.cells[cell]
            result = any(f in volatile_functions for f in self.functions(formula)) or any(
                volatile(dep) for ref in self.references(formula, cell) for rect in ref.rects
                for dep in self.formula_cells_in(rect))
            memo[cell] = result
            return result

        return {cell for cell in self.cells if volatile(cell)}

    def python_calls_per_recalculation(self, volatile_udfs=frozenset()) -> int:
        """Cells that call an SI_ function (a call into Python) and are recalculated on every recalculation."""
        return sum(1 for cell in self.volatile_cells(VOLATILE | set(volatile_udfs))
                   if any(f.startswith("SI_") for f in self.functions(self.cells[cell])))

    def all_formulas(self):
        """(where, formula, host cell or None) for every formula in the file."""
        for cell, f in self.cells.items():
            yield f"{cell[0]}!R{cell[1]}C{cell[2]}", f, cell
        yield from self.other
        for name, f in self.names.items():
            yield f"Name {name}", f, None

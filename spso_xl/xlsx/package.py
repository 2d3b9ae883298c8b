"""Changing an .xlsx/.xlsm package part by part (DESIGN §13): the package itself.

A workbook is a zip of XML parts that Excel keeps evolving (dynamic-array metadata, x14
extensions, threaded comments, cached values). Loading it into an object model and saving
it back rewrites every part and drops what the model does not know. So the writer edits
bytes, not a model, one module per part (as XlsxWriter has one per part it writes):
- `worksheet` patches a sheet around the rows a change touches, `sharedstrings` appends the
  strings new cells need, `styles` finds or appends the formats of a sheet it adds, and `xml`
  holds what they share (namespaces, escaping, attributes);
- this module holds the package: its parts, relationships and content types, its sheets and
  tables (a table's `ref`, its autoFilter's and a column name are edited in place), adding a
  sheet, and saving, where every zip entry that was not changed is copied raw: the same
  compressed bytes.

`paper-xlsx` and `xlsxedit` (DESIGN §13) were evaluated first and not adopted: xlsxedit
re-serialises every worksheet, relationship part and [Content_Types].xml on save (a one-cell
edit changed 25 of 43 parts of our tracker); paper-xlsx installs itself as the `openpyxl`
package and refuses to import beside openpyxl, which spso-xl and its users' tools need.
"""

from __future__ import annotations

import copy
import posixpath
import re
import struct
import zipfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from lxml import etree

from spso_xl.errors import PackageError
from spso_xl.xlsx.refs import column_letters, range_bounds
from spso_xl.xlsx.sharedstrings import SharedStrings
from spso_xl.xlsx.styles import Styles
from spso_xl.xlsx.tables import clean_header, table_named
from spso_xl.xlsx.worksheet import SheetEdit
from spso_xl.xlsx.xml import (
    CT_SHEET,
    PKG_REL,
    REL,
    SHARED_STRINGS,
    WORKSHEET,
    attr,
    parse,
    serialize,
    start_tag,
    xml_text,
)


@dataclass
class Table:
    name: str
    part: str  # xl/tables/tableN.xml
    sheet: str  # the sheet name
    sheet_part: str
    ref: str
    columns: list[str]
    formulas: dict[str, str]  # column name -> calculatedColumnFormula
    totals: int = 0  # rows of its Total Row (totalsRowCount: 0 or 1), the last rows of `ref`

    @property
    def bounds(self) -> tuple[int, int, int, int]:
        return range_bounds(self.ref)

    @property
    def last_row(self) -> int:
        """The table's last row of data: its ref's last row, above the Total Row if it has one."""
        return self.bounds[3] - self.totals

    def column(self, header: str) -> str:
        """The column's name as the table has it, for `header` (matched by `tables.clean_header`)."""
        key = clean_header(header)
        for name in self.columns:
            if clean_header(name) == key:
                return name
        raise KeyError(f"the {self.name} table has no column {header}")

    def col(self, header: str) -> int:
        """The sheet column number (1-based) of a header."""
        return self.bounds[0] + self.columns.index(self.column(header))


class Package:
    """An open workbook package: read parts, queue changes, save a new file."""

    def __init__(self, path):
        self.path = Path(path)
        try:
            self.zip = zipfile.ZipFile(self.path)
        except zipfile.BadZipFile:
            raise PackageError(f"{self.path.name} is not an Excel workbook (.xlsx/.xlsm): it is not a zip "
                               f"package") from None
        self.infos = {i.filename: i for i in self.zip.infolist()}
        if "xl/workbook.xml" not in self.infos:
            raise PackageError(f"{self.path.name} is not an Excel workbook: it has no xl/workbook.xml")
        self.changed: dict[str, bytes] = {}
        self.sheet_edits: dict[str, SheetEdit] = {}
        self._sst: SharedStrings | None = None
        self._styles: Styles | None = None

    def close(self):
        self.zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # reading

    def read(self, name: str) -> bytes:
        if name in self.changed:
            return self.changed[name]
        return self.zip.read(name)

    def exists(self, name: str) -> bool:
        return name in self.changed or name in self.infos

    def write(self, name: str, data: bytes) -> None:
        self.changed[name] = data

    @staticmethod
    def rels_name(part: str) -> str:
        folder, base = posixpath.split(part)
        return posixpath.join(folder, "_rels", base + ".rels")

    def rels(self, part: str) -> list[dict]:
        """The relationships of `part`: Id, Type, Target (resolved to a part name unless external)."""
        name = self.rels_name(part)
        if not self.exists(name):
            return []
        out = []
        for e in _kids(parse(self.read(name)), "Relationship"):
            rel = {k: e.get(k) for k in ("Id", "Type", "Target", "TargetMode")}
            if rel["TargetMode"] != "External" and rel["Target"] is not None:
                t = rel["Target"]
                rel["Target"] = t.lstrip("/") if t.startswith("/") else \
                    posixpath.normpath(posixpath.join(posixpath.dirname(part), t))
            out.append(rel)
        return out

    @cached_property
    def workbook(self) -> bytes:
        return self.read("xl/workbook.xml")

    @cached_property
    def workbook_root(self):
        return parse(self.workbook)

    @cached_property
    def date1904(self) -> bool:
        pr = _kids(self.workbook_root, "workbookPr")
        return bool(pr) and pr[0].get("date1904") in ("1", "true")

    @cached_property
    def sheets(self) -> dict[str, str]:
        """Sheet name -> worksheet part name, in tab order."""
        targets = {r["Id"]: r["Target"] for r in self.rels("xl/workbook.xml")}
        out = {}
        for block in _kids(self.workbook_root, "sheets"):
            for e in _kids(block, "sheet"):
                rid = next((v for k, v in e.attrib.items() if k.startswith("{") and k.endswith("}id")), None)
                if rid is not None:
                    out[e.get("name")] = targets.get(rid)
        return out

    def sheet_named(self, name: str) -> str | None:
        """The existing sheet whose name Excel counts as `name` (sheet names are compared ignoring case)."""
        return next((s for s in self.sheets if s.casefold() == name.casefold()), None)

    @cached_property
    def all_tables(self) -> list[Table]:
        """Every table, in tab order (two may share a name: `table` refuses that name)."""
        out = []
        for sheet, part in self.sheets.items():
            if part is None or not self.exists(part):
                continue
            for rel in self.rels(part):
                if rel["Type"] and rel["Type"].endswith("/table") and self.exists(rel["Target"]):
                    out.append(self._table(rel["Target"], sheet, part))
        return out

    @cached_property
    def tables(self) -> dict[str, Table]:
        return {t.name: t for t in reversed(self.all_tables)}

    def _table(self, part: str, sheet: str, sheet_part: str) -> Table:
        root = parse(self.read(part))
        columns, formulas = [], {}
        for block in _kids(root, "tableColumns"):
            for column in _kids(block, "tableColumn"):
                name = column.get("name")
                columns.append(name)
                f = _kids(column, "calculatedColumnFormula")
                if f:
                    formulas[name] = f[0].text or ""
        return Table(root.get("displayName") or root.get("name"), part, sheet, sheet_part, root.get("ref"), columns,
                     formulas, 1 if (root.get("totalsRowCount") or "0") != "0" else 0)

    def table(self, name: str) -> Table:
        """The table called `name` wherever its sheet is and whatever the tab is called (DESIGN §3), found
        by the reader's rule (`tables.table_named`: ignoring case; two of that name are refused)."""
        found = table_named(((t.name, t.sheet, t) for t in self.all_tables), name)
        if found is None:
            raise KeyError(f"the tracker has no table named {name}")
        return found

    def table_on(self, sheet: str) -> Table:
        """The table on `sheet` (the tracker keeps one table per sheet, named like it)."""
        if sheet in self.tables and self.tables[sheet].sheet == sheet:
            return self.tables[sheet]
        found = [t for t in self.tables.values() if t.sheet == sheet]
        if not found:
            raise KeyError(f"the sheet {sheet} has no table")
        return found[0]

    def sheet(self, name: str) -> SheetEdit:
        part = self.sheets.get(name)
        if part is None:
            raise KeyError(f"the tracker has no sheet named {name}")
        if part not in self.sheet_edits:
            self.sheet_edits[part] = SheetEdit(self, part)
        return self.sheet_edits[part]

    @property
    def shared_strings(self) -> SharedStrings | None:
        if self._sst is None:
            part = next((r["Target"] for r in self.rels("xl/workbook.xml") if r["Type"] == SHARED_STRINGS), None)
            if part is None or not self.exists(part):
                return None
            self._sst = SharedStrings(self, part)
        return self._sst

    @property
    def styles(self) -> Styles:
        if self._styles is None:
            self._styles = Styles(self)
        return self._styles

    # changing package structure

    def set_table_ref(self, table: Table, ref: str) -> None:
        """A table's ref and its autoFilter's (which leaves out the totals rows), by lxml."""
        xml = self.read(table.part)
        root = parse(xml)
        root.set("ref", ref)
        totals = int(root.get("totalsRowCount") or 0)
        c1, r1, c2, r2 = range_bounds(ref)
        for af in _kids(root, "autoFilter"):
            af.set("ref", f"{column_letters(c1)}{r1}:{column_letters(c2)}{r2 - totals}")
        self.write(table.part, serialize(root, xml))
        table.ref = ref

    def rename_column(self, table: Table, old: str, new: str) -> None:
        """Rename a table column: the table XML, the header cell, and structured references to it in
        this table's formulas (calculated columns and the cells of its sheet)."""
        if clean_header(new) in map(clean_header, table.columns):
            raise KeyError(f"the {table.name} table already has a column {new}")
        old = table.column(old)
        col = table.col(old)
        xml = self.read(table.part)
        root = parse(xml)
        column = next((c for block in _kids(root, "tableColumns") for c in _kids(block, "tableColumn")
                       if c.get("name") == old), None)
        if column is None:
            raise PackageError(f"cannot find the column {old} in {table.part}")
        column.set("name", new)
        for e in root.iter():
            if isinstance(e.tag, str) and etree.QName(e).localname in ("calculatedColumnFormula", "totalsRowFormula") \
                    and e.text:
                e.text = e.text.replace(f"[{old}]", f"[{new}]")
        self.write(table.part, serialize(root, xml))
        table.columns[table.columns.index(old)] = new
        table.formulas = {new if k == old else k: v.replace(f"[{old}]", f"[{new}]") for k, v in table.formulas.items()}
        c1, r1, *_ = table.bounds
        sheet = self.sheet(table.sheet)
        sheet.set(r1, col, new)
        sheet.rename_refs[old] = new
        self._rename_elsewhere(table.name, old, new)

    def _rename_elsewhere(self, table_name: str, old: str, new: str) -> None:
        """References to `table_name[old]` outside the table's own sheet, renamed too: other sheets' formulas,
        other tables' calculated columns and the workbook's defined names (a formula left naming the old
        header would show #REF! once the column is renamed)."""
        qualified = re.compile(re.escape(table_name).encode() + rb"\[(?:[^\[\]]|\[[^\]]*\])*\]", re.I)
        o, n = xml_text(f"[{old}]").encode(), xml_text(f"[{new}]").encode()

        def fix(text: bytes) -> bytes:
            return qualified.sub(lambda m: m.group(0).replace(o, n), text)

        def in_formulas(xml: bytes, tags: bytes) -> bytes:
            return re.sub(rb"(<(?:\w+:)?(?:" + tags + rb")\b[^>]*>)(.*?)(</)",
                          lambda m: m.group(1) + fix(m.group(2)) + m.group(3), xml, flags=re.S)

        for name, part in self.sheets.items():
            if part and name != self.table(table_name).sheet and self.exists(part) and o in self.read(part):
                if part in self.sheet_edits:  # pending edits: written by that sheet's own pass
                    self.sheet_edits[part].rename_refs[old] = new
                else:
                    self.write(part, in_formulas(self.read(part), b"f"))
        for other in self.tables.values():
            if other.name != table_name and o in (xml := self.read(other.part)):
                self.write(other.part, in_formulas(xml, b"calculatedColumnFormula|totalsRowFormula"))
        wb = self.read("xl/workbook.xml")
        if o in wb:
            self.write("xl/workbook.xml", in_formulas(wb, b"definedName"))

    def add_relationship(self, part: str, rel_type: str, target: str, external: bool = False) -> str:
        """Add a relationship from `part`; its new Id."""
        name = self.rels_name(part)
        xml = self.read(name) if self.exists(name) else (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<Relationships xmlns="' + PKG_REL.encode() + b'"></Relationships>')
        root = parse(xml)
        ids = {e.get("Id") for e in _kids(root, "Relationship")}
        n = max([int(i[3:]) for i in ids if i and re.fullmatch(r"rId\d+", i)], default=0) + 1
        while f"rId{n}" in ids:
            n += 1
        rid = f"rId{n}"
        ns = etree.QName(root).namespace
        rel = etree.SubElement(root, f"{{{ns}}}Relationship" if ns else "Relationship")
        rel.set("Id", rid)
        rel.set("Type", rel_type)
        rel.set("Target", target)
        if external:
            rel.set("TargetMode", "External")
        self.write(name, serialize(root, xml))
        return rid

    def add_override(self, part: str, content_type: str) -> None:
        """Declare a new part's content type ([Content_Types].xml's Override), by lxml."""
        ct_xml = self.read("[Content_Types].xml")
        ct = parse(ct_xml)
        ns = etree.QName(ct).namespace
        override = etree.SubElement(ct, f"{{{ns}}}Override" if ns else "Override")
        override.set("PartName", f"/{part}")
        override.set("ContentType", content_type)
        self.write("[Content_Types].xml", serialize(ct, ct_xml))

    def add_sheet(self, name: str, xml: bytes, after: str | None = None) -> str:
        """Add a worksheet part, its relationship and content type, and its tab after the sheet `after`
        (default last); a sheet of that name has its part replaced in place. A name Excel would count as
        another sheet's (the same but for case) is refused."""
        same = self.sheet_named(name)
        if same is not None and same != name:
            raise PackageError(f"the workbook already has a sheet named '{same}', which Excel counts as the same "
                               f"name as '{name}': rename or delete that sheet, then run the command again")
        if name in self.sheets:
            part = self.sheets[name]
            head = self.read(part)[:4000]
            pr = start_tag(head, "sheetPr")
            old = attr(pr.group(0), "codeName") if pr else None
            if old and b"codeName=" not in xml[:2000]:  # the VBA project knows the sheet by it
                xml = self._with_code_name(xml, old)
            self.write(part, xml)
            return part
        n = 1
        while self.exists(f"xl/worksheets/sheet{n}.xml"):
            n += 1
        part = f"xl/worksheets/sheet{n}.xml"
        if "xl/vbaProject.bin" in self.infos and b"codeName=" not in xml[:2000]:
            xml = self._with_code_name(xml)
        self.write(part, xml)
        rid = self.add_relationship("xl/workbook.xml", WORKSHEET, f"worksheets/sheet{n}.xml")
        self.add_override(part, CT_SHEET)
        wb_xml = self.read("xl/workbook.xml")
        wb = parse(wb_xml)
        ns = etree.QName(wb).namespace
        block = _kids(wb, "sheets")
        if not block:
            raise PackageError("the workbook part has no <sheets> list")
        listed = _kids(block[0], "sheet")
        ids = [int(e.get("sheetId")) for e in listed if (e.get("sheetId") or "").isdigit()]
        # the relationships namespace under the prefix r: declared here unless already in scope
        tag = etree.SubElement(block[0], f"{{{ns}}}sheet" if ns else "sheet", nsmap={"r": REL})
        tag.set("name", name)
        tag.set("sheetId", str(max(ids, default=0) + 1))
        tag.set(f"{{{REL}}}id", rid)
        names = [e.get("name") for e in listed]
        if after in names:
            k = names.index(after) + 1
            listed[k - 1].addnext(tag)
            _shift_sheet_indexes(wb, k)
        self.write("xl/workbook.xml", serialize(wb, wb_xml))
        for key in ("workbook", "workbook_root", "sheets"):
            self.__dict__.pop(key, None)
        return part

    def _with_code_name(self, xml: bytes, name: str | None = None) -> bytes:
        """A new sheet of a macro-enabled workbook gets a codeName of its own (`SheetN`, N unused), as
        Excel gives one, so the VBA project has a unique name for every sheet."""
        used = set()
        for part in self.sheets.values():
            if part and self.exists(part):
                head = self.changed[part][:4000] if part in self.changed else self.zip.open(part).read(4000)
                pr = start_tag(head, "sheetPr")
                if pr and attr(pr.group(0), "codeName"):
                    used.add(attr(pr.group(0), "codeName"))
        n = 1
        while f"Sheet{n}" in used:
            n += 1
        name = name or f"Sheet{n}"
        root = parse(xml)  # a sheet this writer made: small
        ns = etree.QName(root).namespace
        pr = _kids(root, "sheetPr")
        if not pr:
            pr = [etree.Element(f"{{{ns}}}sheetPr")]
            root.insert(0, pr[0])
        pr[0].set("codeName", name)
        return serialize(root, xml)

    # saving

    def save(self, target, compresslevel: int = 1) -> None:
        """Write the changed package to `target`: changed parts recompressed, all others copied raw."""
        for edit in self.sheet_edits.values():
            edit.finish()
        if self._sst is not None:
            self._sst.finish()
        if self._styles is not None:
            self._styles.finish()
        with open(target, "wb") as f, zipfile.ZipFile(f, "w") as out:
            for name, info in self.infos.items():
                if name in self.changed:
                    zi = zipfile.ZipInfo(name, info.date_time)
                    zi.compress_type = info.compress_type if info.compress_type in (0, 8) else 8
                    zi.external_attr, zi.create_system = info.external_attr, info.create_system
                    out.writestr(zi, self.changed[name], compresslevel=compresslevel)
                else:
                    _copy_raw(self.zip, info, out)
            for name, data in self.changed.items():
                if name not in self.infos:
                    zi = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
                    zi.compress_type = zipfile.ZIP_DEFLATED
                    out.writestr(zi, data, compresslevel=compresslevel)


def _copy_raw(src: zipfile.ZipFile, info: zipfile.ZipInfo, out: zipfile.ZipFile) -> None:
    """Copy one entry's compressed bytes unchanged (no inflate, no deflate)."""
    fp = src.fp
    fp.seek(info.header_offset)
    head = fp.read(30)
    if head[:4] != b"PK\x03\x04":
        raise PackageError(f"{info.filename}: bad local header in the zip")
    n, m = struct.unpack("<HH", head[26:30])
    fp.seek(info.header_offset + 30 + n + m)
    data = fp.read(info.compress_size)
    zi = copy.copy(info)
    zi.flag_bits &= ~0x08  # sizes and CRC go in the local header: no data descriptor
    zi.extra = b""
    zi.header_offset = out.fp.tell()
    zip64 = zi.file_size > zipfile.ZIP64_LIMIT or zi.compress_size > zipfile.ZIP64_LIMIT
    out.fp.write(zi.FileHeader(zip64))
    out.fp.write(data)
    out.filelist.append(zi)
    out.NameToInfo[zi.filename] = zi
    out.start_dir = out.fp.tell()
    out._didModify = True


def _kids(element, local: str) -> list:
    """Child elements named `local`, whatever their namespace prefix."""
    return [e for e in element if isinstance(e.tag, str) and etree.QName(e).localname == local]


def _shift_sheet_indexes(wb, k: int) -> None:
    """Sheet positions at or after `k` move one along (a tab was inserted at k): sheet-scoped Names,
    the active and first visible tab."""
    def shift(e, key):
        v = e.get(key)
        if v is not None and v.isdigit() and int(v) >= k:
            e.set(key, str(int(v) + 1))
    for block in _kids(wb, "definedNames"):
        for e in _kids(block, "definedName"):
            shift(e, "localSheetId")
    for block in _kids(wb, "bookViews"):
        for e in _kids(block, "workbookView"):
            shift(e, "activeTab")
            shift(e, "firstSheet")

"""Changing an .xlsx/.xlsm package part by part (DESIGN §13).

A workbook is a zip of XML parts that Excel keeps evolving (dynamic-array metadata, x14
extensions, threaded comments, cached values). Loading it into an object model and saving
it back rewrites every part and drops what the model does not know. So this module edits
bytes, not a model:
- a worksheet is patched around the rows a change touches: rows are found by their `r`
  attribute, each touched row is rewritten cell by cell, and every other byte of the part
  is kept (a 50,000-row sheet costs a scan, not a tree);
- a table's `ref` (and its autoFilter's), a column name, shared strings, relationships
  and content types are edited in place;
- on save every zip entry that was not changed is copied raw: the same compressed bytes.

`paper-xlsx` and `xlsxedit` (DESIGN §13) were evaluated first and not adopted: xlsxedit
re-serialises every worksheet, relationship part and [Content_Types].xml on save (a one-cell
edit changed 25 of 43 parts of our tracker); paper-xlsx installs itself as the `openpyxl`
package and refuses to import beside openpyxl, which spso-xl and its users' tools need.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import posixpath
import re
import struct
import zipfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_SST = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
HYPERLINK = REL + "/hyperlink"
WORKSHEET = REL + "/worksheet"
SHARED_STRINGS = REL + "/sharedStrings"

# Worksheet children that come after <hyperlinks>, in the schema's order (CT_Worksheet).
_AFTER_HYPERLINKS = ("printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks",
                     "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing",
                     "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
                     "webPublishItems", "tableParts", "extLst")


class PackageError(ValueError):
    """The file is not a workbook this writer can change safely; the message says why."""


@dataclass(frozen=True)
class Formula:
    """A formula cell: its text (without '=') and the cached value to store with it. `array`: a one-cell
    array formula; `cm`: its cell-metadata index (a dynamic-array formula, as in the row above)."""
    text: str
    value: object = None
    array: bool = False
    cm: str | None = None

    @classmethod
    def like(cls, cell: bytes | None, text: str) -> "Formula":
        """The formula `text` written the way `cell` (the same column's cell in the row above) writes its own."""
        if cell is None:
            return cls(text)
        f = re.search(rb"<(?:\w+:)?f\b[^>]*>", cell)
        array = f is not None and _attr(f.group(0), "t") == "array"
        return cls(text, array=array, cm=_attr(cell[:cell.index(b">") + 1], "cm") if array else None)


@dataclass(frozen=True)
class Hyperlink:
    """A hyperlink cell: shows `text`, opens `target` (already in relationship form)."""
    target: str
    text: str


@dataclass
class Table:
    name: str
    part: str  # xl/tables/tableN.xml
    sheet: str  # the sheet name
    sheet_part: str
    ref: str
    columns: list[str]
    formulas: dict[str, str]  # column name -> calculatedColumnFormula

    @property
    def bounds(self) -> tuple[int, int, int, int]:
        return range_boundaries(self.ref)

    def col(self, header: str) -> int:
        """The sheet column number (1-based) of a header."""
        try:
            return self.bounds[0] + self.columns.index(header)
        except ValueError:
            raise KeyError(f"the {self.name} table has no column {header}") from None


def _unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")
            .replace("&amp;", "&"))


_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")


def xml_text(value: str) -> str:
    """Text as a cell's <t> holds it: XML-escaped, control characters as Excel's _xHHHH_ escapes."""
    def esc(m):
        s = m.group(0)
        return "_x005F" + s if s.startswith("_x") else f"_x{ord(s):04X}_"
    return escape(_BAD_XML.sub(esc, value))


def _t(value: str) -> str:
    space = ' xml:space="preserve"' if value != value.strip() or "\n" in value else ""
    return f"<t{space}>{xml_text(value)}</t>"


def _attr(tag: bytes, name: str) -> str | None:
    m = re.search(rb"\s" + name.encode() + rb'="([^"]*)"', tag)
    return _unescape(m.group(1).decode()) if m else None


def _set_attr(tag: bytes, name: str, value: str | None) -> bytes:
    """A start tag with attribute `name` set (or removed, when value is None)."""
    pattern = re.compile(rb"\s" + name.encode() + rb'="[^"]*"')
    if value is None:
        return pattern.sub(b"", tag, count=1)
    new = b" " + name.encode() + b"=" + quoteattr(value).encode()
    if pattern.search(tag):
        return pattern.sub(lambda m: new, tag, count=1)
    end = len(tag) - (2 if tag.endswith(b"/>") else 1)
    return tag[:end] + new + tag[end:]


def excel_serial(value, date1904: bool = False) -> float:
    """A date or datetime as an Excel serial number (1900 system, or 1904)."""
    if isinstance(value, dt.datetime):
        base = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 30)
        delta = value.replace(tzinfo=None) - base
        return delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6
    base = dt.date(1904, 1, 1) if date1904 else dt.date(1899, 12, 30)
    return float((value - base).days)


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x))


# --- the package ------------------------------------------------------------------------------


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
        for tag in re.findall(rb"<(?:\w+:)?Relationship\b[^>]*>", self.read(name)):
            rel = {k: _attr(tag, k) for k in ("Id", "Type", "Target", "TargetMode")}
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
    def date1904(self) -> bool:
        m = re.search(rb"<(?:\w+:)?workbookPr\b[^>]*>", self.workbook)
        return bool(m) and _attr(m.group(0), "date1904") in ("1", "true")

    @cached_property
    def sheets(self) -> dict[str, str]:
        """Sheet name -> worksheet part name, in tab order."""
        targets = {r["Id"]: r["Target"] for r in self.rels("xl/workbook.xml")}
        out = {}
        for tag in re.findall(rb"<(?:\w+:)?sheet\b[^>]*>", self.workbook):
            rid = next((v for k, v in re.findall(rb'\s([\w:]*id)="([^"]*)"', tag) if k.endswith(b":id")), None)
            if rid is not None:
                out[_attr(tag, "name")] = targets.get(rid.decode())
        return out

    @cached_property
    def tables(self) -> dict[str, Table]:
        out = {}
        for sheet, part in self.sheets.items():
            if part is None or not self.exists(part):
                continue
            for rel in self.rels(part):
                if rel["Type"] and rel["Type"].endswith("/table") and self.exists(rel["Target"]):
                    out_table = self._table(rel["Target"], sheet, part)
                    out[out_table.name] = out_table
        return out

    def _table(self, part: str, sheet: str, sheet_part: str) -> Table:
        xml = self.read(part)
        root = re.search(rb"<(?:\w+:)?table\b[^>]*>", xml).group(0)
        columns, formulas = [], {}
        for m in re.finditer(rb"<(?:\w+:)?tableColumn\b([^>]*?)(/>|>(.*?)</(?:\w+:)?tableColumn>)", xml, re.S):
            name = _attr(m.group(0)[:m.group(0).index(b">") + 1], "name")
            columns.append(name)
            f = re.search(rb"<(?:\w+:)?calculatedColumnFormula\b[^>]*>(.*?)</", m.group(3) or b"", re.S)
            if f:
                formulas[name] = _unescape(f.group(1).decode())
        return Table(_attr(root, "displayName") or _attr(root, "name"), part, sheet, sheet_part,
                     _attr(root, "ref"), columns, formulas)

    def table(self, name: str) -> Table:
        try:
            return self.tables[name]
        except KeyError:
            raise KeyError(f"the tracker has no table named {name}") from None

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
        xml = self.read(table.part)
        root = re.search(rb"<(?:\w+:)?table\b[^>]*>", xml)
        new_root = _set_attr(root.group(0), "ref", ref)
        xml = xml[:root.start()] + new_root + xml[root.end():]
        xml = re.sub(rb"(<(?:\w+:)?autoFilter\b[^>]*?\sref=\")[^\"]*", lambda m: m.group(1) + ref.encode(), xml,
                     count=1)
        self.write(table.part, xml)
        table.ref = ref

    def rename_column(self, table: Table, old: str, new: str) -> None:
        """Rename a table column: the table XML, the header cell, and structured references to it in
        this table's formulas (calculated columns and the cells of its sheet)."""
        if new in table.columns:
            raise KeyError(f"the {table.name} table already has a column {new}")
        col = table.col(old)
        xml = self.read(table.part)
        pattern = re.compile(rb"(<(?:\w+:)?tableColumn\b[^>]*?\sname=)" + re.escape(quoteattr(old).encode()))
        xml, n = pattern.subn(lambda m: m.group(1) + quoteattr(new).encode(), xml, count=1)
        if not n:  # written with other quoting: fall back to any name attribute equal to old
            raise PackageError(f"cannot find the column {old} in {table.part}")
        xml = _rename_refs(xml, old, new)
        self.write(table.part, xml)
        table.columns[table.columns.index(old)] = new
        table.formulas = {new if k == old else k: v.replace(f"[{old}]", f"[{new}]") for k, v in table.formulas.items()}
        c1, r1, *_ = table.bounds
        sheet = self.sheet(table.sheet)
        sheet.set(r1, col, new)
        sheet.rename_refs[old] = new

    def add_relationship(self, part: str, rel_type: str, target: str, external: bool = False) -> str:
        """Add a relationship from `part`; its new Id."""
        name = self.rels_name(part)
        xml = self.read(name) if self.exists(name) else (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<Relationships xmlns="' + PKG_REL.encode() + b'"></Relationships>')
        ids = {int(i) for i in re.findall(rb'\sId="rId(\d+)"', xml)}
        rid = f"rId{max(ids, default=0) + 1}"
        mode = ' TargetMode="External"' if external else ""
        tag = f'<Relationship Id="{rid}" Type="{rel_type}" Target={quoteattr(target)}{mode}/>'.encode()
        xml = _insert_before_close(xml, b"Relationships", tag)
        self.write(name, xml)
        return rid

    def add_sheet(self, name: str, xml: bytes, after: str | None = None) -> str:
        """Add a worksheet part, its relationship and content type, and its tab after the sheet `after`
        (default last); a sheet of that name has its part replaced in place."""
        if name in self.sheets:
            part = self.sheets[name]
            old = re.search(rb'<(?:\w+:)?sheetPr\b[^>]*?\scodeName="([^"]*)"', self.read(part)[:4000])
            if old and b"codeName=" not in xml[:2000]:  # the VBA project knows the sheet by it
                xml = self._with_code_name(xml, old.group(1).decode())
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
        ct = self.read("[Content_Types].xml")
        ct = _insert_before_close(ct, b"Types",
                                  f'<Override PartName="/{part}" ContentType="{CT_SHEET}"/>'.encode())
        self.write("[Content_Types].xml", ct)
        wb = self.read("xl/workbook.xml")
        if b'xmlns:r="' + REL.encode() + b'"' not in wb:
            raise PackageError("the workbook part does not declare the relationships namespace as r:")
        tags = list(re.finditer(rb"<(?:\w+:)?sheet\b[^>]*>", wb))
        ids = [int(_attr(m.group(0), "sheetId") or 0) for m in tags]
        prefix = re.search(rb"<(\w+:)?sheets\b", wb).group(1) or b""
        tag = (b"<" + prefix + b"sheet name=" + quoteattr(name).encode() +
               f' sheetId="{max(ids, default=0) + 1}" r:id="{rid}"/>'.encode())
        names = [_attr(m.group(0), "name") for m in tags]
        if after in names:
            k = names.index(after) + 1
            at = tags[k - 1].end()
            wb = wb[:at] + tag + wb[at:]
            wb = _shift_sheet_indexes(wb, k)
        else:
            wb = _insert_before_close(wb, prefix + b"sheets", tag)
        self.write("xl/workbook.xml", wb)
        self.__dict__.pop("workbook", None)
        self.__dict__.pop("sheets", None)
        return part

    def _with_code_name(self, xml: bytes, name: str | None = None) -> bytes:
        """A new sheet of a macro-enabled workbook gets a codeName of its own (`SheetN`, N unused), as
        Excel gives one, so the VBA project has a unique name for every sheet."""
        used = set()
        for part in self.sheets.values():
            if part and self.exists(part):
                head = self.changed[part][:4000] if part in self.changed else self.zip.open(part).read(4000)
                m = re.search(rb'<(?:\w+:)?sheetPr\b[^>]*?\scodeName="([^"]*)"', head)
                if m:
                    used.add(m.group(1).decode())
        n = 1
        while f"Sheet{n}" in used:
            n += 1
        name = name or f"Sheet{n}"
        m = re.search(rb"<(\w+:)?sheetPr\b[^>]*?(/?)>", xml)
        if m:
            return xml[:m.start()] + _set_attr(m.group(0), "codeName", name) + xml[m.end():]
        root = re.search(rb"<(\w+:)?worksheet\b[^>]*>", xml)
        p = (root.group(1) or b"").decode()
        return xml[:root.end()] + f'<{p}sheetPr codeName="{name}"/>'.encode() + xml[root.end():]

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


def _insert_before_close(xml: bytes, tag: bytes, content: bytes) -> bytes:
    """Insert `content` as the last child of the element `tag` (expanding <tag/> if need be)."""
    close = b"</" + tag + b">"
    i = xml.rfind(close)
    if i >= 0:
        return xml[:i] + content + xml[i:]
    m = re.search(rb"<" + re.escape(tag) + rb"\b[^>]*/>", xml)
    if not m:
        raise PackageError(f"no <{tag.decode()}> element to add to")
    opened = m.group(0)[:-2] + b">"
    return xml[:m.start()] + opened + content + close + xml[m.end():]


def _shift_sheet_indexes(wb: bytes, k: int) -> bytes:
    """Sheet positions at or after `k` move one along (a tab was inserted at k): sheet-scoped Names,
    the active and first visible tab."""
    def shift(m):
        n = int(m.group(2))
        return m.group(1) + str(n + 1 if n >= k else n).encode() + b'"'
    wb = re.sub(rb'(<(?:\w+:)?definedName\b[^>]*?\slocalSheetId=")(\d+)"', shift, wb)
    return re.sub(rb'(<(?:\w+:)?workbookView\b[^>]*?\s(?:activeTab|firstSheet)=")(\d+)"', shift, wb)


def _rename_refs(xml: bytes, old: str, new: str) -> bytes:
    """Structured references to column `old` in formulas, renamed."""
    o, n = xml_text(f"[{old}]").encode(), xml_text(f"[{new}]").encode()
    return re.sub(rb"(<(?:\w+:)?(?:f|calculatedColumnFormula)\b[^>]*>)(.*?)(</)",
                  lambda m: m.group(1) + m.group(2).replace(o, n) + m.group(3), xml, flags=re.S)


_SI = re.compile(rb"<(?:\w+:)?si>(?:<(?:\w+:)?t(?:\s[^>]*)?>([^<]*)</(?:\w+:)?t>|<(?:\w+:)?t/>|.*?)</(?:\w+:)?si>|"
                 rb"<(?:\w+:)?si/>", re.S)
_X_ESC = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _from_xml_text(text: str) -> str:
    """A <t>'s text as Excel reads it: entities and _xHHHH_ escapes decoded."""
    text = _unescape(text)
    return _X_ESC.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


# --- shared strings ----------------------------------------------------------------------------


class SharedStrings:
    """Strings added to the shared-strings part (appended; Excel tidies duplicates on its next save)."""

    def __init__(self, package: Package, part: str):
        self.package, self.part = package, part
        xml = package.read(part)
        root = re.search(rb"<(?:\w+:)?sst\b[^>]*>", xml)
        unique = _attr(root.group(0), "uniqueCount") if root else None
        self.prefix = re.search(rb"<(\w+:)?sst\b", xml).group(1) or b""
        self.count = int(unique) if unique is not None else len(re.findall(rb"<(?:\w+:)?si[\s>/]", xml))
        self.new: dict[str, int] = {}
        self.refs = 0

    @cached_property
    def existing(self) -> dict[str, int]:
        """Plain strings already in the part -> their index (rich-text runs are left out)."""
        out: dict[str, int] = {}
        xml = self.package.read(self.part)
        for i, m in enumerate(_SI.finditer(xml)):
            t = m.group(1)
            if t is not None:
                out.setdefault(_from_xml_text(t.decode()), i)
        return out

    def index(self, text: str) -> int:
        """The index of `text`: the existing string when the part has it, else a new one."""
        self.refs += 1
        found = self.existing.get(text)
        if found is not None:
            return found
        if text not in self.new:
            self.new[text] = self.count + len(self.new)
        return self.new[text]

    def finish(self) -> None:
        if not self.new:
            return
        p = self.prefix.decode()
        xml = self.package.read(self.part)
        add = "".join(f"<{p}si>{_t(s).replace('<t', f'<{p}t').replace('</t>', f'</{p}t>')}</{p}si>"
                      for s in self.new).encode()
        xml = _insert_before_close(xml, self.prefix + b"sst", add)
        root = re.search(rb"<(?:\w+:)?sst\b[^>]*>", xml)
        tag = root.group(0)
        if _attr(tag, "uniqueCount") is not None:
            tag = _set_attr(tag, "uniqueCount", str(self.count + len(self.new)))
        if (total := _attr(tag, "count")) is not None:
            tag = _set_attr(tag, "count", str(int(total) + self.refs))
        self.package.write(self.part, xml[:root.start()] + tag + xml[root.end():])
        self.count += len(self.new)
        self.new, self.refs = {}, 0


# --- worksheets --------------------------------------------------------------------------------

_CELL = re.compile(rb"<(?:\w+:)?c\b[^>]*?(?:/>|>.*?</(?:\w+:)?c>)", re.S)
_ROW_START = re.compile(rb"<(?:\w+:)?row\b[^>]*>")
_REF = re.compile(rb'\sr="([A-Z]+)(\d+)"')


@dataclass
class SheetEdit:
    """Changes queued for one worksheet, applied in one pass over its XML by `finish()`."""
    package: Package
    part: str
    cells: dict[int, dict[int, object]] = field(default_factory=dict)  # row -> col -> value
    styles: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> s for new cells
    cached: dict[int, dict[int, object]] = field(default_factory=dict)  # row -> col -> cached value
    array_refs: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> an array formula's ref
    links: list[tuple[str, str]] = field(default_factory=list)  # (cell ref, rId)
    rename_refs: dict[str, str] = field(default_factory=dict)
    _xml: bytes | None = None

    @property
    def xml(self) -> bytes:
        if self._xml is None:
            self._xml = self.package.read(self.part)
        return self._xml

    def set(self, row: int, col: int, value) -> None:
        self.cells.setdefault(row, {})[col] = value

    def set_cached(self, row: int, col: int, value) -> None:
        """Store `value` as the cached value of the formula in (row, col), if it holds one."""
        self.cached.setdefault(row, {})[col] = value

    # reading rows (for finding a table's last used row and template styles)

    def row_xml(self, r: int) -> bytes | None:
        span = _find_row(self.xml, r, 0)
        return None if span is None else self.xml[span[0]:span[1]]

    def row_cells(self, r: int) -> dict[int, bytes]:
        row = self.row_xml(r)
        return {} if row is None else _cells(row)

    def col_styles(self) -> dict[int, str]:
        out = {}
        for tag in re.findall(rb"<(?:\w+:)?col\b[^>]*>", self.xml):
            lo, hi, s = _attr(tag, "min"), _attr(tag, "max"), _attr(tag, "style")
            if s and lo and hi:
                for c in range(int(lo), min(int(hi), 16384) + 1):
                    out[c] = s
        return out

    def finish(self) -> None:
        if not (self.cells or self.cached or self.links or self.rename_refs or self.array_refs):
            return
        for r, row in self.cached.items():  # a formula being written takes its cached value with it
            for c, value in list(row.items()):
                f = self.cells.get(r, {}).get(c)
                if isinstance(f, Formula):
                    self.cells[r][c] = Formula(f.text, value, f.array, f.cm)
        xml = self.xml
        sd = re.search(rb"<(\w+:)?sheetData\b[^>]*?(/?)>", xml)
        if sd is None:
            raise PackageError(f"{self.part} has no sheetData")
        prefix = (sd.group(1) or b"").decode()
        if sd.group(2):  # <sheetData/>
            xml = xml[:sd.start()] + sd.group(0)[:-2] + b">" + f"</{prefix}sheetData>".encode() + xml[sd.end():]
        start = sd.end() if not sd.group(2) else sd.end() - 1
        per_row = set(self.cells) | {r for r, _ in self.array_refs}
        bulk = {r: row for r, row in self.cached.items() if r not in per_row}
        if bulk and not prefix:
            xml = self._cached_in_bulk(xml, bulk)
        else:
            per_row |= set(bulk)
        end = xml.index(f"</{prefix}sheetData>".encode(), start)
        out, pos = [xml[:start]], start
        sst = self.package.shared_strings
        for r in sorted(per_row):
            span = _find_row(xml, r, pos, end)
            if span is None:  # a new row: before the first row after it
                at = _next_row_at(xml, r, pos, end)
                out.append(xml[pos:at])
                if r in self.cells:
                    out.append(self._new_row(r, prefix, sst))
                pos = at
            else:
                out.append(xml[pos:span[0]])
                out.append(self._patch_row(xml[span[0]:span[1]], r, prefix, sst))
                pos = span[1]
        out.append(xml[pos:])
        xml = b"".join(out)
        if self.rename_refs:
            for old, new in self.rename_refs.items():
                xml = _rename_refs(xml, old, new)
        if self.cells:
            xml = self._dimension(xml)
        if self.links:
            xml = self._add_links(xml, prefix)
        self.package.write(self.part, xml)
        self._xml = xml
        self.cells, self.cached, self.links, self.rename_refs, self.array_refs = {}, {}, [], {}, {}

    def _cached_in_bulk(self, xml: bytes, cached: dict[int, dict[int, object]]) -> bytes:
        """Cached values for many formula cells in one regex pass over the sheet (a refresh of every
        row): only cells in the columns concerned are visited, each rewritten in place. The common
        shape, <c ...><f ...>...</f><v>...</v></c>, is rebuilt from the match's groups."""
        letters = {get_column_letter(c): c for row in cached.values() for c in row}
        pattern = re.compile(rb'<c r="(' + b"|".join(sorted((k.encode() for k in letters), key=len, reverse=True))
                             + rb')(\d+)"([^>]*?)(?:/>|>(<f\b[^>]*?(?:/>|>[^<]*</f>))(?:<v>[^<]*</v>|<v/>)?</c>'
                               rb'|>.*?</c>)', re.S)
        date1904 = self.package.date1904
        memo: dict = {}
        keys = {c: get_column_letter(c).encode() for c in letters.values()}
        enc: dict[bytes, dict[bytes, tuple]] = {}
        for r, row in cached.items():
            out = enc[str(r).encode()] = {}
            for c, value in row.items():
                key = (type(value), value)
                try:
                    vt = memo[key]
                except KeyError:
                    v, t = _cached_xml(value, date1904, "")
                    vt = memo[key] = (v.encode(), t.encode(), value)
                except TypeError:
                    v, t = _cached_xml(value, date1904, "")
                    vt = (v.encode(), t.encode(), value)
                out[keys[c]] = vt

        def sub(m):
            row = enc.get(m.group(2))
            if row is None:
                return m.group(0)
            vt = row.get(m.group(1))
            if vt is None:
                return m.group(0)
            f = m.group(4)
            if f is None:
                return _with_cached(m.group(0), vt[2], date1904)
            attrs = m.group(3)
            if b' t="' in attrs:
                attrs = _T_ATTR.sub(b"", attrs, count=1)
            return b"".join((b'<c r="', m.group(1), m.group(2), b'"', attrs, vt[1], b">", f, vt[0], b"</c>"))

        return pattern.sub(sub, xml)

    def _new_row(self, r: int, prefix: str, sst) -> bytes:
        cols = sorted(self.cells[r])
        body = b"".join(self._cell(r, c, None, self.cells[r][c], prefix, sst) for c in cols)
        return f'<{prefix}row r="{r}">'.encode() + body + f"</{prefix}row>".encode()

    def _patch_row(self, row: bytes, r: int, prefix: str, sst) -> bytes:
        start = _ROW_START.match(row).group(0)
        if start.endswith(b"/>"):
            cells, start = {}, start[:-2] + b">"
        else:
            cells = _cells(row)
        for c, value in self.cells.get(r, {}).items():
            cells[c] = self._cell(r, c, cells.get(c), value, prefix, sst)
        for c, value in self.cached.get(r, {}).items():
            if c in cells and c not in self.cells.get(r, {}):
                cells[c] = _with_cached(cells[c], value, self.package.date1904, self.array_refs.get((r, c)))
        for (ar, c), ref in self.array_refs.items():
            if ar == r and c in cells and c not in self.cached.get(r, {}):
                cells[c] = _with_array_ref(cells[c], ref)
        spans = _attr(start, "spans")
        if spans and ":" in spans and cells:
            lo, hi = (int(x) for x in spans.split(":"))
            start = _set_attr(start, "spans", f"{min(lo, min(cells))}:{max(hi, max(cells))}")
        return start + b"".join(cells[c] for c in sorted(cells)) + f"</{prefix}row>".encode()

    def _cell(self, r: int, c: int, old: bytes | None, value, prefix: str, sst) -> bytes:
        ref = f"{get_column_letter(c)}{r}"
        s = _attr(old[:old.index(b">") + 1], "s") if old else self.styles.get((r, c))
        attrs = f' r="{ref}"' + (f' s="{s}"' if s not in (None, "0") else "")
        p = prefix
        if isinstance(value, Hyperlink):
            value = value.text
        if isinstance(value, Formula) and old is not None and not value.array:
            value = Formula(value.text, value.value, *_astuple(Formula.like(old, value.text))[2:])
        if isinstance(value, Formula):
            inner, t = _cached_xml(value.value, self.package.date1904, p)
            cm = f' cm="{value.cm}"' if value.cm else ""
            f = f'<{p}f t="array" ref="{ref}">' if value.array else f"<{p}f>"
            return f"<{p}c{attrs}{t}{cm}>{f}{xml_text(value.text)}</{p}f>{inner}</{p}c>".encode()
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is _NAT:
            return f"<{p}c{attrs}/>".encode()
        if isinstance(value, bool):
            return f'<{p}c{attrs} t="b"><{p}v>{int(value)}</{p}v></{p}c>'.encode()
        if isinstance(value, (int, float)):
            return f"<{p}c{attrs}><{p}v>{_number(value)}</{p}v></{p}c>".encode()
        if isinstance(value, (dt.date, dt.datetime)):
            if _is_nat(value):
                return f"<{p}c{attrs}/>".encode()
            serial = excel_serial(value if not hasattr(value, "to_pydatetime") else value.to_pydatetime(),
                                  self.package.date1904)
            return f"<{p}c{attrs}><{p}v>{_number(serial)}</{p}v></{p}c>".encode()
        text = str(value)
        if sst is not None:
            return f'<{p}c{attrs} t="s"><{p}v>{sst.index(text)}</{p}v></{p}c>'.encode()
        return f'<{p}c{attrs} t="inlineStr"><{p}is>{_t(text).replace("<t", f"<{p}t").replace("</t>", f"</{p}t>")}' \
               f"</{p}is></{p}c>".encode()

    def _dimension(self, xml: bytes) -> bytes:
        m = re.search(rb"<(?:\w+:)?dimension\b[^>]*?\sref=\"([^\"]*)\"", xml)
        if not m:
            return xml
        try:
            c1, r1, c2, r2 = range_boundaries(m.group(1).decode())
        except ValueError:
            return xml
        rows = list(self.cells)
        cols = [c for row in self.cells.values() for c in row]
        c1, r1 = min([c1 or 1] + cols), min([r1 or 1] + rows)
        c2, r2 = max([c2 or 1] + cols), max([r2 or 1] + rows)
        ref = f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}".encode()
        return xml[:m.start(1)] + ref + xml[m.end(1):]

    def _add_links(self, xml: bytes, prefix: str) -> bytes:
        p = prefix
        tags = "".join(f'<{p}hyperlink ref="{ref}" r:id="{rid}"/>' for ref, rid in self.links).encode()
        if re.search(rb"<(?:\w+:)?hyperlinks\b[^>]*/>", xml):
            return _insert_before_close(xml, f"{p}hyperlinks".encode(), tags)
        if f"</{p}hyperlinks>".encode() in xml:
            return _insert_before_close(xml, f"{p}hyperlinks".encode(), tags)
        block = f"<{p}hyperlinks>".encode() + tags + f"</{p}hyperlinks>".encode()
        for name in _AFTER_HYPERLINKS:
            m = re.search(rb"<" + f"{p}{name}".encode() + rb"[\s>/]", xml)
            if m:
                return xml[:m.start()] + block + xml[m.start():]
        i = xml.rindex(f"</{p}worksheet>".encode())
        return xml[:i] + block + xml[i:]


def _astuple(f: Formula) -> tuple:
    return f.text, f.value, f.array, f.cm


def _is_nat(value) -> bool:
    try:
        return value != value  # NaT and NaN are not equal to themselves
    except Exception:
        return False


class _NaTSentinel:
    pass


_NAT = _NaTSentinel()


def _cells(row: bytes) -> dict[int, bytes]:
    """Column number -> cell XML of a row element."""
    out, last = {}, 0
    body_start = _ROW_START.match(row).end()
    for m in _CELL.finditer(row, body_start):
        cell = m.group(0)
        ref = _REF.search(cell[:cell.index(b">") + 1])
        last = column_index_from_string(ref.group(1).decode()) if ref else last + 1
        out[last] = cell
    return out


def _find_row(xml: bytes, r: int, pos: int = 0, end: int | None = None) -> tuple[int, int] | None:
    """(start, end) of the row element numbered r, searching from `pos`."""
    end = len(xml) if end is None else end
    i = xml.find(b'<row r="%d"' % r, pos, end)
    if i < 0:
        if xml.find(b'<row r="', pos, end) >= 0:
            return None  # rows are written the usual way (r first), and this one is not there
        m = re.compile(rb'<(?:\w+:)?row\b[^>]*?\sr="%d"' % r).search(xml, pos, end)
        if not m:
            return None
        i = m.start()
    tag_end = xml.index(b">", i) + 1
    if xml[tag_end - 2:tag_end] == b"/>":
        return i, tag_end
    close = re.compile(rb"</(?:\w+:)?row>").search(xml, tag_end)
    return i, close.end()


def _next_row_at(xml: bytes, r: int, pos: int, end: int) -> int:
    """Where a new row r goes: at the first row numbered above r after `pos`, else at the end."""
    for m in _ROW_START.finditer(xml, pos, end):
        n = _REF_ROW.search(m.group(0))
        if n and int(n.group(1)) > r:
            return m.start()
    return end


_REF_ROW = re.compile(rb'\sr="(\d+)"')


def _cached_xml(value, date1904: bool, p: str) -> tuple[str, str]:
    """(the <v> element, the t attribute) for a formula's cached value."""
    if value is None or _is_nat(value) or value == "":
        return f"<{p}v></{p}v>", ' t="str"'
    if isinstance(value, bool):
        return f"<{p}v>{int(value)}</{p}v>", ' t="b"'
    if isinstance(value, (int, float)):
        return f"<{p}v>{_number(value)}</{p}v>", ""
    if isinstance(value, (dt.date, dt.datetime)):
        v = value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
        return f"<{p}v>{_number(excel_serial(v, date1904))}</{p}v>", ""
    if hasattr(value, "item"):  # numpy scalars
        return _cached_xml(value.item(), date1904, p)
    return f"<{p}v>{xml_text(str(value))}</{p}v>", ' t="str"'


_HAS_F = re.compile(rb"<(?:\w+:)?f[\s>/]")
_T_ATTR = re.compile(rb'\st="[^"]*"')
_V_ELEM = re.compile(rb"<(?:\w+:)?v\b[^>]*?(?:/>|>[^<]*</(?:\w+:)?v>)")


def _with_cached(cell: bytes, value, date1904: bool, array_ref: str | None = None) -> bytes:
    """A formula cell with its cached value replaced (and an array formula's ref, when given); a cell
    without a formula is left as it is. The formula element and every attribute but `t` (the cached
    value's type) are kept: `cm` ties a dynamic array to xl/metadata.xml."""
    tag_end = cell.index(b">") + 1
    if cell[tag_end - 2] == 47 or not _HAS_F.search(cell, tag_end):  # 47: "/", an empty cell
        return cell
    prefix = "" if cell.startswith(b"<c ") else (re.match(rb"<(\w+:)?c\b", cell).group(1) or b"").decode()
    v, t = _cached_xml(value, date1904, prefix)
    start = _T_ATTR.sub(b"", cell[:tag_end - 1], count=1) + t.encode() + b">"
    body = cell[tag_end:]
    if array_ref:
        body = _with_array_ref(body, array_ref)
    body = _V_ELEM.sub(b"", body, count=1)
    close = body.rindex(b"</")
    return start + body[:close] + v.encode() + body[close:]


def _with_array_ref(xml: bytes, ref: str) -> bytes:
    """An array formula's spill range (the `ref` of its <f>) set to `ref`."""
    f = re.search(rb"<(?:\w+:)?f\b[^>]*>", xml)
    return xml if f is None else xml[:f.start()] + _set_attr(f.group(0), "ref", ref) + xml[f.end():]


# --- cell formats ------------------------------------------------------------------------------


class Styles:
    """Cell formats for a sheet this writer adds: each format is found in xl/styles.xml or appended
    to it once (the same XML is found again next time, so repeated writes add nothing)."""

    PART = "xl/styles.xml"

    def __init__(self, package: Package):
        self.package = package
        self.xml = package.read(self.PART)
        self.changed = False

    def _section(self, tag: bytes) -> tuple[int, int]:
        m = re.search(rb"<" + tag + rb"\b[^>]*?(/?)>", self.xml)
        if m is None:
            return -1, -1
        if m.group(1):
            self.xml = self.xml[:m.start()] + m.group(0)[:-2] + b"></" + tag + b">" + self.xml[m.end():]
            return self._section(tag)
        return m.end(), self.xml.index(b"</" + tag + b">", m.end())

    def _index(self, tag: bytes, element: bytes, within: bytes | None = None) -> int:
        """The index of `element` in its list (`within`, default `<tag>s`), appended (and the count
        updated) if absent."""
        within = within or tag + b"s"
        start, end = self._section(within)
        body = self.xml[start:end]
        items = list(re.finditer(rb"<" + tag + rb"\b[^>]*?(?:/>|>.*?</" + tag + rb">)", body, re.S))
        for i, m in enumerate(items):
            if m.group(0) == element:
                return i
        self.xml = self.xml[:end] + element + self.xml[end:]
        self.xml = re.sub(rb"(<" + within + rb"\b[^>]*?\scount=\")\d+", lambda m: m.group(1) + str(len(items) + 1)
                          .encode(), self.xml, count=1)
        self.changed = True
        return len(items)

    def num_fmt(self, code: str | None) -> int:
        builtin = {None: 0, "General": 0, "0": 1, "0.00": 2, "#,##0": 3, "0%": 9, "0.00%": 10}
        if code in builtin:
            return builtin[code]
        for m in re.finditer(rb"<numFmt\b[^>]*>", self.xml):
            if _attr(m.group(0), "formatCode") == code:
                return int(_attr(m.group(0), "numFmtId"))
        ids = [int(i) for i in re.findall(rb'<numFmt\b[^>]*?numFmtId="(\d+)"', self.xml)]
        new = max([163] + ids) + 1
        if self._section(b"numFmts")[0] < 0:
            i = re.search(rb"<fonts\b", self.xml).start()
            self.xml = self.xml[:i] + b'<numFmts count="0"></numFmts>' + self.xml[i:]
        start, end = self._section(b"numFmts")
        self.xml = self.xml[:end] + f'<numFmt numFmtId="{new}" formatCode={quoteattr(code)}/>'.encode() + self.xml[end:]
        self.xml = re.sub(rb'(<numFmts\b[^>]*?\scount=")\d+', lambda m: m.group(1) + str(len(ids) + 1).encode(),
                          self.xml, count=1)
        self.changed = True
        return new

    def xf(self, bold=False, italic=False, size=11, color=None, fill=None, num_fmt=None, wrap=False,
           vertical=None, horizontal=None) -> int:
        """The cellXfs index of a format (fonts in Calibri; colours as RRGGBB)."""
        font = (b"<font>" + (b"<b/>" if bold else b"") + (b"<i/>" if italic else b"") + f'<sz val="{size:g}"/>'.encode()
                + (f'<color rgb="FF{color}"/>'.encode() if color else b'<color theme="1"/>')
                + b'<name val="Calibri"/><family val="2"/><scheme val="minor"/></font>')
        font_id = self._index(b"font", font)
        fill_id = self._index(b"fill", f'<fill><patternFill patternType="solid"><fgColor rgb="FF{fill}"/>'
                                       f'<bgColor indexed="64"/></patternFill></fill>'.encode()) if fill else 0
        fmt_id = self.num_fmt(num_fmt)
        align = "".join(f' {k}="{v}"' for k, v in (("horizontal", horizontal), ("vertical", vertical),
                                                     ("wrapText", "1" if wrap else None)) if v)
        xf = (f'<xf numFmtId="{fmt_id}" fontId="{font_id}" fillId="{fill_id}" borderId="0" xfId="0"'
              + (' applyNumberFormat="1"' if fmt_id else "") + ' applyFont="1"' + (' applyFill="1"' if fill_id else "")
              + (f' applyAlignment="1"><alignment{align}/></xf>' if align else "/>")).encode()
        return self._index(b"xf", xf, b"cellXfs") if self._section(b"cellXfs")[0] >= 0 else 0

    def finish(self) -> None:
        if self.changed:
            self.package.write(self.PART, self.xml)


def sheet_xml(rows: list[list], styles: dict[tuple[int, int], int], widths: list[float],
              heights: dict[int, float] | None = None, date1904: bool = False, landscape: bool = True) -> bytes:
    """A values-only worksheet: strings inline (the shared strings stay as they are), numbers, dates as
    serials; `styles` maps (row, col), 0-based, to a cellXfs index. Printed landscape on A4, a page wide."""
    heights = heights or {}
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
           '<sheetViews><sheetView showGridLines="0" workbookViewId="0"/></sheetViews>'
           '<sheetFormatPr defaultRowHeight="15"/>']
    if widths:
        out.append("<cols>" + "".join(f'<col min="{c}" max="{c}" width="{w:g}" customWidth="1"/>'
                                      for c, w in enumerate(widths, start=1)) + "</cols>")
    out.append("<sheetData>")
    for r, row in enumerate(rows):
        cells = []
        for c, v in enumerate(row):
            s = styles.get((r, c), 0)
            ref = f"{get_column_letter(c + 1)}{r + 1}"
            attrs = f' r="{ref}"' + (f' s="{s}"' if s else "")
            if v is None or (isinstance(v, float) and math.isnan(v)):
                if s:
                    cells.append(f"<c{attrs}/>")
            elif isinstance(v, bool):
                cells.append(f'<c{attrs} t="b"><v>{int(v)}</v></c>')
            elif isinstance(v, (int, float)):
                cells.append(f"<c{attrs}><v>{_number(v)}</v></c>")
            elif isinstance(v, (dt.date, dt.datetime)):
                cells.append(f"<c{attrs}><v>{_number(excel_serial(v, date1904))}</v></c>")
            else:
                cells.append(f'<c{attrs} t="inlineStr"><is>{_t(str(v))}</is></c>')
        height = f' ht="{heights[r]:g}" customHeight="1"' if r in heights else ""
        if cells or height:
            out.append(f'<row r="{r + 1}"{height}>' + "".join(cells) + "</row>")
    out.append("</sheetData>")
    out.append('<pageMargins left="0.5" right="0.5" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>')
    out.append(f'<pageSetup paperSize="9" orientation="{"landscape" if landscape else "portrait"}" '
               f'fitToWidth="1" fitToHeight="0"/>')
    out.append("</worksheet>")
    return "".join(out).encode()

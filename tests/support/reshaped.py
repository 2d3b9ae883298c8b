"""Trackers as people reshape them (DESIGN §3 "A tracker is found by its tables", §13): each builder
takes `cases_tracker` (tests/support/trackers.py) and changes its parts the way Excel would have saved
the user's change, so the writer meets exactly that file and nothing else differs.

- `renamed_with_fresh_cases`: the Cases tab renamed `Cases 2025-26` at the year end and a fresh `Cases`
  tab added as a copy (its table Excel names `Cases2`);
- `renamed_with_old_range`: the tab renamed, and a `Cases` tab holding an old copy as a plain range;
- `hidden_duplicate_cases`: a hidden sheet with a second table named `CASES`;
- `actions_total_row`: Table Design > Total Row on Actions (a label and a count);
- `whole_column_refs`: every table's ref drawn to row 1,048,576 (whole columns selected);
- `spaced_header`: the Cases header `Chasers` typed `Chasers ` (trailing space), cell and table column.

Each starts from `cases_tracker`, or from a copy of `source` (the demo tracker, for letters) when
given. `BUILDERS` names them all, for tests that run every write command on each. Parts are edited as
text here on purpose: these are inputs, built to be exactly one user change away from ours.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Callable

from tests.support.trackers import cases_tracker, copy_tracker

RENAMED = "Cases 2025-26"
MAX_ROW = 1_048_576
_SHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_TABLE_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def rewrite(path: Path, change: Callable[[dict[str, bytes]], None]) -> Path:
    """Rewrite the package at `path` with `change(parts)` applied (parts: name -> bytes, in order)."""
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    change(parts)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return path


def _base(folder: Path, name: str, source: Path | None) -> Path:
    if source is None:
        return cases_tracker(folder, name)
    return copy_tracker(source, folder, templates=True)


def _sheet_part(parts: dict[str, bytes], sheet: str) -> str:
    wb = parts["xl/workbook.xml"].decode()
    rid = re.search(rf'<sheet name="{re.escape(sheet)}" sheetId="\d+"(?: state="\w+")? r:id="(rId\d+)"', wb).group(1)
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    return "xl/" + re.search(rf'Id="{rid}"[^>]*Target="([^"]+)"', rels).group(1)


def _table_part(parts: dict[str, bytes], name: str) -> str:
    return next(n for n, d in parts.items() if n.startswith("xl/tables/") and f'displayName="{name}"'.encode() in d)


def _rename_cases_tab(parts: dict[str, bytes]) -> None:
    """What Excel saves after the tab `Cases` is renamed: the sheet's name, and the Names that point at it."""
    wb = parts["xl/workbook.xml"].decode()
    wb = wb.replace('<sheet name="Cases" ', f'<sheet name="{RENAMED}" ')
    wb = wb.replace(">Cases!", f">'{RENAMED}'!")
    parts["xl/workbook.xml"] = wb.encode()


def _add_sheet(parts: dict[str, bytes], name: str, xml: bytes, table: bytes | None = None,
               hidden: bool = False) -> str:
    """A new worksheet part (and table part) with its relationships and content types; its part name."""
    n = 1 + max(int(m) for m in re.findall(r"xl/worksheets/sheet(\d+)\.xml$", "\n".join(parts), re.M))
    part = f"xl/worksheets/sheet{n}.xml"
    if table is None:
        xml = re.sub(rb"<tableParts\b.*?</tableParts>", b"", xml, flags=re.S)
    xml = re.sub(rb"<legacyDrawing\b[^>]*/>", b"", xml)
    xml = re.sub(rb'<sheetPr codeName="[^"]*"', f'<sheetPr codeName="Sheet{n}"'.encode(), xml)
    parts[part] = xml
    types = parts["[Content_Types].xml"].decode()
    types = types.replace("</Types>", f'<Override PartName="/{part}" ContentType="{_SHEET_CT}"/></Types>')
    if table is not None:
        t = 1 + max(int(m) for m in re.findall(r"xl/tables/table(\d+)\.xml$", "\n".join(parts), re.M))
        parts[f"xl/tables/table{t}.xml"] = re.sub(rb'\bid="\d+"', f'id="{t}"'.encode(), table, count=1)
        types = types.replace("</Types>", f'<Override PartName="/xl/tables/table{t}.xml" '
                                          f'ContentType="{_TABLE_CT}"/></Types>')
        rid = re.search(rb'<tablePart r:id="(rId\d+)"', xml).group(1).decode()
        parts[f"xl/worksheets/_rels/sheet{n}.xml.rels"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.'
            f'openxmlformats.org/package/2006/relationships"><Relationship Id="{rid}" Type="{_REL}/table" '
            f'Target="../tables/table{t}.xml"/></Relationships>').encode()
    parts["[Content_Types].xml"] = types.encode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    rid = "rId%d" % (1 + max(int(m) for m in re.findall(r'Id="rId(\d+)"', rels)))
    parts["xl/_rels/workbook.xml.rels"] = rels.replace(
        "</Relationships>", f'<Relationship Id="{rid}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                            f"</Relationships>").encode()
    wb = parts["xl/workbook.xml"].decode()
    ids = [int(m) for m in re.findall(r'sheetId="(\d+)"', wb)]
    state = ' state="hidden"' if hidden else ""
    parts["xl/workbook.xml"] = wb.replace("</sheets>", f'<sheet name="{name}" sheetId="{max(ids) + 1}"{state} '
                                                       f'r:id="{rid}"/></sheets>').encode()
    return part


def _table_copy(parts: dict[str, bytes], name: str, new_name: str) -> bytes:
    xml = parts[_table_part(parts, name)]
    return xml.replace(f'name="{name}" displayName="{name}"'.encode(),
                       f'name="{new_name}" displayName="{new_name}"'.encode())


def renamed_with_fresh_cases(folder: Path, source: Path | None = None) -> Path:
    """The Cases tab renamed `Cases 2025-26`, and a fresh `Cases` tab added as a copy of it (its table
    `Cases2`, as Excel names a copied table), last in the tab order."""
    def change(parts):
        source = parts[_sheet_part(parts, "Cases")]
        copy = _table_copy(parts, "Cases", "Cases2")
        _rename_cases_tab(parts)
        _add_sheet(parts, "Cases", source, copy)
    return rewrite(_base(folder, "renamed.xlsm", source), change)


def renamed_with_old_range(folder: Path, source: Path | None = None) -> Path:
    """The Cases tab renamed `Cases 2025-26`, and a `Cases` tab holding an old copy as a plain range."""
    def change(parts):
        source = parts[_sheet_part(parts, "Cases")]
        _rename_cases_tab(parts)
        _add_sheet(parts, "Cases", source)
    return rewrite(_base(folder, "old_range.xlsm", source), change)


def hidden_duplicate_cases(folder: Path, source: Path | None = None) -> Path:
    """A hidden sheet `Archive` holding a copy of Cases in a second table named `CASES` (the same name,
    ignoring case, which Excel itself would refuse to save)."""
    def change(parts):
        source = parts[_sheet_part(parts, "Cases")]
        _add_sheet(parts, "Archive", source, _table_copy(parts, "Cases", "CASES"), hidden=True)
    return rewrite(_base(folder, "duplicate.xlsm", source), change)


def actions_total_row(folder: Path, source: Path | None = None) -> Path:
    """Table Design > Total Row on Actions: row 3 holds `Total` and a count of Refs; the table's ref takes
    it in, its autoFilter does not, and totalsRowCount says so."""
    def change(parts):
        part = _table_part(parts, "Actions")
        xml = parts[part].decode()
        c1, r1, c2, r2 = re.search(r'ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"', xml).groups()
        total = int(r2) + 1
        xml = xml.replace(f'ref="{c1}{r1}:{c2}{r2}" totalsRowShown="0"',
                          f'ref="{c1}{r1}:{c2}{total}" totalsRowCount="1"', 1)
        xml = xml.replace('<tableColumn id="1" name="Date"', '<tableColumn id="1" name="Date" totalsRowLabel="Total"')
        xml = xml.replace('<tableColumn id="2" name="Ref"', '<tableColumn id="2" name="Ref" totalsRowFunction="count"')
        parts[part] = xml.encode()
        sheet = _sheet_part(parts, "Actions")
        row = (f'<row r="{total}"><c r="A{total}" s="7" t="inlineStr"><is><t>Total</t></is></c>'
               f'<c r="B{total}" s="7"><f>SUBTOTAL(103,Actions[Ref])</f><v>0</v></c></row>')
        s = parts[sheet].decode().replace("</sheetData>", row + "</sheetData>")
        parts[sheet] = re.sub(r'<dimension ref="A1:G\d+"/>', f'<dimension ref="A1:G{total}"/>', s).encode()
    return rewrite(_base(folder, "totals.xlsm", source), change)


def whole_column_refs(folder: Path, source: Path | None = None) -> Path:
    """Every table's ref (and autoFilter) drawn down to row 1,048,576, as when whole columns are selected."""
    return far_refs(_base(folder, "far.xlsm", source))


def far_refs(path: Path) -> Path:
    """The tracker at `path` with every table's ref and autoFilter drawn down to row 1,048,576."""
    def change(parts):
        for name in [n for n in parts if n.startswith("xl/tables/")]:
            parts[name] = re.sub(rb'(\bref="[A-Z]+\d+:[A-Z]+)\d+"', rb'\g<1>%d"' % MAX_ROW, parts[name])
    return rewrite(path, change)


def spaced_header(folder: Path, source: Path | None = None, header: str = "Chasers") -> Path:
    """The Cases header `header` typed with a trailing space: the header cell and the table's column."""
    def change(parts):
        part = _table_part(parts, "Cases")
        parts[part] = parts[part].replace(f'name="{header}"'.encode(), f'name="{header} "'.encode())
        sst = re.findall(rb"<si>(.*?)</si>", parts["xl/sharedStrings.xml"], re.S)
        index = next(i for i, si in enumerate(sst) if si == f"<t>{header}</t>".encode())
        sheet = _sheet_part(parts, "Cases")
        parts[sheet] = re.sub(rb'<c r="([A-Z]+3)"( s="\d+")? t="s"><v>%d</v></c>' % index,
                              lambda m: b'<c r="' + m.group(1) + b'"' + (m.group(2) or b"") +
                              f' t="inlineStr"><is><t xml:space="preserve">{header} </t></is></c>'.encode(),
                              parts[sheet], count=1)
    return rewrite(_base(folder, "spaced.xlsm", source), change)


BUILDERS = {f.__name__: f for f in (renamed_with_fresh_cases, renamed_with_old_range, hidden_duplicate_cases,
                                    actions_total_row, whole_column_refs, spaced_header)}

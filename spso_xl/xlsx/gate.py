"""The write gate (DESIGN §13 "Any valid workbook"): what makes Excel refuse a package or offer to
repair it, checked on a written file before it replaces a tracker, and by `check` and `doctor` on a
file as it is.

A write that broke a file once passed every test that compared bytes: a `<sheet … r:id>` whose
prefix was bound only on its neighbours. So the gate reads the new package as Excel does:
- every part the write changed or added parses with a namespace-aware parser (expat: no tree, so a
  50,000-row sheet costs one C pass); of a worksheet a SheetEdit edited in place, only what it wrote
  (the rows it touched, and what is around the rows) when every other byte is the original's, where
  it was (`written_only`);
- content types ↔ parts; relationship ids unique, internal targets present, every r:id a part uses
  declared in its relationships;
- sheet names unique ignoring case and legal; sheet-scoped names on a sheet that exists;
- each table: ref, column count, unique names, autoFilter = the ref without its totals rows, header
  cells holding the column names, no two tables overlapping, ids and names unique;
- shared strings and styles: counts equal to the entries, references in range;
- the cells of the rows a write touched (all rows, for `check`): rows and cells in order, each at
  its own address, style and shared-string indexes in range, array and spill anchors at the top
  left of their ref, dynamic-array metadata indexes present.
`refuse_if_broken` refuses only what the write introduced: a file that already had a problem can
still be edited (and `check` names the problem).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

from lxml import etree

from spso_xl.errors import PackageError, WriteRefused
from spso_xl.xlsx.refs import column_letters, column_number, range_bounds
from spso_xl.xlsx.xml import CT_SHEET, Fragment, declarations, find_row, parse, start_tag, written_only

RELS = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        "http://purl.oclc.org/ooxml/officeDocument/relationships")
DEEP_ROWS = 2000  # more touched rows than this: the whole sheetData is parsed once instead of row by row
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_ROW = re.compile(rb"""<(?:[\w.\-]+:)?row(?=[\s/>])[^>]*?\sr\s*=\s*["'](\d+)["']""")
_ADDR = re.compile(r"([A-Z]{1,3})(\d+)")
_COMMENT = re.compile(rb"<!--.*?-->", re.S)
_USUAL_ROW = re.compile(rb"""<row\s[^>]*?\br\s*=\s*["'](\d+)["']""")


@dataclass(frozen=True)
class Problem:
    part: str
    message: str

    def __str__(self) -> str:
        return f"{self.part}: {self.message}"


class _Parts:
    """A package's parts (names compared ignoring case, as OPC does), with a write's changes over them."""

    def __init__(self, z: zipfile.ZipFile, changed: dict[str, bytes] | None = None,
                 originals: dict[str, bytes] | None = None):
        self.zip, self.changed, self.originals = z, changed or {}, originals or {}
        names = [n for n in z.namelist() if not n.endswith("/")]
        self.names = names + [n for n in self.changed if n not in set(names)]
        self.lower = {n.lower(): n for n in self.names}
        self._trees: dict[str, object] = {}

    def has(self, name: str) -> bool:
        return name.lower() in self.lower

    def read(self, name: str) -> bytes:
        if name in self.changed:
            return self.changed[name]
        return self.zip.read(self.lower[name.lower()])

    def tree(self, name: str):
        """The part parsed by lxml (a worksheet without its rows), or None when it does not parse."""
        if name not in self._trees:
            data = self.read(name)
            try:
                self._trees[name] = parse(skeleton(data) if is_sheet(name) else data)
            except PackageError:
                self._trees[name] = None
        return self._trees[name]


def is_sheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


def skeleton(xml: bytes) -> bytes:
    """A worksheet without the content of its sheetData: what is around the rows, cheap to parse."""
    m = start_tag(xml, "sheetData")
    if m is None or m.group(0).endswith(b"/>"):
        return xml
    close = re.compile(rb"</(?:[\w.\-]+:)?sheetData\s*>")
    last = None
    for last in close.finditer(xml, max(m.end(), len(xml) - 1_000_000)):
        pass
    if last is None:
        last = close.search(xml, m.end())
    return xml if last is None else xml[:m.end()] + xml[last.start():]


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _kids(element, local: str) -> list:
    return [e for e in element if _local(e) == local]


def _rel_attrs(element) -> list[tuple[str, str]]:
    return [(k, v) for e in element.iter() if isinstance(e.tag, str) for k, v in e.attrib.items()
            if k.startswith("{") and k[1:].split("}")[0] in RELS]


# --- the checks ---------------------------------------------------------------------------------


def well_formed(parts: _Parts, scope, rows: dict[str, set[int]] | None = None) -> list[Problem]:
    out = []
    for name in sorted(scope):
        if not parts.has(name) or not name.lower().endswith((".xml", ".rels")):
            continue
        data = parts.read(name)
        if name in parts.originals and rows and name in rows and len(rows[name]) <= DEEP_ROWS:
            data = written_only(parts.originals[name], data, rows[name]) or data  # the rest was readable
        parser = expat.ParserCreate(namespace_separator="}")
        try:
            parser.Parse(data, True)
        except expat.ExpatError as e:
            out.append(Problem(name, f"is not well-formed XML ({e})"))
    return out


def content_types(parts: _Parts) -> list[Problem]:
    ct = "[Content_Types].xml"
    if not parts.has(ct):
        return [Problem(ct, "is missing")]
    root = parts.tree(ct)
    if root is None:
        return []
    defaults = {(e.get("Extension") or "").lower(): e.get("ContentType") for e in _kids(root, "Default")}
    overrides = {(e.get("PartName") or "").lstrip("/").lower(): e.get("ContentType") for e in _kids(root, "Override")}
    out = []
    for name in parts.names:
        if name == ct:
            continue
        if name.lower() not in overrides and name.rsplit(".", 1)[-1].lower() not in defaults:
            out.append(Problem(name, "has no content type in [Content_Types].xml"))
    for name in overrides:
        if not parts.has(name):
            out.append(Problem(ct, f"gives a content type to /{name}, a part the package does not hold"))
    for name in parts.names:
        if is_sheet(name) and overrides.get(name.lower(), CT_SHEET) != CT_SHEET and "worksheet" not in \
                overrides.get(name.lower(), ""):
            out.append(Problem(name, f"is a worksheet with the content type {overrides[name.lower()]}"))
    return out


def relationships(parts: _Parts, scope) -> tuple[list[Problem], dict[str, dict[str, dict]]]:
    """Problems in the relationship parts, and every part's relationships (Id -> Type, Target)."""
    out, rels = [], {}
    for name in parts.names:
        if not name.endswith(".rels"):
            continue
        folder, base = posixpath.split(name)
        source = posixpath.join(posixpath.dirname(folder), base[:-5])
        if source and not parts.has(source):
            out.append(Problem(name, f"holds the relationships of {source}, a part the package does not hold"))
        root = parts.tree(name)
        if root is None:
            continue
        found = rels[source] = {}
        for rel in _kids(root, "Relationship"):
            rid, target = rel.get("Id"), rel.get("Target") or ""
            if rid in found:
                out.append(Problem(name, f"has two relationships with the Id {rid}"))
            found[rid] = {"Type": rel.get("Type") or "", "Target": target}
            if rel.get("TargetMode") == "External" or re.match(r"[a-zA-Z][\w+.-]*:", target) or \
                    target.startswith("#"):  # another program's, a web address, or a place in this workbook
                continue
            path = target.lstrip("/") if target.startswith("/") else \
                posixpath.normpath(posixpath.join(posixpath.dirname(source), target))
            found[rid]["Target"] = path
            if not parts.has(path.split("#")[0]):
                out.append(Problem(name, f"{rid} points to {path}, a part the package does not hold"))
    for name in sorted(scope):
        if not parts.has(name) or not name.endswith(".xml") or name == "[Content_Types].xml":
            continue
        root = parts.tree(name)
        if root is None:
            continue
        for key, rid in _rel_attrs(root):
            if rid and rid not in rels.get(name, {}):
                out.append(Problem(name, f"refers to the relationship {rid}, which "
                                         f"{Path(name).name}'s relationships do not declare"))
    return out, rels


def workbook(parts: _Parts, rels) -> tuple[list[Problem], dict[str, str]]:
    """Problems in the workbook part, and sheet name -> worksheet part."""
    name = "xl/workbook.xml"
    root = parts.tree(name) if parts.has(name) else None
    if root is None:
        return ([] if parts.has(name) else [Problem(name, "is missing")]), {}
    out, seen, ids, sheets = [], {}, set(), {}
    listed = [s for block in _kids(root, "sheets") for s in _kids(block, "sheet")]
    for s in listed:
        title, sid = s.get("name") or "", s.get("sheetId")
        rid = next((v for k, v in s.attrib.items() if k.split("}")[-1] == "id" and k.startswith("{")), None)
        if title.casefold() in seen:
            out.append(Problem(name, f"has two sheets named '{seen[title.casefold()]}' and '{title}' (Excel does not "
                                     f"tell names apart by case)"))
        seen[title.casefold()] = title
        if not title or len(title) > 31 or _BAD_SHEET_CHARS.search(title) or title[0] == "'" or title[-1] == "'":
            out.append(Problem(name, f"has a sheet named '{title}', which Excel does not allow"))
        if sid in ids:
            out.append(Problem(name, f"has two sheets with the sheetId {sid}"))
        ids.add(sid)
        target = rels.get(name, {}).get(rid)
        if target is not None:
            sheets[title] = target["Target"]
    for defined in (d for block in _kids(root, "definedNames") for d in _kids(block, "definedName")):
        local = defined.get("localSheetId")
        if local is not None and not (local.isdigit() and int(local) < len(listed)):
            out.append(Problem(name, f"scopes the name {defined.get('name')} to sheet {local}, which does not exist"))
    return out, sheets


class _Strings:
    """The shared strings, each one's text worked out only when asked for (a header cell's)."""

    def __init__(self, entries: list):
        self.entries = entries

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, i: int) -> str:
        si = self.entries[i]
        return "".join(t.text or "" for t in si.iter() if _local(t) == "t" and _local(t.getparent()) != "rPh")


def shared_strings(parts: _Parts, rels) -> tuple[str | None, _Strings]:
    """The shared-strings part and its strings (rich runs joined)."""
    part = next((r["Target"] for r in rels.get("xl/workbook.xml", {}).values()
                 if r["Type"].endswith("/sharedStrings")), None)
    if part is None or not parts.has(part):
        return None, _Strings([])
    root = parts.tree(part)
    if root is None:
        return part, _Strings([])
    ns = etree.QName(root).namespace
    return part, _Strings(list(root.iterchildren(f"{{{ns}}}si" if ns else "si")))


def counts(parts: _Parts, part: str | None, lists: tuple[str, ...], scope) -> list[Problem]:
    """`count` attributes equal to the entries they count."""
    if part is None or part not in scope or not parts.has(part):
        return []
    root = parts.tree(part)
    if root is None:
        return []
    out = []
    for element in [root] + ([e for e in root if isinstance(e.tag, str)] if lists != ("sst",) else []):
        local = _local(element)
        if local not in lists:
            continue
        n = len([e for e in element if isinstance(e.tag, str)])
        for attribute in ("uniqueCount",) if local == "sst" else ("count",):
            said = element.get(attribute)
            if said is not None and said != str(n):
                out.append(Problem(part, f"<{local} {attribute}=\"{said}\"> holds {n} entries"))
    return out


STYLE_LISTS = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs")


def styles(parts: _Parts, scope) -> tuple[list[Problem], int | None]:
    """Problems in xl/styles.xml (when the write changed it), and how many cell formats it has."""
    part = "xl/styles.xml"
    if not parts.has(part) or parts.tree(part) is None:
        return [], None
    root = parts.tree(part)
    lists = {_local(e): [k for k in e if isinstance(k.tag, str)] for e in root if isinstance(e.tag, str)}
    xfs = len(lists.get("cellXfs", [])) or None
    if part not in scope:
        return [], xfs
    out = counts(parts, part, STYLE_LISTS, scope)
    custom = {k.get("numFmtId") for k in lists.get("numFmts", [])}
    for where in ("cellXfs", "cellStyleXfs"):
        for i, xf in enumerate(lists.get(where, [])):
            for key, target in (("fontId", "fonts"), ("fillId", "fills"), ("borderId", "borders"),
                                ("xfId", "cellStyleXfs")):
                v = xf.get(key)
                if v is None or (key == "xfId" and where == "cellStyleXfs"):
                    continue
                if not v.isdigit() or int(v) >= len(lists.get(target, [])):
                    out.append(Problem(part, f"{where} entry {i} uses {key} {v}, past the {target} list"))
            n = xf.get("numFmtId")
            if n is not None and n.isdigit() and int(n) >= 164 and n not in custom:
                out.append(Problem(part, f"{where} entry {i} uses the number format {n}, which numFmts does not define"))
    return out, xfs


def tables(parts: _Parts, rels, sheets: dict[str, str], strings: _Strings, scope) -> list[Problem]:
    out, names, ids, spans = [], {}, {}, {}
    for title, sheet in sheets.items():
        for rel in rels.get(sheet, {}).values():
            if not rel["Type"].endswith("/table") or not parts.has(rel["Target"]):
                continue
            part = rel["Target"]
            root = parts.tree(part)
            if root is None:
                continue
            name, tid, ref = root.get("displayName") or root.get("name"), root.get("id"), root.get("ref") or ""
            if name and name.casefold() in names:
                out.append(Problem(part, f"is a second table named {name} (after {names[name.casefold()]})"))
            names[(name or "").casefold()] = part
            if tid in ids:
                out.append(Problem(part, f"has the table id {tid}, as {ids[tid]} does"))
            ids[tid] = part
            try:
                c1, r1, c2, r2 = range_bounds(ref)
            except (ValueError, TypeError):
                out.append(Problem(part, f"has the ref '{ref}', which is not a range"))
                continue
            for other, (oc1, or1, oc2, or2, opart) in spans.get(sheet, {}).items():
                if c1 <= oc2 and oc1 <= c2 and r1 <= or2 and or1 <= r2:
                    out.append(Problem(part, f"overlaps the table {other} on the sheet '{title}'"))
            spans.setdefault(sheet, {})[name] = (c1, r1, c2, r2, part)
            if part not in scope and sheet not in scope:
                continue
            block = next(iter(_kids(root, "tableColumns")), None)
            columns = [] if block is None else _kids(block, "tableColumn")
            if len(columns) != c2 - c1 + 1:
                out.append(Problem(part, f"has {len(columns)} columns and the ref {ref} spans {c2 - c1 + 1}"))
            if block is not None and block.get("count") not in (None, str(len(columns))):
                out.append(Problem(part, f"<tableColumns count=\"{block.get('count')}\"> holds {len(columns)}"))
            headers = [c.get("name") or "" for c in columns]
            folded = [h.casefold() for h in headers]
            for h in {h for h in folded if folded.count(h) > 1}:
                out.append(Problem(part, f"has two columns named {headers[folded.index(h)]}"))
            totals = int(root.get("totalsRowCount") or 0)
            header_rows = int(root.get("headerRowCount") or 1)
            want = f"{ref.split(':')[0]}:{_addr(c2, r2 - totals)}" if ":" in ref else ref
            for af in _kids(root, "autoFilter"):
                if af.get("ref") != want:
                    out.append(Problem(part, f"has the autoFilter {af.get('ref')} for the ref {ref}"
                                             + (f" with {totals} totals row" if totals else "") + f" (want {want})"))
            if header_rows and parts.has(sheet):
                cells = _row_cells(parts.read(sheet), r1, strings)
                for k, header in enumerate(headers):
                    found = cells.get(c1 + k)
                    if found is not None and isinstance(found, str) and found != header:
                        out.append(Problem(part, f"names column {k + 1} '{header}' and its header cell "
                                                 f"{_addr(c1 + k, r1)} on '{title}' holds '{found}'"))
    return out


def _addr(col: int, row: int) -> str:
    return f"{column_letters(col)}{row}"


def _scope_of(xml: bytes) -> dict:
    root = start_tag(xml, "worksheet") or start_tag(xml, "chartsheet")
    data = start_tag(xml, "sheetData")
    return declarations(*(m.group(0) for m in (root, data) if m is not None))


def _row_cells(xml: bytes, r: int, strings: _Strings) -> dict[int, object]:
    """Column -> the text (or number) a row's cells hold, as Excel shows it."""
    comments = b"<!--" in xml
    span = find_row(xml, r, 0, None, comments)
    if span is None:
        return {}
    try:
        frag = Fragment(xml[span[0]:span[1]], _scope_of(xml))
    except PackageError:
        return {}
    out = {}
    for row in frag.root:
        for c in _kids(row, "c"):
            m = _ADDR.fullmatch(c.get("r") or "")
            if not m:
                continue
            t, v = c.get("t"), next((e.text for e in c if _local(e) == "v"), None)
            if t == "s" and v is not None and v.strip().isdigit() and int(v) < len(strings):
                out[column_number(m.group(1))] = strings[int(v)]
            elif t == "inlineStr":
                out[column_number(m.group(1))] = "".join(e.text or "" for e in c.iter() if _local(e) == "t")
            elif t == "str":
                out[column_number(m.group(1))] = v or ""
            elif v is not None:
                out[column_number(m.group(1))] = float(v) if re.fullmatch(r"-?[\d.]+(?:[eE][-+]?\d+)?", v) else v
    return out


def cells(parts: _Parts, part: str, rows: set[int] | None, strings: _Strings, xfs: int | None,
          metadata: int | None) -> list[Problem]:
    """Rows in order; the cells of `rows` (None: all) in order, at their addresses, their indexes in range.
    With `rows`, the rows' order is checked around each of them (the others kept their places)."""
    xml = parts.read(part)
    out, last = [], 0
    comments = b"<!--" in xml
    sd = start_tag(xml, "sheetData")
    usual = sd is not None and sd.group(0).startswith(b"<sheetData")
    rows_at = _USUAL_ROW if usual else _ROW  # a literal start: found as bytes, fast on a big sheet
    plain = _COMMENT.sub(b"", xml) if comments else xml
    windows = [(0, len(plain))] if rows is None or len(rows) > DEEP_ROWS else []
    for r in sorted(rows or ()) if not windows else ():
        span = find_row(plain, r)
        if span is not None:  # the rows before it and after it (a row is far shorter than 64 KB)
            windows.append((max(0, span[0] - 65536), span[1] + 65536))
    for lo, hi in windows:
        last = 0
        for m in rows_at.finditer(plain, lo, hi):
            n = int(m.group(1))
            if n <= last or n > 1048576:
                out.append(Problem(part, f"has row {n} after row {last}" if n <= last else f"has a row numbered {n}"))
                break
            last = n
    scope = _scope_of(xml)
    if rows is None or len(rows) > DEEP_ROWS:
        if sd is None or sd.group(0).endswith(b"/>"):
            return out
        whole = skeleton(xml)
        end = len(xml) - (len(whole) - sd.end())
        try:
            elements = list(Fragment(xml[sd.end():end], scope).root)
        except PackageError as e:
            return out + [Problem(part, str(e))]
    else:
        elements = []
        for r in sorted(rows):
            span = find_row(xml, r, 0, None, comments)
            if span is not None:
                try:
                    elements += list(Fragment(xml[span[0]:span[1]], scope).root)
                except PackageError as e:
                    out.append(Problem(part, f"row {r}: {e}"))
    ns = next((etree.QName(e).namespace for e in elements if isinstance(e.tag, str)), None)
    q = (lambda local: f"{{{ns}}}{local}") if ns else (lambda local: local)
    row_tag, c_tag, v_tag, f_tag = q("row"), q("c"), q("v"), q("f")  # compared as strings: fast on every cell
    cache: dict[str, int] = {}
    for row in elements:
        if row.tag != row_tag:
            continue
        r = row.get("r")
        prev = 0
        for c in row.iterchildren(c_tag):
            ref = c.get("r")
            m = _ADDR.fullmatch(ref or "")
            if m is None:
                if ref is not None:
                    out.append(Problem(part, f"row {r} has a cell addressed '{ref}'"))
                prev += 1
                continue
            letters = m.group(1)
            col = cache.get(letters) or cache.setdefault(letters, column_number(letters))
            if m.group(2) != r or col <= prev or col > 16384:
                out.append(Problem(part, f"cell {ref} is out of place in row {r}"))
            prev = col
            s = c.get("s")
            if s is not None and xfs is not None and not (s.isdigit() and int(s) < xfs):
                out.append(Problem(part, f"cell {ref} has the style {s}; the workbook has {xfs} cell formats"))
            if c.get("t") == "s":
                v = c.findtext(v_tag)
                if not (v is not None and v.strip().isdigit() and int(v) < len(strings)):
                    out.append(Problem(part, f"cell {ref} refers to shared string {v}; there are {len(strings)}"))
            f = c.find(f_tag)
            if f is not None and f.get("t") == "array":
                try:
                    ac1, ar1, *_ = range_bounds(f.get("ref") or "")
                except (ValueError, TypeError):
                    ac1 = ar1 = None
                if (ac1, ar1) != (col, int(m.group(2))):
                    out.append(Problem(part, f"cell {ref} holds an array formula whose ref is '{f.get('ref')}'"))
            cm = c.get("cm")
            if cm is not None and not (cm.isdigit() and metadata is not None and 0 < int(cm) <= metadata):
                out.append(Problem(part, f"cell {ref} has the cell metadata {cm}; the workbook has {metadata or 0}"))
    return out


def _metadata(parts: _Parts, rels) -> int | None:
    part = next((r["Target"] for r in rels.get("xl/workbook.xml", {}).values()
                 if r["Type"].endswith("/sheetMetadata")), None)
    if part is None or not parts.has(part) or parts.tree(part) is None:
        return None
    return sum(len(_kids(block, "bk")) for block in _kids(parts.tree(part), "cellMetadata"))


# --- the whole check ---------------------------------------------------------------------------


def problems(z: zipfile.ZipFile, changed: dict[str, bytes] | None = None, scope=None,
             rows: dict[str, set[int]] | None = None, originals: dict[str, bytes] | None = None) -> list[Problem]:
    """What would make Excel refuse or repair the package `z` (with `changed` over it): the parts in
    `scope` (default all) checked in depth, the cells of `rows` (part -> rows; a sheet it leaves out, or
    no `rows` at all: every row). `originals` (part -> the bytes it had, which were readable) lets a
    sheet edited in place be parsed only where it changed."""
    parts = _Parts(z, changed, originals)
    scope = set(parts.names) if scope is None else set(scope)
    out = well_formed(parts, scope, rows)
    broken = {p.part for p in out}
    live = scope - broken
    out += content_types(parts)
    found, rels = relationships(parts, live)
    out += found
    found, sheets = workbook(parts, rels)
    out += found
    sst, strings = shared_strings(parts, rels)
    out += counts(parts, sst, ("sst",), live)
    found, xfs = styles(parts, live)
    out += found
    out += tables(parts, rels, sheets, strings, live)
    metadata = _metadata(parts, rels)
    for part in sorted(live):
        if is_sheet(part) and parts.has(part):
            out += cells(parts, part, None if rows is None else rows.get(part), strings, xfs, metadata)
    return out


def check_file(path) -> list[Problem]:
    """Everything the gate checks, on a workbook as it is (for `check` and `doctor`)."""
    try:
        with zipfile.ZipFile(path) as z:
            return problems(z)
    except zipfile.BadZipFile:
        return [Problem(Path(path).name, "is not a zip package")]


def refuse_if_broken(new: Path, package) -> None:
    """Refuse (WriteRefused, naming the part) a written package that has a problem the original did not."""
    touched = {part: set(edit.touched) for part, edit in package.sheet_edits.items()
               if package.changed.get(part) == edit.xml}  # a sheet written whole: all its rows
    scope = set(package.changed)
    originals = {part: edit.original for part, edit in package.sheet_edits.items()
                 if part in touched and edit.original is not None}
    with zipfile.ZipFile(new) as z:
        found = problems(z, package.changed, scope, touched, originals)
    if not found:
        return
    before = set(problems(package.zip, None, scope & set(package.infos), touched))
    fresh = [p for p in found if p not in before]
    if fresh:
        more = f" (and {len(fresh) - 1} more)" if len(fresh) > 1 else ""
        raise WriteRefused(f"{package.path.name} was left unchanged: the edit would have made a file Excel repairs: "
                           f"{fresh[0]}{more}")


def checked(write):
    """`write` (filling a new workbook at a path) followed by the gate on the whole file: a workbook
    made from scratch (a tracker, a summary, a report) is published only when Excel would open it as
    it is."""
    def run(target):
        write(target)
        found = check_file(target)
        if found:
            more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
            raise WriteRefused(f"nothing was written: the new workbook would need repair in Excel: {found[0]}{more}")
    return run

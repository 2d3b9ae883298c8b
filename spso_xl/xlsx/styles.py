"""Cell formats (xl/styles.xml) for the cells of a sheet the part-level writer adds.

A format is asked for by what it looks like (bold, size, colour, fill, number format, alignment);
its font, fill, number format and cellXfs entry are each found in the part as the same XML, or
appended once with the list's count updated. Existing entries never move, so every cell already
in the workbook keeps its look, and writing the same sheet again adds nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from spso_xl.xlsx.xml import parse, serialize

if TYPE_CHECKING:
    from spso_xl.xlsx.package import Package

# CT_Stylesheet's children in the schema's order: a list added goes before the first that follows it.
_ORDER = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs", "tableStyles",
          "colors", "extLst")


class Styles:
    """Cell formats for a sheet this writer adds: each format is found in xl/styles.xml or appended
    to it once (the same format is found again next time, so repeated writes add nothing). The part
    is parsed and written by lxml, whatever its prefixes, quoting or attribute order; each list's
    `count` is the number of its own entries."""

    PART = "xl/styles.xml"

    def __init__(self, package: Package):
        self.package = package
        self.original = package.read(self.PART)
        self.root = parse(self.original)
        self.ns = etree.QName(self.root).namespace or ""
        self.changed = False

    @property
    def xml(self) -> bytes:
        return serialize(self.root, self.original) if self.changed else self.original

    def _q(self, local: str) -> str:
        return f"{{{self.ns}}}{local}" if self.ns else local

    def _list(self, name: str, create: bool = True):
        found = self.root.find(self._q(name))
        if found is None and create:
            found = etree.Element(self._q(name))
            found.set("count", "0")
            later = next((e for e in self.root if isinstance(e.tag, str) and etree.QName(e).localname in
                          _ORDER[_ORDER.index(name) + 1:]), None)
            if later is not None:
                later.addprevious(found)
            else:
                self.root.append(found)
            self.changed = True
        return found

    def _index(self, within: str, element) -> int:
        """The index of `element` in the list `within`, appended (and the count updated) if absent."""
        block = self._list(within)
        items = [e for e in block if isinstance(e.tag, str)]
        for i, e in enumerate(items):
            if _same(e, element):
                return i
        block.append(_in(self.ns, element))
        block.set("count", str(len(items) + 1))
        self.changed = True
        return len(items)

    def num_fmt(self, code: str | None) -> int:
        builtin = {None: 0, "General": 0, "0": 1, "0.00": 2, "#,##0": 3, "0%": 9, "0.00%": 10}
        if code in builtin:
            return builtin[code]
        block = self._list("numFmts", create=False)
        formats = [] if block is None else [e for e in block if isinstance(e.tag, str)]
        for e in formats:
            if e.get("formatCode") == code:
                return int(e.get("numFmtId"))
        ids = [int(e.get("numFmtId")) for e in formats if (e.get("numFmtId") or "").isdigit()]
        new = max([163] + ids) + 1
        block = self._list("numFmts")
        element = etree.SubElement(block, self._q("numFmt"))
        element.set("numFmtId", str(new))
        element.set("formatCode", code)
        block.set("count", str(len([e for e in block if isinstance(e.tag, str)])))
        self.changed = True
        return new

    def xf(self, bold=False, italic=False, size=11, color=None, fill=None, num_fmt=None, wrap=False,
           vertical=None, horizontal=None) -> int:
        """The cellXfs index of a format (fonts in Calibri; colours as RRGGBB)."""
        font = _element("font", [("b", {}) if bold else None, ("i", {}) if italic else None, ("sz", {"val": f"{size:g}"}),
                                 ("color", {"rgb": f"FF{color}"} if color else {"theme": "1"}),
                                 ("name", {"val": "Calibri"}), ("family", {"val": "2"}), ("scheme", {"val": "minor"})])
        font_id = self._index("fonts", font)
        fill_id = 0
        if fill:
            pattern = _element("patternFill", [("fgColor", {"rgb": f"FF{fill}"}), ("bgColor", {"indexed": "64"})],
                               {"patternType": "solid"})
            element = etree.Element("fill")
            element.append(pattern)
            fill_id = self._index("fills", element)
        fmt_id = self.num_fmt(num_fmt)
        attrs = {"numFmtId": str(fmt_id), "fontId": str(font_id), "fillId": str(fill_id), "borderId": "0", "xfId": "0"}
        if fmt_id:
            attrs["applyNumberFormat"] = "1"
        attrs["applyFont"] = "1"
        if fill_id:
            attrs["applyFill"] = "1"
        align = {k: v for k, v in (("horizontal", horizontal), ("vertical", vertical),
                                   ("wrapText", "1" if wrap else None)) if v}
        if align:
            attrs["applyAlignment"] = "1"
        xf = _element("xf", [("alignment", align)] if align else [], attrs)
        if self.root.find(self._q("cellXfs")) is None:
            return 0
        return self._index("cellXfs", xf)

    def finish(self) -> None:
        if self.changed:
            self.package.write(self.PART, self.xml)


def _element(tag: str, kids: list, attrs: dict | None = None):
    """An element without a namespace (placed in the part's by `_in`)."""
    e = etree.Element(tag)
    for k, v in (attrs or {}).items():
        e.set(k, v)
    for kid in kids:
        if kid is not None:
            sub = etree.SubElement(e, kid[0])
            for k, v in kid[1].items():
                sub.set(k, v)
    return e


def _in(ns: str, element):
    """A copy of an element (and its children) in the namespace `ns`."""
    copy = etree.Element(f"{{{ns}}}{element.tag}" if ns else element.tag)
    for k, v in element.attrib.items():
        copy.set(k, v)
    copy.text = element.text
    for kid in element:
        copy.append(_in(ns, kid))
    return copy


def _same(a, b) -> bool:
    """Two entries alike: the same local names, attributes and children, whatever the prefixes or order
    of attributes."""
    return (etree.QName(a).localname == etree.QName(b).localname and dict(a.attrib) == dict(b.attrib)
            and (a.text or "").strip() == (b.text or "").strip() and len(a) == len(b)
            and all(_same(x, y) for x, y in zip(a, b)))


# CT_Font's children in the schema's order: openpyxl writes `name` first, which Excel accepts and the
# Open XML SDK's validator (DESIGN §13) does not.
_FONT_ORDER = ("b", "i", "strike", "condense", "extend", "outline", "shadow", "u", "vertAlign", "sz", "color", "name",
               "family", "charset", "scheme")


def fonts_in_schema_order(xml: bytes) -> bytes:
    """A styles part with each font's children in the schema's order (the part as it was if they are)."""
    root = parse(xml)
    moved = False
    for font in root.iter():
        if not isinstance(font.tag, str) or etree.QName(font).localname not in ("font", "rPr"):
            continue
        kids = [e for e in font if isinstance(e.tag, str)]
        order = sorted(kids, key=lambda e: _FONT_ORDER.index(etree.QName(e).localname)
                       if etree.QName(e).localname in _FONT_ORDER else len(_FONT_ORDER))
        if order != kids:
            for e in order:
                font.append(e)
            moved = True
    return serialize(root, xml) if moved else xml

"""Cell formats (xl/styles.xml) for the cells of a sheet the part-level writer adds.

A format is asked for by what it looks like (bold, size, colour, fill, number format, alignment);
its font, fill, number format and cellXfs entry are each found in the part as the same XML, or
appended once with the list's count updated. Existing entries never move, so every cell already
in the workbook keeps its look, and writing the same sheet again adds nothing.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from xml.sax.saxutils import quoteattr

from spso_xl.xlsx.xml import attr

if TYPE_CHECKING:
    from spso_xl.xlsx.package import Package


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
            if attr(m.group(0), "formatCode") == code:
                return int(attr(m.group(0), "numFmtId"))
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

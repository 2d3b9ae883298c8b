"""The shared-strings part (xl/sharedStrings.xml), as the part-level writer adds to it.

A text cell written by the writer refers to a shared string: the existing one when the part
already holds that plain text, else a new one appended at the end. Existing strings keep their
indexes, so every other cell in the workbook still shows what it showed; duplicates a later edit
may add are left for Excel to tidy on its next save.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from lxml import etree

from spso_xl.errors import PackageError
from spso_xl.xlsx.xml import Fragment, declarations, edit_start_tag, from_x_escapes, parse, start_tag, text_child

if TYPE_CHECKING:
    from spso_xl.xlsx.package import Package


class SharedStrings:
    """Strings added to the shared-strings part (appended; Excel tidies duplicates on its next save).

    The part is parsed by lxml, so a new string's index is the number of <si> entries the part really
    holds, whatever its `uniqueCount` says (a count one short made a new note show another's text);
    the new entries and the root's counts are written by lxml, every existing entry kept byte for byte."""

    def __init__(self, package: Package, part: str):
        self.package, self.part = package, part
        self.new: dict[str, int] = {}
        self.refs = 0

    @cached_property
    def root(self):
        """The part parsed (only when a text cell is written: a refresh never pays for it)."""
        return parse(self.package.read(self.part))

    @property
    def prefix(self) -> bytes:
        return (self.root.prefix + ":").encode() if self.root.prefix else b""

    @cached_property
    def ns(self) -> str:
        return etree.QName(self.root).namespace or ""

    @cached_property
    def entries(self) -> list:
        return list(self.root.iterchildren(f"{{{self.ns}}}si" if self.ns else "si"))

    @property
    def count(self) -> int:
        """The <si> entries the part really holds (whatever its uniqueCount says)."""
        return len(self.entries)

    @cached_property
    def existing(self) -> dict[str, int]:
        """Plain strings already in the part -> their index (rich-text runs are left out)."""
        out: dict[str, int] = {}
        t = f"{{{self.ns}}}t" if self.ns else "t"
        for i, si in enumerate(self.entries):
            n = len(si)
            if n == 1 and si[0].tag == t:
                text = si[0].text or ""
                out.setdefault(from_x_escapes(text) if "_x" in text else text, i)
            elif n == 0:
                out.setdefault("", i)
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
        xml = self.package.read(self.part)
        root = start_tag(xml, "sst")
        if root is None:
            raise PackageError(f"{self.part} has no <sst> element")
        frag = Fragment(b"", declarations(root.group(0)))
        ns = etree.QName(self.root).namespace
        for s in self.new:
            text_child(etree.SubElement(frag.root, f"{{{ns}}}si" if ns else "si"), s)
        add = bytes(frag)
        tag = root.group(0)
        values = {}
        if self.root.get("uniqueCount") is not None:
            values["uniqueCount"] = str(self.count + len(self.new))
        total = self.root.get("count")
        if total is not None and total.isdigit():
            values["count"] = str(int(total) + self.refs)
        if tag.endswith(b"/>"):
            name = tag[1:].split()[0].rstrip(b"/>")
            head = edit_start_tag(tag[:-2].rstrip() + b">", values)
            xml = xml[:root.start()] + head + add + b"</" + name + b">" + xml[root.end():]
        else:
            close = xml.rindex(b"</")
            xml = xml[:root.start()] + edit_start_tag(tag, values) + xml[root.end():close] + add + xml[close:]
        self.package.write(self.part, xml)
        for name in ("root", "ns", "entries", "existing"):
            self.__dict__.pop(name, None)
        self.new, self.refs = {}, 0

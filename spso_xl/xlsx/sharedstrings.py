"""The shared-strings part (xl/sharedStrings.xml), as the part-level writer adds to it.

A text cell written by the writer refers to a shared string: the existing one when the part
already holds that plain text, else a new one appended at the end. Existing strings keep their
indexes, so every other cell in the workbook still shows what it showed; duplicates a later edit
may add are left for Excel to tidy on its next save.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import TYPE_CHECKING

from spso_xl.xlsx.xml import attr, from_xml_text, insert_before_close, set_attr, text_element

if TYPE_CHECKING:
    from spso_xl.xlsx.package import Package

_SI = re.compile(rb"<(?:\w+:)?si>(?:<(?:\w+:)?t(?:\s[^>]*)?>([^<]*)</(?:\w+:)?t>|<(?:\w+:)?t/>|.*?)</(?:\w+:)?si>|"
                 rb"<(?:\w+:)?si/>", re.S)


class SharedStrings:
    """Strings added to the shared-strings part (appended; Excel tidies duplicates on its next save)."""

    def __init__(self, package: Package, part: str):
        self.package, self.part = package, part
        xml = package.read(part)
        root = re.search(rb"<(?:\w+:)?sst\b[^>]*>", xml)
        unique = attr(root.group(0), "uniqueCount") if root else None
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
                out.setdefault(from_xml_text(t.decode()), i)
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
        add = "".join(f"<{p}si>{text_element(s).replace('<t', f'<{p}t').replace('</t>', f'</{p}t>')}</{p}si>"
                      for s in self.new).encode()
        xml = insert_before_close(xml, self.prefix + b"sst", add)
        root = re.search(rb"<(?:\w+:)?sst\b[^>]*>", xml)
        tag = root.group(0)
        if attr(tag, "uniqueCount") is not None:
            tag = set_attr(tag, "uniqueCount", str(self.count + len(self.new)))
        if (total := attr(tag, "count")) is not None:
            tag = set_attr(tag, "count", str(int(total) + self.refs))
        self.package.write(self.part, xml[:root.start()] + tag + xml[root.end():])
        self.count += len(self.new)
        self.new, self.refs = {}, 0

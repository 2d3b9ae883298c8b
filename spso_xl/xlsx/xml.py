"""What every part-level editor needs to read and write SpreadsheetML as bytes: the namespaces,
relationship and content types, the escaping of cell text, and start-tag attributes.

The editors find elements with regular expressions whatever their namespace prefix, and change a
start tag or a list in place, so every byte they do not change stays as the file had it
(DESIGN §13). The helpers here do that one tag or one text at a time.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

from spso_xl.errors import PackageError

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_SST = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
HYPERLINK = REL + "/hyperlink"
WORKSHEET = REL + "/worksheet"
SHARED_STRINGS = REL + "/sharedStrings"

_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_X_ESC = re.compile(r"_x([0-9A-Fa-f]{4})_")


def unescape(text: str) -> str:
    """XML text or an attribute value with the five predefined entities decoded."""
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")
            .replace("&amp;", "&"))


def xml_text(value: str) -> str:
    """Text as a cell's <t> holds it: XML-escaped, control characters as Excel's _xHHHH_ escapes."""
    def esc(m):
        s = m.group(0)
        return "_x005F" + s if s.startswith("_x") else f"_x{ord(s):04X}_"
    return escape(_BAD_XML.sub(esc, value))


def from_xml_text(text: str) -> str:
    """A <t>'s text as Excel reads it: entities and _xHHHH_ escapes decoded."""
    text = unescape(text)
    return _X_ESC.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def text_element(value: str) -> str:
    """A <t> element holding `value` (space-preserving when it has edge spaces or line breaks)."""
    space = ' xml:space="preserve"' if value != value.strip() or "\n" in value else ""
    return f"<t{space}>{xml_text(value)}</t>"


def attr(tag: bytes, name: str) -> str | None:
    """The value of attribute `name` in a start tag (entities decoded), or None."""
    m = re.search(rb"\s" + name.encode() + rb'="([^"]*)"', tag)
    return unescape(m.group(1).decode()) if m else None


def set_attr(tag: bytes, name: str, value: str | None) -> bytes:
    """A start tag with attribute `name` set (or removed, when value is None)."""
    pattern = re.compile(rb"\s" + name.encode() + rb'="[^"]*"')
    if value is None:
        return pattern.sub(b"", tag, count=1)
    new = b" " + name.encode() + b"=" + quoteattr(value).encode()
    if pattern.search(tag):
        return pattern.sub(lambda m: new, tag, count=1)
    end = len(tag) - (2 if tag.endswith(b"/>") else 1)
    return tag[:end] + new + tag[end:]


def insert_before_close(xml: bytes, tag: bytes, content: bytes) -> bytes:
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


def rename_column_refs(xml: bytes, old: str, new: str) -> bytes:
    """Structured references to column `old` in formulas (cells' and calculated columns'), renamed."""
    o, n = xml_text(f"[{old}]").encode(), xml_text(f"[{new}]").encode()
    return re.sub(rb"(<(?:\w+:)?(?:f|calculatedColumnFormula)\b[^>]*>)(.*?)(</)",
                  lambda m: m.group(1) + m.group(2).replace(o, n) + m.group(3), xml, flags=re.S)

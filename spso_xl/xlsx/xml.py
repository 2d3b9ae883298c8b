"""What every part-level editor needs to read and write SpreadsheetML: the namespaces, relationship
and content types, the escaping of cell text, start-tag attributes, and parsing the elements a change
touches with lxml.

A part is edited as XML (DESIGN §13 "Any valid workbook"): a small part (the workbook, relationships,
content types, tables, styles, shared strings) is parsed whole and written back by lxml; a worksheet,
which can be huge, is cut around what a change touches, and each touched element is parsed as a
`Fragment` in the namespaces in scope where it sits, whatever the prefixes, their placement,
whitespace, comments or attribute order. Every byte of an element not touched stays as it was.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

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
    """XML text or an attribute value with the predefined entities and character references decoded."""
    return _ENTITY.sub(_entity, text) if "&" in text else text


_ENTITY = re.compile(r"&(lt|gt|quot|apos|amp|#x[0-9A-Fa-f]+|#[0-9]+);")
_NAMED = {"lt": "<", "gt": ">", "quot": '"', "apos": "'", "amp": "&"}


def _entity(m: re.Match) -> str:
    name = m.group(1)
    if name[0] != "#":
        return _NAMED[name]
    return chr(int(name[2:], 16) if name[1] in "xX" else int(name[1:]))


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
    m = _attr_pattern(name).search(tag)
    if not m:
        return None
    return unescape((m.group(1) if m.group(1) is not None else m.group(2)).decode())


def _attr_pattern(name: str) -> re.Pattern:
    """An attribute as XML allows it: any whitespace before and around '=', either quote."""
    return re.compile(rb"\s" + re.escape(name.encode()) + rb"""\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def rename_column_refs(xml: bytes, old: str, new: str) -> bytes:
    """Structured references to column `old` in formulas (cells' and calculated columns'), renamed."""
    o, n = xml_text(f"[{old}]").encode(), xml_text(f"[{new}]").encode()
    return re.sub(rb"(<(?:\w+:)?(?:f|calculatedColumnFormula)\b[^>]*>)(.*?)(</)",
                  lambda m: m.group(1) + m.group(2).replace(o, n) + m.group(3), xml, flags=re.S)


# --- parsing and writing touched elements with a real XML library (lxml) ---------------------------

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_blank_text=False)
_DECL = re.compile(rb"""\sxmlns(?::([\w.\-]+))?\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_PROLOG = re.compile(rb"(?:\s*<\?.*?\?>|\s*<!--.*?-->)*\s*", re.S)


def parse(xml: bytes) -> etree._Element:
    """A whole part as an element tree (namespace-aware; comments, prefixes and placement kept)."""
    try:
        return etree.fromstring(xml, _PARSER)
    except etree.XMLSyntaxError as e:
        raise PackageError(f"the part is not well-formed XML ({e})") from None


def serialize(root: etree._Element, original: bytes) -> bytes:
    """A part written back: the original's XML declaration (if any), then the root element."""
    m = _PROLOG.match(original)
    head = m.group(0) if m else b""
    return head + etree.tostring(root, encoding="UTF-8", xml_declaration=False)


def declarations(*start_tags: bytes) -> dict[bytes, bytes]:
    """The namespace declarations in scope inside the last of `start_tags` (outermost first), as
    xmlns attributes: {b'xmlns:r': b'"http://..."'}."""
    out: dict[bytes, bytes] = {}
    for tag in start_tags:
        for prefix, dq, sq in _DECL.findall(tag):
            uri = dq if dq or not sq else sq
            out[b"xmlns" + (b":" + prefix if prefix else b"")] = uri
    return out


class Fragment:
    """Elements cut from a large part (a worksheet's rows), parsed in the namespaces in scope where they
    sit, and written back as bytes that hold no declaration the part does not already make."""

    def __init__(self, xml: bytes, scope: dict[bytes, bytes]):
        self.open = b"<spso-fragment" + b"".join(b" " + k + b"=" + quoteattr(v.decode()).encode()
                                                 for k, v in scope.items()) + b">"
        try:
            self.root = etree.fromstring(self.open + xml + b"</spso-fragment>", _PARSER)
        except etree.XMLSyntaxError as e:
            raise PackageError(f"a touched element is not well-formed XML ({e})") from None

    def __bytes__(self) -> bytes:
        out = etree.tostring(self.root, encoding="UTF-8", xml_declaration=False)
        start = out.index(b">") + 1
        if out[start - 2:start] == b"/>":
            return b""
        return out[start:out.rindex(b"</spso-fragment>")]


def qname(element: etree._Element) -> tuple[str, str]:
    """(namespace, local name) of an element."""
    q = etree.QName(element)
    return q.namespace or "", q.localname


def children(element: etree._Element, local: str) -> list:
    """The child elements named `local` (any namespace prefix; comments skipped)."""
    return [e for e in element if isinstance(e.tag, str) and etree.QName(e).localname == local]


def child(element: etree._Element, local: str):
    found = children(element, local)
    return found[0] if found else None


def start_tag(xml: bytes, local: str, pos: int = 0, end: int | None = None) -> re.Match | None:
    """The first start tag of an element named `local` (any prefix) at or after `pos`, outside comments,
    CDATA and processing instructions."""
    name = local.encode()
    pattern = re.compile(rb"<(?:[\w.\-]+:)?" + name + rb"(?=[\s/>])[^>]*>")
    end = len(xml) if end is None else end
    while True:  # the name found as bytes (fast), then the tag around it matched
        i = xml.find(name, pos, end)
        if i < 0:
            return None
        lt = xml.rfind(b"<", max(pos, i - 64), i)
        m = pattern.match(xml, lt, end) if lt >= 0 else None
        if m is not None and not in_comment(xml, lt):
            return m
        pos = i + 1


def in_comment(xml: bytes, at: int, comments: bool = True) -> bool:
    """Whether offset `at` is inside an XML comment (`comments` False: the caller knows there is none)."""
    if not comments:
        return False
    i = xml.rfind(b"<!--", 0, at)
    return i >= 0 and xml.find(b"-->", i, at) < 0


def row_pattern(r: int) -> re.Pattern:
    """The start tag of row `r`, whatever its prefix, quoting, spacing or attribute order."""
    return re.compile(rb"""<(?:[\w.\-]+:)?row(?=[\s/>])[^>]*?\sr\s*=\s*["']%d["'][^>]*>""" % r)


_ROW_CLOSE = re.compile(rb"</(?:[\w.\-]+:)?row\s*>")


def find_row(xml: bytes, r: int, pos: int = 0, end: int | None = None,
             comments: bool = True) -> tuple[int, int] | None:
    """(start, end) of the row element numbered r in a worksheet's XML, searching from `pos`, outside
    comments. The usual shape (`<row r="N"`) is found as bytes; any other through `row_pattern`."""
    end = len(xml) if end is None else end
    i = xml.find(b'<row r="%d"' % r, pos, end)
    if i >= 0 and xml[i + 9 + len(str(r)):i + 10 + len(str(r))] in (b" ", b">", b"/") and \
            not in_comment(xml, i, comments):
        m = re.compile(rb"[^>]*>").match(xml, i)
    else:
        pattern = row_pattern(r)
        while True:
            m = pattern.search(xml, pos, end)
            if m is None:
                return None
            if not in_comment(xml, m.start(), comments):
                break
            pos = m.end()
    if m.group(0).endswith(b"/>"):
        return m.start(), m.end()
    close = _ROW_CLOSE.search(xml, m.end())
    return (m.start(), close.end()) if close else None


def from_x_escapes(text: str) -> str:
    """Text as lxml gives it (entities decoded) with Excel's _xHHHH_ escapes decoded too."""
    return _X_ESC.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def text_child(parent, value: str) -> None:
    """A <t> under `parent` holding `value` as Excel stores it (space-preserving when it must; control
    characters and a literal _xHHHH_ as Excel's _xHHHH_ escapes, lxml escaping the rest)."""
    ns = etree.QName(parent).namespace
    t = etree.SubElement(parent, f"{{{ns}}}t" if ns else "t")
    if value != value.strip() or "\n" in value:
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    t.text = unescape(xml_text(value))


def edit_start_tag(tag: bytes, values: dict[str, str | None]) -> bytes:
    """A root start tag (with its own declarations) with attributes set or removed, by lxml."""
    name = re.match(rb"<([^\s/>]+)", tag).group(1)
    element = Fragment(tag + b"</" + name + b">", {}).root[0]
    for k, v in values.items():
        if v is None:
            element.attrib.pop(k, None)
        else:
            element.set(k, v)
    element.text = "spso-xl-start-tag"
    out = etree.tostring(element, encoding="UTF-8", xml_declaration=False)
    return out[:out.index(b"spso-xl-start-tag")]


_ROW_TAG = re.compile(rb"<(?:[\w.\-]+:)?row(?=[\s/>])")
_SHEETDATA_CLOSE = re.compile(rb"</(?:[\w.\-]+:)?sheetData\s*>")


def _rows_span(xml: bytes) -> tuple[int, int] | None:
    """Where a worksheet's rows are: from the end of its <sheetData> start tag to its end tag."""
    m = start_tag(xml, "sheetData")
    if m is None or m.group(0).endswith(b"/>"):
        return None
    close = None
    for close in _SHEETDATA_CLOSE.finditer(xml, max(m.end(), len(xml) - 1_000_000)):
        pass
    close = close or _SHEETDATA_CLOSE.search(xml, m.end())
    return None if close is None else (m.end(), close.start())


def _around_rows(xml: bytes) -> dict:
    return declarations(*(m.group(0) for m in (start_tag(xml, "worksheet"), start_tag(xml, "sheetData"))
                          if m is not None))


def _markup(xml: bytes, lo: int, hi: int) -> bool:
    """Whether xml[lo:hi] may hold a comment, CDATA or an instruction (where "<row" may not be a tag);
    a lone "!" or "?" is found first, at memchr speed."""
    for char, pair in ((b"!", b"<!"), (b"?", b"<?")):
        i = xml.find(char, lo, hi)
        if i >= 0 and xml.find(pair, max(lo, i - 1), hi) >= 0:
            return True
    return False


def _one_row(span: bytes) -> bool:
    return len(_ROW_TAG.findall(span)) == 1


def written_only(old: bytes, new: bytes, rows: set[int]) -> bytes | None:
    """Worksheet `new` with only what is around its rows and the rows `rows` kept (a small document to
    parse), when every other byte of its rows is `old`'s, in the same order: then `new` is well-formed
    if that document is and `old` was (each row kept is one whole element, put where a whole row was,
    before one, or at the end; the namespaces around the rows the same). None when that cannot be
    shown (parse all of `new`)."""
    o, n = _rows_span(old), _rows_span(new)
    if o is None or n is None or _around_rows(old) != _around_rows(new):
        return None
    (olo, ohi), (nlo, nhi) = o, n
    if _markup(old, olo, ohi):  # `new`'s rows are `old`'s but for those kept (checked below)
        return None
    kept, op, np = [], olo, nlo
    for r in sorted(rows):
        ns = find_row(new, r, np, nhi, False)
        if ns is None:
            continue
        if not _one_row(new[ns[0]:ns[1]]) or _markup(new, ns[0], ns[1]):
            return None
        os = find_row(old, r, op, ohi, False)
        if os is None:  # a row added: before the original's next row, or at the end
            at = op + (ns[0] - np)
            if at > ohi or old[op:at] != new[np:ns[0]] or not (at == ohi or _ROW_TAG.match(old, at)):
                return None
            op = at
        else:
            if old[op:os[0]] != new[np:ns[0]] or not _one_row(old[os[0]:os[1]]):
                return None
            op = os[1]
        kept.append(new[ns[0]:ns[1]])
        np = ns[1]
    if old[op:ohi] != new[np:nhi]:
        return None
    return new[:nlo] + b"".join(kept) + new[nhi:]

"""Reading a workbook's parts straight from the zip: an independent view for tests."""

import re
import zipfile


def parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def sheet_parts(path) -> dict[str, str]:
    """Sheet name -> its worksheet part path."""
    p = parts(path)
    wb = p["xl/workbook.xml"].decode()
    rels = p["xl/_rels/workbook.xml.rels"].decode()
    targets = dict(re.findall(r'Id="(rId\d+)"[^>]*Target="([^"]+)"', rels)) | \
        {k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*Id="(rId\d+)"', rels)}
    out = {}
    for name, rid in re.findall(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="(rId\d+)"', wb):
        t = targets[rid].lstrip("/")
        out[name.replace("&amp;", "&")] = t if t.startswith("xl/") else "xl/" + t
    return out


def buttons(path) -> list[tuple[str, str]]:
    """(caption, macro) of every Form Control button, from the VML drawings."""
    found = []
    for name, data in parts(path).items():
        if name.endswith(".vml"):
            text = data.decode("utf-8", "replace")
            for shape in re.findall(r"<v:shape .*?</v:shape>", text, re.S):
                if 'ObjectType="Button"' in shape:
                    macro = re.search(r"<x:FmlaMacro>(.*?)</x:FmlaMacro>", shape).group(1)
                    caption = re.sub(r"<[^>]+>", "", re.search(r"<v:textbox.*?</v:textbox>", shape, re.S).group(0)).strip()
                    found.append((caption, macro))
    return sorted(found)


def tables(path) -> dict[str, str]:
    """Table name -> ref."""
    out = {}
    for name, data in parts(path).items():
        if name.startswith("xl/tables/"):
            text = data.decode()
            out[re.search(r' name="([^"]+)"', text).group(1)] = re.search(r' ref="([^"]+)"', text).group(1)
    return out


def count(path, sheet: str, element: str) -> int:
    """How many <element> a sheet holds (dataValidation, conditionalFormatting, ...)."""
    return len(re.findall(f"<{element}[ >]", parts(path)[sheet_parts(path)[sheet]].decode()))


def defined_names(path) -> dict[str, str]:
    wb = parts(path)["xl/workbook.xml"].decode()
    return dict(re.findall(r'<definedName name="([^"]+)"[^>]*>([^<]*)</definedName>', wb))


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def set_raw_cells(path, sheet: str, cells: dict[str, tuple[str, str]]) -> None:
    """Write cells straight into a sheet's XML, as Excel stores them: address -> (type, text),
    e.g. {"J5": ("e", "#DIV/0!"), "XFD1048576": ("n", "1")}. Lets a test plant what no
    writer library would (error values, cells at the sheet's far corner)."""
    p = parts(path)
    part = sheet_parts(path)[sheet]
    xml = p[part].decode()
    for address, (kind, text) in cells.items():
        col, row = re.fullmatch(r"([A-Z]+)(\d+)", address).groups()
        row = int(row)
        # The attributes lazily, so that an empty cell (`<c r="L4" s="5"/>`) ends at its own `/>`: a
        # greedy `[^>]*` took the `/`, and `>.*?</c>` then removed every cell up to the next `</c>`,
        # a cell planted just before included (an error value the reader was blamed for missing).
        xml = re.sub(rf'<c r="{address}"(?:\s[^>]*?)?(?:/>|>.*?</c>)', "", xml, flags=re.S)
        cell = f'<c r="{address}" t="{kind}"><v>{text}</v></c>' if kind != "inlineStr" else \
            f'<c r="{address}" t="inlineStr"><is><t>{text}</t></is></c>'
        m = re.search(rf'<row r="{row}"[^>]*?(/>|>)', xml)
        if m:
            if m.group(1) == "/>":
                xml = xml[:m.start()] + m.group(0)[:-2] + ">" + cell + "</row>" + xml[m.end():]
            else:
                end = xml.index("</row>", m.end())
                body = xml[m.end():end]
                at = m.end()
                for c in re.finditer(r'<c r="([A-Z]+)\d+"', body):
                    if _col_number(c.group(1)) > _col_number(col):
                        at = m.end() + c.start()
                        break
                else:
                    at = end
                xml = xml[:at] + cell + xml[at:]
        else:
            later = [r for r in re.finditer(r'<row r="(\d+)"', xml) if int(r.group(1)) > row]
            at = later[0].start() if later else xml.index("</sheetData>")
            xml = xml[:at] + f'<row r="{row}">{cell}</row>' + xml[at:]
        xml = re.sub(r'<dimension ref="[^"]*"/>', "", xml)
    p[part] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in p.items():
            z.writestr(name, data)

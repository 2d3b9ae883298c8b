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

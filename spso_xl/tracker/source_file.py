"""Reading the rows of a file a team brings to `spso-xl import` or `add --from`: the export of a
case-management system, as CSV or XLSX (DESIGN §12).

CSV comes however the exporting program wrote it: UTF-8 with or without a byte-order mark, UTF-16
with one (Excel's "Unicode text"), Windows-1252 (Excel's plain "CSV" on Windows); comma, semicolon
(Excel in much of Europe), tab or bar between fields, and Excel's `sep=;` first line. XLSX is read
through the one safe reader (`spso_xl.xlsx.tables`), the first sheet or the one named. Every row
keeps the line number a person finds it at (the CSV's line, the sheet's row), for the messages.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

from spso_xl.errors import InputError, plural
from spso_xl.xlsx.tables import read_boxes, sheet_names

DELIMITERS = ",;\t|"
MAX_CSV = 512 << 20  # bytes: the largest part the safe reader takes, for the same reason


@dataclass
class Source:
    """A file's header row and its records: (line number, values in header order)."""

    name: str
    headers: list[str]
    rows: list[tuple[int, list]]
    header_line: int = 1


def read_source(path, sheet: str | None = None) -> Source:
    """The rows of a CSV or XLSX file (`sheet`: an XLSX sheet by name, default the first); InputError
    for a file that is neither, or has no header row."""
    path = Path(path)
    if path.is_dir():
        raise InputError("FILE", f"{path} is a folder: name a .csv or .xlsx file")
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith(b"PK"):
        return _xlsx(path, sheet)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError("FILE", f"{path.name} is an old Excel file (.xls) or an encrypted one: save it as .xlsx or "
                                 f"CSV and import that")
    if sheet:
        raise InputError("FILE", f"{path.name} is not a workbook, so it has no sheets: leave out --sheet")
    if path.stat().st_size > MAX_CSV:
        raise InputError("FILE", f"{path.name} is over {MAX_CSV >> 20} MB: split it and import the parts")
    return _csv(path.name, path.read_bytes())


def decode(data: bytes) -> str:
    """Text from a CSV's bytes: by its byte-order mark, else UTF-8, else Windows-1252 (Excel's 'CSV'),
    else Latin-1 (which reads any byte, so a file is never refused for its encoding alone)."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16"), (codecs.BOM_UTF32_LE, "utf-32")):
        if data.startswith(bom):
            return data.decode(encoding)
    if b"\x00" in data[:4096]:  # UTF-16 without its mark: every other byte of Latin text is zero
        for encoding in ("utf-16-le", "utf-16-be"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if "\x00" not in text:
                return text
        raise InputError("FILE", "the file holds binary data, not text: export it as CSV or XLSX")
    for encoding in ("utf-8", "cp1252", "latin-1"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any byte")


def _delimiter(lines: list[str]) -> tuple[str, int]:
    """The field delimiter, and how many lines to skip before the header (1 after Excel's `sep=` line)."""
    first = next((line for line in lines if line.strip()), "")
    if first.lower().startswith("sep=") and len(first.rstrip("\r\n")) == 5:  # the delimiter may be a tab
        return first[4], 1
    in_header = [d for d in DELIMITERS if d in first]
    if len(in_header) <= 1:  # headers rarely hold a delimiter of their own: the one the header row uses
        return (in_header or [","])[0], 0
    try:  # several: the one the first rows use consistently
        return csv.Sniffer().sniff("\n".join(lines[:20]), delimiters="".join(in_header)).delimiter, 0
    except csv.Error:
        return max(in_header, key=first.count), 0


def _csv(name: str, data: bytes) -> Source:
    text = decode(data)
    lines = text.splitlines()
    delimiter, skip = _delimiter(lines)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records, line = [], 0
    headers, header_line = None, 0
    try:
        for values in reader:
            start, line = line + 1, reader.line_num
            if skip:
                skip -= 1
                continue
            if not any(v.strip() for v in values):
                continue
            if headers is None:
                headers, header_line = values, start
                continue
            records.append((start, [v if v.strip() else None for v in values]))
    except csv.Error as e:
        raise InputError("FILE", f"{name} line {line + 1}: {e}: is it a CSV file?") from None
    if headers is None:
        raise InputError("FILE", f"{name} is empty: no header row")
    return Source(name, [h.strip() for h in headers], records, header_line)


def _xlsx(path: Path, sheet: str | None) -> Source:
    names = sheet_names(path)
    if not names:
        raise InputError("FILE", f"{path.name} has no sheets")
    if sheet is None:
        sheet = names[0]
    else:
        match = next((n for n in names if n.casefold() == sheet.strip().casefold()), None)
        if match is None:
            raise InputError("FILE", f"{path.name} has no sheet '{sheet}': its sheets are {', '.join(names)}")
        sheet = match
    cells, _ = read_boxes(path, [sheet])
    if sheet not in cells:
        raise InputError("FILE", f"{path.name}: the sheet '{sheet}' cannot be read (a chart sheet?)")
    found = cells[sheet]
    headers, header_line, records = None, 0, []
    for r, row in enumerate(found.rows, start=1):
        values = [_cell(v) for v in row]
        if not any(v is not None for v in values):
            continue
        if headers is None:
            headers, header_line = ["" if v is None else str(v).strip() for v in values], r
            continue
        records.append((r, values))
    if headers is None:
        raise InputError("FILE", f"{path.name}: the sheet '{sheet}' is empty: no header row")
    if found.dropped_below:
        raise InputError("FILE", f"{path.name}: the sheet '{sheet}' has rows from {found.dropped_below} beyond what is "
                                 f"read in one go ({plural(len(records), 'row')} read): split the file")
    while headers and not headers[-1]:
        headers.pop()
    return Source(f"{path.name} ({sheet})", headers, records, header_line)


def _cell(value):
    """A workbook cell as a value to validate: blanks as None, whole numbers as int (a reference 1234 is not
    1234.0), text trimmed of nothing (validation trims)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value

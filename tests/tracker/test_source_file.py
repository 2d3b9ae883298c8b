"""Reading an export as the program that wrote it did (DESIGN §12: "any common encoding and delimiter, a BOM,
Excel's CSV"): whatever table csv.writer writes, in any of those encodings and delimiters, reads back as it
was, each row at the line an editor shows it on."""

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spso_xl.errors import InputError
from spso_xl.tracker.source_file import read_source

TEXT = st.text(alphabet=st.sampled_from("abcXYZ 019,;|\t\"'.-/éàü£€’\n"), max_size=12)
HEADER = st.text(alphabet=st.sampled_from("abcdefXYZ "), min_size=1, max_size=10).filter(lambda h: h.strip())


@st.composite
def tables(draw):
    width = draw(st.integers(2, 5))
    headers = draw(st.lists(HEADER, min_size=width, max_size=width, unique_by=lambda h: h.strip().casefold()))
    rows = draw(st.lists(st.lists(TEXT, min_size=width, max_size=width), max_size=6))
    return [h.strip() for h in headers], rows


@given(tables(), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]), st.sampled_from(",;\t|"),
       st.booleans())
def test_any_table_reads_back_as_written(tmp_path_factory, table, encoding, delimiter, sep_line):
    headers, rows = table
    out = io.StringIO(newline="")
    if sep_line:
        out.write(f"sep={delimiter}\r\n")
    w = csv.writer(out, delimiter=delimiter)
    w.writerow(headers)
    w.writerows(rows)
    path = tmp_path_factory.mktemp("csv") / "export.csv"
    path.write_bytes(out.getvalue().encode(encoding))
    source = read_source(path)
    assert source.headers == headers
    expected, line = [], 2 + sep_line
    for row in rows:
        values = [v if v.strip() else None for v in row]
        if any(v is not None for v in values):
            expected.append((line, values))
        line += 1 + sum(v.count("\n") for v in row)
    assert source.rows == expected


def test_what_is_not_an_export_gets_one_line(tmp_path):
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    with pytest.raises(InputError, match="old Excel file"):
        read_source(tmp_path / "old.xls")
    with pytest.raises(InputError, match="is a folder"):
        read_source(tmp_path)
    (tmp_path / "empty.csv").write_bytes(b"\r\n\r\n")
    with pytest.raises(InputError, match="empty: no header row"):
        read_source(tmp_path / "empty.csv")
    (tmp_path / "a.csv").write_text("Case ref\nC1\n")
    with pytest.raises(InputError, match="not a workbook, so it has no sheets"):
        read_source(tmp_path / "a.csv", sheet="Sheet1")

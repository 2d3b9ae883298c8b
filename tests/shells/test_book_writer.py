"""What the buttons hand Excel through xlwings (`macros.book.cell_value`): Excel reads a leading
= + - @ as a formula and a leading apostrophe as its text prefix, so text keeps what was typed."""

import pytest

from macros.book import cell_value
from spso_xl.tracker.edit import Link


@pytest.mark.parametrize("value, sent", [
    ("Fife Council", "Fife Council"),
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("'abnormally high' (para 8)", "''abnormally high' (para 8)"),  # the first ' is Excel's prefix, dropped
    ("-1 day", "'-1 day"),
    (3, 3),
    (None, None),
])
def test_text_reaches_the_cell_as_typed(value, sent):
    assert cell_value(value) == sent


def test_a_link_shows_what_the_files_writer_shows():
    assert cell_value(Link("letters/SI-1 L2 2026-11-19.docx")) == \
        '=HYPERLINK("letters/SI-1 L2 2026-11-19.docx","letters/SI-1 L2 2026-11-19.docx")'

"""Templates and trackers that are not what they seem (issue 25): a pipe or /dev/zero is refused by
name before it is opened (one rule, `tracker.kind.regular_file`); a template's loops have a time and
step limit; a damaged template names itself and the other letters are still written; nothing in a
letter makes Word fetch a file (an attached template on a remote share, a linked image)."""

import os
import re
import time
import zipfile

import docx
import pytest

from spso_xl.cli import main
from spso_xl.letters import publish
from tests.support.dates import AS_OF
from tests.support.trackers import copy_tracker

L2, L3 = "SI-2026-017", "SI-2026-013"  # the demo's cases whose letters are swf-level2 and swf-level1


@pytest.fixture
def tracker(demo_tracker, tmp_path):
    return copy_tracker(demo_tracker, tmp_path, templates=True)


def _with_paragraph(template, text: str) -> None:
    d = docx.Document(template)
    d.add_paragraph(text)
    d.save(template)


def _batch(tracker):
    return publish.write_letters(tracker, refs=[L2, L3], as_of=AS_OF)


def _only_l3_written(result, words: str):
    assert [w.plan.ref for w in result.written] == [L3]
    [refused] = result.refused
    assert refused.ref == L2 and "swf-level2.docx" in str(refused) and words in str(refused), str(refused)


def test_nested_loops_in_a_template_are_stopped_and_the_batch_goes_on(tracker):
    _with_paragraph(tracker.parent / "templates" / "swf-level2.docx",
                    "{% for a in range(99999) %}{% for b in range(99999) %}{% endfor %}{% endfor %}")
    started = time.monotonic()
    result = _batch(tracker)
    assert time.monotonic() - started < 120  # without a limit: about 10^10 steps, hours
    _only_l3_written(result, "takes too long")


@pytest.mark.parametrize("text", ['{{ "x" * 999999999 }}', "{{ 10 ** 999999 }}",
                                  '{% for c in "ab" * 99999999 %}{% endfor %}', '{{ "x"|center(999999999) }}',
                                  '{{ "%999999999s"|format(1) }}', '{{ "x"|indent(999999999, true) }}',
                                  '{{ "%999999999s" % 1 }}',
                                  '{% set s = namespace(x="ab") %}{% for i in range(40) %}{% set s.x = s.x ~ s.x %}'
                                  '{% endfor %}'])
def test_a_template_cannot_make_a_huge_value(tracker, text):
    _with_paragraph(tracker.parent / "templates" / "swf-level2.docx", text)
    _only_l3_written(_batch(tracker), "cannot be filled")


def test_a_damaged_template_names_itself_and_the_others_are_written(tracker, capsys):
    (tracker.parent / "templates" / "swf-level2.docx").write_bytes(b"PK\x03\x04 this is not a Word document")
    result = _batch(tracker)
    _only_l3_written(result, "damaged or not a Word document")
    assert main(["letters", str(tracker), "--ref", L2, "--as-of", "22/11/2026"]) == 1
    err = capsys.readouterr().err
    assert "swf-level2.docx is damaged" in err and "unexpected" not in err


@pytest.mark.parametrize("kind", ["fifo", "dev zero"])
def test_a_template_that_is_a_pipe_or_a_device_is_refused_by_name(tracker, kind):
    template = tracker.parent / "templates" / "swf-level2.docx"
    template.unlink()
    os.mkfifo(template) if kind == "fifo" else template.symlink_to("/dev/zero")
    _only_l3_written(_batch(tracker), "not a letter template")


@pytest.mark.parametrize("kind", ["fifo", "dev zero"])
@pytest.mark.parametrize("command", [["report"], ["check"], ["letters", "--due"], ["summary"], ["refresh"],
                                     ["chase", "--ref", L2]])
def test_a_tracker_that_is_a_pipe_or_a_device_is_refused_by_name(tmp_path, kind, command, capsys):
    path = tmp_path / "si_tracker.xlsm"
    os.mkfifo(path) if kind == "fifo" else path.symlink_to("/dev/zero")
    args = [command[0], str(path), *command[1:]] + (["--as-of", "22/11/2026"] if command[0] != "check" else [])
    assert main(args) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and ("named pipe" if kind == "fifo" else "a device") in err, err


REMOTE = "file://///fileserver.example/share/Normal.dotm"
IMAGE = "http://tracker.example/pixel.png"


def _with_external_links(template) -> None:
    """The template as Word saves one attached to a template on a share, holding a linked picture."""
    with zipfile.ZipFile(template) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    settings_rels = "word/_rels/settings.xml.rels"
    parts[settings_rels] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rIdT" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        f'attachedTemplate" Target="{REMOTE}" TargetMode="External"/></Relationships>').encode()
    parts["word/settings.xml"] = re.sub(
        rb"(<w:settings[^>]*>)", rb'\1<w:attachedTemplate r:id="rIdT"/>', parts["word/settings.xml"], count=1)
    if b'xmlns:r=' not in parts["word/settings.xml"].split(b">", 2)[1]:
        parts["word/settings.xml"] = parts["word/settings.xml"].replace(
            b"<w:settings ", b'<w:settings xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                             b'relationships" ', 1)
    doc_rels = "word/_rels/document.xml.rels"
    parts[doc_rels] = parts[doc_rels].replace(
        b"</Relationships>", b'<Relationship Id="rIdImg" Type="http://schemas.openxmlformats.org/officeDocument/'
                             b'2006/relationships/image" Target="' + IMAGE.encode() + b'" TargetMode="External"/>'
                             b"</Relationships>")
    parts["word/document.xml"] = parts["word/document.xml"].replace(
        b"</w:body>", b'<w:p><w:r><w:fldSimple w:instr=" INCLUDEPICTURE &quot;' + IMAGE.encode()
                      + b'&quot; \\d "/></w:r></w:p></w:body>')
    with zipfile.ZipFile(template, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def test_a_letter_carries_nothing_word_would_fetch(tracker):
    template = tracker.parent / "templates" / "swf-level2.docx"
    _with_external_links(template)
    with zipfile.ZipFile(template) as z:
        assert REMOTE.encode() in z.read("word/_rels/settings.xml.rels")  # the attack is in the template
    [written] = publish.write_letters(tracker, refs=[L2], as_of=AS_OF).written
    with zipfile.ZipFile(written.docx) as z:
        everything = b"".join(z.read(n) for n in z.namelist())
    assert REMOTE.encode() not in everything and IMAGE.encode() not in everything
    assert b"attachedTemplate" not in everything and b'TargetMode="External"' not in everything.replace(
        b"relationships/hyperlink", b"")  # hyperlinks are links a reader clicks, never fetched on opening
    assert docx.Document(written.docx).paragraphs  # still a Word document

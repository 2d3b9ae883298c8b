"""Write the six letter templates (level1.docx ... level6.docx) with python-docx.

Run once after changing the wording here: `python workbook/templates/make_templates.py`.
Each template holds only placeholders ({{ field }}) and paragraph loops
({%p for x in list %} ... {%p endfor %}), so a manager can edit it in Word afterwards.
Section headings are taken from `spso_xl.policy.ELEMENTS`, and each template carries the
elements the leaflet requires of its level (`SWF_LEVELS[n].elements`): the tests check both.
Output is byte-for-byte reproducible (fixed zip timestamps and document dates).
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
from spso_xl.policy import ELEMENTS, SWF_LEVELS  # noqa: E402

BLUE = RGBColor(0x1F, 0x4E, 0x79)
FIXED = dt.datetime(2026, 1, 1)
PHONE = "Freephone 0800 014 7299"

LOOP = object()  # marks a bulleted loop: (LOOP, variable, list)

INTRO = {
    1: "During our consideration of a case involving {{ organisation }} we identified an issue that we would like "
       "to feed back to you. We are raising it informally, as level {{ level }} action under the SPSO Support and "
       "Intervention Policy ({{ level_name }}).",
    2: "I am writing to ask for your help in resolving the issue set out below, which concerns {{ organisation }}.",
    3: "I am writing to notify you formally of an issue concerning {{ organisation }}, which we are taking forward "
       "under the SPSO Support and Intervention Policy.",
    4: "I am writing to notify you formally of an ongoing issue concerning {{ organisation }} that remains "
       "unresolved, which we are taking forward under the SPSO Support and Intervention Policy.",
    5: "I am writing to you as head of {{ organisation }} about an issue that has not been resolved through earlier "
       "action under the SPSO Support and Intervention Policy, to tell you that I am now formally intervening.",
    6: "I am writing to you as head of {{ organisation }} about an issue that has not been resolved through earlier "
       "action under the SPSO Support and Intervention Policy, to tell you that I intend to lay a report about it "
       "before the Scottish Parliament.",
}

ACTION = ("We are taking action under the SPSO Support and Intervention Policy. This is level {{ level }} action "
          "({{ level_name }}), taken by the {{ signatory_role }}. If the matter is not resolved, or the issue recurs "
          "after an agreed solution has had time to take effect, we will consider escalating it to level "
          "{{ next_level }}: {{ next_level_name }}.")

SUPPORT = [
    "SPSO can support your organisation in resolving this issue. We are happy to discuss it and to give advice: "
    f"please call us on {PHONE} or use the contact form on our website.",
    "Good practice guidance, case studies from our decisions, leaflets, our monthly e-newsletter and sector "
    "statistics are available at {{ support_url }}.",
]

HISTORY = [(LOOP, "h", "history"), "That has not succeeded: {{ not_succeeded }}."]

SECTIONS = {
    "issue": ["{{ description }}", "Our concerns are based on the following evidence:", (LOOP, "e", "evidence")],
    "action": [ACTION],
    "history": ["We have so far tried to resolve the matter as follows:", *HISTORY],
    "delays": ["I invite your organisation to explain the reasons for the delays in resolving this matter, and to "
               "tell us about the action being taken to resolve the issue. Please reply {{ respond_by_text }}, "
               "quoting our reference {{ ref }}."],
    "support": SUPPORT,
    "respond": ["You have the opportunity to discuss and respond to the issues raised in this letter directly with "
                "me. Please send your response {{ respond_by_text }}, quoting our reference {{ ref }}, or call my "
                f"office on {PHONE} to arrange to discuss it."],
}

INVITE = {
    1: "Please consider this feedback and let us know {{ respond_by_text }} of any comments you have on the issue, "
       "or of any action your organisation is already taking to address it, quoting our reference {{ ref }}.",
    2: "I invite your organisation to comment on the issue, or to tell us about any action already being taken to "
       "address it. Please reply {{ respond_by_text }}, quoting our reference {{ ref }}.",
}
INVITE[3] = INVITE[2]

EXTRA_SUPPORT = {
    3: "A Head of Service can also arrange a meeting with you to discuss the issue and agree action to address it.",
    4: "A member of our Leadership Team, with our Improvement, Standards and Engagement team, can also agree with "
       "you a programme of tailored support to address the issue.",
}

REASONS = {
    5: "I am formally intervening under level {{ level }} of the Support and Intervention Policy ({{ level_name }}), "
       "and I am notifying you, as the senior governance lead, that I am considering use of my statutory powers "
       "under the Scottish Public Services Ombudsman Act 2002.",
    6: "I intend to lay a report before the Scottish Parliament under section 16 or 17 of the Scottish Public "
       "Services Ombudsman Act 2002. This is level {{ level }} action under the Support and Intervention "
       "Policy: {{ level_name }}.",
}

STEPS = {
    5: ["1. By {{ respond_by }}: please tell me what action {{ organisation }} will take to resolve the issue, "
        "and by when.",
        "2. Before that date I would welcome the opportunity to discuss the issue with you; my office will contact "
        "you to arrange a meeting.",
        "3. After that date I will decide whether to use my statutory powers, including laying a report before the "
        "Scottish Parliament (level 6). You will be told before any such action is taken and usually given a "
        "formal opportunity to respond."],
    6: ["1. By {{ respond_by }}: your formal opportunity to respond to this letter and the issues it raises.",
        "2. I will take any response into account in deciding the content of the report.",
        "3. After that date I will lay the report before the Scottish Parliament, and will tell you beforehand "
        "when it is to be laid."],
}


def body(n: int, key: str) -> list:
    if key == "invite":
        return [INVITE[n]]
    if key == "support":
        return SUPPORT + ([EXTRA_SUPPORT[n]] if n in EXTRA_SUPPORT else [])
    if key == "reasons":
        return [REASONS[n], "My reasons are as follows. We have tried to resolve the matter through earlier action:",
                *HISTORY]
    if key == "steps":
        return ["The steps to be taken, and their timeframes, are:", *STEPS[n]]
    return SECTIONS[key]


def para(doc, text="", *, bold=False, size=None, colour=None, style=None, after=6, align=None):
    p = doc.add_paragraph(style=style)
    p.paragraph_format.space_after = Pt(after)
    if align:
        p.alignment = align
    if text:
        run = p.add_run(text)  # one run per placeholder, so Word and docxtpl see it whole
        run.bold = bold
        if size:
            run.font.size = Pt(size)
        if colour:
            run.font.color.rgb = colour
    return p


def template(n: int) -> Document:
    level = SWF_LEVELS[n - 1]
    doc = Document()
    sec = doc.sections[0]
    sec.left_margin = sec.right_margin = Cm(2.5)
    sec.top_margin = sec.bottom_margin = Cm(2)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = "Arial", Pt(11)
    for name in ("Heading 2",):
        doc.styles[name].font.name, doc.styles[name].font.size = "Arial", Pt(12)
        doc.styles[name].font.color.rgb = BLUE
    footer = sec.footer.paragraphs[0]
    footer.text = f"Scottish Public Services Ombudsman · {PHONE} · www.spso.org.uk"
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.runs[0].font.size = Pt(8)

    para(doc, "Scottish Public Services Ombudsman", bold=True, size=16, colour=BLUE, after=0)
    para(doc, "{{ our_address }}", size=9, after=0)
    para(doc, f"{PHONE} · www.spso.org.uk", size=9, after=18)
    p = para(doc, "Our reference: ", bold=True, after=0)
    p.add_run("{{ ref }}")
    p = para(doc, "Date: ", bold=True, after=12)
    p.add_run("{{ date }}")
    para(doc, "{%p for line in recipient_lines %}")
    para(doc, "{{ line }}", after=0)
    para(doc, "{%p endfor %}")
    para(doc, after=6)
    para(doc, "Dear {{ recipient_name }}")
    title = "Feedback note" if n == 1 else "Support and Intervention Policy"
    para(doc, title + ": level {{ level }}, {{ level_name }}", bold=True, colour=BLUE)
    para(doc, INTRO[n])
    for key in level.elements:
        doc.add_heading(ELEMENTS[key].heading, level=2)
        for item in body(n, key):
            if isinstance(item, tuple):
                _, var, seq = item
                para(doc, f"{{%p for {var} in {seq} %}}")
                para(doc, f"{{{{ {var} }}}}", style="List Bullet", after=2)
                para(doc, "{%p endfor %}")
            else:
                para(doc, item)
    para(doc, "Yours sincerely", after=30)
    para(doc, "{{ signatory }}", bold=True, after=0)
    para(doc, "{{ signatory_role }}", after=0)
    para(doc, "Scottish Public Services Ombudsman", after=0)

    props = doc.core_properties
    props.title = f"SPSO Support and Intervention letter, level {n}: {level.name}"
    props.author = props.last_modified_by = "spso-xl"
    props.created = props.modified = FIXED
    props.revision = 1
    return doc


def save_reproducibly(doc: Document, path: Path) -> None:
    """python-docx stamps zip entries with the current time; rewrite them with a fixed one."""
    buf = io.BytesIO()
    doc.save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(zipfile.ZipInfo(info.filename, FIXED.timetuple()[:6]), src.read(info.filename),
                         zipfile.ZIP_DEFLATED)
    path.write_bytes(out.getvalue())


def main(folder: Path = HERE) -> list[Path]:
    written = []
    for level in SWF_LEVELS:
        path = folder / f"level{level.number}.docx"
        save_reproducibly(template(level.number), path)
        written.append(path)
    return written


if __name__ == "__main__":
    for p in main():
        print(f"wrote {p}")

"""Write the letter templates, one per level of each scale, with python-docx.

Run once after changing the wording here: `python workbook/templates/make_templates.py`.

- `swf-level1.docx` ... `swf-level6.docx`: the SWF leaflet's six levels (Scottish Welfare Fund);
- `policy-level1.docx` ... `policy-level5.docx`: the policy's five levels (Complaints and INWO);
- `swf-level1-chaser.docx`, `policy-level1-chaser.docx`: the level-1 letter for overdue information
  (appendix row 1: "we will contact you immediately to chase up the information needed").

The wording of each is taken from the text of its own scale: nothing on the policy scale names a
level 6, and the top levels say what the Ombudsman is *considering*, with the opportunity to respond
before any action (leaflet §3). Each template holds only placeholders ({{ field }}) and paragraph loops
({%p for x in list %} ... {%p endfor %}), so a manager can edit it in Word afterwards. Section headings
are `spso_xl.policy.ELEMENTS`, in the order of the level's `elements`: the tests check both. Headings,
the closing and the signature keep with the next paragraph, so none is left alone at a page foot.
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
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
from spso_xl.policy.tables import CHASER, ELEMENTS, POLICY_SCALE, SWF_SCALE  # noqa: E402

BLUE = RGBColor(0x1F, 0x4E, 0x79)
FONT = "Arial"  # the letters' one typeface family
FIXED = dt.datetime(2026, 1, 1)
LOOP = object()  # marks a bulleted loop: (LOOP, variable, list)
IF = object()  # marks a paragraph kept only when a field is true: (IF, field, text, text otherwise or None)
SECTION_IF = {"meeting": "meeting"}  # element -> the field that keeps its whole section (heading and text)

REPLY = "Please reply by {{ respond_by }}, quoting our reference {{ ref }}."
KEEP = object()  # marks a list's introduction: (KEEP, text), kept on the page of the list it introduces
EVIDENCE = ["{{ description }}", (KEEP, "Our concerns are based on the following evidence:"), (LOOP, "e", "evidence")]
# A list right under its heading has no introduction of its own: the heading introduces it, and keeps with its
# first item (a chain of kept paragraphs is one LibreOffice does not keep together in its PDF copies)
SO_FAR = [(LOOP, "h", "so_far"),
          (IF, "unresolved", "{{ unresolved }}", None)]
ASKS = (LOOP, "a", "asks", None)  # what the organisation has not yet done (the information, the award paid): plain
SUPPORT = {
    "swf": ["We are happy to discuss the issue and to give advice: please call us ({{ phone }}).",
            "Information and materials for decision makers (on good decision-making, making the fund accessible to "
            "all, and quality assurance), a searchable directory of our case studies, our leaflets and statistics on "
            "our findings by council are on our website, {{ website }}. Our monthly e-newsletter shares learning "
            "from our decisions; you can sign up at www.spso.org.uk."],
    "policy": ["We encourage organisations to contact us for advice and support, and informal support can often "
               "be arranged: please call us ({{ phone }}).",
               "Our guidance, learning from our decisions and good practice resources are on our website, "
               "{{ website }}."],
}
GOOD_PRACTICE = ["Our feedback refers to the following guidance and resources, which we hope will help:",
                 (LOOP, "g", "good_practice"),
                 "If it would help to talk this through, please call us ({{ phone }}): we are happy to discuss the "
                 "issue and give advice."]
STEPS = [
    "1. By {{ respond_by }}, please tell me what action {{ organisation }} will take to resolve the issue, and "
    "by when.",
    "2. I would welcome the opportunity to discuss the issue with you before then. My office will contact you to "
    "arrange this, or you can call us ({{ phone }}).",
    "3. I will consider your response, and anything we discuss, before deciding whether any further action is "
    "needed.",
]
STEP_REPORT = ("3. I will take your response into account in deciding whether to lay a report, and what it should "
               "say. If I decide to lay a report, you will be informed before it is laid.")
FURTHER = ("Further to our letter of {{ further_to }}, I am writing to you again about the issue concerning {{ about }}, "
           "which we are taking forward under our Support and Intervention Policy.")
RESPOND = ["You have the opportunity to discuss and respond to the issues raised in this letter directly with me. "
           "Please send your response by {{ respond_by }}, quoting our reference {{ ref }}."]
NO_DECISION = ("I have not decided to take this action. You will be informed before any action is taken, and you "
               "will usually be given a formal opportunity to respond before it is taken.")


def chaser(scale: str) -> dict:
    after = ("If we do not receive the information after two requests, we will escalate the matter to level 2 of "
             "our Support and Intervention Policy, and our Team Manager may contact your service manager or head of "
             "department to ask them to make sure that we receive a response." if scale == "swf" else
             "If we still do not receive the information, we will consider taking the matter further under our "
             "Support and Intervention Policy.")
    delay = ("The delay in responding will be noted as feedback in the cover letter of our decision."
             if scale == "swf" else "The delay in responding will be noted as feedback when we reach our decision.")
    return {
        "title": "{% if overdue %}Information overdue{% else %}Information we have asked for{% endif %}: our "
                 "reference {{ ref }}",
        "intro": (IF, "overdue",
                  "We are contacting you to chase up information that we asked {{ organisation }} for and have not "
                  "received within the timescale we gave.",
                  "We are writing to remind you of information that we have asked {{ organisation }} for, which is "
                  "due by {{ respond_by }}."),
        "issue": ["{{ description }}", (LOOP, "e", "evidence"), (LOOP, "c", "chase_facts")],
        "chase": ["Please send us the information by {{ respond_by }}, quoting our reference {{ ref }}. If you cannot "
                  "send it by then, please call us ({{ phone }}) to tell us why, and when we will receive it.",
                  (IF, "overdue", delay, None), (IF, "overdue", after, None)],
    }


def feedback(scale: str) -> dict:
    return {
        "title": "Feedback about {{ about }}",
        "intro": "During our consideration of a case involving {{ organisation }} we identified an issue that we "
                 "would like to feed back to you. We are raising it informally, at level 1 of our Support and "
                 "Intervention Policy, so that it can be put right early.",
        "issue": EVIDENCE,
        "feedback": GOOD_PRACTICE,
        "invite": [ASKS, "Please consider this feedback and let us know, by {{ respond_by }}, of any comments you have on "
                   "the issue or of any action your organisation is already taking to address it, quoting our "
                   "reference {{ ref }}."],
        "support": SUPPORT[scale],
    }


def formal(scale: str, n: int) -> dict:
    """Levels 2-4 on the SWF scale, 2-3 on the policy scale."""
    swf = scale == "swf"
    action = {
        ("swf", 2): "This is level 2 action under our Support and Intervention Policy: contact from our Team Manager. "
                    "If it does not resolve the matter, or the issue recurs after an agreed solution has had time to "
                    "take effect, we will consider escalating it to level 3 (or higher), when a Head of Service "
                    "would notify your Chief Executive formally.",
        ("swf", 3): "This letter is a formal notification at level 3 of our Support and Intervention Policy. If the "
                    "matter is not resolved, or the issue recurs after an agreed solution has had time to take "
                    "effect, we will consider higher level action: at level 4 a member of our Leadership Team would "
                    "write to you, and the matter may then be referred to the Ombudsman for formal action.",
        ("swf", 4): "This letter is a formal notification at level 4 of our Support and Intervention Policy. If the "
                    "matter is not resolved, or the issue recurs after an agreed solution has had time to take "
                    "effect, it may be referred to the Ombudsman for formal action at level 5, using powers under "
                    "the Scottish Public Services Ombudsman Act 2002.",
        ("policy", 2): "This is level 2 action under our Support and Intervention Policy: formal engagement about a "
                       "recurring, ongoing or significant issue. If the matter is not resolved, we will consider "
                       "escalating it to level 3: targeted engagement and support over a period of time, supported "
                       "by an agreed action plan.",
        ("policy", 3): "This letter is a formal notification at level 3 of our Support and Intervention Policy: "
                       "targeted engagement and support over a period of time, supported by an agreed action plan. "
                       "If the matter is not resolved, we will consider escalating it to level 4: engagement by the "
                       "Ombudsman, with a view to using the Ombudsman's statutory powers.",
    }[scale, n]
    intro = {
        2: "I am writing about an issue concerning {{ about }}, which we are taking forward at level 2 of our Support "
           "and Intervention Policy. I would be grateful for your help in resolving it.",
        3: "I am writing to notify you formally of an issue concerning {{ about }}, which we are taking forward under "
           "our Support and Intervention Policy.",
        4: "I am writing to notify you formally of an ongoing issue concerning {{ about }}, which remains unresolved "
           "and which we are taking forward under our Support and Intervention Policy.",
    }[n]
    subject = {2: "formal engagement about {{ about }}",
               3: "formal notification about {{ about }}" if swf else "targeted engagement and support about {{ about }}",
               4: "formal notification of an unresolved issue about {{ about }}"}[n]
    letter = {
        "title": "Support and Intervention Policy: " + subject,
        "intro": (IF, "further_to", FURTHER, intro),
        "issue": EVIDENCE,
        "level": ["{{ reasons }}"],
        "action": [action],
        "invite": [ASKS, "I invite your organisation to comment on the issue, or to tell us about any action already being "
                   "taken to address it. " + REPLY],
        "meeting": ["I will arrange a meeting with you to discuss the issue and agree action to address it. My office "
                    "will contact you to arrange a date." if swf else
                    "We will work with your organisation over a period of time to address the issue, supported by an "
                    "action plan that we agree with you. My office will contact you to arrange a meeting to agree it."],
        "history": [*SO_FAR],
        "delays": [ASKS, "I invite your organisation to explain the reasons for the delays in resolving this matter, and to "
                   "tell us about the action being taken to resolve the issue. " + REPLY],
        "support": SUPPORT[scale] + (
            [(IF, "tailored_support", "I will also contact you to agree a programme of tailored support to address "
              "the issue, with the help of our Improvement, Standards and Engagement team.", None)]
            if (scale, n) == ("swf", 4) else []),
    }
    return letter


def highest(scale: str, n: int) -> dict:
    """The Ombudsman's letters: SWF 5-6, policy 4-5."""
    top = n == (6 if scale == "swf" else 5)
    if scale == "swf" and n == 5:
        intro = ("I am writing to you about an issue concerning {{ about }} that has not been resolved through "
                 "earlier action under our Support and Intervention Policy. I am intervening formally, at level 5 of "
                 "the policy, to notify you that I am considering the use of my statutory powers.")
        considering = ["I am considering whether to {{ power }}, which would be level 6 of the policy.",
                       "{{ reasons }}", NO_DECISION]
    elif scale == "swf":
        intro = ("I am writing to you about an issue concerning {{ about }} that remains unresolved despite action "
                 "under our Support and Intervention Policy, including my formal intervention. I am considering "
                 "laying a report about it before the Scottish Parliament, which is level 6 of the policy.")
        considering = ["I am considering whether to {{ power }}.", "{{ reasons }}",
                       "I have not decided to lay a report. You will be informed before any action is taken, and this "
                       "letter gives you a formal opportunity to respond before I decide."]
    elif not top:
        intro = ("I am writing to you about an issue concerning {{ about }}. I am engaging with you directly, at level "
                 "4 of our Support and Intervention Policy, with a view to using my statutory powers if the issue is "
                 "not resolved.")
        considering = ["{{ reasons }}",
                       "If the issue is not resolved, I will consider whether to {{ power }}. That would be action at "
                       "level 5 of the policy, the use of my statutory powers.", NO_DECISION]
    else:
        intro = ("I am writing to you about an issue concerning {{ about }} that has not been resolved through the "
                 "action taken so far under our Support and Intervention Policy. I am considering the use of my "
                 "statutory powers, which is level 5 of the policy.")
        considering = ["I am considering whether to {{ power }}.", "{{ reasons }}", NO_DECISION]
    subject = ("the Ombudsman is considering a report to the Scottish Parliament" if scale == "swf" and top else
               "the Ombudsman is considering the use of statutory powers" if scale == "swf" else
               "the Ombudsman is considering {{ power_subject }}" if top else
               "the Ombudsman's engagement about {{ about }}")
    return {
        "title": "Support and Intervention Policy: " + subject,
        "intro": (IF, "further_to", FURTHER, intro),
        "issue": EVIDENCE,
        "reasons": considering,
        "history": [*SO_FAR],
        "steps": [ASKS, *STEPS[:2],
                  STEP_REPORT if scale == "swf" and top else STEPS[2]],
        "respond": RESPOND,
    }


def wording(scale: str, n: int, variant: str = "") -> dict:
    if variant == "chaser":
        return chaser(scale)
    if n == 1:
        return feedback(scale)
    return highest(scale, n) if n >= (5 if scale == "swf" else 4) else formal(scale, n)


def para(doc, text="", *, bold=False, size=None, colour=None, style=None, after=6, keep=False):
    p = doc.add_paragraph(style=style)
    p.paragraph_format.space_after = Pt(after)
    if keep:
        p.paragraph_format.keep_with_next = True
    if text:
        run = p.add_run(text)  # one run per placeholder, so Word and docxtpl see it whole
        run.bold = bold
        if size:
            run.font.size = Pt(size)
        if colour:
            run.font.color.rgb = colour
    return p


def item_paras(doc, item, keep=False) -> list:
    """The paragraphs of one item of a section's wording (text, a list, a list's introduction, a condition)."""
    if isinstance(item, tuple) and item[0] is LOOP:
        _, var, seq, *style = item
        bullet = style[0] if style else "List Bullet"
        return [para(doc, f"{{%p for {var} in {seq} %}}"),
                para(doc, f"{{{{ {var} }}}}", style=bullet, after=2 if bullet else 6, keep=keep),
                para(doc, "{%p endfor %}")]
    if isinstance(item, tuple) and item[0] is KEEP:
        return [para(doc, item[1], keep=True)]  # a list's introduction stays with the list
    if isinstance(item, tuple) and item[0] is IF:
        _, field, yes, no = item
        out = [para(doc, f"{{%p if {field} %}}"), para(doc, yes, keep=keep)]
        if no is not None:
            out += [para(doc, "{%p else %}"), para(doc, no, keep=keep)]
        return out + [para(doc, "{%p endif %}")]
    return [para(doc, item, keep=keep)]


def _no_theme_fonts(doc) -> None:
    """One typeface family, the template's own: every style's fonts name Arial, none the theme's (Word's
    theme fonts would override the named font: Calibri headings over an Arial body); UK English proofing."""
    styles = doc.styles.element
    for rfonts in styles.iter(qn("w:rFonts")):
        for a in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            rfonts.attrib.pop(qn(a), None)
        for a in ("w:ascii", "w:hAnsi", "w:cs"):
            rfonts.set(qn(a), FONT)
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    if rpr.find(qn("w:rFonts")) is None:
        rpr.insert(0, OxmlElement("w:rFonts"))
    for a in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        rpr.find(qn("w:rFonts")).set(qn(a), FONT)
    for lang in styles.iter(qn("w:lang")):
        lang.set(qn("w:val"), "en-GB")
        lang.set(qn("w:eastAsia"), "en-GB")
    if rpr.find(qn("w:lang")) is None:
        lang = OxmlElement("w:lang")
        lang.set(qn("w:val"), "en-GB")
        rpr.append(lang)
    settings = doc.settings.element
    for lang in settings.iter(qn("w:themeFontLang")):
        lang.set(qn("w:val"), "en-GB")


def _page_number(paragraph) -> None:
    """'Page N' with Word's PAGE field."""
    paragraph.add_run("Page ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    rpr, size = OxmlElement("w:rPr"), OxmlElement("w:sz")
    size.set(qn("w:val"), "16")  # 8 pt, as the rest of the footer
    rpr.append(size)
    run.append(rpr)
    t = OxmlElement("w:t")
    t.text = "2"
    run.append(t)
    field.append(run)
    paragraph._p.append(field)


def _footers(sec) -> None:
    """The first page: our contact details; every later page: its number above them (DESIGN §10)."""
    sec.different_first_page_header_footer = True
    contact = "Scottish Public Services Ombudsman · {{ phone }} · {{ website }}"
    first = sec.first_page_footer.paragraphs[0]
    first.text = contact
    later = sec.footer.paragraphs[0]
    _page_number(later)
    later.add_run(" · Our reference {{ ref }}")
    line = sec.footer.add_paragraph(contact)
    for p in (first, later, line):
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for r in p.runs:
            r.font.size = Pt(8)


def template(scale: str, n: int, variant: str = "") -> Document:
    level = (SWF_SCALE if scale == "swf" else POLICY_SCALE).level(n)
    words = wording(scale, n, variant)
    elements = CHASER if variant == "chaser" else level.elements
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21), Cm(29.7)  # A4
    sec.left_margin = sec.right_margin = Cm(2.5)
    sec.top_margin = sec.bottom_margin = Cm(2)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(11)
    normal.paragraph_format.widow_control = True
    heading = doc.styles["Heading 2"]
    heading.font.name, heading.font.size, heading.font.color.rgb = FONT, Pt(12), BLUE
    heading.paragraph_format.keep_with_next = heading.paragraph_format.keep_together = True
    _no_theme_fonts(doc)
    _footers(sec)

    para(doc, "Scottish Public Services Ombudsman", bold=True, size=16, colour=BLUE, after=0)
    para(doc, "{{ our_address }}", size=9, after=0)
    para(doc, "{{ phone }} · {{ website }}", size=9, after=18)
    p = para(doc, "Our reference: ", bold=True, after=0)
    p.add_run("{{ ref }}")
    p = para(doc, "Date: ", bold=True, after=12)
    p.add_run("{{ date }}")
    para(doc, "{%p for line in recipient_lines %}")
    para(doc, "{{ line }}", after=0)
    para(doc, "{%p endfor %}")
    para(doc, after=6)
    para(doc, "Dear {{ salutation }}")
    para(doc, words["title"], bold=True, colour=BLUE, keep=True)
    item_paras(doc, words["intro"])
    for k, key in enumerate(elements):
        condition = SECTION_IF.get(key) if scale == "swf" else None
        if condition:
            para(doc, f"{{%p if {condition} %}}")
        doc.add_heading(ELEMENTS[key].heading, level=2)
        items = words[key]
        for j, item in enumerate(items):
            # the end of the last section keeps with the closing, so it never stands alone on a page
            item_paras(doc, item, keep=k == len(elements) - 1 and j >= len(items) - 2)
        if condition:
            para(doc, "{%p endif %}")
    para(doc, "Yours sincerely", after=30, keep=True)
    para(doc, "{{ signatory_name }}", bold=True, after=0, keep=True)
    para(doc, "{%p for line in signatory_lines %}")
    para(doc, "{{ line }}", after=0)
    para(doc, "{%p endfor %}")

    props = doc.core_properties
    kind = "chaser for overdue information" if variant == "chaser" else level.name
    props.title = f"SPSO Support and Intervention letter, {scale.upper() if scale == 'swf' else 'Complaints/INWO'} " \
                  f"level {n}: {kind}"
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


def names() -> list[tuple[str, int, str]]:
    """(scale, level, variant) of every template, as `spso_xl.letters.template_name` names them."""
    out = []
    for scale, levels in (("swf", SWF_SCALE.top), ("policy", POLICY_SCALE.top)):
        out += [(scale, 1, "chaser")] + [(scale, n, "") for n in range(1, levels + 1)]
    return out


def main(folder: Path = HERE) -> list[Path]:
    written = []
    for scale, n, variant in names():
        path = folder / f"{scale}-level{n}{'-' + variant if variant else ''}.docx"
        save_reproducibly(template(scale, n, variant), path)
        written.append(path)
    return written


if __name__ == "__main__":
    for p in main():
        print(f"wrote {p}")

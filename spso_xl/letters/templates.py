"""The Word letter templates (DESIGN §10): where they are, which one a letter uses, and rendering it.

One template per level of each scale (`template_name`), shipped in workbook/templates and copied
beside each tracker for the manager to edit in Word (`copy_templates`, never replacing an edit).
Rendering is sandboxed and strict: a template cannot reach Python, and a mistyped field is an
error naming the template (`TemplateProblem`), not a blank in a letter. Cell text is data, never
template: values are only substituted, autoescaped.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from spso_xl.errors import InputError, TemplateProblem
from spso_xl.policy.tables import scale_for
from spso_xl.tracker.kind import regular_file

if TYPE_CHECKING:
    from spso_xl.letters.plan import LetterPlan


_SOURCE_TEMPLATES = Path(__file__).resolve().parents[2] / "workbook" / "templates"  # a checkout
_INSTALLED_TEMPLATES = Path(sys.prefix) / "share" / "spso-xl" / "templates"  # a wheel's data-files
TEMPLATES = _SOURCE_TEMPLATES if _SOURCE_TEMPLATES.is_dir() else _INSTALLED_TEMPLATES


def templates_for(tracker_folder: Path) -> Path:
    """The templates a tracker's letters use: the editable copies `spso-xl new` put beside it, else the defaults."""
    local = Path(tracker_folder) / "templates"
    return local if local.is_dir() and any(local.glob("*level*.docx")) else TEMPLATES


# Trackers made before the templates were per scale have `templates/level1.docx` ... `level6.docx`, numbered on
# the SWF scale. The SHA-256 of each as shipped: a copy still identical to these was never edited, and the
# current template replaces it; an edited one is used for SWF letters (with a note) and never for the policy
# scale, whose numbering it does not follow (see templates/README.md).
LEGACY_SHIPPED = {
    "cfe75d95543da609387e70c9473d721c1c0db37d82a89d23148b65b2b169805e": 1,
    "e35cdacc40c756c7d4e965db40783b0076d85f92b0c1232ba771a5f36b59a406": 2,
    "d701923ea60b790ba7fc5f3a98681e315a3d93b174286f1e458ea61e8859e38f": 3,
    "c0205e7fb2e8993b100b749b5dd5d5118aab1657af195400c7e263b4a0536aca": 4,
    "452ce12cb1c72dbb596391e02d90b38c070e436c0f97fb82afe6709e3a1598e6": 5,
    "1cc8c761cfc0fc598abf1abde594ba622139f5630c3299fdc2dedbab938854c3": 6,
}


def template_name(scale_name: str, level: int, chaser: bool = False) -> str:
    """The template file for a level of a scale: swf-level3.docx, policy-level4.docx, swf-level1-chaser.docx."""
    return f"{scale_name.lower()}-level{level}{'-chaser' if chaser else ''}.docx"



RENDER_SECONDS = 20.0  # one letter's rendering; the shipped templates take well under a second
MAX_STEPS = 2_000_000  # sandbox operations (calls, attribute look-ups, loop steps, output) per letter
MAX_VALUE = 1_000_000  # the largest number, or text/list length, a template may make with * ** +


class _Exceeded(TemplateProblem):
    """A template that spends more than `_Budget` allows."""


class _Budget:
    """What one rendering may spend: a deadline and a count of the sandbox's operations. A template a
    manager edits is data; `{% for a in range(99999) %}{% for b in range(99999) %}` must not hang `letters`."""

    def __init__(self):
        self.start(RENDER_SECONDS, MAX_STEPS)

    def start(self, seconds: float, steps: int) -> None:
        import time

        self.deadline, self.steps = time.monotonic() + seconds, steps

    def spend(self) -> None:
        import time

        self.steps -= 1
        if self.steps < 0 or (self.steps % 1024 == 0 and time.monotonic() > self.deadline):
            raise _Exceeded("it takes too long to fill (a loop too large, or one inside another): simplify "
                                  "its loops")


def _env():
    """Sandboxed (a template cannot reach Python: whoever can edit the templates folder must not
    run code as whoever runs `letters`), autoescaping, strict (a mistyped field is an error, not a
    blank), limited (`_Budget`: time and steps; numbers and texts a template makes are bounded), and
    compiling each template part once: docxtpl calls from_string on every render."""
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    budget = _Budget()

    def counted_range(*args):
        for n in range(*args):
            budget.spend()
            yield n

    def bounded(value):
        size = abs(value) if isinstance(value, (int, float)) else len(value) if hasattr(value, "__len__") else 0
        if size > MAX_VALUE:
            raise _Exceeded(f"it makes a value too large for a letter ({size:,}): simplify it")
        return value

    from jinja2.compiler import CodeGenerator

    class Generator(CodeGenerator):
        def visit_Concat(self, node, frame):  # `a ~ b`: joined through `concat`, which counts and bounds
            self.write("environment.bounded_concat((")
            for arg in node.nodes:
                self.visit(arg, frame)
                self.write(", ")
            self.write("), context.eval_ctx.autoescape)")

    class Env(SandboxedEnvironment):
        intercepted_binops = frozenset(["*", "**", "+", "%"])
        code_generator_class = Generator

        def bounded_concat(self, parts, autoescape):
            from jinja2.runtime import markup_join, str_join

            budget.spend()
            parts = tuple(parts)
            bounded(sum(len(p) if isinstance(p, str) else 0 for p in parts))
            return bounded((markup_join if autoescape else str_join)(parts))

        def from_string(self, source, globals=None, template_class=None):
            key = source if globals is None else None
            if key is not None and key in self._compiled:
                return self._compiled[key]
            tpl = super().from_string(source, globals, template_class)
            if key is not None:
                self._compiled[key] = tpl
            return tpl

        def call_binop(self, context, operator, left, right):
            budget.spend()
            for side in (left, right):
                bounded(side)
            if operator == "%" and isinstance(left, str):  # "%999999999s" % 1
                for width in re.findall(r"%[-+ #0]*(\d+)", left):
                    bounded(int(width))
            if operator == "**" and isinstance(right, (int, float)) and abs(right) > 64:
                raise _Exceeded("it raises a number to too high a power: simplify it")
            if operator == "*" and isinstance(right, (int, float)) and hasattr(left, "__len__"):
                bounded(len(left) * right)
            if operator == "*" and isinstance(left, (int, float)) and hasattr(right, "__len__"):
                bounded(len(right) * left)
            return bounded(super().call_binop(context, operator, left, right))

        def call(self, context, obj, *args, **kwargs):
            budget.spend()
            return super().call(context, obj, *args, **kwargs)

        def getattr(self, obj, attribute):
            budget.spend()
            return super().getattr(obj, attribute)

        def getitem(self, obj, argument):
            budget.spend()
            return super().getitem(obj, argument)

    def finalize(value):
        budget.spend()
        return bounded(value) if isinstance(value, str) else value

    def limited(f):
        """A filter whose numbers are bounded and whose result is counted and bounded: `center(999999999)`
        or `"%999999999s"|format` would build a gigabyte (filters bypass the sandbox's call hook)."""
        def call(*args, **kwargs):
            budget.spend()
            for v in (*args[1:], *kwargs.values()):
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    bounded(v)
                elif isinstance(v, str) and "%" in v:  # a format's own width: %999999999s
                    for width in re.findall(r"%[-+ #0]*(\d+)", v):
                        bounded(int(width))
            if args and isinstance(args[0], str) and "%" in args[0] and f is env.filters.get("format"):
                for width in re.findall(r"%[-+ #0]*(\d+)", args[0]):
                    bounded(int(width))
            out = f(*args, **kwargs)
            return bounded(out) if isinstance(out, (str, list, tuple)) else out
        for attr in ("jinja_pass_arg",):
            if hasattr(f, attr):
                setattr(call, attr, getattr(f, attr))
        return call

    env = Env(autoescape=True, undefined=jinja2.StrictUndefined, finalize=finalize)
    env.filters = {name: limited(f) for name, f in env.filters.items()}
    env.globals["range"] = counted_range
    env._compiled = {}
    env.budget = budget
    return env


_ENV = None


def template_path(template: str, templates: Path = TEMPLATES) -> Path:
    return Path(templates) / template


MAX_TEMPLATE_BYTES = 20_000_000


def _read(path: Path) -> bytes:
    """A template's bytes, by the one rule for files spso-xl reads (`tracker.kind.regular_file`: never a
    pipe or a device), and at most MAX_TEMPLATE_BYTES."""
    try:
        regular_file(path, "letter template")
    except InputError as e:
        raise TemplateProblem(str(e)) from None
    if (size := path.stat().st_size) > MAX_TEMPLATE_BYTES:
        raise TemplateProblem(f"the letter template {path.name} is {size:,} bytes, more than a letter template "
                              f"can be ({MAX_TEMPLATE_BYTES:,}): restore it from the repository")
    return path.read_bytes()


def _sha(path: Path) -> str:
    return hashlib.sha256(_read(path)).hexdigest()


def resolve_template(plan: LetterPlan, templates: Path = TEMPLATES) -> tuple[Path, str | None]:
    """The file a letter is filled from, and a note when the choice needs the user's attention.

    The folder's own template for the scale and level; but where the folder also holds an *edited*
    `levelN.docx` from an earlier version (SWF-numbered) and its own template is still as shipped, SWF
    letters use the edited one, saying so, and policy-scale letters do not (it numbers levels 1-6), saying
    that too: a manager's edits are never silently ignored.
    """
    folder = Path(templates)
    own, shipped = folder / plan.template, TEMPLATES / plan.template
    legacy = folder / f"level{scale_for(plan.context['function']).level(plan.level).template}.docx"
    if folder != TEMPLATES and legacy.exists() and _sha(legacy) not in LEGACY_SHIPPED and (
            not own.exists() or (shipped.exists() and _read(own) == _read(shipped))):
        if plan.template.startswith("swf-") and not plan.template.endswith("-chaser.docx"):
            return legacy, (f"written from your edited {legacy.name}, made for an earlier version of spso-xl; the "
                            f"current wording is in {own.name} beside it: copy your changes into that file, then "
                            f"delete {legacy.name}")
        return (own if own.exists() else shipped), (
            f"your edited {legacy.name} was not used: it was made for an earlier version of spso-xl, whose templates "
            f"were numbered on the SWF scale; this letter uses {own.name}: copy your changes into that file")
    return (own if own.exists() else shipped), None


_TEMPLATE_BYTES: dict[tuple, bytes] = {}  # (path, mtime, size) -> the file's bytes


def _load(path: Path):
    from docxtpl import DocxTemplate

    if not path.exists():
        raise TemplateProblem(f"the letter template {path} is missing: restore it from the repository "
                              f"(workbook/templates/make_templates.py rebuilds it)")
    st = path.stat()
    key = (str(path), st.st_mtime_ns, st.st_size)
    if key not in _TEMPLATE_BYTES:
        if len(_TEMPLATE_BYTES) > 32:
            _TEMPLATE_BYTES.clear()
        _TEMPLATE_BYTES[key] = _read(path)
    return DocxTemplate(io.BytesIO(_TEMPLATE_BYTES[key]))


def render_bytes(plan: LetterPlan, templates: Path = TEMPLATES, identifier: str | None = None) -> bytes:
    """The letter as .docx bytes; `identifier` (the document's dc:identifier) marks whose letter it is.
    Whatever goes wrong with the template (damaged, a field mistyped, a loop that never ends, a value too
    large) is a TemplateProblem naming it, so the batch goes on with the other letters."""
    import jinja2

    global _ENV
    _ENV = _ENV or _env()
    path = resolve_template(plan, templates)[0]
    _ENV.budget.start(RENDER_SECONDS, MAX_STEPS)
    try:
        tpl = _load(path)
        tpl.render(plan.context, jinja_env=_ENV, autoescape=True)
        strip_external(tpl.docx)
        if identifier:
            tpl.docx.core_properties.identifier = identifier
        buf = io.BytesIO()
        tpl.save(buf)
    except _Exceeded as e:
        raise TemplateProblem(f"the template {path.name} cannot be filled: {e}") from None
    except TemplateProblem:
        raise
    except jinja2.TemplateError as e:
        raise TemplateProblem(f"the template {path.name} cannot be filled: {e}. Check its fields against "
                              f"{Path(templates) / 'README.md'}") from None
    except (MemoryError, RecursionError) as e:
        raise TemplateProblem(f"the template {path.name} cannot be filled: it needs too much "
                              f"{'memory' if isinstance(e, MemoryError) else 'nesting'}: simplify it") from None
    except Exception as e:  # a damaged file: python-docx, lxml or zipfile says so in its own words
        raise TemplateProblem(f"the template {path.name} is damaged or not a Word document ({type(e).__name__}: "
                              f"{str(e)[:200]}): restore it from the repository, or open and save it in "
                              f"Word") from None
    return buf.getvalue()


HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_FETCHING_FIELDS = ("INCLUDEPICTURE", "INCLUDETEXT", "LINK", "DDE", "DDEAUTO", "IMPORT")


def strip_external(document) -> list[str]:
    """Remove from a letter what makes Word fetch something when it opens it: every relationship to an
    outside target except a hyperlink (an attached template on a remote share, a linked image, a linked
    object or frame), what referred to it (the attachedTemplate setting; a linked image keeps its place,
    without the link), and fields that include or link a file (INCLUDEPICTURE, INCLUDETEXT, LINK, DDE).
    The targets removed, for a test to see. A letter goes to a Chief Executive: it must not call home."""
    removed = []
    for part in document.part.package.iter_parts():
        gone = {rid for rid, rel in list(part.rels.items()) if rel.is_external and rel.reltype != HYPERLINK}
        for rid in gone:
            removed.append(part.rels[rid].target_ref)
            del part.rels[rid]
        root = getattr(part, "_element", None)
        if root is None:
            continue
        for el in list(root.iter()):
            for name, value in list(el.attrib.items()):
                if name.startswith(_R) and value in gone:
                    if el.tag == f"{_W}attachedTemplate":
                        el.getparent().remove(el)
                        break
                    del el.attrib[name]
            if el.tag == f"{_W}instrText" and (el.text or "").strip().upper().startswith(_FETCHING_FIELDS):
                removed.append(el.text.strip())
                el.text = ""
            elif el.tag == f"{_W}fldSimple" and el.get(f"{_W}instr", "").strip().upper().startswith(
                    _FETCHING_FIELDS):
                removed.append(el.get(f"{_W}instr").strip())
                el.set(f"{_W}instr", "")
    return removed


def copy_templates(folder: Path) -> None:
    """An editable copy of the letter templates beside the tracker; a manager's edits are never replaced
    (a template already there stays as it is; one the folder lacks is added)."""
    folder.mkdir(exist_ok=True)
    for source in sorted(TEMPLATES.glob("*-level*.docx")) + [TEMPLATES / "README.md"]:
        target = folder / source.name
        if source.exists() and not target.exists():
            shutil.copy2(source, target)


def templates_beside(folder: Path) -> Path:
    """templates_for, after adding to the tracker's own templates folder any template it lacks (a tracker
    made by an earlier version has levelN.docx only): the manager can then edit every letter in Word."""
    if (Path(folder) / "templates").is_dir():
        copy_templates(Path(folder) / "templates")
    return templates_for(folder)


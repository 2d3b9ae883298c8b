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
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from spso_xl.errors import TemplateProblem
from spso_xl.policy.tables import scale_for

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



def _env():
    """Sandboxed (a template cannot reach Python: whoever can edit the templates folder must not
    run code as whoever runs `letters`), autoescaping, strict (a mistyped field is an error, not a
    blank), and compiling each template part once: docxtpl calls from_string on every render."""
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    class Env(SandboxedEnvironment):
        def from_string(self, source, globals=None, template_class=None):
            key = source if globals is None else None
            if key is not None and key in self._compiled:
                return self._compiled[key]
            tpl = super().from_string(source, globals, template_class)
            if key is not None:
                self._compiled[key] = tpl
            return tpl

    env = Env(autoescape=True, undefined=jinja2.StrictUndefined)
    env._compiled = {}
    return env


_ENV = None


def template_path(template: str, templates: Path = TEMPLATES) -> Path:
    return Path(templates) / template


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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
            not own.exists() or (shipped.exists() and own.read_bytes() == shipped.read_bytes())):
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
        _TEMPLATE_BYTES[key] = path.read_bytes()
    return DocxTemplate(io.BytesIO(_TEMPLATE_BYTES[key]))


def render_bytes(plan: LetterPlan, templates: Path = TEMPLATES, identifier: str | None = None) -> bytes:
    """The letter as .docx bytes; `identifier` (the document's dc:identifier) marks whose letter it is."""
    import jinja2

    global _ENV
    _ENV = _ENV or _env()
    path = resolve_template(plan, templates)[0]
    tpl = _load(path)
    try:
        tpl.render(plan.context, jinja_env=_ENV, autoescape=True)
    except jinja2.TemplateError as e:
        raise TemplateProblem(f"the template {path.name} cannot be filled: {e}. Check its fields against "
                              f"{Path(templates) / 'README.md'}") from None
    if identifier:
        tpl.docx.core_properties.identifier = identifier
    buf = io.BytesIO()
    tpl.save(buf)
    return buf.getvalue()


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


"""Letters (DESIGN §10): the letter each S&I level requires, from the Word templates.

Three steps, so the command line and the xlwings button share everything but the I/O:
- `plan_letters(tracker, ...)`: per case, a `LetterPlan` (the template's context as a plain
  dict) or a `Refusal` naming exactly what to fill in, and where. Nothing is written.
- `render(plan, out_dir)`: a new .docx, published atomically; never overwrites (-v2, -v3 ...).
- `log_rows(plan, path)`: the `Letters` and `Actions` rows (dicts by header) that record it.
`write_letters(path, ...)` runs all three for the command line, logging once through safewrite;
`from_book(...)` for the Cases button, logging through the open workbook (Excel-safe rows).

Which level: a case's letter is for its `Level` (what is being done); a new issue with no
Level gets the recommended entry level. `due=True` picks the cases whose recommended level
is above their Level and is 2 or more, and writes the recommended level's letter, unless
`Letters` already logs one for that Ref and level; and the cases whose escalation to their
Level is logged in `Actions` with no letter since (recorded by the button or `spso-xl escalate`). Which template: one per level of the case's
own scale (`template_name`: swf-level1..6, policy-level1..5), and at level 1 the chaser for
overdue information (appendix row 1) or the feedback letter. What the letter says in sentences
(history, evidence, the reasons for the level) is `prose`'s; the templates hold the wording.

Respond-by: the case's Due, never a second date (DESIGN §10): the Due it has when the letter is
for its notified level, else the Due the letter's own date gives the level (its window, or the
manager's respond-by date at levels with no default). A chaser gives the chaser window.

Cell text is data, never template: docxtpl renders with autoescaping, and values are only
ever substituted, so `{{ }}`, `{% %}`, `=HYPERLINK(...)`, `&`, `<` and Gaelic names print as typed.
"""

from __future__ import annotations

import datetime as dt
import sys
import io
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd
from dateutil.relativedelta import relativedelta

from spso_xl.policy.cases import compute_cases
from spso_xl.policy.deadlines import due_date
from spso_xl.errors import InputError
from spso_xl.outputs.cell_text import Formula, neutralise
from spso_xl.policy.tables import scale_for, statutory_power
from spso_xl.letters.prose import long_date, number, sentence
from spso_xl.letters import prose
from spso_xl.safewrite import atomic_write, file_lock, refuse_if_open, WriteRefused
from spso_xl.tracker.edit import edit_tracker, Link, TrackerEdit
from spso_xl.tracker.read import ROW, Tracker, read_tracker
from spso_xl.policy.vocab import norm
from spso_xl.policy.settings import OFFICE_ROLES, signatory_key
from spso_xl.calendar.workdays import workday, working_days_after

_SOURCE_TEMPLATES = Path(__file__).resolve().parents[2] / "workbook" / "templates"  # a checkout
_INSTALLED_TEMPLATES = Path(sys.prefix) / "share" / "spso-xl" / "templates"  # a wheel's data-files
TEMPLATES = _SOURCE_TEMPLATES if _SOURCE_TEMPLATES.is_dir() else _INSTALLED_TEMPLATES


def templates_for(tracker_folder: Path) -> Path:
    """The templates a tracker's letters use: the editable copies `spso-xl new` put beside it, else the defaults."""
    local = Path(tracker_folder) / "templates"
    return local if local.is_dir() and any(local.glob("*level*.docx")) else TEMPLATES


MAX_STEM = 100
RESPOND_BY = "Respond by"  # the Cases column with the manager's respond-by date
LAST_CHASED = "Last chased"
# The subject of a letter: "an issue concerning <organisation>'s <this>", by Area, else by Function.
SUBJECTS = {"Complaint handling": "complaint handling",
            "SWF review handling": "handling of Scottish Welfare Fund applications and reviews",
            "Engagement with SPSO": "engagement with our office",
            "Whistleblowing handling": "handling of whistleblowing concerns"}
FUNCTION_SUBJECTS = {"SWF": "handling of Scottish Welfare Fund applications and reviews",
                     "Complaints": "complaint handling", "INWO": "handling of whistleblowing concerns"}
TEAMS = {"SWF": "Scottish Welfare Fund", "Complaints": "Complaints", "INWO": "INWO"}  # under a signatory's role
FUNCTION_NAMES = {"SWF": "Scottish Welfare Fund reviews", "Complaints": "complaint handling",
                  "INWO": "whistleblowing (INWO)"}
# Level-1 feedback "will ... make reference to relevant good practice guidance, examples, tools or training"
# (leaflet §3 level 1); policy para 8 names the standards each function is measured against.
GOOD_PRACTICE = {
    "SWF": ("the Scottish Government's Scottish Welfare Fund Statutory Guidance",
            "our information for decision makers on good decision-making, accessibility and quality assurance, and "
            "our case studies, searchable by outcome, keyword and subject, at {website}"),
    "Complaints": ("the Model Complaints Handling Procedure (CHP) that applies to your organisation",
                   "our good practice guidance on complaint handling, for example our Apology Guidance, and the "
                   "resources of our Complaints Standards Authority at www.valuingcomplaints.org.uk"),
    "INWO": ("the National Whistleblowing Standards",
             "the guidance and learning resources for organisations on our website, {website}"),
}
FINDINGS_TRIGGERS = ("Recurrent issue", "High uphold rate")  # triggers whose evidence is the findings themselves
CHASER_TRIGGERS = ("Information overdue", "No response after two requests")  # level 1 chases (appendix row 1)
OMBUDSMAN = "Scottish Public Services Ombudsman"

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


@dataclass(frozen=True)
class LetterPlan:
    """Everything one letter needs; `context` is what the template sees (see templates/README.md)."""

    ref: str
    row: int  # the case's Excel row on Cases
    level: int  # on the case's own scale
    template: str  # the template's file name (template_name)
    as_of: dt.date
    respond_by: dt.date | None
    stem: str  # sanitised file name, without version or suffix
    context: dict
    cells: dict = field(default_factory=dict)  # Cases header -> value the letter records on the case's row
    logs: list = field(default_factory=list)  # Actions rows recorded with it (the escalation it notifies)

    @property
    def chaser(self) -> bool:
        return self.template.endswith("-chaser.docx")


@dataclass(frozen=True)
class Refusal:
    """A letter not written, and why; `blocking` is False when nothing needs fixing (e.g. already written)."""

    ref: str
    row: int | None
    reasons: tuple[str, ...]
    blocking: bool = True

    def __str__(self):
        where = f" (Cases row {self.row})" if self.row else ""
        return f"{self.ref}{where}: " + "; ".join(self.reasons)


@dataclass
class Written:
    plan: LetterPlan
    docx: Path
    pdf: Path | None = None
    note: str | None = None  # e.g. that an edited template from an earlier version was used
    recovered: bool = False  # written by an earlier run that stopped before logging it: logged now


@dataclass
class LettersResult:
    written: list[Written] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    backup: Path | None = None  # the tracker's backup taken before logging
    pdf_error: str | None = None


class TemplateProblem(RuntimeError):
    """A template that cannot be rendered (a mistyped field, a broken tag): says which and how to fix."""


# --- small helpers ------------------------------------------------------------------------

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value) -> str:
    """Cell text for a letter: '' for blanks; characters XML cannot hold (and docxtpl's \\a, \\f) dropped."""
    if value is None or value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _XML_BAD.sub("", str(value).replace("\r\n", "\n").replace("\r", "\n")).strip()


def _day(value) -> dt.date | None:
    if value is None or pd.isna(value):
        return None
    return value.date() if isinstance(value, (dt.datetime, pd.Timestamp)) else value


def weekday_date(d: dt.date) -> str:
    """'Friday 4 December 2026', as a respond-by date is written."""
    return f"{d:%A} {d.day} {d:%B %Y}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}


def safe_stem(text: str) -> str:
    """A file name stem from any text: letters, digits, space, - _ . kept, the rest '_'; never
    a path (no separators, no leading dot), never a Windows device name, at most MAX_STEM long."""
    text = unicodedata.normalize("NFC", text)
    stem = "".join(c if c.isalnum() or c in " -_." else "_" for c in text)
    stem = " ".join(stem.split()).lstrip(". ").rstrip(". ")[:MAX_STEM].rstrip(". ")
    if not stem or stem.split(".")[0].upper() in _RESERVED:
        stem = "_" + stem
    return stem


MAX_REF_IN_NAME = 60  # a letter's file name keeps its level and date whatever the Ref's length


def letter_stem(ref: str, level: int, as_of: dt.date) -> str:
    """'<Ref> L<level> <yyyy-mm-dd>': the Ref in a safe form, cut so that the rest survives."""
    ref = re.sub(r"^[.\s]+", lambda m: "_" * len(m.group().strip()), ref)  # '..' stays visible as '__'
    short = safe_stem(ref)[:MAX_REF_IN_NAME].rstrip(". ") or "_"
    return f"{short} L{level} {as_of:%Y-%m-%d}"


def letters_dir(settings, base: Path | None) -> Path:
    """The Settings letters folder; a relative one is in `base`, the tracker's folder.

    A folder outside the tracker's folder is used only if it exists: creating it is how a user
    confirms it (the Settings note says so). spso-xl creates folders inside the tracker's only."""
    folder = Path(str(settings.letters_folder or "letters")).expanduser()
    if base is None:
        return folder
    folder = folder if folder.is_absolute() else Path(base) / folder
    root = Path(base).resolve()
    inside = folder.resolve() == root or root in folder.resolve().parents
    if not inside and not folder.is_dir():
        raise InputError("FOLDER", f"the Settings letters folder {folder} is outside the tracker's folder and does not "
                                   f"exist: create it first if letters should go there, or name a folder inside "
                                   f"{root}; no letter was written", str(folder))
    return folder


# --- planning -----------------------------------------------------------------------------


def plan_letters(tracker: Tracker, refs: Iterable[str] | None = None, due: bool = False,
                 as_of: dt.date | None = None) -> list[LetterPlan | Refusal]:
    """The letters to write for the named cases (`refs`) and/or every case with a letter `due`."""
    refs = [r for r in (refs or ()) if _text(r)]
    if not refs and not due:
        raise ValueError("name the cases (refs) or ask for the letters due")
    tracker.require("Cases")
    return _Planner(tracker, as_of or dt.date.today()).plan(refs, due)


class _Planner:
    """Indexes the tracker once (cases by ref, organisations, actions, findings, letters logged)."""

    def __init__(self, tracker: Tracker, as_of: dt.date):
        self.t, self.as_of, self.settings = tracker, as_of, tracker.settings
        cases = tracker.cases
        self.bad: dict[int, list[str]] = {}
        for p in tracker.problems:
            if p.sheet == "Cases" and p.row:
                self.bad.setdefault(p.row, []).append(f"{p.where}: {p.message}")
        good = cases[~cases[ROW].isin(list(self.bad))]
        self.computed = compute_cases(good, as_of, tracker.settings, tracker.calendar) if len(good) else None
        self.by_ref = {}
        for i, ref in zip(cases.index, tracker.raw["Cases"]["Ref"]):
            if _text(ref):
                self.by_ref.setdefault(norm(_text(ref)), i)
        self.orgs = {}
        for rec in tracker.parsed["Organisations"].to_dict("records"):
            if _text(rec.get("Organisation")):
                self.orgs.setdefault(norm(rec["Organisation"]), rec)
        self.setting_rows = {norm(k): int(r) for k, r in zip(tracker.raw["Settings"]["Setting"],
                                                            tracker.raw["Settings"][ROW]) if _text(k)}
        self.actions: dict[str, list[dict]] = {}
        for rec in tracker.parsed["Actions"].sort_values("Date", kind="stable").to_dict("records"):
            if _text(rec.get("Ref")):
                self.actions.setdefault(norm(rec["Ref"]), []).append(rec)
        # Findings indexed once: by case ref (cited in Evidence) and by (organisation, function) for upheld ones
        self.findings_by_ref: dict[str, list[dict]] = {}
        self.upheld_by_org: dict[tuple[str, str], list[dict]] = {}
        for f in tracker.parsed["Findings"].to_dict("records"):
            if not (ref := _text(f.get("Case ref"))):
                continue
            self.findings_by_ref.setdefault(ref.casefold(), []).append(f)
            if _text(f["Outcome"]) == "Upheld":
                key = (norm(_text(f["Organisation"])), _text(f["Function"]) or "SWF")
                self.upheld_by_org.setdefault(key, []).append(f)
        self.logged = {(norm(_text(r["Ref"])), r["Level"]) for r in tracker.parsed["Letters"].to_dict("records")
                       if _text(r.get("Ref"))}

    def plan(self, refs: list[str], due: bool) -> list[LetterPlan | Refusal]:
        cases = self.t.cases
        if refs:
            chosen = []
            for ref in dict.fromkeys(_text(r) for r in refs):
                i = self.by_ref.get(norm(ref))
                chosen.append(i if i is not None else Refusal(ref, None, (f"no case with Ref '{ref}' on the Cases sheet",)))
        else:
            chosen = list(cases.index)
        out = []
        for i in chosen:
            if isinstance(i, Refusal):
                out.append(i)
                continue
            case = cases.loc[i]
            ref, row = _text(self.t.raw["Cases"].at[i, "Ref"]), int(case[ROW])
            if row in self.bad:
                out.append(Refusal(ref, row, tuple(self.bad[row]) + (f"fix {'that cell' if len(self.bad[row]) == 1 else 'those cells'} first "
                                                                   f"(spso-xl check lists every problem)",)))
                continue
            level = self._level(i, case, ref, row, due, explicit=bool(refs))
            if isinstance(level, int):
                out.append(self._plan(i, case, ref, row, level))
            elif level is not None:
                out.append(level)
        return out

    def _level(self, i, case, ref, row, due, explicit):
        """The level whose letter to write, a Refusal, or None (not due, say nothing)."""
        current = case["Level"] if _text(case["Level"]) else None
        rec = self.computed.at[i, "Recommended level"]
        rec = int(rec) if _text(rec) else 0
        if _day(case["Closed"]):
            return Refusal(ref, row, (f"the case is closed (Cases!Closed row {row}): no letter is written",)) \
                if explicit else None
        if due:
            if current and current >= 2 and rec <= current and self._escalated_unwritten(ref, current):
                return int(current)
            if rec < 2 or rec <= (current or 0):
                return Refusal(ref, row, (f"no letter due: {self.computed.at[i, 'Reason']}",), blocking=False) \
                    if explicit else None
            if (norm(ref), rec) in self.logged:
                return Refusal(ref, row, (f"a level {rec} letter is already logged on the Letters sheet: name the "
                                          f"case to write another",), blocking=False)
            return rec
        if current:
            return int(current)
        if rec:
            return rec
        return Refusal(ref, row, (f"Cases!Level row {row} is blank and no S&I action is recommended "
                                  f"({self.computed.at[i, 'Reason']})",))

    def _escalated_unwritten(self, ref, level) -> bool:
        """An escalation to `level` is logged in Actions (the Record escalation button, `spso-xl escalate`)
        and no letter at that level since: the letter that notifies it is due."""
        acts = [a for a in self.actions.get(norm(ref), []) if (d := _day(a["Date"])) and d <= self.as_of
                and _text(a["Level"]) == str(level)]
        escalated = [_day(a["Date"]) for a in acts if _text(a["Action"]) == "Escalation"]
        if not escalated or (norm(ref), level) in self.logged:
            return False
        return not any(_text(a["Action"]) == "Letter" and _day(a["Date"]) >= max(escalated) for a in acts)

    def _plan(self, i, case, ref, row, level) -> LetterPlan | Refusal:
        s, as_of, missing = self.settings, self.as_of, []
        function = _text(case["Function"]) or None
        fn = function or "SWF"
        scale = scale_for(function)
        lvl = scale.level(level)
        trigger = _text(case["Trigger"])
        org_name = _text(case["Organisation"])
        if not _text(case["Description"]):
            missing.append(f"Cases!Description for '{ref}' is blank (row {row}): describe the issue (the letter "
                           f"must identify it clearly)")

        org = self.orgs.get(norm(org_name))
        recipient = title = ""
        address: list[str] = []
        to_chief = lvl.template >= 3  # leaflet §3: levels 3 and up are written to the Chief Executive
        if org is None:
            missing.append(f"Organisations has no row for '{org_name}': add it with its recipient and address")
        else:
            orow = int(org[ROW])
            column = "Chief executive" if to_chief else "Recipient name"
            recipient = _text(org[column])
            title = "Chief Executive" if to_chief else _text(org["Recipient title"])
            if not recipient:
                missing.append(f"Organisations!{column} for '{org_name}' is blank (row {orow}): a level {level} "
                               f"letter goes to {lvl.written_to}")
            address = [x.strip(" ,") for x in re.split(r"\n|,", _text(org["Address"])) if x.strip(" ,")]
            postcode = _text(org["Postcode"])
            if not address:
                missing.append(f"Organisations!Address for '{org_name}' is blank (row {orow}): the letter needs "
                               f"a postal address")
            if postcode and norm(postcode) not in norm(" ".join(address)):
                address.append(postcode)

        role = lvl.contact_from
        signatory = _text(s.signatory(role, function))
        if not signatory:
            key = signatory_key(role, function)
            srow = self.setting_rows.get(norm(key))
            where = f"Settings!Value for '{key}' is blank (row {srow})" if srow else f"Settings has no '{key}' row"
            missing.append(f"{where}: enter the name and title that sign {fn} level {level} letters")
        name, _, sig_title = (x.strip() for x in signatory.partition(","))
        signatory_lines = [sig_title or (role if role in OFFICE_ROLES else f"{role}, {TEAMS[fn]}")]
        if "ombudsman" not in signatory_lines[0].casefold():
            signatory_lines.append(OMBUDSMAN)

        chaser = level == 1 and trigger in CHASER_TRIGGERS
        respond_by, days, due = self._respond_by(i, case, ref, row, level, function, chaser, missing)

        earlier, actions = self._history(case, ref, scale)
        so_far = list(earlier)
        shows_history = "history" in lvl.elements
        if shows_history and not earlier:
            if trigger == "Intentional non-compliance" or (trigger == "Risk of harm" and case["Significant"] is True):
                so_far.append("This is the first action we have taken on this issue: because it is a serious failure, "
                              "paragraph 12 of our Support and Intervention Policy allows action at this level as a "
                              "first step.")
            else:
                missing.append(f"Actions has no entry for '{ref}' and Cases!Date notified is blank (row {row}): log "
                               f"the earlier contacts in Actions (a level {level} letter says how we have tried to "
                               f"resolve the matter)")
        recorded = next((a["notes"] for a in reversed(actions) if a["action"] == "Escalation"
                         and a["level"] == str(level)), None)
        current_reason = _text(self.computed.at[i, "Reason"])
        decided = prose.decision(level, recorded, current_reason)
        not_succeeded = decided[0] if decided else self._not_succeeded(i, case)
        if earlier:  # an escalation cleared the row's response and flags: its recorded reason says why
            so_far.append(sentence(f"This has not resolved the matter: {decided[0]}") if decided else
                          " ".join(["This has not resolved the matter.", *map(sentence, self._why(i, case))]))
        findings = self._findings(case, org_name, function)
        evidence = prose.evidence(_text(case["Evidence"]), [] if chaser else findings, function)
        if not shows_history and not chaser:
            evidence += earlier
        if not evidence and not chaser:
            missing.append(f"Cases!Evidence for '{ref}' is blank (row {row}) and no Findings are cited: give the "
                           f"case references and dates the concern rests on")
        if missing:
            return Refusal(ref, row, tuple(missing))

        phone, website = s.contact(function)
        reasons = prose.reasons(level, scale, recorded, current_reason, self._why(i, case) if earlier else None,
                                "I am" if role == "Ombudsman" else "We are")
        nxt = scale.level(level + 1) if level < scale.top else None
        area = _text(case["Area"])
        lines = [recipient, title, org_name, *address]
        chasers = int(case["Chasers"]) if _text(case["Chasers"]) else 0
        chase_facts = ([f"It was due by {long_date(due)}." if due and due <= as_of else ""]
                       + [f"We have already sent {number(chasers, 'reminder')}." if chasers else ""])
        context = {
            "ref": ref, "date": long_date(as_of), "level": level, "level_name": lvl.name,
            "scale_levels": scale.top, "function": fn, "function_name": FUNCTION_NAMES[fn], "area": area,
            "about": f"{org_name}'s {SUBJECTS.get(area) or FUNCTION_SUBJECTS[fn]}",
            "trigger": trigger, "description": sentence(_text(case["Description"])), "evidence": evidence,
            "findings": findings, "history": earlier, "so_far": so_far, "actions": actions,
            "not_succeeded": not_succeeded, "reasons": reasons,
            "power": statutory_power(trigger, area or None, function).does,
            "good_practice": [sentence(g.format(website=website)).rstrip(".") for g in GOOD_PRACTICE[fn]],
            "chase_facts": [x for x in chase_facts if x] or ["We have not received it within the timescale we gave."],
            "organisation": org_name, "recipient_name": recipient, "recipient_title": title,
            "recipient_lines": [x for x in lines if x], "address_lines": address,
            "signatory": signatory, "signatory_name": name, "signatory_lines": signatory_lines,
            "signatory_role": role, "our_address": _text(s.our_address), "phone": phone, "website": website,
            "respond_by": weekday_date(respond_by), "respond_by_text": f"by {weekday_date(respond_by)}",
            "response_days": days or "",
            "due": long_date(due) if due else "",
            "days_overdue": int(self.computed.at[i, "Working days overdue"]),
            "next_level": nxt.number if nxt else "", "next_level_name": nxt.name if nxt else "",
            "next_contact_from": nxt.contact_from if nxt else "",
            "support_url": "https://" + website.removeprefix("https://").removeprefix("http://"),
        }
        return LetterPlan(ref, row, level, template_name(scale.name, level, chaser), as_of, respond_by,
                          letter_stem(ref, level, as_of), context,
                          *self._records(case, ref, level, chaser, respond_by, chasers))

    def _records(self, case, ref, level, chaser, respond_by, chasers) -> tuple[dict, list[dict]]:
        """What the letter changes on its row, and the Actions lines it logs before its own, so that Level,
        Due, Status, the log and the letter agree (DESIGN §10).

        A letter for a level above the case's (what `--due` writes) records that escalation as the Record
        escalation button does (`record.escalations`: the level, notified today, the reason logged). A letter
        to a case not yet notified is the notification: Date notified (and Level) become the letter's; a
        chaser that notifies fixes its short window as the respond-by date. A chaser to a notified case
        counts as a chaser (DESIGN §5).
        """
        current = int(case["Level"]) if _text(case["Level"]) else 0
        if level > current and level >= 2:
            from spso_xl.tracker.chase_escalate import NotRecorded, escalations

            try:
                [change] = escalations(self.t, [ref], self.as_of)
            except NotRecorded:
                change = None
            if change is not None and change.cells.get("Level") == level:
                return dict(change.cells), [change.log]
        if _day(case["Date notified"]) is None and current in (0, level):
            out = {"Level": level, "Date notified": self.as_of}
            if chaser:
                out[RESPOND_BY] = respond_by
            return out, []
        if chaser:
            return {"Chasers": chasers + 1, **({LAST_CHASED: self.as_of} if ("Cases", LAST_CHASED) not in self.t.absent
                                               else {})}, []
        return {}, []

    def _respond_by(self, i, case, ref, row, level, function, chaser, missing):
        """(respond-by date, working days given or None, the case's Due) for the letter.

        A chaser gives the chaser window from the letter's date (appendix row 1). Any other letter asks for
        the row's Due: the current one when the letter is for the case's notified level, else the Due the
        letter itself sets (the letter's date + the level's window, or the manager's respond-by date).
        """
        s, as_of = self.settings, self.as_of
        current = int(case["Level"]) if _text(case["Level"]) else None
        notified = _day(case["Date notified"])
        due = _day(self.computed.at[i, "Due"])
        if chaser:
            days = getattr(s, "chaser_days", 5)
            return workday(as_of, days, self.t.calendar), days, due
        agreed = _day(case[RESPOND_BY])
        if level == current and notified:
            respond_by = due
        else:  # this letter notifies the level: Due counts from its date (and escalation clears Respond by)
            respond_by = due_date(as_of, level, case["Urgent"], agreed if level == current else None,
                                  function, case["Trigger"], s, self.t.calendar)
        if respond_by is None:
            then = ("enter the date the organisation is to respond by" if level == current else
                    f"record the escalation to level {level} (the Record escalation button, or spso-xl escalate), "
                    f"enter the date the organisation is to respond by in Cases!{RESPOND_BY}, then write the letter")
            missing.append(f"Cases!{RESPOND_BY} for '{ref}' is blank (row {row}): a level {level} letter must set a "
                           f"timeframe, and at this level there is no default (leaflet §3: it depends on the "
                           f"circumstances); {then}")
        elif respond_by <= as_of:
            missing.append(f"Cases!Due for '{ref}' is {long_date(respond_by)} (row {row}), not after the letter's date: "
                           f"record the escalation the case is due, or give a new date in Cases!{RESPOND_BY}")
            respond_by = None
        days = working_days_after(as_of, respond_by, self.t.calendar) if respond_by and not agreed else None
        return respond_by or as_of, days, due if level == current else respond_by

    def _history(self, case, ref, scale) -> tuple[list[str], list[dict]]:
        """Earlier contacts as sentences, oldest first, from Actions (else the case's Date notified), and as records."""
        rows = [a for a in self.actions.get(norm(ref), []) if (d := _day(a["Date"])) and d <= self.as_of]
        records = [{"date": long_date(_day(a["Date"])), "level": _text(a["Level"]), "action": _text(a["Action"]),
                    "by": _text(a["By"]), "notes": _text(a["Notes"])} for a in rows]
        resolved = case["Resolved"] if isinstance(case["Resolved"], bool) else None
        lines = prose.history(rows, scale, self.as_of, resolved)
        notified = _day(case["Date notified"])
        if not lines and notified and notified <= self.as_of:
            at = f" at level {int(case['Level'])} of our Support and Intervention Policy" if _text(case["Level"]) else ""
            lines.append(f"On {long_date(notified)} we notified your organisation of this issue{at}.")
        return lines, records

    def _findings(self, case, org_name, function) -> list[dict]:
        """Findings the Evidence cell cites by case ref; for findings-based triggers with none cited,
        the organisation's upheld findings within the recurrence window."""
        tokens = {t.strip(".-").casefold() for t in re.findall(r"[\w/.\-]+", _text(case["Evidence"]))}
        chosen = [f for t in sorted(tokens) for f in self.findings_by_ref.get(t, ())]
        if not chosen and _text(case["Trigger"]) in FINDINGS_TRIGGERS:
            start = self.as_of - relativedelta(months=self.settings.recurrence_months)
            chosen = [f for f in self.upheld_by_org.get((norm(org_name), function or "SWF"), ())
                      if (d := _day(f["Decision date"])) and start < d <= self.as_of]
        chosen.sort(key=lambda f: _day(f["Decision date"]) or dt.date.min)
        return [{"case_ref": _text(f["Case ref"]), "organisation": _text(f["Organisation"]),
                 "decision_date": long_date(d) if (d := _day(f["Decision date"])) else "",
                 "outcome": _text(f["Outcome"]), "theme": _text(f["Theme"])} for f in chosen]

    def _not_succeeded(self, i, case) -> str:
        """Why earlier action has not worked, as one clause (leaflet §3 level 4)."""
        return "; ".join(self._why(i, case)) or "the issue remains unresolved"

    def _why(self, i, case) -> list[str]:
        """Why earlier action has not worked, a clause per reason."""
        why = []
        if case["Refused"] is True:
            why.append("your organisation has refused to comply")
        received, due = _day(case["Response received"]), _day(self.computed.at[i, "Due"])
        overdue = int(self.computed.at[i, "Working days overdue"])
        chasers = int(case["Chasers"]) if _text(case["Chasers"]) else 0
        if received is None:
            text = "we have not received a response"
            if due and overdue:
                text += f", which was due on {long_date(due)} and is now {number(overdue, 'working day')} overdue"
            if chasers:
                text += f", despite {number(chasers, 'reminder')}"
            why.append(text)
        elif case["Resolved"] is False:
            why.append(f"the response we received on {long_date(received)} did not resolve the issue")
        if case["Recurred"] is True:
            why.append("the issue has recurred")
        return why


# --- rendering ----------------------------------------------------------------------------

_TEMPLATE_BYTES: dict[tuple, bytes] = {}


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
    import hashlib

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


def render_bytes(plan: LetterPlan, templates: Path = TEMPLATES) -> bytes:
    """The letter as .docx bytes."""
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
    buf = io.BytesIO()
    tpl.save(buf)
    return buf.getvalue()


def publish(data: bytes, out_dir: Path, stem: str, suffix: str) -> Path:
    """Write `data` as out_dir/stem.suffix, or -v2, -v3 ... if taken; never replaces a file."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    root = out_dir.resolve()
    stem = safe_stem(stem)
    for n in count(1):
        path = out_dir / f"{stem}{f'-v{n}' if n > 1 else ''}{suffix}"
        if path.resolve().parent != root:
            raise ValueError(f"refusing to write {path}: outside the letters folder {out_dir}")
        try:
            return atomic_write(path, lambda tmp: tmp.write_bytes(data), overwrite=False)
        except FileExistsError:
            if n >= 999:
                raise


def render(plan: LetterPlan, out_dir: Path, templates: Path = TEMPLATES) -> Path:
    """Render the plan's letter into `out_dir` (created if needed); the new file's path."""
    return publish(render_bytes(plan, templates), out_dir, plan.stem, ".docx")


def pdf_copies(docxs: list[Path], out_dir: Path, timeout: float = 600) -> list[Path]:
    """PDF copies of letters with LibreOffice headless, in one run; never overwriting."""
    import subprocess  # here, not at the top: the xlwings Lite path (Pyodide) never starts a process

    from spso_xl.outputs.libreoffice import soffice

    exe = soffice()
    if exe is None:
        raise RuntimeError("LibreOffice is not installed, so no PDF copies were made (install libreoffice-writer)")
    with tempfile.TemporaryDirectory(prefix=".pdf-", dir=out_dir) as tmp, \
            tempfile.TemporaryDirectory(prefix="spso-lo-") as profile:
        try:
            proc = subprocess.run(
                [exe, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
                 "--convert-to", "pdf", "--outdir", tmp, *map(str, docxs)],
                capture_output=True, text=True, timeout=timeout, env={**os.environ, "HOME": profile})
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"LibreOffice took longer than {timeout:.0f} s, so no PDF copies were made") from None
        out = []
        for d in docxs:
            made = Path(tmp) / f"{d.stem}.pdf"
            if not made.exists():
                raise RuntimeError(f"LibreOffice could not convert {d.name}: "
                                   f"{proc.stderr.strip() or proc.stdout.strip() or 'no output'}")
            out.append(publish(made.read_bytes(), out_dir, d.stem, ".pdf"))
    return out


# --- logging --------------------------------------------------------------------------------

LINK_COLUMNS = {"Letters": "File", "Actions": "Document"}


def link_text(path: Path, base: Path | None) -> str:
    """The letter's path as the log shows it: relative to the tracker's folder when possible."""
    if base is not None:
        try:
            return Path(os.path.relpath(Path(path).resolve(), Path(base).resolve())).as_posix()
        except ValueError:  # another drive (Windows)
            pass
    return str(Path(path).resolve())


def log_rows(plan: LetterPlan, path: Path, base: Path | None = None) -> dict[str, list[dict]]:
    """The Letters and Actions rows recording a letter (by header). `base` is the tracker's
    folder, which relative links start from. Shells must write text as text: a value such as
    '=HYPERLINK(...)' in a Ref is data (`log_edit` and the writer keep it text)."""
    c = plan.context
    file = link_text(path, base)
    recipient = ", ".join(x for x in (c["recipient_name"], c["recipient_title"]) if x)
    return {
        "Letters": [{"Date": plan.as_of, "Ref": plan.ref, "Level": plan.level, "Organisation": c["organisation"],
                     "Recipient": recipient, "Signed by": c["signatory_name"], "Respond by": plan.respond_by,
                     "File": file}],
        "Actions": [*plan.logs, {"Date": plan.as_of, "Ref": plan.ref, "Level": plan.level,
                     "Action": "Chaser" if plan.chaser and "Chasers" in plan.cells else "Letter",
                     "By": c["signatory_name"],
                     "Notes": f"Level {plan.level} letter to {recipient}, {c['organisation']}; "
                              f"respond {c['respond_by_text']}",
                     "Document": file}],
    }


def log_edit(rows: dict[str, list[dict]]) -> TrackerEdit:
    """The tracker edit that appends log rows: the file columns become hyperlinks (text stays text:
    the writer never turns a value into a formula)."""
    return TrackerEdit(append={table: [{k: Link(v) if k == LINK_COLUMNS.get(table) and v else v
                                        for k, v in record.items()} for record in records]
                               for table, records in rows.items() if records})


def case_cells(plans: Iterable[LetterPlan], tracker: Tracker) -> dict[tuple[str, int, str], object]:
    """What the letters record on their cases' rows, as TrackerEdit.cells (by the headers the file has)."""
    return {("Cases", p.row, tracker.header("Cases", header)): value for p in plans for header, value in p.cells.items()}


def copy_templates(folder: Path) -> None:
    """An editable copy of the letter templates beside the tracker; a manager's edits are never replaced
    (a template already there stays as it is; one the folder lacks is added)."""
    import shutil

    folder.mkdir(exist_ok=True)
    for source in sorted(TEMPLATES.glob("*-level*.docx")) + [TEMPLATES / "README.md"]:
        target = folder / source.name
        if source.exists() and not target.exists():
            shutil.copy2(source, target)


def _templates_beside(folder: Path) -> Path:
    """templates_for, after adding to the tracker's own templates folder any template it lacks (a tracker
    made by an earlier version has levelN.docx only): the manager can then edit every letter in Word."""
    if (Path(folder) / "templates").is_dir():
        copy_templates(Path(folder) / "templates")
    return templates_for(folder)


# --- the command line's one call ------------------------------------------------------------


def write_letters(path, refs: Iterable[str] | None = None, due: bool = False, as_of: dt.date | None = None,
                  pdf: bool = False, progress: Callable[[list], Iterable] | None = None,
                  out_dir: Path | None = None, templates: Path | None = None) -> LettersResult:
    """Read the tracker, plan, render and log every letter (one safe write), then PDFs if asked.

    `progress(list)` wraps the rendering loop (e.g. rich.progress.track). A tracker open in
    Excel is refused before any letter is written.
    """
    path = Path(path)
    refuse_if_open(path)
    with file_lock(Path(os.path.realpath(path)), "letters",
                   f"another 'spso-xl letters' is running on {path.name}: wait for it to finish (each letter is "
                   f"written once). Nothing was written."):
        return _write_letters(path, refs, due, as_of, pdf, progress, out_dir, templates)


def _write_letters(path: Path, refs, due, as_of, pdf, progress, out_dir, templates) -> LettersResult:
    templates = templates or _templates_beside(path.parent)
    tracker = read_tracker(path)
    plans = plan_letters(tracker, refs, due, as_of)
    out_dir = Path(out_dir) if out_dir else letters_dir(tracker.settings, path.parent)
    result = LettersResult(refused=[p for p in plans if isinstance(p, Refusal)])
    todo = [p for p in plans if isinstance(p, LetterPlan)]
    logged = _logged_files(tracker, path.parent)
    try:
        for plan in (progress(todo) if progress and todo else todo):
            if found := unlogged_letter(plan, out_dir, logged):
                result.written.append(Written(plan, found, recovered=True))
                continue
            try:
                result.written.append(Written(plan, render(plan, out_dir, templates),
                                              note=resolve_template(plan, templates)[1]))
            except TemplateProblem as e:
                result.refused.append(Refusal(plan.ref, plan.row, (str(e),)))
    finally:
        if result.written:
            rows = {"Letters": [], "Actions": []}
            for w in result.written:
                for table, records in log_rows(w.plan, w.docx, path.parent).items():
                    rows[table] += records
            edit = log_edit(rows)
            edit.cells.update(case_cells((w.plan for w in result.written), tracker))
            try:
                result.backup = edit_tracker(path, edit, as_of)
            except WriteRefused as e:
                names = ", ".join(w.docx.name for w in result.written)
                raise WriteRefused(f"{e} The letters were written but not logged: {names}") from None
    if pdf and result.written:
        try:
            for w, p in zip(result.written, pdf_copies([w.docx for w in result.written], out_dir)):
                w.pdf = p
        except (RuntimeError, OSError) as e:
            result.pdf_error = str(e)
    return result


def _logged_files(tracker: Tracker, base: Path) -> set[Path]:
    """The letter files the Letters log names, resolved."""
    out = set()
    for f in tracker.raw["Letters"]["File"]:
        if isinstance(f, str) and f.strip():
            p = Path(f.strip())
            out.add((p if p.is_absolute() else Path(base) / p).resolve())
    return out


def unlogged_letter(plan: LetterPlan, out_dir: Path, logged: set[Path]) -> Path | None:
    """This plan's letter already on disk but not in the log (a run stopped between writing and logging
    it): it is logged, not written again (never a -v2 of a letter nobody has seen in the log)."""
    for n in count(1):
        p = Path(out_dir) / f"{safe_stem(plan.stem)}{f'-v{n}' if n > 1 else ''}.docx"
        if not p.exists():
            return None
        if p.resolve() not in logged:
            return p


# --- the Cases button's one call ----------------------------------------------------------------


def excel_row(record: dict, table: str) -> dict:
    """A log row for writing through Excel (xlwings): text that Excel would take for a formula gets
    Excel's text prefix ('), and the file column becomes a HYPERLINK formula."""
    out = {k: neutralise(v) for k, v in record.items()}
    link = LINK_COLUMNS.get(table)
    if record.get(link):
        target = record[link].replace('"', '""')  # file names have no quotes (safe_stem); a folder might
        out[link] = Formula(f'=HYPERLINK("{target}","{Path(record[link]).name}")')
    return out


def from_book(tracker: Tracker, refs: Iterable[str], as_of: dt.date, folder: Path,
              append: Callable[[str, list[dict]], None],
              set_cell: Callable[[int, str, object], None] | None = None) -> str:
    """Letters for the selected cases of an open workbook (`folder` is the workbook's folder),
    logged through `append(table, rows)`, and what each records on its case's row through
    `set_cell(excel_row, header, value)`; the message for the user."""
    plans = plan_letters(tracker, refs, as_of=as_of)
    out_dir = letters_dir(tracker.settings, folder)
    refused = [p for p in plans if isinstance(p, Refusal)]
    written, notes, rows = [], [], {"Letters": [], "Actions": []}
    templates = _templates_beside(folder)
    for plan in (p for p in plans if isinstance(p, LetterPlan)):
        try:
            path = render(plan, out_dir, templates)
        except TemplateProblem as e:
            refused.append(Refusal(plan.ref, plan.row, (str(e),)))
            continue
        written.append(path)
        for header, value in plan.cells.items():
            if set_cell is not None:
                set_cell(plan.row, header, value)
        if note := resolve_template(plan, templates)[1]:
            notes.append(f"  {path.name}: {note}")
        for table, records in log_rows(plan, path, folder).items():
            rows[table] += [excel_row(r, table) for r in records]
    for table, records in rows.items():
        if records:
            append(table, records)
    if written:
        lines = [f"Wrote {_plural(len(written), 'letter')} to {out_dir}, logged in Letters and Actions:",
                 *(f"  {p.name}" for p in written), *(["Note:", *notes] if notes else []),
                 *(["Not written:"] if refused else [])]
    else:
        lines = ["No letter was written:" if refused else "No letter was written."]
    return "\n".join(lines + [f"  {r}" for r in refused])

"""Planning letters (DESIGN §10): which letter each case needs, and everything it will say.

`plan_letters(tracker, ...)` gives, per case, a `LetterPlan` (the template's context as a plain
dict) or a `Refusal` naming exactly what to fill in, and where. Nothing is written here:
`letters.publish` renders and records the plans (`letters.templates` fills the Word templates).

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
import re
from dataclasses import dataclass, field
from typing import Iterable

import pandas as pd
from dateutil.relativedelta import relativedelta

from spso_xl.calendar.dates import day
from spso_xl.calendar.workdays import workday, working_days_after
from spso_xl.errors import NotRecorded
from spso_xl.letters import prose
from spso_xl.letters.files import letter_stem
from spso_xl.letters.prose import long_date, number, sentence
from spso_xl.letters.templates import template_name
from spso_xl.policy.cases import compute_cases
from spso_xl.policy.deadlines import due_date
from spso_xl.policy.settings import OFFICE_ROLES, signatory_key
from spso_xl.policy.tables import (
    DEFAULT_FUNCTION,
    FUNCTION_NAMES,
    FUNCTION_SUBJECTS,
    GOOD_PRACTICE,
    RECORD_KINDS,
    SUBJECTS,
    TEAMS,
    scale_for,
    statutory_power,
)
from spso_xl.policy.vocab import norm
from spso_xl.tracker.chase_escalate import escalations
from spso_xl.tracker.read import ROW, Tracker

RESPOND_BY = "Respond by"  # the Cases column with the manager's respond-by date
LAST_CHASED = "Last chased"
FINDINGS_TRIGGERS = ("Recurrent issue", "High uphold rate")  # triggers whose evidence is the findings themselves
CHASER_TRIGGERS = ("Information overdue", "No response after two requests")  # level 1 chases (appendix row 1)
OMBUDSMAN = "Scottish Public Services Ombudsman"


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


# --- small helpers ------------------------------------------------------------------------

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value) -> str:
    """Cell text for a letter: '' for blanks; characters XML cannot hold (and docxtpl's \\a, \\f) dropped."""
    if value is None or value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _XML_BAD.sub("", str(value).replace("\r\n", "\n").replace("\r", "\n")).strip()


def weekday_date(d: dt.date) -> str:
    """'Friday 4 December 2026', as a respond-by date is written."""
    return f"{d:%A} {d.day} {d:%B %Y}"


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
                key = (norm(_text(f["Organisation"])), _text(f["Function"]) or DEFAULT_FUNCTION)
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
        if day(case["Closed"]):
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
        acts = [a for a in self.actions.get(norm(ref), []) if (d := day(a["Date"])) and d <= self.as_of
                and _text(a["Level"]) == str(level)]
        escalated = [day(a["Date"]) for a in acts if _text(a["Action"]) == "Escalation"]
        if not escalated or (norm(ref), level) in self.logged:
            return False
        return not any(_text(a["Action"]) == "Letter" and day(a["Date"]) >= max(escalated) for a in acts)

    def _plan(self, i, case, ref, row, level) -> LetterPlan | Refusal:
        s, as_of, missing = self.settings, self.as_of, []
        function = _text(case["Function"]) or None
        fn = function or DEFAULT_FUNCTION
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
            try:
                [change] = escalations(self.t, [ref], self.as_of)
            except NotRecorded:
                change = None
            if change is not None and change.cells.get("Level") == level:
                return dict(change.cells), [change.log]
        if day(case["Date notified"]) is None and current in (0, level):
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
        notified = day(case["Date notified"])
        due = day(self.computed.at[i, "Due"])
        if chaser:
            days = getattr(s, "chaser_days", 5)
            return workday(as_of, days, self.t.calendar), days, due
        agreed = day(case[RESPOND_BY])
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
        rows = [a for a in self.actions.get(norm(ref), []) if (d := day(a["Date"])) and d <= self.as_of
                and _text(a["Action"]) not in RECORD_KINDS]  # bookkeeping (a case added, a closure) is not told
        records = [{"date": long_date(day(a["Date"])), "level": _text(a["Level"]), "action": _text(a["Action"]),
                    "by": _text(a["By"]), "notes": _text(a["Notes"])} for a in rows]
        resolved = case["Resolved"] if isinstance(case["Resolved"], bool) else None
        lines = prose.history(rows, scale, self.as_of, resolved)
        notified = day(case["Date notified"])
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
            chosen = [f for f in self.upheld_by_org.get((norm(org_name), function or DEFAULT_FUNCTION), ())
                      if (d := day(f["Decision date"])) and start < d <= self.as_of]
        chosen.sort(key=lambda f: day(f["Decision date"]) or dt.date.min)
        return [{"case_ref": _text(f["Case ref"]), "organisation": _text(f["Organisation"]),
                 "decision_date": long_date(d) if (d := day(f["Decision date"])) else "",
                 "outcome": _text(f["Outcome"]), "theme": _text(f["Theme"])} for f in chosen]

    def _not_succeeded(self, i, case) -> str:
        """Why earlier action has not worked, as one clause (leaflet §3 level 4)."""
        return "; ".join(self._why(i, case)) or "the issue remains unresolved"

    def _why(self, i, case) -> list[str]:
        """Why earlier action has not worked, a clause per reason."""
        why = []
        if case["Refused"] is True:
            why.append("your organisation has refused to comply")
        received, due = day(case["Response received"]), day(self.computed.at[i, "Due"])
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



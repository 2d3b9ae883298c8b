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

from spso_xl.calendar.dates import day
from spso_xl.calendar.workdays import workday, working_days_after
from spso_xl.errors import NotRecorded
from spso_xl.letters import prose
from spso_xl.letters.facts import Facts, case_facts, uphold_rate
from spso_xl.letters.files import letter_stem
from spso_xl.letters.prose import long_date, nb, number, sentence
from spso_xl.letters.recipients import recipient
from spso_xl.letters.templates import template_name
from spso_xl.policy.cases import compute_cases
from spso_xl.policy.deadlines import due_date
from spso_xl.policy.settings import OFFICE_ROLES, signatory_key
from spso_xl.policy.tables import (
    DEFAULT_FUNCTION,
    FUNCTION_NAMES,
    FUNCTION_SUBJECTS,
    GOOD_PRACTICE,
    POWERS,
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
CHASER_TRIGGERS = ("Information overdue", "No response after two requests")  # level 1 chases (appendix row 1)
OMBUDSMAN = "Scottish Public Services Ombudsman"
RAW = ("website", "support_url", "signatory", "signatory_name", "recipient_name", "organisation", "area",
       "trigger", "function", "signatory_role")  # context values used as they are (names, links, labels)
# What a letter at the top levels says the Ombudsman is considering, in its subject line (POWERS keys).
POWER_SUBJECTS = {"s13": "requiring documents or witnesses under section 13 of the SPSO Act 2002",
                  "s14": "a petition to the Court of Session under section 14 of the SPSO Act 2002",
                  "s16/17": "a report to the Scottish Parliament"}
assert set(POWER_SUBJECTS) == set(POWERS)
# Promises the texts make only for some triggers (scale, level, promise) -> the triggers: the SWF appendix
# promises a Head of Service's meeting at level 3 (row 5) and a programme of tailored support at level 4
# (row 6) for a recurrent issue only; nothing promises either for an unpaid award or papers overdue.
PROMISES = {("SWF", 3, "meeting"): ("Recurrent issue",), ("SWF", 4, "tailored support"): ("Recurrent issue",),
            ("policy", 3, "meeting"): None}  # policy para 9 level 3: an agreed action plan, whatever the trigger


def level_promises(scale: str, level: int, trigger: str, promise: str) -> bool:
    """Whether a letter at this level may promise `promise` for this trigger (PROMISES)."""
    key = (scale, level, promise)
    return key in PROMISES and (PROMISES[key] is None or trigger in PROMISES[key])


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
            if _text(rec.get("Ref")) and _text(rec.get("Action")) not in RECORD_KINDS:  # not bookkeeping
                self.actions.setdefault(norm(rec["Ref"]), []).append(rec)  # (a case added, a closure): never told
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
        self.letters: dict[str, list[dict]] = {}
        for r in tracker.parsed["Letters"].to_dict("records"):
            if _text(r.get("Ref")):
                self.letters.setdefault(norm(_text(r["Ref"])), []).append(r)
        self.logged = {(ref, r["Level"]) for ref, rows in self.letters.items() for r in rows}
        self.contacts = tracker.parsed["Contacts"].to_dict("records") if "Contacts" in tracker.parsed else []

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

    def _facts(self, i, case, ref, level) -> Facts:
        """What the tracker supports for this letter, before any sentence (`letters.facts`)."""
        rate = None
        if _text(case["Trigger"]) == "High uphold rate":
            s = self.settings
            rate = uphold_rate(self.t.parsed["Findings"], self.t.parsed["Organisations"], _text(case["Organisation"]),
                               _text(case["Function"]) or DEFAULT_FUNCTION, self.as_of, s.recurrence_months,
                               s.funnel_inner, s.funnel_outer, s.funnel_min)
        return case_facts(case, level, self.as_of, day(self.computed.at[i, "Due"]), self.actions.get(norm(ref), []),
                          self.letters.get(norm(ref), []), self.findings_by_ref, self.upheld_by_org, self.settings,
                          rate)

    def _plan(self, i, case, ref, row, level) -> LetterPlan | Refusal:
        """The letter for one case: its facts checked first (`letters.facts`), then who writes to whom, then the
        sentences those facts support; a Refusal naming every cell to fill in when something is missing."""
        s, as_of, missing = self.settings, self.as_of, []
        function = _text(case["Function"]) or None
        fn = function or DEFAULT_FUNCTION
        scale = scale_for(function)
        lvl = scale.level(level)
        trigger = _text(case["Trigger"])
        org_name = _text(case["Organisation"])
        facts = self._facts(i, case, ref, level)
        if not _text(case["Description"]):
            missing.append(f"Cases!Description for '{ref}' is blank (row {row}): describe the issue (the letter "
                           f"must identify it clearly)")
        who, signatory, name, signatory_lines = self._people(org_name, fn, function, level, lvl, missing)
        role = lvl.contact_from
        # a chaser only once Due has passed with nothing received (DESIGN §10); before that, a reminder
        chaser = level == 1 and trigger in CHASER_TRIGGERS and facts.overdue
        reminder = level == 1 and trigger in CHASER_TRIGGERS and not chaser
        respond_by, days, due = self._respond_by(i, case, ref, row, level, function, chaser, missing)
        said = self._sentences(i, case, ref, row, lvl, scale, facts, chaser or reminder, missing)
        if missing:
            return Refusal(ref, row, tuple(missing))
        earlier, so_far, evidence, reasons, why = (said[k] for k in ("history", "so_far", "evidence", "reasons", "why"))
        findings = said["findings"]

        phone, website = s.contact(function)
        nxt = scale.level(level + 1) if level < scale.top else None
        area = _text(case["Area"])
        chase_facts = ([f"It was due by {long_date(facts.due)}."] if chaser else []) + (
            [f"We have already sent {number(n, 'reminder')}."] if chaser and (n := facts.reminders_before(as_of)) else [])
        power = statutory_power(trigger, area or None, function)
        context = {
            "ref": nb(ref), "date": nb(long_date(as_of)), "level": level, "level_name": lvl.name,
            "scale_levels": scale.top, "function": fn, "function_name": FUNCTION_NAMES[fn], "area": area,
            "about": f"{org_name}'s {SUBJECTS.get(area) or FUNCTION_SUBJECTS[fn]}",
            "trigger": trigger, "description": sentence(_text(case["Description"])), "evidence": evidence,
            "findings": [{**f, "decision_date": long_date(f["date"]) if f["date"] else ""} for f in findings],
            "history": earlier, "so_far": so_far, "unresolved": said["unresolved"],
            "actions": [{"date": long_date(day(a["Date"])), "level": _text(a["Level"]), "action": _text(a["Action"]),
                         "by": _text(a["By"]), "notes": _text(a["Notes"])} for a in facts.earlier],
            "not_succeeded": "; ".join(why) or "the issue remains unresolved", "reasons": reasons,
            "power": power.does, "power_subject": POWER_SUBJECTS[power.key],
            "good_practice": [sentence(g.format(website=website)).rstrip(".") for g in GOOD_PRACTICE[fn]],
            "chase_facts": chase_facts, "overdue": chaser,
            "further_to": nb(long_date(facts.previous_letter)) if facts.previous_letter else "",
            "asks": prose.asks(facts, nb(weekday_date(respond_by))),
            "meeting": level_promises(scale.name, level, trigger, "meeting"),
            "tailored_support": level_promises(scale.name, level, trigger, "tailored support"),
            "organisation": org_name, "recipient_name": who.name, "recipient_title": who.title,
            "salutation": who.salutation,
            "recipient_lines": [x for x in (who.name, who.title, org_name, *who.address) if x],
            "address_lines": list(who.address),
            "signatory": signatory, "signatory_name": name, "signatory_lines": signatory_lines,
            "signatory_role": role, "our_address": _text(s.our_address), "phone": nb(phone), "website": website,
            "respond_by": nb(weekday_date(respond_by)), "respond_by_text": f"by {nb(weekday_date(respond_by))}",
            "response_days": days or "",
            "due": nb(long_date(due)) if due else "",
            "days_overdue": int(self.computed.at[i, "Working days overdue"]),
            "next_level": nxt.number if nxt else "", "next_level_name": nxt.name if nxt else "",
            "next_contact_from": nxt.contact_from if nxt else "",
            "support_url": "https://" + website.removeprefix("https://").removeprefix("http://"),
        }
        context = {k: (prose.unbreakable(v) if isinstance(v, str) and k not in RAW else
                       [prose.unbreakable(x) if isinstance(x, str) else x for x in v] if isinstance(v, list) else v)
                   for k, v in context.items()}
        return LetterPlan(ref, row, level, template_name(scale.name, level, chaser or reminder), as_of, respond_by,
                          letter_stem(ref, level, as_of), context,
                          *self._records(case, ref, level, chaser, respond_by, facts.chasers))

    def _people(self, org_name, fn, function, level, lvl, missing):
        """Who the letter goes to (`letters.recipients`) and who signs it (Settings), or what to fill in."""
        org = self.orgs.get(norm(org_name))
        to_chief = lvl.template >= 3  # leaflet §3: levels 3 and up are written to the Chief Executive
        who = recipient(self.contacts, org, org_name, fn, level, to_chief)
        if org is None:
            missing.append(f"Organisations has no row for '{org_name}': add it with its recipient and address")
        elif who is None:
            column = "Chief executive" if to_chief else "Recipient name"
            missing.append(f"Organisations!{column} for '{org_name}' is blank (row {int(org[ROW])}) and Contacts has "
                           f"no {fn} contact for it: a level {level} letter goes to {lvl.written_to}")
        elif not who.address:
            missing.append(f"Organisations!Address for '{org_name}' is blank (row {int(org[ROW])}): the letter needs "
                           f"a postal address")
        role = lvl.contact_from
        signatory = _text(self.settings.signatory(role, function))
        if not signatory:
            key = signatory_key(role, function)
            srow = self.setting_rows.get(norm(key))
            where = f"Settings!Value for '{key}' is blank (row {srow})" if srow else f"Settings has no '{key}' row"
            missing.append(f"{where}: enter the name and title that sign {fn} level {level} letters")
        name, _, sig_title = (x.strip() for x in signatory.partition(","))
        lines = [sig_title or (role if role in OFFICE_ROLES else f"{role}, {TEAMS[fn]}")]
        if "ombudsman" not in lines[0].casefold():
            lines.append(OMBUDSMAN)
        return who, signatory, name, lines

    def _sentences(self, i, case, ref, row, lvl, scale, facts: Facts, chasing: bool, missing) -> dict:
        """What the letter says from its facts alone: the history before today, the evidence about this issue,
        the reasons for the level; a sentence whose fact does not hold is not written (DESIGN §10)."""
        as_of, level, trigger = self.as_of, facts.level, facts.trigger
        org_name, function = _text(case["Organisation"]), _text(case["Function"]) or None
        earlier = prose.history(list(facts.earlier), scale, as_of, facts.resolved)
        if not earlier and facts.notified and facts.notified < as_of and not facts.escalated:
            at = f" at level {int(case['Level'])} of our Support and Intervention Policy" if _text(case["Level"]) else ""
            earlier.append(f"On {long_date(facts.notified)} we notified your organisation of this issue{at}.")
        so_far = list(earlier)
        shows_history = "history" in lvl.elements
        if shows_history and not earlier:
            if trigger == "Intentional non-compliance" or (trigger == "Risk of harm" and facts.significant):
                so_far.append("This is the first action we have taken on this issue: because it is a serious failure, "
                              "paragraph 12 of our Support and Intervention Policy allows action at this level as a "
                              "first step.")
            else:
                missing.append(f"Actions has no entry for '{ref}' before today and Cases!Date notified is blank (row "
                               f"{row}): log the earlier contacts in Actions (a level {level} letter says how we have "
                               f"tried to resolve the matter)")
        recorded = next((_text(a["Notes"]) for a in reversed(self.actions.get(norm(ref), [])) if
                         _text(a["Action"]) == "Escalation" and _text(a["Level"]) == str(level)
                         and (d := day(a["Date"])) and d <= as_of), None)
        why = prose.why(facts)
        reasons = prose.reasons(level, scale, recorded, _text(self.computed.at[i, "Reason"]), why, facts,
                                "I am" if lvl.contact_from == "Ombudsman" else "We are")
        unresolved = ("These steps have not resolved the matter, for the reasons given above."
                      if earlier and shows_history and reasons else "")
        findings = [] if chasing else list(facts.findings)
        evidence = prose.evidence(_text(case["Evidence"]), findings, function)
        if facts.rate is not None:
            evidence.append(prose.rate_sentence(facts.rate, org_name, function))
        elif trigger == "High uphold rate":
            missing.append(f"the Findings do not show {org_name}'s {function or DEFAULT_FUNCTION} uphold rate above "
                           f"its sector's in the {self.settings.recurrence_months} months to {long_date(as_of)} (the "
                           f"funnel plot): a letter cannot say that it is")
        if not shows_history and not chasing:
            evidence += earlier
        if not evidence and not chasing:
            missing.append(f"Cases!Evidence for '{ref}' is blank (row {row}) and no Findings are cited: give the "
                           f"case references and dates the concern rests on, or the case's Theme")
        return {"history": earlier, "so_far": so_far, "evidence": evidence, "reasons": reasons, "why": why,
                "findings": findings, "unresolved": unresolved}

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
                return dict(change.cells), change.logs
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


def letter_warnings(tracker: Tracker, as_of: dt.date | None = None) -> list[str]:
    """Where a letter for an open case would fall back, for `check` (DESIGN §3, §7): no Contacts row for its
    function (the Organisations recipient is used), a greeting made from a bare name, a findings-based case
    with no Theme (no findings cited), a Theme that Findings does not use, a recurrence no finding shows."""
    as_of = as_of or dt.date.today()
    if not len(tracker.cases):
        return []
    p = _Planner(tracker, as_of)
    out = []
    if ("Contacts", "Organisation") in tracker.absent:
        out.append("the tracker has no Contacts table: letters go to the Organisations recipient, whatever the "
                   "function (spso-xl upgrade adds it)")
    themes = {norm(_text(t)) for t in tracker.parsed["Findings"]["Theme"] if _text(t)}
    for i, case in tracker.cases.iterrows():
        row, ref = int(case[ROW]), _text(tracker.raw["Cases"].at[i, "Ref"])
        if row in p.bad or day(case["Closed"]) or not _text(case["Level"]) or p.computed is None:
            continue
        where = f"Cases row {row} ({ref})"
        org, fn, level = _text(case["Organisation"]), _text(case["Function"]) or DEFAULT_FUNCTION, int(case["Level"])
        lvl = scale_for(fn).level(level)
        who = recipient(p.contacts, p.orgs.get(norm(org)), org, fn, level, lvl.template >= 3)
        if who is not None and p.contacts is not None and who.source.startswith("Organisations") and \
                ("Contacts", "Organisation") not in tracker.absent:
            out.append(f"{where}: Contacts has no {fn} contact for {org} at level {level}: the letter goes to "
                       f"{who.name} ({who.source})")
        if who is not None and who.guessed:
            out.append(f"{where}: the letter would open 'Dear {who.name}' ({who.source}): type a Salutation in "
                       f"Contacts, e.g. 'Dr {who.name.split()[-1]}'")
        theme = _text(case["Theme"]) if "Theme" in case else ""
        if theme and norm(theme) not in themes:
            out.append(f"{where}: Cases!Theme '{theme}' is not a theme in Findings: the letter cites none of its "
                       f"findings")
        facts = p._facts(i, case, ref, level)
        if _text(case["Trigger"]) == "High uphold rate" and facts.rate is None:
            out.append(f"{where}: the Findings do not show {org}'s {fn} uphold rate above its sector's: its letter "
                       f"is refused until they do")
        if _text(case["Trigger"]) == "Recurrent issue" and not facts.findings and not theme:
            out.append(f"{where}: Cases!Theme is blank and Evidence names no Findings case: the letter cites no "
                       f"findings (choose the Theme the issue is about)")
        if facts.recurred and facts.last_action and not facts.recurrence_shown:
            out.append(f"{where}: Recurred is Y but no finding of its Theme is dated after "
                       f"{long_date(facts.last_action[0])}: a letter says the issue remains unresolved, not that "
                       f"it recurred")
    return out

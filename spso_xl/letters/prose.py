"""What a letter says in sentences: the history from `Actions`, the evidence from `Findings`, and
the reasons for the level from the rule that chose it.

Staff write the logs for themselves ("Escalated to level 2", "Chaser 1", initials in `By`); a letter
to a Chief Executive says what happened, and when, in words. Nothing here prints a log line as it is,
and nothing here decides anything: the facts come in, sentences go out.
"""

from __future__ import annotations

import datetime as dt
import re

from spso_xl.calendar.dates import day
from spso_xl.errors import plural
from spso_xl.policy.tables import DEFAULT_FUNCTION, Scale

NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
POLICY_NAME = "our Support and Intervention Policy"
LEAFLET_NAME = "our leaflet ‘Support and Intervention Policy: What it means for your organisation’"
# How each SPSO role is named in a sentence ("On 1 October 2026 our Head of Service wrote to ...").
ROLE_PHRASES = {"Member of SPSO Leadership Team": "a member of our Leadership Team", "Ombudsman": "the Ombudsman",
                "Case Reviewer": "our case reviewer", "SPSO officer": "one of our officers"}
# Evidence cells that point elsewhere rather than saying anything ("See Findings"): the findings are cited instead.
_POINTER = re.compile(r"^\s*(see|refer to)\s+(the\s+)?findings(\s+(sheet|tab|table))?\s*\.?\s*$", re.I)
_UK_DATE = re.compile(r"\b(\d{2})/(\d{2})/(\d{4})\b")
_RESPOND = re.compile(r"respond(?:\s+by)?\s+(?:by\s+)?((?:\w+day\s+)?\d{1,2}\s+\w+\s+\d{4})", re.I)


NBSP, NBHY = "\u00a0", "\u2011"


def nb(text: str) -> str:
    """Text that must not break across lines (a reference, a date, a phone number): no-break spaces and
    hyphens (DESIGN §10)."""
    return text.replace(" ", NBSP).replace("-", NBHY)


def plain(text: str) -> str:
    """`nb` undone: the text as typed (for comparing and searching)."""
    return text.replace(NBSP, " ").replace(NBHY, "-")


def long_date(d: dt.date) -> str:
    """'4 December 2026'."""
    return f"{d.day} {d:%B %Y}"


def number(n: int, noun: str) -> str:
    """'one reminder', 'two reminders', '12 reminders'."""
    word = NUMBERS[n] if 0 <= n < len(NUMBERS) else str(n)
    return f"{word} {plural(n, noun).partition(' ')[2]}"


def join(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = [i for i in items if i]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".") if text else ""


def role_phrase(role: str) -> str:
    return ROLE_PHRASES.get(role, f"our {role}")


# --- history --------------------------------------------------------------------------------------------


def _level(value, scale: Scale) -> int | None:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return None
    return n if 1 <= n <= scale.top else None


def _deed(notes: str) -> str | None:
    """Notes that already say what we did ("Phoned the service") as a clause after 'we'."""
    words = notes.strip().rstrip(".").split()
    if not words or not words[0].isalpha() or not words[0].lower().endswith("ed") or len(words) > 25:
        return None
    first = {"phoned": "telephoned", "rang": "telephoned"}.get(words[0].lower(), words[0].lower())
    return " ".join([first, *words[1:]])


def history(actions: list[dict], scale: Scale, as_of: dt.date, resolved: bool | None = None) -> list[str]:
    """Our earlier contacts as sentences, oldest first, from the case's `Actions` rows (dicts by header).

    An escalation and a letter on the same day are one sentence; reminders in a row at one level are one.
    Rows dated after `as_of` are left out (the letter cannot report the future).
    """
    rows = sorted(((d, a) for a in actions if (d := day(a.get("Date"))) and d <= as_of), key=lambda x: x[0])
    out: list[str] = []
    i = 0
    last_response = max((k for k, (_, a) in enumerate(rows) if str(a.get("Action")) == "Response"), default=None)
    while i < len(rows):
        d, a = rows[i]
        kind, level = str(a.get("Action") or ""), _level(a.get("Level"), scale)
        notes = str(a.get("Notes") or "").strip() if a.get("Notes") == a.get("Notes") else ""
        at = f" at level {level} of {POLICY_NAME}" if level else ""
        who = role_phrase(scale.level(level).contact_from) if level else "we"
        when = f"On {long_date(d)}"
        if kind == "Chaser":
            j = i
            while j + 1 < len(rows) and rows[j + 1][1].get("Action") == "Chaser":
                j += 1
            dates = [long_date(x) for x, _ in rows[i:j + 1]]
            out.append(f"{when} we sent a reminder." if j == i else f"We sent reminders on {join(dates)}.")
            i = j + 1
            continue
        if kind == "Escalation":
            letter = next((b for x, b in rows[i + 1:] if x == d and b.get("Action") == "Letter"), None)
            text = f"{when} we escalated the matter to level {level}" if level else f"{when} we escalated the matter"
            if letter is not None:
                text += f", and {who} wrote to your organisation" + _asking(letter)
                rows.remove((d, letter))
            out.append(text + ".")
        elif kind == "Letter":
            escalation = next((b for x, b in rows[i + 1:] if x == d and b.get("Action") == "Escalation"), None)
            if escalation is not None:  # logged in the other order: the escalation's sentence tells both
                rows.remove((d, escalation))
                rows.insert(i + 1, (d, a))
                rows[i] = (d, escalation)
                continue
            out.append(f"{when} {who} wrote to your organisation{at}{_asking(a)}.")
        elif kind == "Response":
            text = f"{when} we received a response from your organisation"
            if i == last_response and resolved is False:
                text += ", which did not resolve the issue"
            out.append(text + ".")
        elif kind == "Resolution":
            out.append(f"{when} we recorded the issue as resolved.")
        elif kind == "Meeting":
            deed = _deed(notes)
            out.append(f"{when} we {deed}." if deed else f"{when} we met representatives of your organisation to "
                                                          f"discuss the issue.")
        else:  # Contact, and anything else logged
            deed = _deed(notes)
            out.append(f"{when} we {deed}" + ("" if " about " in deed else " about this issue") + "."
                       if deed else f"{when} {who} contacted your organisation about this issue{at}.")
        i += 1
    return out


def _asking(letter: dict) -> str:
    notes = str(letter.get("Notes") or "") if letter.get("Notes") == letter.get("Notes") else ""
    m = _RESPOND.search(notes)
    return f", asking for a response by {m.group(1)}" if m else ""


# --- evidence -----------------------------------------------------------------------------------------------

KIND = {"SWF": "review", "Complaints": "complaint", "INWO": "whistleblowing complaint"}


def evidence(cell: str, findings: list[dict], function: str | None) -> list[str]:
    """The Evidence cell's lines as typed (a pointer such as 'See Findings' left out), then the Findings
    cited, one sentence per theme: what we decided, on which cases, when."""
    lines = [x.strip() for x in cell.split("\n") if x.strip() and not _POINTER.match(x)]
    kind = KIND.get(function or DEFAULT_FUNCTION, "case")
    by_theme: dict[tuple[str, str], list[dict]] = {}
    for f in findings:
        by_theme.setdefault((f["outcome"], f["theme"]), []).append(f)
    for (outcome, theme), group in by_theme.items():
        verb = "upheld" if outcome == "Upheld" else "did not uphold"
        cases = join([f"{f['case_ref']} on {long_date(f['date'])}" if f.get("date") else f["case_ref"]
                      for f in group])
        about = f" on the theme ‘{theme}’" if theme else ""  # a Findings label, quoted as it is
        if len(group) == 1:
            lines.append(f"We {verb} {kind} {cases}{',' if about else ''}{about}.")
        else:
            lines.append(f"We {verb} {number(len(group), kind)}{about}: {cases}.")
    return lines


# --- the reasons for the level ----------------------------------------------------------------------------

_DECISION = re.compile(r"(?:Escalate to|Start at) level (\d+): (.+)", re.S)
_CITES = re.compile(r"\s*\(([^()]*)\)\s*\.?\s*$")


def parse_reason(text: str) -> tuple[int, str, str] | None:
    """(level, clause, citations) from a rule's reason ('Escalate to level 3: ... (policy para 10)'), also
    inside an escalation's log note; None if the text holds no such decision."""
    m = _DECISION.search(text or "")
    if not m:
        return None
    rest = m.group(2).strip()
    cites = _CITES.search(rest)
    clause = rest[:cites.start()] if cites else rest.rstrip(".")
    return int(m.group(1)), clause.strip(), cites.group(1) if cites else ""


def _clause(clause: str) -> str:
    """A rule's clause as it reads to the organisation."""
    clause = _UK_DATE.sub(lambda m: long_date(dt.date(int(m[3]), int(m[2]), int(m[1]))), clause)
    clause = re.sub(r"\bthe organisation\b", "your organisation", clause)
    clause = re.sub(r"\bthe organisation's\b", "your organisation's", clause)
    clause = re.sub(r"\bthe response\b", "your organisation's response", clause)
    clause = re.sub(r"\b(\d+) chasers?\b", lambda m: number(int(m[1]), "reminder"), clause)
    clause = re.sub(r"\b(\d+) requests?\b", lambda m: number(int(m[1]), "request"), clause)
    return clause


def citation(cites: str) -> str:
    """'policy para 10; leaflet §3 level 2; appendix row 5' -> 'paragraph 10 of our Support and Intervention
    Policy, and section 3 of our leaflet ... and row 5 of its appendix'."""
    paras, sections, rows = [], [], []
    for part in re.split(r";\s*", cites):
        part = part.strip()
        if m := re.match(r"(?:policy )?paras? ([\d.]+(?:\s*[-–]\s*[\d.]+)?)", part):
            paras.append(m.group(1).replace(" ", ""))
        elif m := re.match(r"leaflet §(\d+)", part):
            sections.append(f"section {m.group(1)}")
        elif m := re.match(r"appendix rows? (\d+(?:\s*(?:-|–|and)\s*\d+)?)", part):
            rows.append(m.group(1))
    paras, sections, rows = (list(dict.fromkeys(x)) for x in (paras, sections, rows))
    paras.sort(key=lambda p: tuple(int(n) for n in re.findall(r"\d+", p)))
    said = []
    if paras:
        plural = "s" * (len(paras) > 1 or "-" in paras[0])
        said.append(f"paragraph{plural} {join(paras)} of {POLICY_NAME}")
    rows_text = f"row{'s' * (len(rows) > 1 or not rows[0].isdigit())} {join(rows)}" if rows else ""
    if sections and rows:
        said.append(f"{join(sections)} of {LEAFLET_NAME}, and {rows_text} of its appendix")
    elif sections:
        said.append(f"{join(sections)} of {LEAFLET_NAME}")
    elif rows:
        said.append(f"{rows_text} of the appendix to {LEAFLET_NAME}")
    return join(said)


def decision(level: int, recorded: str | None, current: str | None) -> tuple[str, str] | None:
    """(clause, citations) of the decision to act at `level`: the reason recorded with the escalation,
    else the row's current reason when it is about this level; None if neither is."""
    for text in (recorded, current):
        parsed = parse_reason(text or "")
        if parsed and parsed[0] == level:
            return _clause(parsed[1]), parsed[2]
    return None


_NOT_RESPONDED = re.compile(r"your organisation has not responded by (\d{1,2} \w+ \d{4}|the deadline)"
                            r"(?: despite (\w+) reminders?)?(?: after (level \d) action)?")
_RECURRED = re.compile(r"the issue has recurred(?: despite time allowed for the agreed solution to take effect)?")


def checked(clause: str, facts) -> str:
    """A decision's clause as it is true on the letter's date (DESIGN §10): 'has not responded by D despite
    two reminders' becomes when the reply was due and the reminders sent since, counted from the log; a
    response received since is not denied; 'the issue has recurred' stands only where a finding dated after
    the earlier action shows it, else the issue 'remains unresolved'; an uphold rate is 'abnormally high'
    only above the outer limit."""
    def responded(m):
        when, step = m.group(1), m.group(3)
        due = None
        try:
            due = dt.datetime.strptime(when, "%d %B %Y").date()
        except ValueError:
            pass
        to = f" to our {step} contact" if step else ""
        if facts.received:
            return f"your organisation's response{to} was due by {when}, and we received it late, on " \
                   f"{long_date(facts.received)}"
        said = f"your organisation did not respond{to} by {when}, when its response was due"
        n = (sum(due <= d < facts.as_of for d in facts.chaser_dates) if due and facts.chaser_dates
             else facts.reminders_before(facts.as_of))
        if n:
            said += f", and has not responded to the {number(n, 'reminder')} we have sent since" if n > 1 else \
                ", and has not responded to the reminder we have sent since"
        return said

    clause = _NOT_RESPONDED.sub(responded, clause)
    if not facts.recurrence_shown:
        clause = _RECURRED.sub("the issue remains unresolved", clause)
    if facts.rate is None or facts.rate.flag != "abnormally high":
        clause = clause.replace("an abnormally high uphold rate", "a high uphold rate")
    return clause


def why(facts) -> list[str]:
    """Why earlier action has not worked, a clause per fact that holds (DESIGN §10): no 'we have not
    received a response' before Due has passed, no recurrence a finding does not show."""
    out = []
    if facts.refused:
        out.append("your organisation has refused to comply")
    if facts.overdue:
        text = f"your organisation's response was due by {long_date(facts.due)} and we have not received it"
        if n := facts.reminders_before(facts.as_of):
            text += f", although we have sent {number(n, 'reminder')}"
        out.append(text)
    elif facts.received and facts.resolved is False:
        out.append(f"the response we received on {long_date(facts.received)} did not resolve the issue")
    if facts.recurred and facts.recurrence_shown:
        after = facts.last_action[0]
        later = [f for f in facts.findings if f["date"] and f["date"] > after and f["outcome"] == "Upheld"]
        out.append(f"the issue has recurred since {long_date(after)}: we upheld "
                   + join([f"{f['case_ref']} on {long_date(f['date'])}" for f in later]))
    return out


def reasons(level: int, scale: Scale, recorded: str | None, current: str | None, earlier: list[str],
            facts, we: str = "We are") -> str:
    # at the top of the scale the letter says what the Ombudsman is considering, never that it is being done
    act = "considering action" if level == scale.top else "taking action"
    """Why we are taking action at `level` (`we`: "I am" when the Ombudsman writes): the case's own reason,
    never a paragraph's generic description of the level (DESIGN §10). The decision recorded with the
    escalation, else the row's current reason about this level, each checked against the facts; else the
    facts themselves (`earlier`: `why`'s clauses); else the trigger's issue as described above."""
    if found := decision(level, recorded, current):
        clause, cites = found
        where = citation(cites)
        return sentence(f"{we} {act} at level {level} because {checked(clause, facts)}") + (
            f" This is in line with {where}." if where else "")
    if earlier:
        return sentence(f"{we} {act} at level {level} because {join(earlier)}")
    if level < 2:
        return ""
    own = [ROW_REASONS[facts.trigger]] if facts.trigger in ROW_REASONS else []
    if facts.significant and facts.trigger not in ("Risk of harm",):
        own.append(("the issue is recorded as significant, with potential for wider impact", "policy para 11"))
    if not own:
        return sentence(f"{we} {act} at level {level} because of the issue set out above")
    where = citation("; ".join(c for _, c in own))
    return sentence(f"{we} {act} at level {level} because {join([w for w, _ in own])}") + (
        f" This is in line with {where}." if where else "")


# The row's own facts as a reason, where no decision was logged with the escalation (policy paras 11-12, leaflet §3).
ROW_REASONS = {
    "Systemic failure": ("the failures described above affect more than one area of your organisation's work",
                         "policy para 11"),
    "Intentional non-compliance": ("the evidence shows intentional non-compliance with national guidance or policy, "
                                   "which is a serious failure", "policy para 12"),
    "Refusal to comply": ("your organisation has refused to comply", "policy para 11"),
    "Non-payment of award": ("the award has not been paid, and the payment of an award is time sensitive",
                             "leaflet §3"),
}


_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE_WORDS = re.compile(rf"\b(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day )?\d{{1,2}} (?:{_MONTHS}) \d{{4}}\b")
_PHONE = re.compile(r"\b0\d{3} \d{3} \d{4}\b")
_REF = re.compile(r"(?<![\w-])(?=[\w/.-]*\d)[\w/.]+(?:-[\w/.]+)+")


def unbreakable(text: str) -> str:
    """Prose with no line break inside a date, a phone number or a reference (DESIGN §10): their spaces
    no-break spaces, their hyphens no-break hyphens."""
    for pattern in (_DATE_WORDS, _PHONE, _REF):
        text = pattern.sub(lambda m: nb(m.group()), text)
    return text


def asks(facts, respond_by: str) -> list[str]:
    """What the organisation has not yet done, asked for by name (DESIGN §10): the information overdue,
    the award paid."""
    out = []
    if facts.papers_missing:
        out.append(f"Please send us the information we asked for by {respond_by}, if you have not already done so.")
    if facts.award_unpaid:
        out.append(f"Please pay the award by {respond_by}, or tell us by then why it cannot be paid.")
    return out


def rate_sentence(rate, organisation: str, function: str | None) -> str:
    """The uphold rate as a reader can check it: the rate, the counts, the sector's rate and the limit."""
    kind = KIND.get(function or DEFAULT_FUNCTION, "case")
    limit = f"{rate.limit * 100:g}%"
    beyond = ("above the range that chance alone explains" if rate.flag == "abnormally high"
              else "above the range that chance usually explains")
    months = (rate.end.year - rate.start.year) * 12 + rate.end.month - rate.start.month
    group = SECTOR_GROUPS.get(rate.sector.casefold(), f"organisations in the {rate.sector} sector")
    return (f"In the {months} months to {long_date(rate.end)} we upheld {rate.upheld} of the {rate.decided} {kind}s "
            f"we decided about {organisation} ({rate.upheld / rate.decided:.0%}), against {rate.sector_rate:.0%} "
            f"across {group}: {beyond} ({limit} limit).")


SECTOR_GROUPS = {"local authority": "councils", "local government": "councils", "nhs": "NHS boards",
                 "sector not recorded": "the organisations we compare it with"}

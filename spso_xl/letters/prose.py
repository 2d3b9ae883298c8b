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
from spso_xl.policy.tables import DEFAULT_FUNCTION, SWF_TO_POLICY, Scale

NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
POLICY_NAME = "our Support and Intervention Policy"
LEAFLET_NAME = "our leaflet ‘Support and Intervention Policy: What it means for your organisation’"
# How each SPSO role is named in a sentence ("On 1 October 2026 our Head of Service wrote to ...").
ROLE_PHRASES = {"Member of SPSO Leadership Team": "a member of our Leadership Team", "Ombudsman": "the Ombudsman",
                "Case Reviewer": "our case reviewer", "SPSO officer": "one of our officers"}
# What policy para 9 says each level is for (SWF levels read through SWF_TO_POLICY).
LEVEL_PURPOSE = {2: "formal engagement about a recurring, ongoing or significant issue",
                 3: "targeted engagement and support to address a complex or persistent issue",
                 4: "engagement by the Ombudsman about a persistent or serious issue",
                 5: "use of the Ombudsman's statutory powers about a serious issue or non-compliance with, or "
                    "obstruction of, our functions"}
# Evidence cells that point elsewhere rather than saying anything ("See Findings"): the findings are cited instead.
_POINTER = re.compile(r"^\s*(see|refer to)\s+(the\s+)?findings(\s+(sheet|tab|table))?\s*\.?\s*$", re.I)
_UK_DATE = re.compile(r"\b(\d{2})/(\d{2})/(\d{4})\b")
_RESPOND = re.compile(r"respond(?:\s+by)?\s+(?:by\s+)?((?:\w+day\s+)?\d{1,2}\s+\w+\s+\d{4})", re.I)


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
        cases = join([f"{f['case_ref']} on {f['decision_date']}" if f["decision_date"] else f["case_ref"]
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


def reasons(level: int, scale: Scale, recorded: str | None, current: str | None, earlier: list[str] | None,
            we: str = "We are") -> str:
    """Why we are taking action at `level` (`we`: "I am" when the Ombudsman writes): the decision's
    reason as prose, else why earlier action (if any: `earlier`, clauses) has not worked and what the
    policy says this level is for."""
    if found := decision(level, recorded, current):
        clause, cites = found
        where = citation(cites)
        return sentence(f"{we} taking action at level {level} because {clause}") + (
            f" This is in line with {where}." if where else "")
    policy_level = SWF_TO_POLICY[level] if scale.name == "SWF" else level
    purpose = LEVEL_PURPOSE.get(policy_level, "")
    why = f": {'; '.join(earlier)}" if earlier else ""
    said = (f"The issue has not been resolved through the action we have taken so far{why}. Paragraph 10 of "
            f"{POLICY_NAME} provides for escalation where an issue remains unresolved or an organisation does not "
            "engage with our attempts to resolve it." if earlier is not None else "")
    if purpose:
        said += (" " if said else "") + (f"Paragraph 9 of {POLICY_NAME} describes action at this level as "
                                         f"{purpose}, and we consider that this issue calls for it.")
    return said

"""Who a letter goes to (DESIGN §3 Contacts, §10): the contact for the case's organisation and function
(the SWF manager is not the complaints lead), else the Organisations row; and how they are greeted.

Levels 1-2 go to the service manager / head of department, levels 3 and up to the head of the
organisation (leaflet §3). A `Contacts` row names its function (blank: any) and may name the levels it
is written to at ("1-2", "3-6", "3+"; blank: any); the most specific row wins. `Salutation` is used as
typed ("Dr Murray"); blank, the name's own honorific and surname, else the full name (and `check` warns).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spso_xl.letters.facts import text
from spso_xl.policy.vocab import norm

HONORIFICS = ("Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Professor", "Prof", "Councillor", "Cllr", "Sir", "Dame",
              "Rev", "Reverend", "Lord", "Lady")


@dataclass(frozen=True)
class Recipient:
    name: str
    title: str
    salutation: str
    address: tuple[str, ...]
    source: str  # where it came from, for a message: "Contacts row 5", "Organisations row 9"
    guessed: bool = False  # the salutation was made from the name (no Salutation typed)


def salutation(name: str) -> tuple[str, bool]:
    """What follows 'Dear' for a name with no Salutation: (text, made from a bare name)."""
    words = name.replace(".", " ").split()
    if len(words) >= 2 and words[0].rstrip(".").casefold() in {h.casefold() for h in HONORIFICS}:
        return f"{words[0]} {words[-1]}", False
    return name, True


def levels_cover(spec: str, level: int) -> bool | None:
    """Whether a Contacts `Levels` cell covers `level`: None when blank (any level)."""
    spec = spec.strip()
    if not spec:
        return None
    for part in re.split(r"[,;]\s*", spec):
        if m := re.fullmatch(r"(?:L|level\s*)?(\d)\s*(?:[-–]\s*(\d)|(\+))?", part.strip(), re.I):
            lo, hi = int(m[1]), int(m[2]) if m[2] else (9 if m[3] else int(m[1]))
            if lo <= level <= hi:
                return True
    return False


def address_lines(address: str, postcode: str) -> list[str]:
    lines = [x.strip(" ,") for x in re.split(r"\n|,", address) if x.strip(" ,")]
    if postcode and norm(postcode) not in norm(" ".join(lines)):
        lines.append(postcode)
    return lines


def choose_contact(contacts: list[dict], organisation: str, function: str, level: int) -> dict | None:
    """The Contacts row for the organisation, function and level: one naming the function beats a blank
    function, one naming the level beats a blank Levels; a row for another function or level never."""
    best, score = None, -1
    for c in contacts:
        if norm(text(c.get("Organisation"))) != norm(organisation) or not text(c.get("Recipient name")):
            continue
        fn = text(c.get("Function"))
        if fn and fn != function:
            continue
        covers = levels_cover(text(c.get("Levels")), level)
        if covers is False:
            continue
        s = 2 * bool(fn) + bool(covers)
        if s > score:
            best, score = c, s
    return best


def recipient(contacts: list[dict], org: dict | None, organisation: str, function: str, level: int,
              to_chief: bool) -> Recipient | None:
    """The letter's recipient, or None when neither Contacts nor Organisations names one."""
    c = choose_contact(contacts, organisation, function, level)
    if c is not None:
        name = text(c["Recipient name"])
        typed = text(c.get("Salutation"))
        hello, guessed = (typed, False) if typed else salutation(name)
        address = address_lines(text(c.get("Address")), text(c.get("Postcode")))
        if not address and org is not None:
            address = address_lines(text(org.get("Address")), text(org.get("Postcode")))
        return Recipient(name, text(c.get("Recipient title")), hello, tuple(address),
                         f"Contacts row {int(c['_row'])}" if text(c.get("_row")) else "Contacts", guessed)
    if org is None:
        return None
    name = text(org["Chief executive" if to_chief else "Recipient name"])
    if not name:
        return None
    hello, guessed = salutation(name)
    return Recipient(name, "Chief Executive" if to_chief else text(org["Recipient title"]), hello,
                     tuple(address_lines(text(org["Address"]), text(org["Postcode"]))),
                     f"Organisations row {int(org['_row'])}", guessed)

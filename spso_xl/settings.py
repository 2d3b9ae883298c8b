"""Every tunable number and name, with its default: the Settings sheet is built from this
table and read back through it, so a key is named in one place only."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache

from .errors import InputError
from .policy import QUARTER_CONVENTIONS, SWF_LEVELS
from .vocab import is_blank, norm, parse_choice, parse_count

ROLES = tuple(dict.fromkeys(level.contact_from for level in SWF_LEVELS))


@dataclass(frozen=True)
class Spec:
    key: str  # the text in the Settings sheet's `Setting` column
    attr: str
    default: object
    note: str
    parse: object = None  # str -> value; None keeps text as typed


def _percent(value) -> float:
    try:
        x = float(str(value).strip().rstrip("%"))
    except ValueError:
        raise InputError("SETTING", f"'{value}' is not a percentage such as 95%", value) from None
    x = x / 100 if x > 1 else x
    if not 0 < x < 1:
        raise InputError("SETTING", f"'{value}' is not a percentage between 0% and 100%", value)
    return x


def _quarters(value) -> str:
    return parse_choice(value, QUARTER_CONVENTIONS, "quarter convention")


SPECS = (
    Spec("Response working days", "response_days", 10, "Working days an organisation has to reply at SWF levels 2-4 / policy levels 2-3 (leaflet §3: at least ten).", parse_count),
    Spec("Level 1 response working days", "level1_days", 10, "Working days to reply to level 1 feedback or a request for information.", parse_count),
    Spec("Urgent response working days", "urgent_days", 2, "Working days when Urgent is Y, e.g. non-payment of an award (leaflet §3: time sensitive).", parse_count),
    Spec("Due soon working days", "due_soon_days", 2, "Status shows DUE SOON this many working days or fewer before Due.", parse_count),
    Spec("Recurrence threshold", "recurrence_threshold", 3, "Upheld findings of one theme for one organisation within the window that make an issue recurrent.", parse_count),
    Spec("Recurrence window months", "recurrence_months", 12, "Length of the rolling window for recurrence, in months.", parse_count),
    Spec("Funnel inner limit", "funnel_inner", 0.95, "Inner control limit of the uphold-rate funnel plot.", _percent),
    Spec("Funnel outer limit", "funnel_outer", 0.998, "Outer limit: above it an uphold rate is abnormally high (policy para 8).", _percent),
    Spec("Quarter convention", "quarters", "Financial", "Financial (Q1 = April-June) or Calendar (Q1 = January-March).", _quarters),
    Spec("Letters folder", "letters_folder", "letters", "Where letters are written; relative to the tracker's folder unless a full path."),
    Spec("Our address", "our_address", "Bridgeside House, 99 McDonald Road, Edinburgh EH7 4NS", "SPSO address printed on letters."),
    *(Spec(f"Signatory: {role}", "signatory_" + role.lower().replace(" ", "_"), "",
           f"Name (and title) that signs letters from the {role}.") for role in ROLES),
)

Settings = dataclasses.make_dataclass(
    "Settings", [(s.attr, type(s.default), dataclasses.field(default=s.default)) for s in SPECS], frozen=True,
    namespace={
        "__doc__": "The tracker's Settings, defaults for any key not given.",
        "signatory": lambda self, role: getattr(self, "signatory_" + role.lower().replace(" ", "_")),
    },
)

DEFAULTS = Settings()
_BY_KEY = {norm(s.key): s for s in SPECS}


def is_setting(key) -> bool:
    """Whether `key` names a setting (any case and spacing)."""
    return norm(key) in _BY_KEY


def settings_from_rows(rows) -> "Settings":
    """Settings from (Setting, Value) pairs, e.g. the Settings sheet; unknown keys are an error."""
    return _cached(tuple((r[0], r[1] if len(r) > 1 else None) for r in rows if r and not is_blank(r[0])))


@lru_cache(maxsize=32)
def _cached(rows: tuple) -> "Settings":
    values = {}
    for key, value in rows:
        spec = _BY_KEY.get(norm(key))
        if spec is None:
            if norm(key) == "setting":  # a header row passed in with the data
                continue
            raise InputError("SETTING", f"'{key}' is not a setting: use one of {', '.join(s.key for s in SPECS)}", key)
        if is_blank(value):
            continue
        values[spec.attr] = spec.parse(value) if spec.parse else str(value).strip()
    return Settings(**values)

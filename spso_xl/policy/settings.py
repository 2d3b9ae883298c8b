"""Every tunable number and name, with its default: the Settings sheet is built from this
table and read back through it, so a key is named in one place only.

Also the office's other choice, its Holidays table (closures and worked bank holidays), as the
working-day calendar: the tracker reader and the UDFs' `Closures` argument both read it here."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache

from spso_xl.calendar.workdays import Calendar, scottish_calendar
from spso_xl.errors import InputError
from spso_xl.policy.tables import DEFAULT_FUNCTION, FUNCTIONS, HOLIDAY_KINDS, QUARTER_CONVENTIONS, SWF_LEVELS, scale_for
from spso_xl.policy.vocab import is_blank, norm, parse_choice, parse_count

ROLES = tuple(dict.fromkeys(level.contact_from for level in SWF_LEVELS))
# Roles held by one person for the whole office: one signatory each. Every other role is held in each
# function's own team (the SWF Team Manager does not sign Complaints letters): one signatory per function.
OFFICE_ROLES = ("Member of SPSO Leadership Team", "Ombudsman")
# Contact details per function, from the texts' own contact blocks (leaflet: SWF; policy: everything else).
CONTACTS = {"SWF": ("Freephone 0800 014 7299", "www.spso.org.uk/scottishwelfarefund"),
            "Complaints": ("Freephone 0800 377 7330, Tel 0131 240 8849", "www.spso.org.uk"),
            "INWO": ("Freephone 0800 377 7330, Tel 0131 240 8849", "www.spso.org.uk")}


def signatory_key(role: str, function: str | None) -> str:
    """The Settings key naming who signs a role's letters for a function."""
    return f"Signatory: {role}" if role in OFFICE_ROLES else f"Signatory: {function or DEFAULT_FUNCTION} {role}"


def _attr(key: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in key.lower()).replace("__", "_")


_SIGNATORY_KEYS = tuple(dict.fromkeys(signatory_key(level.contact_from, f) for f in FUNCTIONS
                                      for level in scale_for(f).levels))
# Trackers built before signatories were per function have `Signatory: <role>` for every role; those rows
# still read, and sign SWF letters only when the function's own row is blank (they were the SWF team's).
LEGACY_SIGNATORY_KEYS = tuple(dict.fromkeys(f"Signatory: {level.contact_from}" for level in SWF_LEVELS
                                            if level.contact_from not in OFFICE_ROLES))


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
    Spec("Urgent response working days", "urgent_days", 2, "Working days when Urgent applies: at SWF levels 2-3 only for non-payment of an award (leaflet §3); at SWF levels 1 and 4 and policy levels 1-3 when Urgent is Y. Blank Urgent counts as Y for non-payment of an award, N gives the normal window.", parse_count),
    Spec("Chaser working days", "chaser_days", 5, "Working days a chaser gives the organisation to reply before the next step is due.", parse_count),
    Spec("Due soon working days", "due_soon_days", 2, "Status shows DUE SOON this many working days or fewer before Due.", parse_count),
    Spec("Recurrence threshold", "recurrence_threshold", 3, "Upheld findings of one theme for one organisation in one function within the window that make an issue recurrent.", parse_count),
    Spec("Recurrence window months", "recurrence_months", 12, "Length of the rolling window for recurrence, in months.", parse_count),
    Spec("Funnel inner limit", "funnel_inner", 0.95, "Inner control limit of the uphold-rate funnel plot.", _percent),
    Spec("Funnel outer limit", "funnel_outer", 0.998, "Outer limit: above it an uphold rate is abnormally high (policy para 8).", _percent),
    Spec("Funnel minimum decisions", "funnel_min", 10, "A sector's decisions in one function fewer than this: too few to judge an uphold rate against.", parse_count),
    Spec("Quarter convention", "quarters", "Financial", "Financial (Q1 = April-June) or Calendar (Q1 = January-March).", _quarters),
    Spec("Letters folder", "letters_folder", "letters", "Where letters are written; relative to the tracker's folder unless a full path. A folder outside the tracker's folder must exist already: create it to confirm it (spso-xl creates folders only inside the tracker's)."),
    Spec("Our address", "our_address", "Bridgeside House, 99 McDonald Road, Edinburgh EH7 4NS", "SPSO address printed on letters."),
    *(Spec(key, _attr(key), "", "Who signs these letters: name, then title after a comma "
           "(e.g. 'Jamie Reid, Team Manager, Scottish Welfare Fund'); printed once under the signature.")
      for key in _SIGNATORY_KEYS),
    *(Spec(f"{what}: {f}", _attr(f"{what}: {f}"), value, f"{what} printed on {f} letters (from the SPSO texts).")
      for f, contact in CONTACTS.items() for what, value in zip(("Phone", "Website"), contact)),
    Spec("Digest to", "digest_to", "", "spso-xl digest --send emails the day's digest to these addresses (comma-separated)."),
    Spec("Digest from", "digest_from", "", "The digest email's sender address."),
    Spec("SMTP server", "smtp_server", "", "The mail server as host or host:port (default port 25; 465 for SSL). A user name "
         "and password come only from the environment (SPSO_SMTP_USER, SPSO_SMTP_PASSWORD), never from here."),
    Spec("Backups kept", "backups_kept", 20, "Backups of this tracker (in 'backups' beside it) always kept, newest first; older ones go once past the days below.", parse_count),
    Spec("Backup days kept", "backup_days", 30, "Every backup from this many days back is kept, however many there are.", parse_count),
    Spec("User", "user", "", "Who the command line and the buttons record in the Actions log's By column (add, update, import, chase, escalate); blank: the computer's login name."),
)
LEGACY_SPECS = tuple(Spec(key, _attr(key), "", "Replaced by the per-function signatory rows; read for SWF letters.")
                     for key in LEGACY_SIGNATORY_KEYS)

Settings = dataclasses.make_dataclass(
    "Settings", [(s.attr, type(s.default), dataclasses.field(default=s.default)) for s in SPECS + LEGACY_SPECS],
    frozen=True,
    namespace={
        "__doc__": "The tracker's Settings, defaults for any key not given.",
        "signatory": lambda self, role, function=None: _signatory(self, role, function),
        "contact": lambda self, function=None: tuple(getattr(self, _attr(f"{what}: {function or DEFAULT_FUNCTION}"))
                                                     for what in ("Phone", "Website")),
    },
)


def _signatory(settings, role: str, function: str | None) -> str:
    """Who signs a role's letters for a function ('' if nobody is set); see LEGACY_SIGNATORY_KEYS."""
    name = getattr(settings, _attr(signatory_key(role, function)))
    if not name and (function or DEFAULT_FUNCTION) == "SWF" and role not in OFFICE_ROLES:
        name = getattr(settings, _attr(f"Signatory: {role}"), "")
    return name


DEFAULTS = Settings()
_BY_KEY = {norm(s.key): s for s in SPECS + LEGACY_SPECS}


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


# --- the Holidays table ------------------------------------------------------------------------

_HOLIDAY_KINDS = {norm(k): k for k in HOLIDAY_KINDS}


def holidays_calendar(rows, unknown_is_closure: bool = False) -> Calendar:
    """The working-day calendar a Holidays table sets, from its (Date, Kind) rows.

    Kind is matched in any case and spacing: a Working day is a bank holiday the office works;
    a Closure or a Bank holiday is a day off. A blank Date is skipped. A blank Kind, or one that
    is none of these, is left out (the tracker reader reports it), or with `unknown_is_closure`
    counts as a day off (the UDFs: a bare column of dates is a list of closures)."""
    off, worked = [], []
    for date, kind in rows:
        kind = None if is_blank(kind) else _HOLIDAY_KINDS.get(norm(kind))
        if kind == "Working day":
            worked.append(date)
        elif kind is not None or unknown_is_closure:
            off.append(date)
    return scottish_calendar(tuple(off), tuple(worked))

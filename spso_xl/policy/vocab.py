"""Reading what a person types into a vocabulary cell: any case, stray spaces, obvious variants.

Each parser returns the canonical value (or None for a blank) and raises InputError
naming the value and listing what is valid.
"""

from __future__ import annotations

import math
import re

from spso_xl.errors import InputError, shorten
from spso_xl.policy.tables import AREAS, FUNCTIONS, TRIGGERS, scale_for

_YES = {"y", "yes", "true", "1", "t", "x", "✓"}
_NO = {"n", "no", "false", "0", "f"}
_LEVEL = re.compile(r"^(?:l|lvl|level)?\s*\.?\s*(\d+)(?:\.0*)?$")
_FUNCTION_ALIASES = {"complaint": "Complaints", "scottish welfare fund": "SWF", "welfare fund": "SWF",
                     "whistleblowing": "INWO"}


def norm(value) -> str:
    """Lower-case, trimmed, inner spaces collapsed: the key every vocabulary is matched on."""
    return " ".join(str(value).split()).casefold()


def is_blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        isinstance(value, str) and not value.strip())


def _lookup(vocab, value, code: str, what: str, aliases=None):
    if is_blank(value):
        return None
    key = norm(value)
    table = {norm(v): v for v in vocab} | (aliases or {})
    if key in table:
        return table[key]
    raise InputError(code, f"'{shorten(str(value))}' is not a {what}:{did_you_mean(value, vocab)} use one of "
                           f"{', '.join(vocab)}", value)


def did_you_mean(value, choices) -> str:
    """' did you mean Fife Council? Otherwise' for a near miss of one of `choices`, else ''."""
    import difflib

    by_key = {norm(c): c for c in choices}
    close = difflib.get_close_matches(norm(value), by_key, n=1, cutoff=0.75)
    return f" did you mean {by_key[close[0]]}? Otherwise" if close else ""


def parse_function(value) -> str | None:
    return _lookup(FUNCTIONS, value, "FUNCTION", "function", _FUNCTION_ALIASES)


def parse_area(value) -> str | None:
    return _lookup(AREAS, value, "AREA", "area")


def parse_trigger(value) -> str | None:
    return _lookup(TRIGGERS, value, "TRIGGER", "trigger")


def parse_choice(value, vocab, what: str) -> str | None:
    return _lookup(vocab, value, what.upper().replace(" ", ""), what)


def parse_yes_no(value) -> bool | None:
    """Y/N/Yes/No/TRUE/FALSE/1/0 and real booleans; None for a blank."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    key = norm(value)
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise InputError("YN", f"'{shorten(str(value))}' is not yes or no: use Y or N", value)


def parse_count(value) -> int:
    """A count such as Chasers: a whole number from 0; blank is 0."""
    if is_blank(value):
        return 0
    try:
        n = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        n = math.nan
    if not math.isfinite(n) or n < 0 or n != int(n):
        raise InputError("COUNT", f"'{shorten(str(value))}' is not a count: use a whole number such as 0, 1, 2", value)
    return int(n)


def parse_level(value, function: str | None = None, allow_zero: bool = False) -> int | None:
    """3, 3.0, '3', 'L3', 'Level 3' -> 3, checked against the function's scale."""
    if is_blank(value):
        return None
    n = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if math.isfinite(value) and value == int(value):
            n = int(value)
    elif isinstance(value, str) and (m := _LEVEL.match(norm(value))):
        n = int(m.group(1))
    scale = scale_for(function)
    if n is None or not (0 if allow_zero else 1) <= n <= scale.top:
        raise InputError("LEVEL", f"'{shorten(str(value))}' is not a level: use 1-{scale.top} ({scale.name} scale)", value)
    return n

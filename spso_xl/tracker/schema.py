"""The tracker workbook contract (DESIGN §3) as data: sheets, their Excel Tables, headers,
what kind of value each column holds, and the formulas of computed columns.

The builder, the reader, `check`, `report`, the button handlers and the tests read
these names from here. Names are a contract: extend, never rename.
"""

from __future__ import annotations

from dataclasses import dataclass

from spso_xl.policy.tables import ACTION_KINDS, AREAS, FUNCTIONS, HOLIDAY_KINDS, OUTCOMES, QUARTER_CONVENTIONS, TRIGGERS


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = "text"  # text | date | yesno | level | count | choice | org | ref | computed | link
    width: int = 14
    choices: str | None = None  # a LISTS key, for kind "choice"
    example: str | None = None  # computed columns: the single-case formula (header note), structured references
    required: bool = False
    note: str = ""


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]
    note: str = ""

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)

    @property
    def inputs(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.kind != "computed")

    def column(self, header: str) -> Column:
        return next(c for c in self.columns if c.header == header)


# Vocabularies offered as dropdowns; the builder writes each to the hidden Lists sheet
# and names it "<key>List" for data validation.
LISTS = {
    "Function": tuple(FUNCTIONS),
    "Area": AREAS,
    "Trigger": tuple(TRIGGERS),
    "Level": tuple(range(1, 7)),
    "YesNo": ("Y", "N"),
    "Outcome": OUTCOMES,
    "Action": ACTION_KINDS,
    "HolidayKind": HOLIDAY_KINDS,
    "Quarters": QUARTER_CONVENTIONS,
}

_LEVEL_ARGS = ("Cases[@[Level]],Cases[@[Trigger]],Cases[@[Status]],Cases[@[Chasers]],Cases[@[Resolved]],"
               "Cases[@[Recurred]],Cases[@[Significant]],Cases[@[Refused]],Cases[@[Mitigating]],Cases[@[Function]],"
               "Cases[@[Last chased]],TODAY(),Closures,Settings[]")
SETTINGS_REF = "Settings[]"  # how formulas pass the Settings table: a bare table name is #NAME? in Excel

CASES = Sheet("Cases", (
    Column("Ref", "ref", 12, required=True, note="Our reference, unique, e.g. SI-2026-014"),
    Column("Organisation", "org", 30, required=True, note="From the Organisations sheet"),
    Column("Function", "choice", 12, "Function", note="SWF (leaflet levels 1-6) or Complaints / INWO (policy levels 1-5)"),
    Column("Area", "choice", 24, "Area"),
    Column("Trigger", "choice", 28, "Trigger", required=True, note="What prompted the action"),
    Column("Description", "text", 40, note="The issue, in a sentence or two"),
    Column("Evidence", "text", 30, note="Case references and dates the concern rests on"),
    Column("Date identified", "date", 13),
    Column("Level", "level", 8, "Level", note="The level of action actually taken"),
    Column("Date notified", "date", 13, note="When the organisation was told of this level of action"),
    Column("Urgent", "yesno", 9, "YesNo", note="Y for time-sensitive issues: shortens Due at SWF levels 1 and 4 and policy "
                                                "levels 1-3; at SWF 2-3 only non-payment of an award does (leaflet §3). "
                                                "Blank is Y for non-payment, N gives the normal window"),
    Column("Respond by", "date", 13, note="The date you set: an extension, or the timeframe at a level with no "
                                          "default (SWF 5-6, policy 4-5); replaces the default deadline"),
    Column("Chasers", "count", 9, note="Requests sent since the deadline"),
    Column("Last chased", "date", 13, note="Date of the latest chaser: the organisation has the chaser window "
                                           "(Settings) from then before the next step"),
    Column("Response received", "date", 13),
    Column("Resolved", "yesno", 10, "YesNo", note="Your assessment of the response: Y resolved, N not resolved"),
    Column("Recurred", "yesno", 10, "YesNo", note="Y: fed back in an earlier decision and unanswered or upheld again since "
                                                    "(SI_RECURRENCE says), or the issue came back after the last action"),
    Column("Significant", "yesno", 11, "YesNo", note="Significant or wider impact (policy para 11)"),
    Column("Refused", "yesno", 9, "YesNo", note="The organisation refuses to comply"),
    Column("Mitigating", "yesno", 11, "YesNo", note="Mitigating factors to weigh (policy para 10)"),
    Column("Owner", "text", 14),
    Column("Closed", "date", 13),
    Column("Due", "computed", 13, example="=SI_DEADLINE(Cases[@[Date notified]],Cases[@[Level]],Cases[@[Urgent]],"
                                          f"Cases[@[Respond by]],Cases[@[Function]],Cases[@[Trigger]],Closures,"
                                          f"{SETTINGS_REF})"),
    Column("Status", "computed", 15, example="=SI_STATUS(Cases[@[Due]],Cases[@[Response received]],TODAY(),"
                                             f"Cases[@[Closed]],{SETTINGS_REF})"),
    Column("Working days overdue", "computed", 10,
           example="=SI_DAYS_OVERDUE(Cases[@[Due]],Cases[@[Response received]],TODAY(),Closures,Cases[@[Closed]])"),
    Column("Recommended level", "computed", 12, example=f"=SI_LEVEL({_LEVEL_ARGS},Cases[@[Due]])"),
    Column("Contact from", "computed", 22, example="=SI_CONTACT(Cases[@[Recommended level]],Cases[@[Function]])"),
    Column("Reason", "computed", 70, example=f"=SI_REASON({_LEVEL_ARGS},Cases[@[Due]],Cases[@[Closed]])"),
), "One row per Support and Intervention issue, in its current state.")

ORGANISATIONS = Sheet("Organisations", (
    Column("Organisation", "ref", 34, required=True),
    Column("Sector", "text", 16),
    Column("Recipient name", "text", 22, note="Service manager / head of department (level 2 letters)"),
    Column("Recipient title", "text", 22),
    Column("Chief executive", "text", 22, note="Head of the organisation (level 3-6 letters)"),
    Column("Address", "text", 40),
    Column("Postcode", "text", 10),
    Column("Email", "text", 26),
    Column("Preferred contact", "text", 14, note="Policy para 7.7: we take the preferred method into account"),
    Column("Notes", "text", 30),
))

FINDINGS = Sheet("Findings", (
    Column("Case ref", "text", 14, required=True),
    Column("Organisation", "org", 30, required=True),
    Column("Function", "choice", 12, "Function"),
    Column("Decision date", "date", 13, required=True),
    Column("Outcome", "choice", 12, "Outcome", required=True),
    Column("Theme", "text", 30),
    Column("Fed back", "yesno", 10, "YesNo"),
), "Casework decisions: the evidence for recurrence and uphold rates.")

ACTIONS = Sheet("Actions", (
    Column("Date", "date", 13, required=True),
    Column("Ref", "text", 12, required=True),
    Column("Level", "level", 8, "Level"),
    Column("Action", "choice", 12, "Action", required=True),
    Column("By", "text", 16),
    Column("Notes", "text", 50),
    Column("Document", "link", 40),
), "Append-only log of what was done.")

HOLIDAYS = Sheet("Holidays", (
    Column("Date", "date", 13, required=True),
    Column("Name", "text", 34),
    Column("Kind", "choice", 14, "HolidayKind", required=True,
           note="Bank holiday (from the calendar), Closure (office shut), Working day (a bank holiday we work)"),
))

SETTINGS = Sheet("Settings", (
    Column("Setting", "text", 36, required=True),
    Column("Value", "text", 40),
    Column("Notes", "text", 90),
))

LETTERS = Sheet("Letters", (
    Column("Date", "date", 13),
    Column("Ref", "text", 12),
    Column("Level", "level", 8),
    Column("Organisation", "text", 30),
    Column("Recipient", "text", 26),
    Column("Signed by", "text", 22),
    Column("Respond by", "date", 13),
    Column("File", "link", 60),
))

# Headers renamed since earlier trackers: (sheet, old header) -> the current one. A tracker with an old
# header is read as if it had the new one; `spso-xl upgrade` renames it in place.
RENAMED = {("Cases", "Extended to"): "Respond by"}
# Columns added since earlier trackers: read as blank where a tracker does not have them yet.
ADDED = {("Cases", "Last chased")}

SHEETS = {s.name: s for s in (CASES, ORGANISATIONS, FINDINGS, ACTIONS, HOLIDAYS, SETTINGS, LETTERS)}
SUMMARY_SHEET = "Summary"
COMPUTED = tuple(c.header for c in CASES.columns if c.kind == "computed")
CLOSURES_NAME = "Closures"  # the Name formulas pass for the Holidays table's Date..Kind columns

# One Python call per recalculation (DESIGN §8): the hidden Calc sheet holds one SI_CASES
# formula whose spill has one row per Cases row, in table order, and the six COMPUTED
# columns; each computed column of the Cases table picks its cell from that spill by
# position, with native INDEX, so sorting and filtering the table keep working.
CALC_SHEET = "Calc"
CALC_ANCHOR = "$A$2"  # the SI_CASES formula; row 1 holds the COMPUTED headers
CASES_INPUTS = "Cases[[#All],[Ref]:[Closed]]"  # the input columns with their header row (never the computed ones)
# as_of is left out: SI_CASES judges on today and is a volatile function, so Excel still calls it on every
# recalculation, while readers that recalculate whatever depends on TODAY() (LibreOffice) keep the cached values
CALC_FORMULA = f"=SI_CASES({CASES_INPUTS},,{CLOSURES_NAME},{SETTINGS_REF})"


def pick_formula(header: str) -> str:
    """A computed column's formula: its row's cell of the Calc spill (`#` is Excel's spill reference)."""
    return (f"=INDEX({CALC_SHEET}!{CALC_ANCHOR}#,ROW()-ROW(Cases[[#Headers],[Ref]]),"
            f"{COMPUTED.index(header) + 1})")

# Buttons (DESIGN §9): every button runs the workbook's RunPython macro; the handler
# dispatches on the active sheet and, on Cases, the action chosen in the named cell.
CASE_ACTIONS = ("Generate letters", "Record chaser", "Record escalation")
ACTION_CELL = "CasesAction"  # Name of the Cases action dropdown
QUARTER_CELL = "SummaryQuarter"  # Name of the Summary quarter dropdown
CASES_HEADER_ROW = 3  # the Cases table starts below its title and action row (1-based)


@dataclass(frozen=True)
class SheetButton:
    """An xlwings Lite sheet button: a named shape whose hyperlink selects `cell` (hidden behind
    it); Lite runs the script whose `@script(button=...)` names that shape and cell."""
    shape: str
    sheet: str
    cell: str
    caption: str

    @property
    def ref(self) -> str:
        return f"[{self.shape}]{self.sheet}!{self.cell}"


# The Lite edition's sheet buttons, by script. Only actions that do not depend on the selection:
# clicking a shape selects its cell, so the case actions run from the Lite task pane instead.
LITE_BUTTONS = {
    "build_summary": SheetButton("spso_build_summary", SUMMARY_SHEET, "D3", "Build summary"),
    "check_tracker": SheetButton("spso_check_tracker", "Cases", "H1", "Check tracker"),
}

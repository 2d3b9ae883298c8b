"""`spso-xl upgrade`: an older tracker brought to the current contract (DESIGN §3), keeping every value.

Headers renamed since (schema.RENAMED) are renamed in place; columns added since (schema.ADDED: the
Cases `Theme`, `Last chased`) are added at their table's right end; tables added since
(schema.ADDED_SHEETS: `Contacts`) are added as a sheet of their own holding an empty Excel Table with
the current headers, which the user (or `import --into Contacts`) then fills; Settings rows added since
(the digest's `Digest to` ...) are appended with their defaults.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.sax.saxutils import quoteattr

from spso_xl.policy.settings import SPECS
from spso_xl.tracker import schema
from spso_xl.tracker.edit import TrackerEdit, apply_edit
from spso_xl.tracker.read import Tracker
from spso_xl.xlsx.package import Package
from spso_xl.xlsx.refs import cell_ref
from spso_xl.xlsx.xml import MAIN, REL, text_element

TABLE = REL + "/table"
CT_TABLE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"


@dataclass
class Upgrade:
    """What `upgrade` changes: the edit (renames, columns) and the tables it adds (name -> headers)."""
    edit: TrackerEdit
    tables: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.edit) or bool(self.tables)


def plan_upgrade(tracker: Tracker) -> Upgrade:
    """The changes that bring `tracker` to the current headers and tables."""
    rename = {(sheet, old): new for (sheet, new), old in tracker.old_headers.items()}
    tables = {name: schema.SHEETS[name].headers for name in sorted(schema.ADDED_SHEETS)
              if all((name, h) in tracker.absent for h in schema.SHEETS[name].headers)}
    add: dict[str, list[str]] = {}
    for sheet, header in sorted(schema.ADDED & tracker.absent):
        if sheet not in tables:
            add.setdefault(sheet, []).append(header)
    has = {" ".join(str(k).split()).casefold() for k in tracker.raw["Settings"]["Setting"] if k is not None}
    settings = [{"Setting": s.key, "Value": s.default, "Notes": s.note} for s in SPECS  # keys added since, e.g.
                if " ".join(s.key.split()).casefold() not in has]  # Digest to: their defaults, as read before
    return Upgrade(TrackerEdit(rename=rename, add_columns=add, append={"Settings": settings} if settings else {}),
                   tables)


def apply_upgrade(package: Package, upgrade: Upgrade) -> None:
    apply_edit(package, upgrade.edit)
    for name, headers in upgrade.tables.items():
        add_table_sheet(package, name, headers)


def add_table_sheet(package: Package, name: str, headers: tuple[str, ...]) -> None:
    """A new sheet `name` holding an Excel Table `name` with `headers` and one blank row, after the last sheet."""
    ref = f"A1:{cell_ref(2, len(headers))}"
    cells = "".join(f'<c r="{cell_ref(1, i + 1)}" t="inlineStr"><is>{text_element(h)}</is></c>'
                    for i, h in enumerate(headers))
    cols = "".join(f'<col min="{i + 1}" max="{i + 1}" width="{schema.SHEETS[name].column(h).width + 2}" '
                   f'customWidth="1"/>' for i, h in enumerate(headers))
    sheet = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" xmlns:r="{REL}">'
             f'<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
             f'state="frozen"/></sheetView></sheetViews><cols>{cols}</cols><sheetData><row r="1">{cells}</row>'
             f'</sheetData><tableParts count="1"><tablePart r:id="rIdT1"/></tableParts></worksheet>').encode()
    part = package.add_sheet(name, sheet)
    ids = [int(i) for p in package.infos if p.startswith("xl/tables/")
           for i in re.findall(rb'<(?:\w+:)?table\b[^>]*?\sid="(\d+)"', package.read(p)[:2000])]
    n = 1
    while package.exists(f"xl/tables/table{n}.xml"):
        n += 1
    columns = "".join(f'<tableColumn id="{i + 1}" name={quoteattr(h)}/>' for i, h in enumerate(headers))
    table = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<table xmlns="{MAIN}" '
             f'id="{max(ids, default=0) + 1}" name="{name}" displayName="{name}" ref="{ref}" totalsRowShown="0">'
             f'<autoFilter ref="{ref}"/><tableColumns count="{len(headers)}">{columns}</tableColumns>'
             f'<tableStyleInfo name="TableStyleMedium2" showFirstColumn="0" showLastColumn="0" showRowStripes="1" '
             f'showColumnStripes="0"/></table>').encode()
    package.write(f"xl/tables/table{n}.xml", table)
    rid = package.add_relationship(part, TABLE, f"../tables/table{n}.xml")
    package.write(part, package.read(part).replace(b'r:id="rIdT1"', f'r:id="{rid}"'.encode()))
    package.add_override(f"xl/tables/table{n}.xml", CT_TABLE)
    for cached in ("all_tables", "tables"):
        package.__dict__.pop(cached, None)

"""The digest as text (terminal, email's plain part), HTML (email) and JSON (other tools).

Counts at the top, empty sections left out, "Nothing needs action today" when all are empty
(DESIGN §15); on a day the office is shut, the first line says so."""

from __future__ import annotations

import html
import json

from spso_xl.calendar.dates import uk
from spso_xl.reminders.digest import Digest, Item, describe
from spso_xl.tracker.today import SECTIONS


def title(d: Digest) -> str:
    return f"S&I digest for {d.as_of:%A} {d.as_of.day} {d.as_of:%B %Y}" + (f": {d.owner}" if d.owner else "")


def day_off_line(d: Digest) -> str:
    return (f"{d.as_of:%A} {uk(d.as_of)} is not a working day ({d.day_off}) by the tracker's calendar: "
            f"no digest is sent today unless --force") if d.day_off else ""


def _facts(i: Item) -> str:
    parts = [f"level {i.level}" if i.level else "no level yet"]
    if i.due:
        parts.append(f"due {uk(i.due)}")
    if i.days_overdue:
        parts.append(f"{i.days_overdue} working day{'s' * (i.days_overdue != 1)} late")
    if i.recommended and i.recommended != i.level:
        parts.append(f"recommended level {i.recommended}")
    if i.owner:
        parts.append(f"owner {i.owner}")
    return ", ".join(parts)


def _detail(key: str, i: Item) -> str:
    return i.note if key in ("letters", "check") else i.reason


def text_lines(d: Digest) -> list[tuple[str, str]]:
    """(line, style) pairs: style is '' or a rich style, so the terminal can colour what a file cannot."""
    out = [(title(d), "bold"), (describe(d), "")]
    if d.day_off:
        out.append((day_off_line(d), "bold yellow"))
    out += [(d.headline() + ("" if d.empty else "."), "bold"), ("", "")]
    for s in SECTIONS:
        items = d.sections[s.key]
        if not items:
            continue
        out.append((f"{s.title} ({len(items)}): {s.meaning}", "bold red" if s.key == "overdue" else "bold"))
        for i in items:
            out.append((f"  {i.ref}  {i.organisation}: {_facts(i)}", ""))
            if detail := _detail(s.key, i):
                out.append((f"      {detail}", "italic"))
        out.append(("", ""))
    return out


def to_text(d: Digest) -> str:
    return "\n".join(line for line, _ in text_lines(d)).rstrip() + "\n"


_STYLE = ("font-family:Segoe UI,Arial,sans-serif;font-size:14px;color:#1a1a1a")
_CELL = "padding:4px 8px;border-bottom:1px solid #ddd;vertical-align:top;text-align:left"


def to_html(d: Digest) -> str:
    """A self-contained HTML page (inline styles only: mail clients drop style sheets)."""
    e = html.escape
    parts = [f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{e(d.subject())}</title></head>',
             f'<body style="{_STYLE}"><h1 style="font-size:20px;color:#1F4E79">{e(title(d))}</h1>',
             f"<p>{e(describe(d))}</p>"]
    if d.day_off:
        parts.append(f'<p style="background:#FFEB9C;padding:6px"><strong>{e(day_off_line(d))}</strong></p>')
    parts.append(f"<p><strong>{e(d.headline())}</strong></p>")
    if not d.empty:
        parts.append('<ul>' + "".join(f"<li>{e(s.title)}: {len(d.sections[s.key])}</li>" for s in SECTIONS
                                      if d.sections[s.key]) + "</ul>")
    heads = ("Ref", "Organisation", "Level", "Due", "Days late", "Owner", "Why")
    for s in SECTIONS:
        items = d.sections[s.key]
        if not items:
            continue
        colour = "#9C0006" if s.key == "overdue" else "#1F4E79"
        parts.append(f'<h2 style="font-size:16px;color:{colour};margin-top:18px">{e(s.title)} ({len(items)})</h2>'
                     f'<p style="color:#595959;margin:0 0 6px">{e(s.meaning)}</p>')
        parts.append('<table style="border-collapse:collapse" cellspacing="0"><tr>'
                     + "".join(f'<th style="{_CELL};background:#F2F2F2">{h}</th>' for h in heads) + "</tr>")
        for i in items:
            cells = (i.ref, i.organisation, str(i.level or ""), uk(i.due) if i.due else "",
                     str(i.days_overdue or ""), i.owner, _detail(s.key, i))
            parts.append("<tr>" + "".join(f'<td style="{_CELL}">{e(c)}</td>' for c in cells) + "</tr>")
        parts.append("</table>")
    parts.append('<p style="color:#595959;font-size:12px;margin-top:24px">Sent by spso-xl digest from '
                 f"{e(d.tracker)}. The tracker's Today sheet shows the same lists.</p></body></html>")
    return "\n".join(parts) + "\n"


def to_json(d: Digest) -> str:
    return json.dumps({
        "tracker": d.tracker, "as_of": d.as_of.isoformat(), "owner": d.owner, "working_day": not d.day_off,
        "day_off": d.day_off or None, "cases": d.cases, "headline": d.headline(), "counts": d.counts,
        "sections": {k: [i.as_json() for i in v] for k, v in d.sections.items()},
        "titles": {s.key: s.title for s in SECTIONS},
    }, indent=2, ensure_ascii=False) + "\n"


FORMATS = {"text": to_text, "html": to_html, "json": to_json}

"""The SWF leaflet's appendix, row by row: each situation written as a case, checked against the
appendix's action level and 'Contact from'."""

import pytest

from spso_xl.policy.rules import recommend_cells
from tests.support.paths import POLICY

LEAFLET = POLICY / "swf-si-leaflet.md"

# row, situation (the appendix's words), level, contact from (the appendix's words), cases that are that situation.
# A case is (level, trigger, status, chasers, resolved, recurred, significant, refused, mitigating); the reason
# cites the row, except where noted.
APPENDIX = [
    (1, "We have sent a request for information to your organisation but have not received the file within the "
        "required timescale.", 1, "Case Reviewer", [
        (None, "Information overdue", "OVERDUE", 0, None, "N", "N", "N", "N"),  # a new issue
        (1, "Information overdue", "OVERDUE", 0, None, "N", "N", "N", "N"),  # "we will contact you immediately to chase"
    ]),
    (2, "Our casework data shows a recurrent issue in our findings about your organisation.", 1, "Case Reviewer", [
        (None, "Recurrent issue", None, 0, None, "N", "N", "N", "N"),
        (1, "Recurrent issue", "ON TRACK", 0, None, "N", "N", "N", "N"),  # "a reasonable timeframe": §3 level 1 timeframes
    ]),
    (3, "We ask your organisation for information as part of our review and your organisation does not respond to "
        "an enquiry by the deadline we gave and fails to respond to two requests to comply.", 2, "Team Manager", [
        (1, "Information overdue", "OVERDUE", 1, None, "N", "N", "N", "N"),  # the level 1 request and one chaser
        (1, "Information overdue", "OVERDUE", 2, None, "N", "N", "N", "N"),
        (None, "No response after two requests", "OVERDUE", 2, None, "N", "N", "N", "N"),
    ]),
    (4, "Our casework data shows a recurrent issue in our findings about your organisation and this has been fed "
        "back as part of a previous decision.  Our previous correspondence has not been responded to or the issue "
        "remains unresolved.", 2, "Team Manager", [
        (None, "Recurrent issue", None, 0, None, "Y", "N", "N", "N"),
        (1, "Recurrent issue", "OVERDUE", 0, None, "Y", "N", "N", "N"),
        (1, "Recurrent issue", "RESPONDED", 0, "N", "N", "N", "N", "N"),
    ]),
    (5, "Our casework data shows a recurrent issue in our findings about your organisation and this has been fed "
        "back as part of a previous decision.  Our previous attempts to contact you have gone unanswered or the "
        "response has not resolved the issue.", 3, "Head of Service", [
        (2, "Recurrent issue", "OVERDUE", 0, None, "Y", "N", "N", "N"),  # attempts unanswered
        (2, "Recurrent issue", "RESPONDED", 0, "N", "Y", "N", "N", "N"),  # response has not resolved it
    ]),
    (6, "A recurring trend in our interactions with your organisation continues, despite level 3 action (see above).",
        4, "Member of SPSO Leadership Team (with support from our ISE team)", [
        (3, "Recurrent issue", "RESPONDED", 0, "Y", "Y", "N", "N", "N"),
        (3, "Recurrent issue", "OVERDUE", 0, None, "Y", "N", "N", "N"),  # (on track it waits: leaflet §3 timeframes)
    ]),
    (7, "An organisation refuses to comply following level 3 and (usually*) level 4 action.", 5,
        "Ombudsman (with support from our ISE team)", [
        (4, "Refusal to comply", "RESPONDED", 0, "N", "N", "N", "Y", "N"),
        (4, "Recurrent issue", "OVERDUE", 1, None, "Y", "N", "Y", "N"),
    ]),
    (8, "An organisation refuses to comply or the Ombudsman has significant concerns about an organisation, which "
        "have not been resolved through lower-level action.", 6, "Ombudsman", [
        (5, "Refusal to comply", "OVERDUE", 0, None, "N", "N", "Y", "N"),
        (5, "Systemic failure", "RESPONDED", 0, "N", "N", "Y", "N", "N"),
    ]),
]


@pytest.mark.parametrize("row, situation, level, contact_from, cases", APPENDIX, ids=[f"row {r[0]}" for r in APPENDIX])
def test_appendix_row(row, situation, level, contact_from, cases):
    for case in cases:
        r = recommend_cells(*case, function="SWF")
        assert r.level == level, (case, r)
        assert contact_from.startswith(r.contact), (case, r)  # the appendix adds "(with support from our ISE team)"
        cite = "leaflet §3, timeframes for level 1 action" if r.rule == "awaiting" else f"appendix row {row}"
        assert cite in r.reason, (case, r.reason)


def test_the_appendix_rows_are_transcribed_from_the_leaflet():
    if not LEAFLET.exists():
        pytest.skip("leaflet text not beside the repository")
    text = " ".join(LEAFLET.read_text(encoding="utf-8").split())
    for row, situation, level, contact_from, _ in APPENDIX:
        assert " ".join(situation.split()) in text, row
    rows = [line.split("\t") for line in LEAFLET.read_text(encoding="utf-8").splitlines() if line.count("\t") == 3]
    table = [(r[2], r[3]) for r in rows if r[2].startswith("Level")]
    assert table == [(f"Level {level}", contact_from) for _, _, level, contact_from, _ in APPENDIX]

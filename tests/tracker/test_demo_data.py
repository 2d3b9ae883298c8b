"""The demo's data agrees with itself (issue 23, finding 10): whistleblowing cases are about NHS boards, an SWF
description is never on a Complaints case, every address has its own town's postcode, every case's
organisation and function has a contact with a salutation, and each findings-based case has its Theme."""

import re

from spso_xl.tracker.sample import DEMO_BOARDS, OFFICES, demo_rows
from tests.support.dates import AS_OF

ROWS = demo_rows(AS_OF)
# postcode areas of the towns the demo's offices are in
AREAS = {"Aberdeen": "AB", "Forfar": "DD", "Lochgilphead": "PA", "Edinburgh": "EH", "Alloa": "FK", "Isle of Lewis": "HS",
         "Dumfries": "DG", "Dundee": "DD", "Kilmarnock": "KA", "Kirkintilloch": "G", "Haddington": "EH",
         "Giffnock": "G", "Falkirk": "FK", "Glenrothes": "KY", "Glasgow": "G", "Inverness": "IV", "Greenock": "PA",
         "Dalkeith": "EH", "Elgin": "IV", "Irvine": "KA", "Motherwell": "ML", "Kirkwall": "KW", "Perth": "PH",
         "Paisley": "PA", "Melrose": "TD", "Lerwick": "ZE", "Ayr": "KA", "Hamilton": "ML", "Stirling": "FK",
         "Dumbarton": "G", "Livingston": "EH"}


def test_every_address_has_its_towns_postcode():
    for address, postcode in [*OFFICES.values(), *DEMO_BOARDS.values()]:
        town = address.split("\n")[-1]
        assert re.match(rf"{AREAS[town]}\d", postcode), (town, postcode)


def test_cases_functions_organisations_and_descriptions_agree():
    for case in ROWS["Cases"]:
        function = case["Function"] or "SWF"
        nhs = case["Organisation"] in DEMO_BOARDS
        assert nhs == (function == "INWO"), case["Ref"]  # INWO looks at NHS services; councils' SWF and complaints
        if function != "SWF":
            assert not re.search(r"Welfare Fund|SWF|crisis grant", case["Description"] + case["Evidence"]), case["Ref"]
        if case["Trigger"] == "Recurrent issue":
            assert case["Theme"], case["Ref"]


def test_every_case_has_a_contact_for_its_function_with_a_salutation():
    contacts = ROWS["Contacts"]
    for case in ROWS["Cases"]:
        function = case["Function"] or "SWF"
        mine = [c for c in contacts if c["Organisation"] == case["Organisation"] and c["Function"] == function]
        assert len(mine) == 1, case["Ref"]
        assert mine[0]["Salutation"].split()[-1] == mine[0]["Recipient name"].split()[-1]
    titles = {c["Function"]: c["Recipient title"] for c in contacts if c["Function"]}
    assert len(set(titles.values())) == 3  # the SWF manager is not the complaints lead nor the whistleblowing lead

"""One rule for file names from Refs (issue 25): two Refs never share a letter, a letter on disk is
taken for a case only when it is that case's, and no Ref makes a name the disk refuses.

The attacks: `SI/2026/005` and `SI:2026:005` (and one Ref typed in NFC and NFD) got one letter,
logged for both organisations; two teams sharing a letters folder had team B's case logged with
team A's letter and B's never written; a Ref of 60 four-byte letters stopped the batch with "File
name too long"."""

import unicodedata

import docx

from spso_xl.letters import publish
from spso_xl.letters.files import letter_stem, ref_stem
from spso_xl.new import build_tracker
from spso_xl.tracker.read import read_tracker
from tests.letters.test_letters import AS_OF, ORGS, _case, settings_rows

FIFE, ANGUS = "Fife Council", "Comhairle nan Eilean Siar"


def _tracker(path, cases, **settings):
    return build_tracker(path, {"Organisations": ORGS, "Cases": cases, "Settings": settings_rows(**settings)},
                         as_of=AS_OF)


def _l2(ref, org):
    return _case(ref, org, 2, Trigger="Poor response", Evidence="SWF/2026/0101")


def _log(path) -> dict[str, list[str]]:
    letters = read_tracker(path).raw["Letters"]
    out: dict[str, list[str]] = {}
    for ref, file in zip(letters["Ref"], letters["File"]):
        out.setdefault(ref, []).append(file)
    return out


def _text(path) -> str:
    return "\n".join(p.text for p in docx.Document(path).paragraphs)


def _each_case_its_own_letter(path, result, orgs: dict[str, str]):
    assert not result.refused, result.refused
    by_ref = {w.plan.ref: w.docx for w in result.written}
    assert set(by_ref) == set(orgs) and len(set(by_ref.values())) == len(orgs)
    log = _log(path)
    for ref, org in orgs.items():
        [file] = log[ref]
        assert (path.parent / file).resolve() == by_ref[ref].resolve()
        assert org in _text(by_ref[ref])


def test_refs_that_look_alike_in_a_file_name_get_a_letter_each(tmp_path):
    nfc, nfd = unicodedata.normalize("NFC", "SI-Ré-1"), unicodedata.normalize("NFD", "SI-Ré-1")
    orgs = {"SI/2026/005": FIFE, "SI:2026:005": ANGUS, nfc: FIFE, nfd: ANGUS}
    path = _tracker(tmp_path / "si_tracker.xlsm", [_l2(ref, org) for ref, org in orgs.items()])
    result = publish.write_letters(path, refs=list(orgs), as_of=AS_OF)
    _each_case_its_own_letter(path, result, orgs)


def test_the_rule_keeps_a_plain_ref_and_marks_a_changed_one():
    assert ref_stem("SI-2026-005") == "SI-2026-005"
    stems = {ref_stem(r) for r in ("SI/2026/005", "SI:2026:005", "SI_2026_005", "SI_2026_005~x", "SI-2026-005")}
    assert len(stems) == 5
    assert ref_stem("SI/2026/005").startswith("SI_2026_005~")


def test_two_teams_sharing_a_letters_folder_never_log_each_others_letters(tmp_path):
    shared = tmp_path / "shared letters"
    shared.mkdir()
    a = _tracker(tmp_path / "team a" / "si_tracker.xlsm", [_l2("SI-1", FIFE)], **{"Letters folder": str(shared)})
    b = _tracker(tmp_path / "team b" / "si_tracker.xlsm", [_l2("SI-1", ANGUS)], **{"Letters folder": str(shared)})
    _each_case_its_own_letter(a, publish.write_letters(a, refs=["SI-1"], as_of=AS_OF), {"SI-1": FIFE})
    _each_case_its_own_letter(b, publish.write_letters(b, refs=["SI-1"], as_of=AS_OF), {"SI-1": ANGUS})
    assert len(list(shared.glob("*.docx"))) == 2


def test_a_ref_of_sixty_four_byte_letters_is_written(tmp_path):
    long = "\U0001D400" * 60  # MATHEMATICAL BOLD CAPITAL A: a letter, four bytes in UTF-8
    assert len(f"{letter_stem(long, 2, AS_OF)}-v999.docx".encode()) < 200
    orgs = {long: FIFE, long + "B": ANGUS}
    path = _tracker(tmp_path / "si_tracker.xlsm", [_l2(ref, org) for ref, org in orgs.items()])
    result = publish.write_letters(path, refs=list(orgs), as_of=AS_OF)
    _each_case_its_own_letter(path, result, orgs)


def test_a_letters_folder_that_is_a_file_is_refused_by_name(tmp_path, capsys):
    from spso_xl.cli import main

    path = _tracker(tmp_path / "si_tracker.xlsm", [_l2("SI-1", FIFE)], **{"Letters folder": "notes.txt"})
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["letters", str(path), "--ref", "SI-1", "--as-of", "19/11/2026"]) == 2
    err = capsys.readouterr().err
    assert "is a file, not a folder" in err and (tmp_path / "notes.txt").read_text() == "mine"

"""The one exception tree: every error spso-xl raises on purpose is an `SpsoError`, and `explain`
prints its message as it is (issue 21: `PackageError` and `NotRecorded` used to come out as
"unexpected error ... run again with --debug")."""

import inspect

import pytest

import spso_xl.errors as errors
from macros.book import ButtonRefusal


def _ours():
    return [c for _, c in inspect.getmembers(errors, inspect.isclass)
            if issubclass(c, errors.SpsoError) and c is not errors.SpsoError] + [ButtonRefusal]


def test_the_tree_is_complete():
    names = {c.__name__ for c in _ours()}
    assert {"InputError", "NotRecorded", "PackageError", "WriteRefused", "TemplateProblem", "ButtonRefusal"} <= names


@pytest.mark.parametrize("kind", _ours(), ids=lambda c: c.__name__)
def test_explain_prints_our_own_message(kind):
    error = kind("CODE", "the tracker says why") if kind is errors.InputError else kind("the tracker says why")
    assert errors.explain(error, "si_tracker.xlsm") == "the tracker says why"


def test_an_error_of_ours_is_told_apart_from_a_bug():
    assert "unexpected error (KeyError" in errors.explain(KeyError("x"), "si_tracker.xlsm")

"""Shared fixtures.

The test environment (only) runs xlwings in server mode with its noncommercial licence
key, so that the UDFs are called through xlwings' own Office.js custom-function entry
point and the button handlers through its remote engine. Both must be set before
xlwings is first imported.

The helpers these fixtures use, and those tests import, are in tests/support/.
"""

import os

os.environ.setdefault("XLWINGS_ON_SERVER", "true")
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import xlwings.utils  # noqa: E402

from tests.support.xlwings_env import jsnull_from_sys_modules  # noqa: E402

# xlwings 0.37.8 retries a failing `import pyodide.ffi` for every cell it converts outside
# Pyodide (minutes for a Findings table under load); the answer is the same from sys.modules.
xlwings.utils.is_jsnull = jsnull_from_sys_modules

import pytest
from hypothesis import settings

# Property tests check correctness; speed is measured in bench/. A per-example deadline only
# measures how loaded the machine is (it failed whole runs on a busy 2-core machine).
settings.register_profile("spso", deadline=None)
settings.load_profile("spso")

from spso_xl.outputs.libreoffice import soffice


@pytest.fixture(scope="session")
def libreoffice():
    """LibreOffice is required on CI; a developer without it gets a skip, not a failure."""
    if soffice() is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is required on CI: .ci/run installs it")
        pytest.skip("LibreOffice not installed")
    return soffice()


from tests.support.dates import AS_OF
from tests.support.foreign import ForeignTrackers
from tests.support.trackers import DemoTrackers, copy_folder, copy_tracker


# --- a fresh tracker: the default rows ---------------------------------------------------------------


@pytest.fixture(scope="session")
def built_tracker(tmp_path_factory):
    """A fresh tracker built once per session; copy it before changing it."""
    from spso_xl.new import build_tracker

    return build_tracker(tmp_path_factory.mktemp("built") / "si_tracker.xlsm", as_of=AS_OF)


@pytest.fixture
def tracker(built_tracker, tmp_path):
    """A private copy of the fresh tracker, with its entry module."""
    return copy_tracker(built_tracker, tmp_path, entry_module=True)


# --- the demo tracker: demo_rows on a date --------------------------------------------------------------


@pytest.fixture(scope="session")
def demo_trackers(tmp_path_factory):
    """`demo_trackers(day)`: the demo tracker built on `day`, once per session per date. Read it, never
    change it: a test that writes works on a copy (`copy_tracker`, `copy_folder`)."""
    return DemoTrackers(tmp_path_factory)


@pytest.fixture(scope="session")
def demo_tracker(demo_trackers):
    """The demo tracker built on AS_OF, shared by the whole session: read it, never change it."""
    return demo_trackers(AS_OF)


@pytest.fixture
def demo_copy(demo_tracker, tmp_path):
    """A private copy of the demo tracker and everything built beside it (entry module, templates)."""
    return copy_folder(demo_tracker, tmp_path)


@pytest.fixture(scope="session")
def foreign(demo_tracker, tmp_path_factory):
    """`foreign(name)`: the demo tracker as another tool or a person left it (tests/support/foreign.py),
    built once per session; `foreign.copy(name, folder)` for a test that writes."""
    return ForeignTrackers(demo_tracker, tmp_path_factory)

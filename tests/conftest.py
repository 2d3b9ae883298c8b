"""Shared fixtures.

The test environment (only) runs xlwings in server mode with its noncommercial licence
key, so that the UDFs are called through xlwings' own Office.js custom-function entry
point and the button handlers through its remote engine. Both must be set before
xlwings is first imported.
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


import datetime as dt
import shutil

AS_OF = dt.date(2026, 11, 22)


@pytest.fixture(scope="session")
def built_tracker(tmp_path_factory):
    """A fresh tracker built once per session; copy it before changing it."""
    from spso_xl.new import build_tracker

    return build_tracker(tmp_path_factory.mktemp("built") / "si_tracker.xlsm", as_of=AS_OF)


@pytest.fixture
def tracker(built_tracker, tmp_path):
    """A private copy of the fresh tracker."""
    target = tmp_path / built_tracker.name
    shutil.copy2(built_tracker, target)
    shutil.copy2(built_tracker.with_suffix(".py"), target.with_suffix(".py"))
    return target

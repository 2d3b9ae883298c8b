import os

import pytest

from spso_xl.office import soffice


@pytest.fixture(scope="session")
def libreoffice():
    """LibreOffice is required on CI; a developer without it gets a skip, not a failure."""
    if soffice() is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is required on CI: .ci/run installs it")
        pytest.skip("LibreOffice not installed")
    return soffice()

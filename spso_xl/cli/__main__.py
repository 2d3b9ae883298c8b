"""`python -m spso_xl.cli`: the same as the `spso-xl` command."""

import sys

from spso_xl.cli import main

sys.exit(main())

"""The dates most tests share. A test whose cases are worked out for another day keeps its own date."""

import datetime as dt

AS_OF = dt.date(2026, 11, 22)  # a Sunday: the demo tracker's date and the fresh tracker's (tests/conftest.py)
TODAY = dt.date(2026, 11, 23)  # the Monday after: the day the buttons and Lite scripts are clicked (tests/shells)

"""Working days, dates and quarters: the calendar every deadline is counted on (DESIGN §4)."""

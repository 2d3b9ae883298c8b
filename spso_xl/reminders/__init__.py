"""Reminders where the manager works (DESIGN §15): the morning digest (text, HTML, JSON, email) and the
deadlines as an iCalendar file. Read-only: nothing here writes the tracker."""

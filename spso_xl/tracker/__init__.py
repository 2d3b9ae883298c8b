"""The tracker contract and its file: the schema, building, reading, writing edits, cached values,
the actions on cases, sample data (DESIGN §3, §9, §13)."""

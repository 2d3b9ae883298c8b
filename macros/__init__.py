"""xlwings button handlers: thin wrappers over spso_xl."""

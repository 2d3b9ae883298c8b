"""xlwings custom functions (=SI_...): thin wrappers over spso_xl."""

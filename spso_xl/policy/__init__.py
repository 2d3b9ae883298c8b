"""The two policy texts as data and the rules over them: levels, timeframes, vocabularies, settings,
deadlines, the recommended level, the evidence, the Cases computation (DESIGN §5-§7)."""

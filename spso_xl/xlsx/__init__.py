"""The workbook package: the safe reader of Excel Tables and the part-level writer (DESIGN §13).
Knows OOXML, nothing of trackers."""

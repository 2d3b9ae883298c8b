"""The workbook package (DESIGN §13). Knows OOXML, nothing of trackers.

`tables` is the one safe reader (Excel Tables and plain ranges, within hostile-file limits; the
only module that imports python_calamine). The part-level writer has one module per part:
`package` (the zip, relationships, content types, sheets, tables, saving), `worksheet`,
`sharedstrings` and `styles`, over `xml` (namespaces, escaping, attributes, lxml fragments): XML
edited as XML, whatever tool wrote it. `gate` checks a written package for what makes Excel refuse
or repair it, before it replaces a file (and for `check` and `doctor`). `refs` is cell notation and
date serials, for the whole of spso-xl."""

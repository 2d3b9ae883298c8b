"""What leaves the tracker: the report (text, CSV, XLSX), text made safe for cells, LibreOffice."""

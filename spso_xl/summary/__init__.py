"""The quarterly summary (DESIGN §11): the figures, their A4 layout, the standalone workbook and charts."""

"""Spreadsheet imports: parse a file into rows with their errors, show a preview, apply all rows in one transaction."""

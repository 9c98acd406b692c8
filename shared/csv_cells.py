"""Text for a CSV cell that a spreadsheet shows rather than runs.

Person ids are typed by whoever filed the household, and a what-if table names them in its
header. Spreadsheets read a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or a
carriage return before one) as a formula, so an id like ``=HYPERLINK(...)`` would run on the
caseworker's machine when the export is opened (OWASP: CSV injection).
"""

from __future__ import annotations

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(text: str) -> str:
    """``text``, with a leading apostrophe when a spreadsheet would take it for a formula:
    Excel, LibreOffice and Google Sheets show the rest as plain text."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text

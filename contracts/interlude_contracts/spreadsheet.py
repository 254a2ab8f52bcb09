"""CSV text as Interlude exports it: RFC 4180 lines, booleans as true/false, formulas defused.

Reporting writes an export's pages with it and the gateway its header line, so a CSV cell has one rule.
"""

import csv
import io
from collections.abc import Iterable
from typing import Any

# A spreadsheet runs a cell that starts like a formula: such text is quoted (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    """The rows as CSV lines (CRLF-terminated), each cell as ``csv_cell`` gives it."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(map(_cells, rows))
    return buffer.getvalue()


def _cells(row: Iterable[Any]) -> list[Any]:
    return list(map(csv_cell, row))


def csv_cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value

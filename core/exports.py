"""The one way the product writes a spreadsheet cell: every CSV (and, later, XLSX) export
goes through here.

A spreadsheet runs a text cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula,
and tab or carriage return let a cell start one after the separator (OWASP, "CSV
Injection"). ``safe_cell`` prefixes such text with a single quote, which the spreadsheet
shows as text and does not run; numbers stay numbers (``-250.00`` written as a number is
still ``-250.00``), and only ``str`` cells are changed.
"""

import csv
import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """``value`` as an export cell: text that a spreadsheet would run gets a leading ``'``.
    Text that is a plain number ("-250.00", "-1e3") is a number to the spreadsheet, not a
    formula, and is left as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list:
    """Each cell of ``row`` through ``safe_cell``."""
    return [safe_cell(value) for value in row]


class _Echo:
    """A file that hands back what is written to it, for streamed responses."""

    def write(self, value):
        return value


class ExportWriter:
    """``csv.writer`` whose rows pass through ``safe_row``; ``writerow`` returns the line
    written (with no file, the line itself, so a generator can yield it)."""

    def __init__(self, file=None, **fmtparams):
        self._writer = csv.writer(_Echo() if file is None else file, **fmtparams)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(file=None, **fmtparams) -> ExportWriter:
    """The export CSV writer: into ``file``, or, without one, returning each line."""
    return ExportWriter(file, **fmtparams)

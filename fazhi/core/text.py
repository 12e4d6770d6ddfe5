"""Text at the boundary: refuse control characters and bidi overrides; neutralise spreadsheet cells.

Two dangers of text that crosses a boundary (ADR 0027):

- **Invisible characters.** A NUL breaks PostgreSQL (text cannot hold it) and other C0/C1
  control characters corrupt exports and logs; the bidirectional overrides U+202A–U+202E and
  U+2066–U+2069 make a name or a case number read differently from what is stored ("Trojan
  Source"). ``find_forbidden`` finds them; the Django validator ``check_clean_text``, the pydantic
  type ``CleanStr`` and the request middleware ``fazhi.core.middleware.CleanTextMiddleware``
  refuse them, naming the field; tab, line feed and carriage return stay allowed (text areas).
- **Formula injection.** A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``,
  a tab or a carriage return (OWASP "CSV injection"): an item published as ``=HYPERLINK(…)``
  becomes a link in every downloader's Excel. ``neutralise_cell`` prefixes such a cell with an
  apostrophe; every CSV or XLSX the product writes goes through ``csv_writer`` / ``neutralise_row``.

>>> neutralise_cell("=HYPERLINK(\\"http://x\\")")
'\\'=HYPERLINK("http://x")'
>>> neutralise_cell("-5")
'-5'
>>> find_forbidden("张三\\u202e")
(2, '\\u202e')
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy
from pydantic import AfterValidator

# C0 controls but tab, LF and CR; DEL; C1 controls; bidi embeddings, overrides and isolates.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def find_forbidden(text: str) -> tuple[int, str] | None:
    """Return (position, character) of the first forbidden character of TEXT, or None."""
    found = FORBIDDEN.search(text)
    return (found.start(), found.group()) if found else None


def describe(character: str) -> str:
    """Return how an error names CHARACTER: its code point, e.g. U+202E."""
    return f"U+{ord(character):04X}"


def check_clean_text(value: Any) -> None:
    """Django validator: refuse NUL, other control characters and bidirectional overrides."""
    if not isinstance(value, str):
        return
    found = find_forbidden(value)
    if found is not None:
        raise ValidationError(
            gettext_lazy(
                "含有不允许的不可见字符 %(char)s（第 %(position)s 个字符），请删除后重试。"
            ),
            code="control_character",
            params={"char": describe(found[1]), "position": found[0] + 1},
        )


def _clean(value: str) -> str:
    found = find_forbidden(value)
    if found is not None:
        raise ValueError(
            f"contains the forbidden character {describe(found[1])} at position {found[0] + 1}"
        )
    return value


CleanStr = Annotated[str, AfterValidator(_clean)]


def forbidden_in(data: Any, path: str = "") -> tuple[str, tuple[int, str]] | None:
    """Return (field path, (position, character)) of the first forbidden character in DATA.

    DATA is a JSON value: strings, numbers, lists and objects (keys are checked too).
    """
    if isinstance(data, str):
        found = find_forbidden(data)
        return (path or "__all__", found) if found else None
    if isinstance(data, Mapping):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and (found := find_forbidden(key)):
                return where, found
            if (hit := forbidden_in(value, where)) is not None:
                return hit
    elif isinstance(data, list):
        for index, value in enumerate(data):
            if (hit := forbidden_in(value, f"{path}.{index}" if path else str(index))) is not None:
                return hit
    return None


# --- Spreadsheet cells ---------------------------------------------------------------------------


def neutralise_cell(value: Any) -> Any:
    """Return VALUE safe for a spreadsheet: text that would start a formula gets a leading '.

    Numbers (and text that is only a number, such as ``-5`` or ``+86``) are left alone: a
    spreadsheet reads them as numbers, not formulas.
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if NUMBER.match(value):
        return value
    return "'" + value


def neutralise_row(row: Iterable[Any]) -> list[Any]:
    """Return ROW with each cell neutralised (for csv.writer.writerow or openpyxl's append)."""
    return [neutralise_cell(cell) for cell in row]


class _NeutralisingWriter:
    """A csv.writer whose every cell is neutralised first."""

    def __init__(self, out: Any, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(neutralise_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: Any, **options: Any) -> _NeutralisingWriter:
    """Return a csv.writer on OUT that neutralises every cell (see neutralise_cell)."""
    return _NeutralisingWriter(out, **options)

"""Service history from a dealer management system's export: a CSV file (UTF-8, comma
separated) with the header `vin,date,km,items` and optionally `reference,note`:

    vin,date,km,items,reference,note
    YV1XZ7AAAN1000001,2025-11-28,15100,oil-service cabin-filter,DMS-4411,

- `date` is ISO (2025-11-28); `km` may be empty (the advisor then reads it off the odometer
  history); `items` are maintenance item codes separated by spaces or `|`.
- `reference` (the DMS's order number) makes a line's record unique: importing the same
  file again, or a later export that repeats it, changes nothing. Without it, the line's
  own content is its reference.

The file is stored first (`ServiceImport`), then each line is recorded through
`actions.record_service` (source *imported*); a line that cannot be (an unknown VIN, a bad
date, a distance below the odometer history) is kept in the import's `errors` with its
number, field and reason, and the other lines are still recorded. This module parses only;
it touches no database.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from posventa.customers.validation import normalise_vin

REQUIRED = ("vin", "date", "km", "items")
OPTIONAL = ("reference", "note")


@dataclass(frozen=True)
class HistoryLine:
    line: int
    vin: str
    done_on: dt.date
    km: int | None
    items: tuple[str, ...]
    reference: str
    note: str


@dataclass(frozen=True)
class LineProblem:
    line: int
    field: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "field": self.field, "message": self.message}


def header_problems(text: str) -> list[LineProblem]:
    rows = csv.reader(io.StringIO(text))
    header = [name.strip().lower() for name in next(rows, [])]
    missing = [name for name in REQUIRED if name not in header]
    unknown = [name for name in header if name not in REQUIRED + OPTIONAL]
    problems = []
    if missing:
        problems.append(
            LineProblem(
                1, "header", _("Missing columns: %(names)s.") % {"names": ", ".join(missing)}
            )
        )
    if unknown:
        problems.append(
            LineProblem(
                1, "header", _("Unknown columns: %(names)s.") % {"names": ", ".join(unknown)}
            )
        )
    return problems


def read_lines(text: str) -> Iterator[HistoryLine | LineProblem]:
    """Each data line as a HistoryLine, or the first problem found on it."""
    reader = csv.DictReader(io.StringIO(text))
    reader.fieldnames = [name.strip().lower() for name in reader.fieldnames or []]
    for row in reader:
        line = reader.line_num
        values = {key: (value or "").strip() for key, value in row.items() if key}
        if not any(values.values()):
            continue
        yield _line(line, values)


def _line(line: int, values: dict[str, str]) -> HistoryLine | LineProblem:
    try:
        vin, _check = normalise_vin(values.get("vin", ""))
    except ValidationError as error:
        return LineProblem(line, "vin", "; ".join(error.messages))
    try:
        done_on = dt.date.fromisoformat(values.get("date", ""))
    except ValueError:
        return LineProblem(line, "date", _("Write the date as YYYY-MM-DD."))
    km_text = values.get("km", "").replace(" ", "")
    if km_text and not km_text.isdigit():
        return LineProblem(line, "km", _("Write the distance in whole kilometres, e.g. 30000."))
    items = tuple(values.get("items", "").replace("|", " ").split())
    if not items:
        return LineProblem(line, "items", _("Choose at least one maintenance item."))
    reference = values.get("reference", "") or _content_reference(vin, done_on, items)
    return HistoryLine(
        line=line,
        vin=vin,
        done_on=done_on,
        km=int(km_text) if km_text else None,
        items=items,
        reference=reference[:100],
        note=values.get("note", "")[:500],
    )


def _content_reference(vin: str, done_on: dt.date, items: tuple[str, ...]) -> str:
    digest = hashlib.sha256(f"{vin}|{done_on}|{' '.join(sorted(items))}".encode()).hexdigest()
    return f"line:{digest[:32]}"

"""Plain-SQL lookups by a list of values, for the paths that run per chunk or per request.

The ORM's handling of an `IN (...)` costs about 50 µs a value (each value goes through
the lookup's preparation), which over a CDR chunk of 5,000 rows costs more than the
query itself; building a small ORM query costs 0.3-1 ms, which a webhook request pays a
dozen times. Here the statement is written once and run with the values bound as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.db import connection

T = TypeVar("T")
# SQLite's limit on bound parameters (32766 since 3.32) leaves room for this many values
# and a few others.
BATCH = 10_000


def padded(values: Sequence[T]) -> tuple[str, list[T | None]]:
    """Placeholders for an IN list, padded with NULL (which matches nothing) to a power
    of two. The database driver keeps each distinct statement prepared (sqlite3 keeps
    128), and one compiled for thousands of values weighs hundreds of kilobytes: a new
    length every chunk grew a million-line import by ~90 MB. Padded, a handful serve."""
    size = 1 << max(len(values) - 1, 0).bit_length()
    part: list[T | None] = [*values, *([None] * (size - len(values)))]
    return ", ".join(["%s"] * size), part


def rows_in(sql: str, params: Sequence[Any], values: Iterable[Any]) -> list[tuple[Any, ...]]:
    """The rows of `sql` for every value (each once; None left out): `sql` holds one
    `{marks}` where the IN list goes, after the placeholders of `params`. Run in batches
    of BATCH values."""
    wanted = sorted({value for value in values if value is not None})  # NULL matches nothing
    rows: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(wanted), BATCH):
            marks, part = padded(wanted[start : start + BATCH])
            cursor.execute(sql.format(marks=marks), [*params, *part])
            rows.extend(cursor.fetchall())
    return rows


def table(model: Any) -> str:
    """The quoted table name of a model, for the statements above."""
    return str(connection.ops.quote_name(model._meta.db_table))

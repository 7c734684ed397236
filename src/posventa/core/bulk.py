"""Writing the same columns of many rows, each with its own values, in one round trip.

Django's `bulk_update` builds one CASE WHEN expression per field with a branch per row;
for a few hundred rows that costs tens of milliseconds of query building. Here the
statement is one plain `UPDATE … WHERE pk = %s`, prepared once and executed for every row
with the driver's `executemany` (SQLite loops in C; psycopg pipelines it). Values are
prepared by each field exactly as `save()` prepares them, so JSON, dates and foreign keys
are stored as the ORM stores them.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models
from django.db.models.options import Options


def update_rows(rows: Sequence[models.Model], fields: Sequence[str]) -> None:
    """Store `fields` of each row (all of one model, all saved) as the instances hold them."""
    if not rows:
        return
    meta = rows[0]._meta
    columns = [_concrete_field(meta, name) for name in fields]
    assert meta.pk is not None
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    params = [
        [field.get_db_prep_save(getattr(row, field.attname), connection) for field in columns]
        + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _concrete_field(meta: Options[models.Model], name: str) -> models.Field[object, object]:
    field = meta.get_field(name)
    if not isinstance(field, models.Field) or not field.concrete:
        raise ValueError(f"{meta.label}.{name} is not a column")
    return field


def insert_rows(rows: Sequence[models.Model]) -> None:
    """INSERT new rows (all of one model) with one prepared statement; their primary keys
    are not read back, so this is for rows nothing refers to (the event log)."""
    if not rows:
        return
    meta = rows[0]._meta
    columns = [field for field in meta.concrete_fields if field is not meta.pk]
    quote = connection.ops.quote_name
    names = ", ".join(quote(field.column) for field in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({placeholders})"
    params = [
        [field.get_db_prep_save(field.pre_save(row, add=True), connection) for field in columns]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)

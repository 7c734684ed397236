"""Writing many rows of one model with one prepared statement.

Django's `bulk_create` compiles a multi-row INSERT (split at SQLite's 999 parameters) and
`bulk_update` one CASE WHEN branch per row and field; for the few thousand rows a chunk of
inbound mail writes, building those statements costs more than running them. Here each
statement is plain (`INSERT … VALUES (%s, …)`, `UPDATE … WHERE pk = %s`), prepared once
and run for every row with the driver's `executemany` (SQLite loops in C; psycopg
pipelines it). Values are prepared by each field exactly as `save()` prepares them
(`pre_save`, then `get_db_prep_save`), so JSON, dates, defaults and foreign keys are stored
as the ORM stores them. New rows get their primary keys reserved up front
(`reserve_keys`), so rows inserted later in the same transaction can point at them.
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


def insert_new(rows: Sequence[models.Model]) -> None:
    """INSERT new rows (all of one model), each given a reserved primary key first, as
    `bulk_create` would leave them (saved, keys set). Foreign keys to instances saved
    earlier in the transaction are picked up as `save()` picks them up."""
    if not rows:
        return
    meta = rows[0]._meta
    for row, key in zip(rows, reserve_keys(meta, len(rows)), strict=True):
        # What save() and bulk_create() do first (private, stable since Django 3.0): copy
        # the key of a related instance saved since it was assigned, refuse an unsaved one.
        row._prepare_related_fields_for_save(operation_name="insert_new")  # type: ignore[attr-defined]
        row.pk = key
    _insert(rows, list(meta.concrete_fields))
    for row in rows:
        row._state.adding = False
        row._state.db = connection.alias


def reserve_keys(meta: Options[models.Model], count: int) -> list[int]:
    """`count` primary keys no other row has or will get, in increasing order.

    PostgreSQL: taken from the column's sequence. SQLite: the keys after the largest ever
    used (the AUTOINCREMENT counter), which only the transaction holding the write lock may
    reserve; Posventa's SQLite transactions take it when they begin (IMMEDIATE), and the
    counter moves past the keys only as the rows are inserted, so insert them at once, before
    anything else in the transaction inserts into the table (`insert_new` does).
    """
    assert meta.pk is not None
    table, column = meta.db_table, meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, count],
            )
            return sorted(int(row[0]) for row in cursor.fetchall())
        if not connection.in_atomic_block:
            raise RuntimeError("SQLite keys can only be reserved inside a transaction")
        quote = connection.ops.quote_name
        cursor.execute(
            f"SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
            f"COALESCE((SELECT MAX({quote(column)}) FROM {quote(table)}), 0))",
            [table],
        )
        last = int(cursor.fetchone()[0])
    return list(range(last + 1, last + count + 1))


def insert_rows(rows: Sequence[models.Model]) -> None:
    """INSERT new rows (all of one model) with one prepared statement; their primary keys
    are not read back, so this is for rows nothing refers to (the event log)."""
    if not rows:
        return
    meta = rows[0]._meta
    _insert(rows, [field for field in meta.concrete_fields if field is not meta.pk])


def _insert(rows: Sequence[models.Model], columns: list[models.Field[object, object]]) -> None:
    meta = rows[0]._meta
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

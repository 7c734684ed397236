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

Preparing values the ORM's way costs a few microseconds per field (`to_python`, checks,
the backend's adapter), which, over the two dozen columns of a clock row and thousands of
rows, costs more than the INSERTs themselves. `RowPreparer` therefore takes a shortcut
where it gives the same value: for Django's own plain field classes (exactly those classes,
never a subclass that may prepare values its own way), a value that already has the
column's Python type (`str` for text, `int` for an integer or a key to an integer key,
`bool`, a `dict` for JSON, an aware `datetime`) needs only what `get_db_prep_save` ends
with, the backend's adapter. Every other value and field goes the ORM's way.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import signals
from django.db.models.base import ModelState
from django.db.models.options import Options

Field = models.Field[Any, Any]
M = TypeVar("M", bound=models.Model)


# Exactly these classes (never a subclass): a value of the given type needs no preparing
# but the backend's own adapter, which `RowPreparer` still applies.
_TEXT_FIELDS = {models.CharField, models.TextField, models.SlugField, models.EmailField}
_AUTO_FIELDS = {models.AutoField, models.BigAutoField, models.SmallAutoField}
_INTEGER_FIELDS = {
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveBigIntegerField,
    models.PositiveSmallIntegerField,
}
_KEY_FIELDS = (models.ForeignKey, models.OneToOneField)


def new_row(model: type[M], **values: Any) -> M:
    """`model(**values)`, the same unsaved instance, built without the generic work of
    `Model.__init__` (matching every keyword against every field, one `get_default` call
    and a `KeyError` per field not given), which costs 5 to 14 µs a row where filling the
    instance's attributes costs 1 or 2: an inbound chunk builds a dozen rows a message.

    Same result, attribute for attribute (tests/core/test_bulk.py checks it per model):
    defaults as `get_default` gives them (a callable default is called only for a field
    not given), a related instance set through its descriptor exactly as `__init__` sets
    it. Anything else (a property or a generic key among `values`, a model with
    `pre_init`/`post_init` receivers) is built by `model(**values)` itself."""
    blueprint = _blueprints.get(model) or _blueprint(model)
    if not blueprint.accepts(values) or _has_init_receivers(model):
        return model(**values)
    row = model.__new__(model)
    row._state = ModelState()
    attributes = row.__dict__
    attributes.update(blueprint.constants)
    for attname, make in blueprint.made:
        if attname not in values:
            attributes[attname] = make()
    for name, value in values.items():
        if name in blueprint.relations:
            setattr(row, name, value)  # the descriptor: key, cache and checks, as __init__
        else:
            attributes[name] = value
    return row


@dataclass
class _Blueprint:
    """What `new_row` needs to know of a model, worked out once."""

    constants: dict[str, Any]  # attname → its default, the same value every time
    made: list[tuple[str, Callable[[], Any]]]  # attname → `get_default`, for a callable
    relations: frozenset[str]  # names of foreign keys, set through their descriptors
    names: frozenset[str]  # every name `new_row` takes: attnames and foreign keys

    def accepts(self, values: dict[str, Any]) -> bool:
        return values.keys() <= self.names


_blueprints: dict[type[models.Model], _Blueprint] = {}


def _blueprint(model: type[models.Model]) -> _Blueprint:
    fields = model._meta.concrete_fields
    constants: dict[str, Any] = {}
    made: list[tuple[str, Callable[[], Any]]] = []
    for field in fields:
        if field.has_default() and callable(field.default):
            made.append((field.attname, field.get_default))
        else:  # a plain default, or None, or "" (`Field._get_default`)
            constants[field.attname] = field.get_default()
    relations = frozenset(field.name for field in fields if field.is_relation)
    blueprint = _Blueprint(
        constants=constants,
        made=made,
        relations=relations,
        names=frozenset(field.attname for field in fields) | relations,
    )
    _blueprints[model] = blueprint
    return blueprint


def _has_init_receivers(model: type[models.Model]) -> bool:
    if not signals.pre_init.receivers and not signals.post_init.receivers:
        return False  # nothing listens to any model (as a rule): no need to ask per model
    return signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model)


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
    prepare = RowPreparer(columns, _database(), pre_save=False)
    params = [[*prepare(row), row.pk] for row in rows]
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
    prepare = RowPreparer(columns, _database(), pre_save=True)
    params = [prepare(row) for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _database() -> BaseDatabaseWrapper:
    """This thread's connection itself: every attribute read through the `connection`
    proxy looks the connection up again, which adds up over a few hundred thousand values."""
    return connections[DEFAULT_DB_ALIAS]


class RowPreparer:
    """Gives a row's database values for `columns`: `get_db_prep_save` of each value
    (after `pre_save(add=True)` when `pre_save`), by the shortcut described above where it
    applies. Built once per statement; the values of a row are read in one
    `attrgetter` call and checked column by column in one loop, because a function call
    per value is what this module exists to avoid."""

    def __init__(
        self, columns: Sequence[Field], database: BaseDatabaseWrapper, *, pre_save: bool
    ) -> None:
        self.database = database
        self.pre_savers = [field.pre_save for field in columns if pre_save and _fills(field)]
        names = [field.attname for field in columns]
        self.read = _attributes_getter(names)
        # (position, type, adapter or None when the value is stored as it is, ORM's way)
        self.shortcuts: list[tuple[int, type, Callable[[Any], Any] | None, Preparer]] = []
        # Datetimes: an aware one needs only `adapt_moment` (None: stored as it is).
        self.moments: list[tuple[int, Preparer]] = []
        self.adapt_moment = _moment_adapter(database)
        self.orm_way: list[tuple[int, Preparer]] = []
        for position, field in enumerate(columns):
            prepare = field.get_db_prep_save
            if type(field) is models.DateTimeField:
                self.moments.append((position, prepare))
            elif (shortcut := _shortcut(field, database)) is None:
                self.orm_way.append((position, prepare))
            else:
                kind, adapt = shortcut
                self.shortcuts.append((position, kind, adapt, prepare))

    def __call__(self, row: models.Model) -> list[Any]:
        for pre_save in self.pre_savers:
            pre_save(row, True)  # sets the attribute (auto_now and the like)
        values = self.read(row)
        database = self.database
        for position, prepare in self.orm_way:
            values[position] = prepare(values[position], database)
        for position, kind, adapt, prepare in self.shortcuts:
            value = values[position]
            if value is None:
                continue
            if type(value) is not kind:
                values[position] = prepare(value, database)  # the ORM's way
            elif adapt is not None:
                values[position] = adapt(value)
        adapt_moment = self.adapt_moment
        for position, prepare in self.moments:
            moment = values[position]
            if moment is None:
                continue
            if type(moment) is not dt.datetime or moment.tzinfo is None:
                values[position] = prepare(moment, database)  # naive: the ORM warns
            elif adapt_moment is not None:
                values[position] = adapt_moment(moment)
        return values


Preparer = Callable[[Any, BaseDatabaseWrapper], Any]


def _attributes_getter(names: list[str]) -> Callable[[models.Model], list[Any]]:
    if len(names) == 1:
        (name,) = names
        return lambda row: [getattr(row, name)]
    many = operator.attrgetter(*names)
    return lambda row: list(many(row))


def _fills(field: Field) -> bool:
    """Whether `pre_save(add=True)` may give something other than the attribute."""
    if type(field).pre_save is models.Field.pre_save:
        return False
    if type(field).pre_save is models.DateField.pre_save:  # fills auto_now(_add) only
        return bool(field.auto_now or field.auto_now_add)  # type: ignore[attr-defined]
    return True


def _shortcut(
    field: Field, database: BaseDatabaseWrapper
) -> tuple[type, Callable[[Any], Any] | None] | None:
    """(the Python type, the backend adapter, None where it would return the value as
    it is) that prepare `field`'s values of that type exactly as `get_db_prep_save`
    does; None where there is no such shortcut."""
    ops = database.ops
    field_class = type(field)
    if field_class in _KEY_FIELDS:
        # A key is prepared by the key it points at; "" would be stored as NULL.
        target = field.target_field  # type: ignore[attr-defined]
        if type(target) in _AUTO_FIELDS:
            return int, _auto_key_adapter(ops)
        # A key to a plain text key (a clock's standard, by its code) is that text.
        return (str, None) if type(target) in _TEXT_FIELDS and target.primary_key else None
    if field_class in _TEXT_FIELDS:
        return str, None
    if field_class is models.BooleanField:
        return bool, None
    if field_class is models.JSONField:
        # What `get_db_prep_save` ends with for a plain dict (events carry one each).
        encoder = field.encoder  # type: ignore[attr-defined]
        return dict, lambda value: ops.adapt_json_value(value, encoder)
    if field_class in _AUTO_FIELDS:
        return int, _auto_key_adapter(ops)
    if field_class in _INTEGER_FIELDS:
        if _overrides(ops, "adapt_integerfield_value"):  # PostgreSQL: typed integers
            internal_type = field.get_internal_type()
            return int, lambda value: ops.adapt_integerfield_value(value, internal_type)
        return int, None
    return None  # (an aware datetime only needs the backend's adapter: see RowPreparer)


def _moment_adapter(database: BaseDatabaseWrapper) -> Callable[[dt.datetime], Any] | None:
    """What `adapt_datetimefield_value` does to an aware datetime, None where it returns
    it as it is. Django's own PostgreSQL adapter does (psycopg sends it with its zone);
    Django's own SQLite adapter gives the naive time in the connection's zone as text,
    which is computed here without the per-call checks of settings and of awareness (the
    caller only passes aware datetimes). Any other backend keeps its own adapter."""
    adapter = type(database.ops).adapt_datetimefield_value
    home = f"{adapter.__module__}.{adapter.__qualname__}"
    if (
        home
        == "django.db.backends.postgresql.operations.DatabaseOperations.adapt_datetimefield_value"
    ):
        return None
    if (
        home == "django.db.backends.sqlite3.operations.DatabaseOperations.adapt_datetimefield_value"
        and settings.USE_TZ
    ):
        zone = database.timezone

        def naive_text(moment: dt.datetime) -> str:
            if moment.tzinfo is dt.UTC and zone is dt.UTC:
                return str(moment)[:-6]  # without its "+00:00": no copy of the datetime
            return str(moment.astimezone(zone).replace(tzinfo=None))

        return naive_text
    return database.ops.adapt_datetimefield_value


def _auto_key_adapter(ops: BaseDatabaseOperations) -> Callable[[Any], Any] | None:
    return ops.validate_autopk_value if _overrides(ops, "validate_autopk_value") else None


def _overrides(ops: BaseDatabaseOperations, name: str) -> bool:
    """Whether the backend adapts values its own way (the base class returns them as they
    are)."""
    return getattr(type(ops), name) is not getattr(BaseDatabaseOperations, name)

"""The schema keeps no index another one already provides: every write maintains every
index, and inbound mail writes a dozen rows per message."""

from __future__ import annotations

from django.apps import apps
from django.db import models


def _column_lists(model: type[models.Model]) -> tuple[list[tuple[str, ...]], list[str]]:
    """(the column lists of the model's full indexes, its key columns indexed alone)."""
    meta = model._meta
    full: list[tuple[str, ...]] = []
    for index in meta.indexes:
        if index.condition is None and not index.expressions:
            full.append(tuple(meta.get_field(name.lstrip("-")).column for name in index.fields))
    for constraint in meta.constraints:
        unique = isinstance(constraint, models.UniqueConstraint)
        if unique and constraint.condition is None and constraint.fields:
            full.append(tuple(meta.get_field(name).column for name in constraint.fields))
    for together in meta.unique_together:
        full.append(tuple(meta.get_field(name).column for name in together))
    alone = [
        field.column
        for field in meta.local_concrete_fields
        if field.db_index and not field.unique and not field.primary_key
    ]
    return full, alone


def test_no_key_column_is_indexed_alone_where_a_composite_index_starts_with_it() -> None:
    redundant = []
    for config in apps.get_app_configs():
        if not config.name.startswith("posventa."):
            continue
        for model in config.get_models():
            full, alone = _column_lists(model)
            for column in alone:
                covering = [
                    columns for columns in full if len(columns) > 1 and columns[0] == column
                ]
                if covering:
                    redundant.append(f"{model._meta.label}.{column} (see {covering[0]})")
    assert redundant == []

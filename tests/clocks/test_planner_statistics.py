"""The waiting list's owner filter relies on PostgreSQL knowing that owners belong to sites."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="extended statistics are PostgreSQL's"
)
def test_migrations_teach_postgresql_that_a_clocks_owner_depends_on_its_site() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT stxkind FROM pg_statistic_ext WHERE stxname = 'clock_site_owner'")
        row = cursor.fetchone()
    assert row is not None, "migration clocks 0007 did not create the statistics"
    assert set(row[0]) >= {"d", "f"}  # functional dependencies and n-distinct

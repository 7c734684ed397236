"""Inbound processing must cost the same on the millionth message as on the first: every
row it reads is found through an index, never by scanning a table that grows with the
traffic (raw messages, messages, cases, customers, contact points, clocks, events).

SQLite's planner only uses a partial index when the query repeats the index's condition,
and a composite index only from its first column on, so a harmless-looking filter can
turn into a scan of every message of the dealer group. These tests read the plan of each
distinct SELECT the inbound paths run (SQLite: `EXPLAIN QUERY PLAN`; on PostgreSQL the
planner rightly prefers sequential scans of the test's tiny tables, so it proves nothing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from posventa.core.models import Site
from posventa.inbox.actions import ingest
from posventa.inbox.batch import ingest_many
from tests.inbox.test_batch_ingest import _single, _site, _traffic

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plans")

# Tables that grow with the traffic: none may be scanned.
GROWING_TABLES = {
    "inbox_inboundraw",
    "inbox_message",
    "inbox_attachment",
    "cases_case",
    "customers_customer",
    "customers_contactpoint",
    "clocks_clock",
    "core_event",
    "outbox_notification",
}


def _selects_run_by(work: Callable[[], Any]) -> dict[str, Any]:
    selects: dict[str, Any] = {}

    def keep(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.lstrip().upper().startswith("SELECT"):
            selects.setdefault(sql, params)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        work()
    return selects


def _reads_a_growing_table_whole(step: str) -> bool:
    """ "SCAN t" reads every row, "SCAN t USING INDEX i" the whole index; a search on the
    dealer group alone reads every row of the group."""
    words = step.split()
    if len(words) < 2 or words[1] not in GROWING_TABLES:
        return False
    return words[0] == "SCAN" or step.endswith("(organisation_id=?)")


def _scans(selects: dict[str, Any]) -> list[str]:
    found = []
    with connection.cursor() as cursor:
        for sql, params in selects.items():
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            for step in (row[3] for row in cursor.fetchall()):
                if _reads_a_growing_table_whole(step):
                    found.append(f"{step}\n    in {sql[:200]}")
    return found


def test_a_batch_of_mixed_traffic_finds_every_row_it_reads_through_an_index(db: None) -> None:
    site = _site("alfa")
    selects = _selects_run_by(lambda: ingest_many(_traffic(site)))

    assert len(selects) > 10  # the traffic took the planned path and its detours
    assert _scans(selects) == []


def test_one_message_at_a_time_finds_every_row_it_reads_through_an_index(db: None) -> None:
    site = _site("beta")
    selects = _selects_run_by(lambda: _single(_traffic(site)))

    assert len(selects) > 10
    assert _scans(selects) == []


def test_a_reply_to_an_unknown_site_is_looked_up_through_the_thread_index(
    madrid: Site,
) -> None:
    first = ingest("email", _traffic(madrid)[0].raw, source="smtp", site=madrid)
    reply = (
        b"From: Ana Prueba <ana.prueba@example.net>\r\nTo: nadie@desconocido.example\r\n"
        b"Subject: Re: Ruido al frenar\r\nMessage-ID: <r1@example.net>\r\n"
        b"In-Reply-To: <m1@madrid.example>\r\n\r\nSigue sonando.\r\n"
    )

    selects = _selects_run_by(lambda: ingest("email", reply, source="smtp"))

    assert first.status == "processed"
    assert _scans(selects) == []


def test_recovering_a_backlog_reads_the_pending_rows_through_their_own_index(
    madrid: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.utils import timezone

    from posventa.inbox.batch import store_many
    from posventa.inbox.recovery import process_pending

    store_many(_traffic(madrid))
    later = timezone.now() + dt.timedelta(minutes=2)
    monkeypatch.setattr(timezone, "now", lambda: later)

    selects = _selects_run_by(process_pending)

    pages = [sql for sql in selects if '"inbox_inboundraw"."status" = ' in sql and "LIMIT" in sql]
    assert pages and _scans(selects) == []
    with connection.cursor() as cursor:
        for sql in pages:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, selects[sql])
            assert any("inbound_pending" in row[3] for row in cursor.fetchall()), sql

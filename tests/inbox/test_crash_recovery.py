"""Rows a crash left pending (stored, never processed) are recovered by the sweeper's
housekeeping, `inbox.recovery.process_pending`: the whole backlog in one run, through the
batch path, with the outcome one message at a time gives; bounded in time so the sweeper
goes back to sweeping; never the rows a live process has just stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from posventa.core.models import Site
from posventa.inbox.actions import process_inbound
from posventa.inbox.batch import store_many
from posventa.inbox.models import InboundRaw, InboundStatus
from posventa.inbox.recovery import DRAIN_LOCK_KEY, process_pending
from tests.inbox.test_batch_ingest import FROZEN, _site, _snapshot, _traffic
from tests.inbox.test_parse_ahead import _assert_same, _round

LATER = FROZEN + dt.timedelta(minutes=2)  # the sweeper's run, after the grace period


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[dt.datetime], None]:
    def set_now(at: dt.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: at)

    return set_now


def _crash_after_storing(site: Site, rounds: int) -> list[InboundRaw]:
    """The mixed traffic of test_batch_ingest `rounds` times over as new messages, stored
    (one commit, as `ingest_many` stores a fetch) by a process that died right after."""
    traffic = _traffic(site)
    items = traffic + [item for n in range(1, rounds) for item in _round(traffic, site, n)]
    return store_many(items)


def _pending(site: Site) -> int:
    return InboundRaw.objects.filter(site=site, status=InboundStatus.PENDING).count()


def test_a_backlog_of_500_rows_is_recovered_in_one_run_as_one_by_one_processing_would(
    db: None, clock: Callable[[dt.datetime], None]
) -> None:
    alone, together = _site("alfa"), _site("beta")
    clock(FROZEN)
    expected_rows = _crash_after_storing(alone, rounds=28)
    clock(LATER)
    by_pk = {row.pk: row for row in expected_rows}
    for row in by_pk.values():  # in arrival order, one transaction each
        process_inbound(row)
    clock(FROZEN)
    got_rows = _crash_after_storing(together, rounds=28)
    backlog = _pending(together)
    clock(LATER)

    # A budget no loaded test machine exhausts: this test is about draining, not speed
    # (the next one is about the budget; bench/recover_pending.py measures the speed).
    looked_at = process_pending(budget=dt.timedelta(minutes=10))

    assert backlog >= 500 and looked_at == backlog
    assert _pending(together) == 0
    _assert_same(
        _snapshot(alone.organisation, expected_rows), _snapshot(together.organisation, got_rows)
    )


def test_a_run_stops_when_its_budget_is_spent_and_the_next_one_continues(
    db: None, clock: Callable[[dt.datetime], None], settings: Any
) -> None:
    settings.POSVENTA_INBOUND_CHUNK = 10
    site = _site("beta")
    clock(FROZEN)
    rows = _crash_after_storing(site, rounds=2)
    pending = sorted({row.pk for row in rows if row.status == InboundStatus.PENDING})
    clock(LATER)

    first = process_pending(budget=dt.timedelta(0))  # one chunk, then the budget is spent

    assert first == 10
    still = set(
        InboundRaw.objects.filter(status=InboundStatus.PENDING).values_list("pk", flat=True)
    )
    assert still == set(pending[10:])  # the oldest went first
    left = len(pending) - 10
    expected = [min(10, left - done) for done in range(0, left, 10)] + [0]
    runs = [process_pending(budget=dt.timedelta(0)) for _run in expected]
    assert runs == expected
    assert _pending(site) == 0


def test_rows_a_live_process_has_just_stored_are_left_to_it(
    db: None, clock: Callable[[dt.datetime], None]
) -> None:
    site = _site("beta")
    clock(FROZEN)
    _crash_after_storing(site, rounds=1)
    backlog = _pending(site)

    clock(FROZEN + dt.timedelta(seconds=59))
    assert process_pending() == 0
    assert _pending(site) == backlog

    clock(FROZEN + dt.timedelta(seconds=61))
    assert process_pending() == backlog
    assert _pending(site) == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's advisory lock")
def test_while_another_process_drains_the_backlog_a_second_one_leaves_it_alone(
    db: None, clock: Callable[[dt.datetime], None]
) -> None:
    site = _site("beta")
    clock(FROZEN)
    _crash_after_storing(site, rounds=1)
    backlog = _pending(site)
    clock(LATER)
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s, %s)", DRAIN_LOCK_KEY)

        assert process_pending() == 0
        assert _pending(site) == backlog

        other.execute("SELECT pg_advisory_unlock(%s, %s)", DRAIN_LOCK_KEY)
    assert process_pending() == backlog

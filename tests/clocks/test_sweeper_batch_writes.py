"""A batch of escalations writes its notifications and events in a few statements: the
same number of queries for 3 due clocks as for 30, each step still with its event and one
notification per recipient, and a dedupe key already used is not written twice."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from posventa.clocks import actions
from posventa.clocks.sweeper import sweep
from posventa.core.models import Event, Site, User
from posventa.outbox.actions import build_user_notification, queue_notifications
from posventa.outbox.models import Notification
from tests.clocks.conftest import madrid_at

START, WARN = madrid_at(2, 9), madrid_at(2, 9, 45)


def start_many(
    site: Site, new_subject: Callable[[Site], models.Model], owner: User, count: int
) -> None:
    for _ in range(count):
        actions.start_clock(
            "INFO-WEB", subject=new_subject(site), site=site, owner=owner, started_at=START
        )


def queries_of_a_sweep() -> int:
    with CaptureQueriesContext(connection) as captured:
        stats = sweep(WARN, batch_size=100)
    assert stats.steps > 0
    return len(captured)


# On SQLite writers are serialised and each clock is claimed in its own short transaction
# (clocks/sweeper.py), so only PostgreSQL writes a whole batch at once.
@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="batches are PostgreSQL's")
def test_a_sweep_costs_the_same_queries_for_3_due_clocks_as_for_30(
    madrid: Site, new_subject: Callable[[Site], models.Model], agent: User
) -> None:
    start_many(madrid, new_subject, agent, 1)
    queries_of_a_sweep()  # warms the per-process caches (content types, catalogue)
    start_many(madrid, new_subject, agent, 3)
    few = queries_of_a_sweep()
    Notification.objects.all().delete()
    start_many(madrid, new_subject, agent, 30)
    many = queries_of_a_sweep()
    assert many == few
    assert Notification.objects.filter(recipient=agent).count() == 30
    assert Event.objects.filter(verb="clock.warned").count() == 34
    assert Event.objects.filter(verb="notification.queued").count() == 34


def test_queueing_skips_a_dedupe_key_already_used(agent: User, madrid: Site) -> None:
    def built(key: str) -> Notification:
        return build_user_notification(
            agent, subject="Aviso", body="Texto", site=madrid, dedupe_key=key
        )

    first = queue_notifications([built("k:1")])
    again = queue_notifications([built("k:1"), built("k:2"), built("k:2")])
    assert [row.dedupe_key for row in first] == ["k:1"]
    assert [row.dedupe_key for row in again] == ["k:2"]
    assert Notification.objects.count() == 2

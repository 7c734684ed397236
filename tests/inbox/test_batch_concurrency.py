"""Batches processed at the same time (two pollers, a poller and the housekeeping job) on
PostgreSQL: every message processed exactly once, one customer per new address.

SQLite runs write transactions one at a time (IMMEDIATE mode), so these races only exist
on PostgreSQL: rows are claimed with FOR UPDATE SKIP LOCKED and new addresses are
serialised with advisory locks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from posventa.cases.models import Case
from posventa.core.models import Site
from posventa.customers.models import Customer
from posventa.inbox.batch import InboundItem, ingest_many, process_many, store_many
from posventa.inbox.models import InboundRaw, InboundStatus, Message
from tests.inbox.factories import email_bytes

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def _mail(site: Site, sender: int, number: int) -> InboundItem:
    raw = email_bytes(
        from_=f"Cliente {sender} <cliente{sender}@example.net>",
        to="taller@madrid.example",
        subject=f"Consulta {sender}",
        message_id=f"<race-{number}@example.net>",
    )
    return InboundItem("email", raw, source="imap", site=site)


def _race(workers: list[Callable[[], object]]) -> None:
    barrier = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def run(work: Callable[[], object]) -> None:
        try:
            barrier.wait()
            work()
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []


def test_two_workers_on_the_same_stored_rows_process_each_row_once(
    madrid: Site, settings: object
) -> None:
    settings.POSVENTA_INBOUND_CHUNK = 7  # type: ignore[attr-defined]
    rows = store_many([_mail(madrid, sender, sender) for sender in range(40)])

    _race([lambda: process_many(rows), lambda: process_many(rows)])

    assert set(InboundRaw.objects.values_list("status", flat=True)) == {InboundStatus.PROCESSED}
    assert set(InboundRaw.objects.values_list("attempts", flat=True)) == {1}
    assert Message.objects.filter(direction="inbound").count() == 40
    assert Case.objects.count() == 40


def test_two_fetches_from_the_same_new_senders_make_one_customer_each(madrid: Site) -> None:
    first = [_mail(madrid, sender, sender) for sender in range(30)]
    second = [_mail(madrid, sender, 100 + sender) for sender in range(30)]

    _race([lambda: ingest_many(first), lambda: ingest_many(second)])

    assert Customer.objects.count() == 30
    assert Case.objects.count() == 30  # the second message of each sender is a follow-up
    assert Message.objects.filter(direction="inbound", is_chase=True).count() == 30
    assert set(InboundRaw.objects.values_list("status", flat=True)) == {InboundStatus.PROCESSED}

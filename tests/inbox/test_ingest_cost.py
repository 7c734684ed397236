"""What processing one inbound e-mail costs in database work, and that batching it changed
nothing a person sees: the same rows, events and clocks as one statement at a time."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from posventa.cases.models import Case
from posventa.clocks.actions import open_clocks_for
from posventa.core.events import timeline
from posventa.core.models import Site
from posventa.inbox.models import InboundStatus, MessageKind
from tests.inbox.factories import case_of, receive_email

# The budget the ingestion benchmark (bench/ingest.py) was tuned to, with a little slack
# (PostgreSQL adds one advisory lock per identification).
NEW_CASE_QUERIES = 22
FOLLOW_UP_QUERIES = 14


def test_a_first_e_mail_opens_its_case_in_a_bounded_number_of_queries(madrid: Site) -> None:
    # The site's first case also fills the per-process caches and its reference counter.
    receive_email(madrid, from_="Otro Cliente <otro.cliente@example.net>")
    with CaptureQueriesContext(connection) as queries:
        raw = receive_email(madrid, from_="Ana Prueba <ana.prueba@example.net>")

    assert raw.status == InboundStatus.PROCESSED
    assert len(queries.captured_queries) <= NEW_CASE_QUERIES


def test_a_follow_up_is_filed_in_a_bounded_number_of_queries(madrid: Site) -> None:
    receive_email(madrid, from_="ana.prueba@example.net", subject="Ruido al frenar")
    with CaptureQueriesContext(connection) as queries:
        raw = receive_email(madrid, from_="ana.prueba@example.net", subject="Re: Ruido al frenar")

    assert raw.status == InboundStatus.PROCESSED
    assert len(queries.captured_queries) <= FOLLOW_UP_QUERIES
    assert Case.objects.count() == 1
    assert raw.message is not None and raw.message.is_chase


def test_a_new_case_keeps_its_whole_story_in_order(madrid: Site) -> None:
    case = case_of(receive_email(madrid, from_="ana.prueba@example.net"))

    verbs = [event.verb for event in timeline(case)]
    assert verbs == [
        "clock.started",
        "clock.started",
        "clock.started",
        "case.opened",
        "case.acknowledged",
    ]
    standards = [event.data.get("standard") for event in timeline(case)][:3]
    assert standards == ["INFO-COMPLETE", "INFO-WEB", "INFO-WRITTEN"]
    assert {clock.standard_id for clock in open_clocks_for(case)} == set(standards)
    assert all(event.pk is not None for event in timeline(case))
    customer_verbs = [event.verb for event in timeline(case.customer)]
    assert customer_verbs == ["customer.created"]
    ack = case.messages.get(kind=MessageKind.AUTO_ACKNOWLEDGEMENT)
    assert ack.notification is not None
    assert [event.verb for event in timeline(ack.notification)] == ["notification.queued"]

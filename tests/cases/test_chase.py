"""A customer who writes again before we answered is chasing: the reply clock keeps its
anchor on the oldest unanswered message and the case climbs in priority."""

from __future__ import annotations

from posventa.cases import actions
from posventa.cases.models import Priority
from posventa.core.models import Site, User
from tests.cases.helpers import clock
from tests.inbox.factories import case_of, receive_email


def test_a_chase_keeps_the_anchor_and_raises_priority(madrid: Site) -> None:
    case = case_of(receive_email(madrid, subject="Revisión"))
    anchor = clock(case, "INFO-WEB")
    second = receive_email(madrid, subject="Re: Revisión")
    third = receive_email(madrid, subject="RE: Revisión")
    case.refresh_from_db()
    assert case_of(second) == case_of(third) == case
    assert case.chase_count == 2
    assert case.priority == Priority.URGENT
    assert second.message is not None and second.message.is_chase
    latest = clock(case, "INFO-WEB")
    assert latest.pk == anchor.pk
    assert latest.started_at == anchor.started_at
    assert latest.due_at == anchor.due_at


def test_priority_stops_at_urgent(madrid: Site) -> None:
    case = case_of(receive_email(madrid, subject="Revisión"))
    for _ in range(4):
        receive_email(madrid, subject="Re: Revisión")
    case.refresh_from_db()
    assert case.priority == Priority.URGENT and case.chase_count == 4


def test_a_message_after_our_reply_is_not_a_chase(madrid: Site, agent: User) -> None:
    case = case_of(receive_email(madrid, subject="Revisión"))
    first_clock = clock(case, "INFO-WEB")
    actions.reply(case, author=agent, body="¿Qué kilometraje tiene?")
    raw = receive_email(madrid, subject="Re: Revisión")
    case.refresh_from_db()
    assert raw.message is not None and not raw.message.is_chase
    assert case.chase_count == 0 and case.priority == Priority.NORMAL
    new_clock = clock(case, "INFO-WEB")
    assert new_clock.pk != first_clock.pk and new_clock.state == "running"
    assert new_clock.started_at == raw.received_at


def test_a_burst_of_chat_lines_is_one_contact_not_a_chase(madrid: Site) -> None:
    from posventa.inbox.actions import ingest
    from tests.inbox.factories import twilio_body

    first = ingest("sms", twilio_body(sid="SMA", body="Hola"), source="webhook", site=madrid)
    second = ingest(
        "sms",
        twilio_body(sid="SMB", body="¿Está lista la furgoneta?"),
        source="webhook",
        site=madrid,
    )
    case = case_of(first)
    case.refresh_from_db()
    assert case_of(second) == case
    assert second.message is not None and not second.message.is_chase
    assert case.chase_count == 0 and case.priority == Priority.NORMAL


def test_a_text_after_the_burst_window_is_a_chase(madrid: Site, settings) -> None:
    from posventa.inbox.actions import ingest
    from tests.inbox.factories import twilio_body

    settings.POSVENTA_CHAT_BURST_SECONDS = 0
    case = case_of(ingest("sms", twilio_body(sid="SMC"), source="webhook", site=madrid))
    anchor = clock(case, "INFO-WEB")
    later = ingest("sms", twilio_body(sid="SMD", body="¿Hola?"), source="webhook", site=madrid)
    case.refresh_from_db()
    assert later.message is not None and later.message.is_chase
    assert case.chase_count == 1 and case.priority == Priority.HIGH
    assert clock(case, "INFO-WEB").pk == anchor.pk

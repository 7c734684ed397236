"""One case per story: replies find their case by headers, by reference, or by topic."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from posventa.cases import actions
from posventa.cases.models import Case, CaseStatus
from posventa.core.models import Site, User
from posventa.inbox.actions import ingest
from posventa.inbox.models import MessageKind
from posventa.inbox.threading import normalise_subject
from tests.inbox.factories import case_of, form_body, receive_email, twilio_body


def test_it_threads_a_reply_by_in_reply_to(madrid: Site) -> None:
    case = case_of(receive_email(madrid, subject="Cambio de aceite"))
    ack = case.messages.get(kind=MessageKind.AUTO_ACKNOWLEDGEMENT)
    raw = receive_email(madrid, subject="una cosa más", in_reply_to=ack.message_id)
    assert case_of(raw) == case


def test_it_threads_by_references_when_in_reply_to_is_unknown(madrid: Site) -> None:
    first = receive_email(madrid, subject="Neumáticos", message_id="<n1@example.net>")
    raw = receive_email(
        madrid, subject="otra", in_reply_to="<unknown@x>", references="<n1@example.net> <unknown@x>"
    )
    assert case_of(raw) == case_of(first)


def test_it_threads_by_the_reference_in_the_subject(madrid: Site) -> None:
    case = case_of(receive_email(madrid, subject="Garantía"))
    raw = receive_email(
        madrid,
        from_="Otra Persona <otra@example.org>",
        subject=f"Sobre mi caso [{case.reference}] urgente",
    )
    assert case_of(raw) == case


def test_it_threads_same_customer_channel_and_topic(madrid: Site) -> None:
    case = case_of(receive_email(madrid, subject="Ruido al frenar"))
    assert case_of(receive_email(madrid, subject="RE: Fwd: ruido   al frenar")) == case
    assert case_of(receive_email(madrid, subject="Sv: Ruido al frenar")) == case


def test_a_different_subject_opens_a_new_case(madrid: Site) -> None:
    first = case_of(receive_email(madrid, subject="Ruido al frenar"))
    second = case_of(receive_email(madrid, subject="Factura de marzo"))
    assert first != second


def test_another_customer_with_the_same_subject_gets_their_own_case(madrid: Site) -> None:
    first = case_of(receive_email(madrid, subject="Cita"))
    second = case_of(receive_email(madrid, from_="Iker <iker@example.org>", subject="Cita"))
    assert first != second


def test_web_forms_thread_by_department(madrid: Site) -> None:
    first = case_of(ingest("web_form", form_body(department="parts"), source="form", site=madrid))
    same = case_of(
        ingest(
            "web_form",
            form_body(department="parts", message="¿Y bien?"),
            source="form",
            site=madrid,
        )
    )
    other = case_of(ingest("web_form", form_body(department="sales"), source="form", site=madrid))
    assert same == first
    assert other != first
    assert first.department == "parts" and other.department == "sales"


def test_sms_join_any_open_case_of_the_customer_on_that_channel(madrid: Site) -> None:
    first = case_of(ingest("sms", twilio_body(sid="SM1"), source="webhook", site=madrid))
    second = case_of(
        ingest("sms", twilio_body(sid="SM2", body="¿Hola?"), source="webhook", site=madrid)
    )
    assert first == second


def test_a_reply_within_the_window_reopens_a_resolved_case(madrid: Site, agent: User) -> None:
    case = case_of(receive_email(madrid, subject="Revisión"))
    answer = actions.reply(case, author=agent, body="Basta con el líquido de frenos.")
    actions.resolve_case(case, actor=agent, answer=answer)
    raw = receive_email(madrid, subject="Re: Revisión", in_reply_to=answer.message_id)
    case.refresh_from_db()
    assert case_of(raw) == case
    assert case.status == CaseStatus.OPEN
    assert case.resolved_at is None
    assert {c.standard_id for c in actions.clocks.open_clocks_for(case)} >= {
        "INFO-COMPLETE",
        "INFO-WEB",
    }


def test_a_reply_after_the_window_opens_a_linked_case(madrid: Site, agent: User) -> None:
    case = case_of(receive_email(madrid, subject="Revisión"))
    answer = actions.reply(case, author=agent, body="Basta con el líquido de frenos.")
    actions.resolve_case(case, actor=agent, answer=answer)
    Case.objects.filter(pk=case.pk).update(resolved_at=timezone.now() - dt.timedelta(days=30))
    raw = receive_email(madrid, subject="Re: Revisión", in_reply_to=answer.message_id)
    new_case = case_of(raw)
    assert new_case != case
    assert new_case.previous_case == case
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED


def test_a_reply_to_a_closed_case_opens_a_linked_case(madrid: Site, agent: User) -> None:
    case = case_of(receive_email(madrid, subject="Revisión"))
    answer = actions.reply(case, author=agent, body="Basta con el líquido de frenos.")
    actions.resolve_case(case, actor=agent, answer=answer)
    actions.close_case(case, actor=agent)
    raw = receive_email(madrid, subject=f"Otra vez [{case.reference}]")
    assert case_of(raw).previous_case == case
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CLOSED


def test_a_resolved_case_is_not_joined_by_topic(madrid: Site, agent: User) -> None:
    case = case_of(receive_email(madrid, subject="Revisión"))
    answer = actions.reply(case, author=agent, body="Hecho.")
    actions.resolve_case(case, actor=agent, answer=answer)
    assert case_of(receive_email(madrid, subject="Revisión")) != case


def test_a_reply_by_headers_finds_the_site_when_the_adapter_does_not(madrid: Site) -> None:
    case = case_of(receive_email(madrid))
    ack = case.messages.get(kind=MessageKind.AUTO_ACKNOWLEDGEMENT)
    raw = ingest("email", _reply_to(ack.message_id), source="smtp")
    assert case_of(raw) == case


def _reply_to(message_id: str) -> bytes:
    from tests.inbox.factories import email_bytes

    return email_bytes(to="unknown@elsewhere.example", in_reply_to=message_id)


@pytest.mark.parametrize(
    ("subject", "topic"),
    [
        ("Re: Revisión", "revisión"),
        ("RE: FW: Revisión", "revisión"),
        ("Sv: VS: Revisión", "revisión"),
        ("RV: Revisión", "revisión"),
        ("AW: WG: Revisión", "revisión"),
        ("Re[2]: Revisión [MAD-2026-00042]", "revisión"),
        ("[MAD-2026-00042] Re: Revisión", "revisión"),
        ("Revisión: frenos", "revisión: frenos"),
    ],
)
def test_the_topic_strips_reply_prefixes_and_references(subject: str, topic: str) -> None:
    assert normalise_subject(subject) == topic


def test_a_new_case_is_named_without_reply_prefixes(madrid: Site) -> None:
    case = case_of(receive_email(madrid, subject="RE: Fwd: Cambio de  aceite"))
    assert case.subject == "Cambio de aceite"

"""A case closes only with a stated answer (INFO-COMPLETE); the customer can reopen it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from posventa.cases import actions
from posventa.cases.models import Case, CaseStatus
from posventa.core.models import Site, User
from posventa.inbox.models import MessageKind
from posventa.outbox.models import Notification, NotificationStatus
from tests.cases.helpers import clock
from tests.inbox.factories import case_of, receive_email


def refused(case: Case, actor: User, answer: object) -> str:
    with pytest.raises(ValidationError) as error:
        actions.resolve_case(case, actor=actor, answer=answer)  # type: ignore[arg-type]
    return " ".join(error.value.message_dict["answer"])


def test_resolving_is_refused_without_an_answer(email_case: Case, agent: User) -> None:
    assert refused(email_case, agent, None)
    assert Case.objects.get(pk=email_case.pk).status == CaseStatus.NEW


def test_an_automatic_acknowledgement_is_not_an_answer(email_case: Case, agent: User) -> None:
    ack = email_case.messages.get(kind=MessageKind.AUTO_ACKNOWLEDGEMENT)
    assert "person" in refused(email_case, agent, ack)


def test_an_internal_note_is_not_an_answer(email_case: Case, agent: User) -> None:
    note = actions.add_internal_note(email_case, author=agent, body="Resuelto, creo.")
    assert refused(email_case, agent, note)


def test_the_customers_own_message_is_not_an_answer(email_case: Case, agent: User) -> None:
    inbound = email_case.messages.get(kind=MessageKind.CUSTOMER_MESSAGE)
    assert refused(email_case, agent, inbound)


def test_a_reply_on_another_case_is_not_an_answer(
    madrid: Site, email_case: Case, agent: User
) -> None:
    other = case_of(receive_email(madrid, from_="Pau <pau@example.org>", subject="Otra"))
    answer = actions.reply(other, author=agent, body="Respuesta a otro caso.")
    assert "another case" in refused(email_case, agent, answer)


def test_an_undeliverable_reply_is_not_an_answer(email_case: Case, agent: User) -> None:
    answer = actions.reply(email_case, author=agent, body="Respuesta.")
    Notification.objects.filter(pk=answer.notification_id).update(status=NotificationStatus.DEAD)
    assert "delivered" in refused(email_case, agent, answer)


def test_a_sent_reply_resolves_and_satisfies_info_complete(email_case: Case, agent: User) -> None:
    answer = actions.reply(email_case, author=agent, body="Solo el líquido de frenos.")
    actions.resolve_case(email_case, actor=agent, answer=answer)
    email_case.refresh_from_db()
    assert email_case.status == CaseStatus.RESOLVED
    assert email_case.resolution_message == answer
    assert email_case.resolved_at is not None
    assert clock(email_case, "INFO-COMPLETE").state == "satisfied"


def test_a_closed_case_cannot_be_reopened_but_a_resolved_one_can(
    email_case: Case, agent: User
) -> None:
    answer = actions.reply(email_case, author=agent, body="Hecho.")
    actions.resolve_case(email_case, actor=agent, answer=answer)
    actions.reopen_case(email_case, actor=agent, reason="Faltaba el presupuesto.")
    assert email_case.status == CaseStatus.OPEN
    assert clock(email_case, "INFO-COMPLETE").state == "running"
    with pytest.raises(ValidationError):
        actions.close_case(email_case, actor=agent)  # not resolved
    answer = actions.reply(email_case, author=agent, body="Presupuesto adjunto.")
    actions.resolve_case(email_case, actor=agent, answer=answer)
    actions.close_case(email_case, actor=agent)
    with pytest.raises(ValidationError) as error:
        actions.reopen_case(email_case, actor=agent)
    assert "status" in error.value.message_dict


def test_resolving_while_waiting_on_the_customer_closes_the_pause(
    email_case: Case, agent: User
) -> None:
    answer = actions.reply(email_case, author=agent, body="¿Le va bien el martes?")
    actions.set_case_status(email_case, CaseStatus.WAITING_CUSTOMER, actor=agent)
    actions.resolve_case(email_case, actor=agent, answer=answer)
    complete = clock(email_case, "INFO-COMPLETE")
    assert complete.state == "satisfied"
    assert all(pause.ended_at is not None for pause in complete.pauses.all())

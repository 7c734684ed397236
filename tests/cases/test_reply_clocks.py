"""What counts as a reply: a person, on the channel the customer asked for."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from posventa.cases import actions
from posventa.cases.models import Case, CaseStatus
from posventa.core.models import User
from posventa.inbox.models import CannedAnswer, MessageKind
from tests.cases.helpers import clock


def test_a_reply_on_the_requested_channel_satisfies_info_web(email_case: Case, agent: User) -> None:
    message = actions.reply(email_case, author=agent, body="Solo el líquido de frenos.")
    assert message.warnings == []
    assert clock(email_case, "INFO-WEB").state == "satisfied"
    assert clock(email_case, "INFO-WRITTEN").state == "satisfied"
    assert clock(email_case, "INFO-COMPLETE").state == "running"
    email_case.refresh_from_db()
    assert email_case.awaiting_reply_since is None
    assert email_case.status == CaseStatus.OPEN


def test_a_reply_on_another_channel_does_not_satisfy_info_web(
    email_case: Case, agent: User
) -> None:
    from posventa.customers.actions import add_contact_point

    add_contact_point(email_case.customer, "phone", "612 00 11 22")
    message = actions.reply(email_case, author=agent, body="Le escribo por SMS.", channel="sms")
    assert message.warnings == [actions.NOT_REQUESTED_CHANNEL]
    assert message.notification is not None and message.notification.channel == "sms"
    assert clock(email_case, "INFO-WEB").state == "running"
    # It is still a human acknowledgement of the written message.
    assert clock(email_case, "INFO-WRITTEN").state == "satisfied"
    email_case.refresh_from_db()
    assert email_case.awaiting_reply_since is not None


def test_an_internal_note_satisfies_nothing(email_case: Case, agent: User) -> None:
    note = actions.add_internal_note(email_case, author=agent, body="Llamar al proveedor.")
    assert note.kind == MessageKind.INTERNAL_NOTE and note.notification is None
    assert clock(email_case, "INFO-WEB").state == "running"
    assert clock(email_case, "INFO-WRITTEN").state == "running"


def test_a_status_change_satisfies_nothing(email_case: Case, agent: User) -> None:
    actions.set_case_status(email_case, CaseStatus.WAITING_THIRD_PARTY, actor=agent)
    assert clock(email_case, "INFO-WEB").state == "running"


def test_an_e_mail_reply_threads_on_the_customers_last_message(madrid, agent: User) -> None:
    from tests.inbox.factories import case_of, receive_email

    case = case_of(receive_email(madrid, subject="Frenos", message_id="<c1@example.net>"))
    receive_email(
        madrid,
        subject="Re: Frenos",
        message_id="<c2@example.net>",
        references="<c1@example.net>",
        in_reply_to="<c1@example.net>",
    )
    message = actions.reply(case, author=agent, body="Ya lo miramos.")
    assert message.in_reply_to == "<c2@example.net>"
    assert message.references == "<c1@example.net> <c2@example.net>"
    assert message.subject == f"Re: Frenos [{case.reference}]"
    notification = message.notification
    assert notification is not None and not notification.automatic
    assert notification.in_reply_to == "<c2@example.net>"
    assert message.message_id == notification.message_id != ""


def test_a_canned_answer_fills_its_placeholders(email_case: Case, agent: User) -> None:
    canned = CannedAnswer.objects.create(
        organisation=email_case.organisation,
        title="Recibido",
        body="Hola {{customer_name}}, su caso {{ reference }} está en marcha.",
    )
    message = actions.reply(email_case, author=agent, canned_answer=canned)
    assert message.body_text == (
        f"Hola {email_case.customer.display_name}, su caso {email_case.reference} está en marcha."
    )


def test_an_empty_reply_is_refused_naming_the_body(email_case: Case, agent: User) -> None:
    with pytest.raises(ValidationError) as error:
        actions.reply(email_case, author=agent, body="  ")
    assert "body" in error.value.message_dict


def test_someone_from_another_site_cannot_reply(email_case: Case, outsider: User) -> None:
    with pytest.raises(ValidationError) as error:
        actions.reply(email_case, author=outsider, body="Hej")
    assert "author" in error.value.message_dict


def test_a_reply_is_on_the_customer_visible_timeline(email_case: Case, agent: User) -> None:
    from posventa.core.events import timeline

    actions.reply(email_case, author=agent, body="Respuesta.")
    actions.add_internal_note(email_case, author=agent, body="Nota interna.")
    events = {event.verb: event.internal for event in timeline(email_case)}
    assert events["case.replied"] is False
    assert events["case.note_added"] is True
    assert events["case.opened"] is False

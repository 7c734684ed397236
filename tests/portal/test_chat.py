"""The chat box: what the customer writes goes through the inbox like any inbound message,
stored raw first, threaded into that case, and it starts or keeps the reply clock."""

from __future__ import annotations

from django.test import Client

from posventa.cases import actions as case_actions
from posventa.cases.models import Case, CaseStatus
from posventa.clocks.models import Clock, ClockState
from posventa.core.models import Site, User
from posventa.customers.models import Customer
from posventa.inbox.models import Direction, InboundRaw, Message, MessageKind
from posventa.portal.links import customer_from_token
from tests.portal.conftest import case_path, sms_case, token_issued_days_ago


def reply_clocks(case: Case) -> list[Clock]:
    return list(
        Clock.objects.filter(subject_id=str(case.pk), standard_id="INFO-WEB").order_by("id")
    )


def portal_messages(case: Case) -> list[Message]:
    return list(case.messages.filter(channel="portal_chat").order_by("id"))


def test_a_chat_message_lands_in_the_case_as_an_inbound_customer_message(
    client: Client, carmen: Customer, carmen_case: Case
) -> None:
    path = case_path(carmen, carmen_case)
    response = client.post(path, {"message": "¿Puedo llevarlo el lunes?", "nonce": "n0nce-one"})
    assert response.status_code == 302
    assert response["Location"] == path
    (message,) = portal_messages(carmen_case)
    assert message.direction == Direction.INBOUND
    assert message.kind == MessageKind.CUSTOMER_MESSAGE
    assert message.customer == carmen
    assert message.body_text == "¿Puedo llevarlo el lunes?"
    raw = InboundRaw.objects.get(pk=message.raw_id)
    assert raw.source == "portal"
    assert raw.status == "processed"
    assert "¿Puedo llevarlo el lunes?".encode() in raw.payload()
    page = client.get(path).content.decode()
    assert "Your message has been added to your case." in page
    assert "¿Puedo llevarlo el lunes?" in page


def test_a_chat_message_while_we_owe_a_reply_keeps_the_clock_and_counts_a_chase(
    client: Client, carmen: Customer, carmen_case: Case
) -> None:
    (running,) = reply_clocks(carmen_case)
    client.post(case_path(carmen, carmen_case), {"message": "¿Hay novedades?"})
    assert reply_clocks(carmen_case) == [running]
    running.refresh_from_db()
    assert running.state == ClockState.RUNNING
    assert running.started_at == carmen_case.opened_at
    (message,) = portal_messages(carmen_case)
    assert message.is_chase
    carmen_case.refresh_from_db()
    assert carmen_case.chase_count == 1


def test_a_chat_message_after_our_reply_starts_a_new_reply_clock(
    client: Client, carmen: Customer, carmen_case: Case, agent: User
) -> None:
    case_actions.reply(carmen_case, author=agent, body="Lo miramos el martes.")
    (answered,) = reply_clocks(carmen_case)
    assert answered.state == ClockState.SATISFIED
    client.post(case_path(carmen, carmen_case), {"message": "El martes no puedo."})
    answered_again, new = reply_clocks(carmen_case)
    assert answered_again == answered
    assert new.state == ClockState.RUNNING
    (message,) = portal_messages(carmen_case)
    assert new.started_at == message.created_at
    assert not message.is_chase


def test_a_chat_message_wakes_a_case_waiting_on_the_customer(
    client: Client, carmen: Customer, carmen_case: Case, agent: User
) -> None:
    case_actions.set_case_status(carmen_case, CaseStatus.WAITING_CUSTOMER, actor=agent)
    client.post(case_path(carmen, carmen_case), {"message": "Aquí tienen la foto del ticket."})
    carmen_case.refresh_from_db()
    assert carmen_case.status == CaseStatus.OPEN
    assert reply_clocks(carmen_case)[-1].state == ClockState.RUNNING


def test_the_same_form_sent_twice_is_filed_once(
    client: Client, carmen: Customer, carmen_case: Case
) -> None:
    form = {"message": "Gracias", "nonce": "double-click-1"}
    client.post(case_path(carmen, carmen_case), form)
    client.post(case_path(carmen, carmen_case), form)
    assert len(portal_messages(carmen_case)) == 1
    client.post(case_path(carmen, carmen_case), {**form, "nonce": "another-form-2"})
    assert len(portal_messages(carmen_case)) == 2


def test_an_empty_message_is_refused_by_name_and_nothing_is_stored(
    client: Client, carmen: Customer, carmen_case: Case
) -> None:
    raws_before = InboundRaw.objects.count()
    response = client.post(case_path(carmen, carmen_case), {"message": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors == {"message": ["Write a message first."]}
    assert "Write a message first." in response.content.decode()
    assert InboundRaw.objects.count() == raws_before


def test_a_too_long_message_is_refused_and_kept_in_the_form(
    client: Client, carmen: Customer, carmen_case: Case
) -> None:
    text = "x" * 10_001
    response = client.post(case_path(carmen, carmen_case), {"message": text})
    assert list(response.context["form"].errors) == ["message"]
    assert text in response.content.decode()
    assert portal_messages(carmen_case) == []


def test_nobody_can_write_into_someone_elses_case(
    client: Client, carmen: Customer, jonas_case: Case
) -> None:
    raws_before = InboundRaw.objects.count()
    response = client.post(case_path(carmen, jonas_case), {"message": "Hola"})
    assert response.status_code == 404
    assert InboundRaw.objects.count() == raws_before


def test_an_expired_link_cannot_write(client: Client, carmen: Customer, carmen_case: Case) -> None:
    token = token_issued_days_ago(carmen, 40)
    response = client.post(f"/portal/{token}/cases/{carmen_case.reference}/", {"message": "Hola"})
    assert response.status_code == 403
    assert portal_messages(carmen_case) == []


def test_writing_into_a_closed_case_opens_a_linked_case(
    client: Client, carmen: Customer, carmen_case: Case, agent: User
) -> None:
    answer = case_actions.reply(carmen_case, author=agent, body="Hecho.")
    case_actions.resolve_case(carmen_case, actor=agent, answer=answer)
    case_actions.close_case(carmen_case, actor=agent)
    response = client.post(case_path(carmen, carmen_case), {"message": "Vuelve a sonar."})
    follow_up = Case.objects.get(previous_case=carmen_case)
    assert follow_up.customer == carmen
    # The redirect carries a freshly signed link, whose timestamp may differ by a second
    # from one signed here: compare who it opens and where, not the token's bytes.
    token, rest = response["Location"].removeprefix("/portal/").split("/", 1)
    assert customer_from_token(token) == carmen
    assert rest == f"cases/{follow_up.reference}/"
    assert follow_up.messages.get(channel="portal_chat").body_text == "Vuelve a sonar."
    assert follow_up.status == CaseStatus.NEW


def test_a_customer_known_only_by_phone_can_chat(client: Client, madrid: Site) -> None:
    case = sms_case(madrid, "+34655443322", "¿Está lista la furgoneta?", "SM-portal-1")
    customer = case.customer
    assert not customer.contact_points.filter(kind="email").exists()
    client.post(case_path(customer, case), {"message": "¿A qué hora cerráis?"})
    (message,) = portal_messages(case)
    assert message.customer == customer
    assert message.direction == Direction.INBOUND


def test_a_chat_message_is_filed_under_the_customer_of_the_link_even_on_a_shared_address(
    client: Client, carmen: Customer, carmen_case: Case
) -> None:
    """The signed link says who writes: a second customer with the same e-mail (a shared
    family address) must not turn the chat into a "needs review" stranger."""
    from posventa.customers import actions as customer_actions

    customer_actions.create_customer(
        carmen.organisation,
        display_name="Pau Rius",
        contact_points=[("email", carmen.contact_points.get(kind="email").value)],
    )
    customers_before = Customer.objects.count()
    client.post(case_path(carmen, carmen_case), {"message": "Soy Carmen, ¿y mi coche?"})
    (message,) = portal_messages(carmen_case)
    assert message.customer == carmen
    assert Customer.objects.count() == customers_before
    assert not Customer.objects.filter(needs_review=True).exists()

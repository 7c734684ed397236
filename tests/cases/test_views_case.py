"""The case page: header, clocks, the whole story, and every form on it."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from posventa.cases import actions
from posventa.cases.models import Case, CaseStatus, CaseTransfer
from posventa.clocks.models import ClockState
from posventa.core.models import Team, User
from posventa.customers import actions as customer_actions
from posventa.inbox.models import CannedAnswer, Message, MessageKind
from tests.cases.helpers import clock

WARNING = "This reply will not count as answering by the method the customer asked for (INFO-WEB)"


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def url(name: str, case: Case) -> str:
    return reverse(f"cases:{name}", args=[case.reference])


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


@pytest.fixture
def owned_case(email_case: Case, agent: User) -> Case:
    actions.assign_case(email_case, agent, actor=agent)
    return email_case


def test_it_shows_the_header_clocks_and_the_customers_message(
    client: Client, owned_case: Case, agent: User
) -> None:
    vehicle = customer_actions.register_vehicle(
        owned_case.organisation,
        vin="VF1RFB00X57123456",
        plate="1234 BCD",
        make="Renault",
        model="Mégane",
        owner=owned_case.customer,
    )
    Case.objects.filter(pk=owned_case.pk).update(vehicle=vehicle)

    html = text_of(login(client, agent).get(url("detail", owned_case)))

    assert owned_case.reference in html
    assert "Revisión de los 30.000 km" in html
    assert reverse("customers:detail", args=[owned_case.customer.pk]) in html
    assert "1234 BCD" in html and "Mégane" in html
    assert str(agent) in html and "Service" in html
    for code in ("INFO-WEB", "INFO-WRITTEN", "INFO-COMPLETE"):
        assert f'data-standard="{code}" data-state="running"' in html
    assert "¿solo líquido de frenos o la revisión grande?" in html
    # Clock events are part of the story too.
    assert 'data-verb="clock.started"' in html
    # Targets read in the unit their standard was set in.
    assert "target: 1 business hour" in html.replace("Target", "target")
    assert "2 business days" in html and "5 business days" in html


def test_an_outsider_gets_404_on_the_page_and_on_every_form(
    client: Client, owned_case: Case, outsider: User
) -> None:
    client = login(client, outsider)
    assert client.get(url("detail", owned_case)).status_code == 404
    for name in ("reply", "note", "call", "transfer", "status", "resolve", "take"):
        assert client.post(url(name, owned_case), {"body": "x", "note": "x"}).status_code == 404
    assert not Message.objects.filter(author=outsider).exists()


def test_the_composer_defaults_to_the_requested_channel_without_a_warning(
    client: Client, owned_case: Case, agent: User
) -> None:
    html = text_of(login(client, agent).get(url("detail", owned_case)))

    assert re.search(r'<option value="email" selected>E-mail — as asked</option>', html)
    assert 'data-requested="email"' in html
    # The warning is in the page for the live switch, hidden until another channel is chosen.
    assert re.search(r'id="channel-warning"[^>]*hidden>', html)
    assert WARNING in html


def test_a_reply_on_the_requested_channel_satisfies_info_web(
    client: Client, owned_case: Case, agent: User
) -> None:
    response = login(client, agent).post(
        url("reply", owned_case),
        {
            "channel": "email",
            "body": "Solo el líquido de frenos; la revisión grande, a los 60.000.",
        },
    )

    assert response.status_code == 302
    assert clock(owned_case, "INFO-WEB").state == ClockState.SATISFIED
    page = text_of(client.get(url("detail", owned_case)))
    assert 'data-standard="INFO-WEB" data-state="satisfied"' in page
    assert "Solo el líquido de frenos" in page
    assert "by the method the customer asked for" in page  # the success message


def test_a_reply_on_another_channel_warns_and_does_not_satisfy_info_web(
    client: Client, owned_case: Case, agent: User
) -> None:
    customer_actions.add_contact_point(owned_case.customer, "phone", "+34 612 345 678")

    response = login(client, agent).post(
        url("reply", owned_case), {"channel": "sms", "body": "Le escribimos por SMS."}, follow=True
    )

    html = text_of(response)
    assert WARNING in html
    sent = Message.objects.get(case=owned_case, kind=MessageKind.REPLY)
    assert sent.channel == "sms" and actions.NOT_REQUESTED_CHANNEL in sent.warnings
    assert clock(owned_case, "INFO-WEB").state == ClockState.RUNNING
    # The story keeps the warning next to that reply.
    assert html.count(WARNING) >= 2


def test_a_reply_form_sent_with_another_channel_shows_the_warning_server_side(
    client: Client, owned_case: Case, agent: User
) -> None:
    # No phone on record: refused with the field named, the text kept, the warning shown.
    response = login(client, agent).post(
        url("reply", owned_case), {"channel": "sms", "body": "Texto que no se pierde"}
    )

    html = text_of(response)
    assert response.status_code == 400
    assert "has no sms address on record" in response.context["reply_form"].errors["channel"][0]
    assert "Texto que no se pierde" in html
    assert re.search(r'id="channel-warning"[^>]*role="status">', html)
    assert not Message.objects.filter(case=owned_case, kind=MessageKind.REPLY).exists()


def test_an_empty_reply_is_refused_on_the_body_field(
    client: Client, owned_case: Case, agent: User
) -> None:
    response = login(client, agent).post(
        url("reply", owned_case), {"channel": "email", "body": " "}
    )

    assert response.status_code == 400
    assert response.context["reply_form"].errors["body"] == ["The reply is empty."]


def test_canned_answers_come_in_the_customers_language_and_fill_placeholders(
    client: Client, owned_case: Case, agent: User
) -> None:
    customer = owned_case.customer
    customer.language = "es"
    customer.save(update_fields=["language"])
    spanish = CannedAnswer.objects.create(
        organisation=owned_case.organisation,
        language="es",
        title="Revisión",
        body="Hola {{customer_name}}, sobre {{reference}}: le llamamos hoy.",
    )
    CannedAnswer.objects.create(
        organisation=owned_case.organisation, language="sv", title="Service", body="Hej!"
    )
    client = login(client, agent)

    html = text_of(client.get(url("detail", owned_case)))
    assert f'value="{spanish.pk}"' in html
    assert f"sobre {owned_case.reference}: le llamamos hoy." in html
    assert "Hej!" not in html

    # Without JavaScript, choosing it and sending an empty body sends the canned answer.
    client.post(url("reply", owned_case), {"channel": "email", "canned_answer": spanish.pk})
    sent = Message.objects.get(case=owned_case, kind=MessageKind.REPLY)
    assert sent.body_text.startswith(f"Hola {customer.display_name}, sobre {owned_case.reference}")


def test_a_transfer_without_a_note_names_the_note_field_and_keeps_the_choice(
    client: Client, owned_case: Case, agent: User, manager: User
) -> None:
    response = login(client, agent).post(
        url("transfer", owned_case), {"to_owner": manager.pk, "note": "  "}
    )

    assert response.status_code == 400
    assert response.context["transfer_form"].errors["note"] == ["A handover note is required."]
    html = text_of(response)
    assert "A handover note is required." in html
    assert f'<option value="{manager.pk}" selected>' in html
    assert re.search(r'<details class="more" id="transfer" open>', html)
    assert not CaseTransfer.objects.exists()


def test_a_transfer_with_a_note_hands_the_whole_story_to_the_new_owner(
    client: Client, owned_case: Case, agent: User, manager: User
) -> None:
    team = Team.objects.create(site=owned_case.site, name="Quejas", department="complaints")
    agent_client = login(client, agent)
    agent_client.post(url("note", owned_case), {"body": "Prefiere que le llamen por la tarde."})
    response = agent_client.post(
        url("transfer", owned_case),
        {
            "to_owner": manager.pk,
            "to_team": team.pk,
            "to_department": "complaints",
            "note": "Es una queja por la limpieza, no técnica.",
        },
    )
    assert response.status_code == 302

    html = text_of(login(Client(), manager).get(url("detail", owned_case)))
    owned_case.refresh_from_db()
    assert owned_case.owner == manager and owned_case.department == "complaints"
    for piece in (
        "¿solo líquido de frenos o la revisión grande?",  # the customer's own words
        "Prefiere que le llamen por la tarde.",  # the note before the transfer
        "Es una queja por la limpieza, no técnica.",  # the handover note
        'data-verb="case.transferred"',
    ):
        assert piece in html
    assert html.index("Prefiere que le llamen") < html.index("Es una queja por la limpieza")


def test_resolving_needs_an_answer_and_says_why_when_there_is_none(
    client: Client, owned_case: Case, agent: User
) -> None:
    client = login(client, agent)
    html = text_of(client.get(url("detail", owned_case)))
    assert "This case cannot be resolved yet" in html

    response = client.post(url("resolve", owned_case), {})

    assert response.status_code == 400
    assert "answer" in response.context["resolve_form"].errors
    owned_case.refresh_from_db()
    assert owned_case.status != CaseStatus.RESOLVED


def test_it_refuses_an_internal_note_as_the_answer(
    client: Client, owned_case: Case, agent: User
) -> None:
    note = actions.add_internal_note(owned_case, author=agent, body="Solo para nosotros.")
    actions.log_call(owned_case, author=agent, summary="Le expliqué la revisión.")

    response = login(client, agent).post(url("resolve", owned_case), {"answer": note.pk})

    assert response.status_code == 400
    assert response.context["resolve_form"].errors["answer"]
    owned_case.refresh_from_db()
    assert owned_case.status != CaseStatus.RESOLVED


def test_it_resolves_with_the_chosen_answer_then_offers_reopen_and_close(
    client: Client, owned_case: Case, agent: User
) -> None:
    client = login(client, agent)
    client.post(url("reply", owned_case), {"channel": "email", "body": "Solo líquido de frenos."})
    answer = Message.objects.get(case=owned_case, kind=MessageKind.REPLY)

    response = client.post(url("resolve", owned_case), {"answer": answer.pk}, follow=True)

    owned_case.refresh_from_db()
    assert owned_case.status == CaseStatus.RESOLVED and owned_case.resolution_message == answer
    assert clock(owned_case, "INFO-COMPLETE").state == ClockState.SATISFIED
    html = text_of(response)
    assert url("reopen", owned_case) in html and url("close", owned_case) in html

    client.post(url("close", owned_case))
    owned_case.refresh_from_db()
    assert owned_case.status == CaseStatus.CLOSED


def test_waiting_on_the_customer_pauses_the_reply_clocks(
    client: Client, owned_case: Case, agent: User
) -> None:
    response = login(client, agent).post(
        url("status", owned_case), {"status": CaseStatus.WAITING_CUSTOMER}, follow=True
    )

    owned_case.refresh_from_db()
    assert owned_case.status == CaseStatus.WAITING_CUSTOMER
    assert clock(owned_case, "INFO-WEB").state == ClockState.PAUSED
    assert 'data-standard="INFO-WEB" data-state="paused"' in text_of(response)


def test_a_status_the_form_does_not_offer_is_refused_on_its_field(
    client: Client, owned_case: Case, agent: User
) -> None:
    response = login(client, agent).post(url("status", owned_case), {"status": "resolved"})

    assert response.status_code == 400
    assert "status" in response.context["status_form"].errors


def test_an_empty_note_and_an_empty_call_name_their_fields(
    client: Client, owned_case: Case, agent: User
) -> None:
    client = login(client, agent)

    note = client.post(url("note", owned_case), {"body": ""})
    call = client.post(url("call", owned_case), {"direction": "outbound", "summary": ""})

    assert note.context["note_form"].errors["body"] == ["The note is empty."]
    assert call.context["call_form"].errors["summary"] == ["Say what was agreed on the call."]
    assert not Message.objects.filter(case=owned_case, author=agent).exists()


def test_a_logged_call_appears_in_the_story(client: Client, owned_case: Case, agent: User) -> None:
    client = login(client, agent)
    client.post(
        url("call", owned_case),
        {"direction": "outbound", "summary": "Le llamé: solo el líquido de frenos."},
    )

    html = text_of(client.get(url("detail", owned_case)))

    assert 'data-verb="case.call_logged"' in html
    assert "Le llamé: solo el líquido de frenos." in html


def test_an_agent_can_take_an_unassigned_case(
    client: Client, email_case: Case, agent: User
) -> None:
    assert email_case.owner is None

    login(client, agent).post(url("take", email_case))

    email_case.refresh_from_db()
    assert email_case.owner == agent
    assert clock(email_case, "INFO-WEB").owner == agent


def test_the_page_links_to_merging_the_customer(
    client: Client, owned_case: Case, agent: User
) -> None:
    html = text_of(login(client, agent).get(url("detail", owned_case)))

    merge = reverse("customers:detail", args=[owned_case.customer.pk]) + "#merge-heading"
    assert merge in html


def test_a_customer_who_asked_for_a_call_is_pointed_at_the_call_form(
    client: Client, owned_case: Case, agent: User
) -> None:
    Case.objects.filter(pk=owned_case.pk).update(requested_reply_channel="phone")

    html = text_of(login(client, agent).get(url("detail", owned_case)))

    assert "Call them and log the call" in html
    # Any written reply would not count, so the warning shows from the start.
    assert re.search(r'id="channel-warning"[^>]*role="status">', html)


def test_a_spanish_agent_reads_clock_titles_and_states_in_spanish(
    client: Client, owned_case: Case, agent: User
) -> None:
    User.objects.filter(pk=agent.pk).update(language="es")
    breached = clock(owned_case, "INFO-WEB")
    type(breached).objects.filter(pk=breached.pk).update(breached_at=breached.due_at)

    html = text_of(login(client, agent).get(url("detail", owned_case)))

    assert "Incumplido<" in html  # one clock: singular, not the report's "Incumplidos"
    assert "Request answered completely" not in html

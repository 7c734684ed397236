"""Staff register a letter or a scanned document: /in/letter/<site>/."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.core.models import Organisation, Site, User
from posventa.customers.actions import create_customer
from posventa.inbox.models import Attachment, InboundRaw, MessageKind
from tests.inbox.adapters.helpers import case_of

URL = "/in/letter/madrid/"
MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
SCAN = b"%PDF-1.4\n% a scanned letter, invented for the test\n%%EOF\n"


def letter_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "customer": "",
        "name": "Tomás Berrocal",
        "address": "Calle Inventada 12\n28000 Madrid",
        "email": "tomas.berrocal@example.org",
        "phone": "",
        "department": "complaints",
        "preferred_channel": "letter",
        "subject": "Reclamación por la limpieza tras la instalación",
        "text": "El instalador dejó restos de obra en el garaje y nadie ha respondido.",
        "received_on": "2026-03-02",
        "submission_id": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def logged_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def test_staff_register_a_letter_with_its_scan(client: Client, agent: User, madrid: Site) -> None:
    scan = SimpleUploadedFile("carta.pdf", SCAN, content_type="application/pdf")
    response = logged_in(client, agent).post(URL, {**letter_data(), "file": scan})
    assert response.status_code == 200
    raw = InboundRaw.objects.get()
    assert (raw.channel, raw.source, raw.site) == ("letter", "staff", madrid)
    assert raw.payload() == SCAN
    assert raw.metadata["registered_by"] == agent.username
    assert raw.metadata["received_on"] == "2026-03-02"
    assert raw.metadata["address"].startswith("Calle Inventada 12")
    case = case_of(raw)
    assert case.department == "complaints" and case.requested_reply_channel == "letter"
    assert case.reference in response.content.decode()
    message = case.messages.get(kind=MessageKind.LETTER)
    assert Attachment.objects.get(message=message).filename == "carta.pdf"


def test_a_letter_from_a_known_customer_needs_only_the_customer_number(
    client: Client, agent: User, madrid: Site, group: Organisation
) -> None:
    customer = create_customer(group, display_name="Tomás Berrocal", site=madrid)
    data = letter_data(customer=str(customer.pk), name="", email="", address="")
    response = logged_in(client, agent).post(URL, data)
    assert response.status_code == 200
    assert case_of(InboundRaw.objects.get()).customer == customer


def test_a_customer_of_another_group_is_refused_naming_the_field(
    client: Client, agent: User, madrid: Site
) -> None:
    other_group = Organisation.objects.create(name="Otro Grupo", slug="otro")
    stranger = create_customer(other_group, display_name="Persona Ajena")
    response = logged_in(client, agent).post(URL, letter_data(customer=str(stranger.pk)))
    assert response.status_code == 400
    assert "customer" in response.context["form"].errors
    assert not InboundRaw.objects.exists()


def test_a_letter_needs_a_way_to_reach_the_customer(
    client: Client, agent: User, madrid: Site
) -> None:
    response = logged_in(client, agent).post(URL, letter_data(email="", phone=""))
    assert response.status_code == 400
    assert "customer" in response.context["form"].errors
    # What staff typed comes back so nothing has to be typed twice.
    assert "restos de obra" in response.content.decode()


def test_a_letter_answered_by_letter_needs_the_postal_address(
    client: Client, agent: User, madrid: Site
) -> None:
    response = logged_in(client, agent).post(URL, letter_data(address=""))
    assert response.status_code == 400
    assert "address" in response.context["form"].errors


def test_a_date_in_the_future_is_refused(client: Client, agent: User, madrid: Site) -> None:
    tomorrow = timezone.localdate(timezone=MADRID) + dt.timedelta(days=2)
    response = logged_in(client, agent).post(URL, letter_data(received_on=tomorrow.isoformat()))
    assert response.status_code == 400
    assert "received_on" in response.context["form"].errors


def test_a_file_over_the_limit_is_refused_with_a_clear_message(
    client: Client, agent: User, madrid: Site, settings: SettingsWrapper
) -> None:
    settings.POSVENTA_INBOUND_MAX_BYTES = 1_000
    scan = SimpleUploadedFile("grande.pdf", b"x" * 5_000, content_type="application/pdf")
    response = logged_in(client, agent).post(URL, {**letter_data(), "file": scan})
    assert response.status_code == 400
    assert "limit" in response.context["form"].errors["file"][0]
    assert not InboundRaw.objects.exists()


def test_registering_twice_the_same_form_is_one_letter(
    client: Client, agent: User, madrid: Site
) -> None:
    data = letter_data()
    logged_in(client, agent).post(URL, data)
    client.post(URL, data)
    assert InboundRaw.objects.count() == 1


def test_it_is_for_staff_only(client: Client, madrid: Site) -> None:
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_staff_of_another_site_cannot_register_here(
    client: Client, outsider: User, madrid: Site
) -> None:
    assert logged_in(client, outsider).get(URL).status_code == 404
    assert logged_in(client, outsider).post(URL, letter_data()).status_code == 404
    assert not InboundRaw.objects.exists()


def test_the_form_page_offers_today_as_the_date_received(
    client: Client, agent: User, madrid: Site
) -> None:
    response = logged_in(client, agent).get(URL)
    assert response.status_code == 200
    assert 'type="file"' in response.content.decode()
    assert response.context["form"].initial["received_on"] == timezone.localdate(timezone=MADRID)


def test_a_letter_corrected_and_sent_again_is_kept_as_well(
    client: Client, agent: User, madrid: Site
) -> None:
    data = letter_data()
    logged_in(client, agent).post(URL, data)
    client.post(URL, {**data, "subject": "Reclamación (corregida)"})
    assert InboundRaw.objects.filter(status="processed").count() == 2

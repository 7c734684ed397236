"""The public contact form of a site: /in/form/<site>/."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from django.core import signing
from django.test import Client

from posventa.channels.models import RefusedReason, RefusedRequest
from posventa.core.models import Site
from posventa.inbox.actions import ingest
from posventa.inbox.adapters.webform import THANKS_SALT, started_token
from posventa.inbox.models import InboundRaw, InboundStatus
from tests.inbox.adapters.helpers import case_of

URL = "/in/form/madrid/"


def form_data(**overrides: str) -> dict[str, Any]:
    data = {
        "name": "Irene Castaño",
        "email": "irene.castano@example.org",
        "phone": "",
        "department": "service",
        "preferred_channel": "email",
        "message": "¿Solo líquido de frenos o la revisión grande a los 30.000 km?",
        "website": "",
        "submission_id": str(uuid.uuid4()),
        # Served a minute ago: a person's pace (see test_web_form_flood.py for a bot's).
        "started": started_token(time.time() - 60),
    }
    data.update(overrides)
    return data


def test_the_page_shows_the_site_its_opening_hours_and_the_form(
    client: Client, madrid: Site
) -> None:
    response = client.get(URL, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ejemplo Motor Madrid" in page
    assert "08:00\N{EN DASH}13:00, 14:00\N{EN DASH}19:00" in page  # split shift, Monday
    assert "09:00\N{EN DASH}13:00" in page  # Saturday morning
    assert "Closed" in page  # Sunday
    for field in ("name", "email", "phone", "department", "preferred_channel", "message"):
        assert f'name="{field}"' in page
    assert 'name="submission_id"' in page


def test_it_opens_a_case_and_shows_its_reference(client: Client, madrid: Site) -> None:
    response = client.post(URL, form_data(), follow=True)
    assert response.status_code == 200
    raw = InboundRaw.objects.get()
    assert (raw.channel, raw.source, raw.site) == ("web_form", "form", madrid)
    case = case_of(raw)
    assert case.requested_reply_channel == "email" and case.department == "service"
    assert case.reference in response.content.decode()
    fields = json.loads(raw.payload())
    assert fields["message"].startswith("¿Solo líquido")


def test_a_phone_written_the_local_way_is_stored_in_international_form(
    client: Client, madrid: Site
) -> None:
    client.post(URL, form_data(email="", phone="612 34 56 78", preferred_channel="whatsapp"))
    raw = InboundRaw.objects.get()
    assert json.loads(raw.payload())["phone"] == "+34612345678"
    assert case_of(raw).requested_reply_channel == "whatsapp"


def test_a_swedish_site_reads_phones_the_swedish_way(client: Client, goteborg: Site) -> None:
    client.post("/in/form/goteborg/", form_data(phone="070-123 45 67", preferred_channel="sms"))
    assert json.loads(InboundRaw.objects.get().payload())["phone"] == "+46701234567"


def test_a_wrong_phone_number_is_refused_naming_the_field(client: Client, madrid: Site) -> None:
    response = client.post(URL, form_data(phone="12", preferred_channel="sms"))
    assert response.status_code == 400
    assert "phone" in response.context["form"].errors
    assert not InboundRaw.objects.exists()
    # Nothing the customer typed is lost: the page comes back filled in.
    assert "¿Solo líquido de frenos" in response.content.decode()


def test_it_needs_an_email_or_a_phone(client: Client, madrid: Site) -> None:
    response = client.post(URL, form_data(email="", phone=""))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "email" in errors and "phone" in errors
    assert not InboundRaw.objects.exists()


def test_the_reply_method_needs_its_contact(client: Client, madrid: Site) -> None:
    response = client.post(URL, form_data(preferred_channel="sms"))
    assert response.status_code == 400
    assert "SMS" in response.context["form"].errors["phone"][0]
    response = client.post(URL, form_data(email="", phone="+34 612 34 56 78"))
    assert "email" in response.context["form"].errors


def test_a_double_submission_is_one_message(client: Client, madrid: Site) -> None:
    data = form_data()
    first = client.post(URL, data)
    second = client.post(URL, data)
    assert InboundRaw.objects.count() == 1

    def raw_id(response: Any) -> int:
        # The token is signed with a timestamp: two posts a second apart differ in it.
        token = response["Location"].rstrip("/").rsplit("/", 1)[1]
        return int(signing.loads(token, salt=THANKS_SALT))

    assert raw_id(first) == raw_id(second) == InboundRaw.objects.get().pk


def test_a_bot_filling_the_honeypot_is_kept_aside_and_thanked(client: Client, madrid: Site) -> None:
    response = client.post(
        URL,
        form_data(website="http://spam.example"),
        follow=True,
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert "received" in response.content.decode()
    assert not InboundRaw.objects.exists()
    refused = RefusedRequest.objects.get()
    assert refused.reason == RefusedReason.HONEYPOT and refused.site == madrid
    assert b"spam.example" in bytes(refused.body)


def test_a_forged_thanks_link_shows_no_reference(client: Client, madrid: Site) -> None:
    client.post(URL, form_data())
    response = client.get("/in/form/madrid/thanks/1:forged/")
    assert response.status_code == 200
    assert case_of(InboundRaw.objects.get()).reference not in response.content.decode()


def test_an_unknown_site_is_404(client: Client, madrid: Site) -> None:
    assert client.get("/in/form/nowhere/").status_code == 404


def test_the_thanks_page_gives_the_received_number_when_no_case_was_opened(
    client: Client, madrid: Site
) -> None:
    raw = ingest("web_form", b"{not json", source="form", site=madrid)
    assert raw.status == InboundStatus.QUARANTINED
    token = signing.dumps(raw.pk, salt=THANKS_SALT)
    response = client.get(f"/in/form/madrid/thanks/{token}/")
    assert f'<strong class="received-number">{raw.pk}</strong>' in response.content.decode()


def test_a_form_sent_back_edited_is_a_new_message_not_a_collision(
    client: Client, madrid: Site
) -> None:
    data = form_data()
    client.post(URL, data)
    client.post(URL, {**data, "message": "Perdón, quería decir la revisión de los 60.000 km."})
    rows = InboundRaw.objects.order_by("id")
    assert [row.status for row in rows] == [InboundStatus.PROCESSED, InboundStatus.PROCESSED]


def test_the_form_works_with_csrf_protection_on(madrid: Site) -> None:
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(URL, form_data()).status_code == 403
    browser.get(URL)
    token = browser.cookies["csrftoken"].value
    response = browser.post(URL, {**form_data(), "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert InboundRaw.objects.count() == 1


def test_a_visitor_without_a_language_preference_reads_the_sites_language(
    client: Client, madrid: Site, goteborg: Site
) -> None:
    spanish = client.get(URL).content.decode()
    swedish = client.get(f"/in/form/{goteborg.slug}/").content.decode()
    assert 'lang="es"' in spanish and "Cerrado" in spanish
    assert 'lang="sv"' in swedish and "Stängt" in swedish
    asked = client.get(URL, headers={"Accept-Language": "sv"}).content.decode()
    assert 'lang="sv"' in asked

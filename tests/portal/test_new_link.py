"""Asking for a fresh link: sent by e-mail when we know the address, and the same answer
either way so the form does not reveal who is a customer."""

from __future__ import annotations

import re

from django.test import Client

from posventa.cases.models import Case
from posventa.customers.models import Customer
from posventa.outbox.models import Notification
from posventa.portal.links import customer_from_token
from tests.portal.conftest import CARMEN


def answer_text(response: object) -> str:
    page: str = response.content.decode()  # type: ignore[attr-defined]
    return re.sub(r"\S+@\S+", "<address>", page)


def test_a_known_address_gets_a_working_link_by_email(
    client: Client, carmen: Customer, carmen_case: Case
) -> None:
    response = client.post("/portal/new-link/", {"email": "  Carmen.Rius@Example.NET "})
    assert response.status_code == 200
    link = Notification.objects.get(dedupe_key__startswith="portal-link:")
    assert link.channel == "email"
    assert link.to_address == CARMEN
    assert link.automatic is True
    assert link.headers["Auto-Submitted"] == "auto-generated"
    assert link.site == carmen_case.site
    token = re.search(r"/portal/([^/\s]+)/", link.body).group(1)  # type: ignore[union-attr]
    assert customer_from_token(token) == carmen
    assert client.get(f"/portal/{token}/").status_code == 200
    assert "30 days" in link.body


def test_the_html_part_names_the_link_and_a_customer_without_a_language_reads_the_sites(
    client: Client, carmen_case: Case
) -> None:
    # No language chosen: Carmen wrote to Madrid, so the e-mail is in Spanish.
    client.post("/portal/new-link/", {"email": CARMEN})
    link = Notification.objects.get(dedupe_key__startswith="portal-link:")
    url = re.search(r"https?://\S+/portal/\S+/", link.body).group(0)  # type: ignore[union-attr]
    assert "Su enlace" in link.subject
    assert f'<a href="{url}">Abra sus casos en {carmen_case.site.name}</a>' in link.html_body
    assert link.html_body.count(url) == 1


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    client: Client, carmen: Customer, carmen_case: Case
) -> None:
    known = client.post("/portal/new-link/", {"email": CARMEN})
    unknown = client.post("/portal/new-link/", {"email": "nadie@example.org"})
    assert unknown.status_code == known.status_code == 200
    assert answer_text(unknown) == answer_text(known)
    assert Notification.objects.filter(to_address="nadie@example.org").count() == 0


def test_a_malformed_address_is_refused_by_name(client: Client, carmen: Customer) -> None:
    response = client.post("/portal/new-link/", {"email": "carmen at example"})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["email"]
    assert not Notification.objects.filter(dedupe_key__startswith="portal-link:").exists()


def test_asking_again_within_the_hour_sends_nothing_more(
    client: Client, carmen: Customer, carmen_case: Case
) -> None:
    for _attempt in range(3):
        client.post("/portal/new-link/", {"email": CARMEN})
    assert Notification.objects.filter(dedupe_key__startswith="portal-link:").count() == 1


def test_the_form_is_reachable_without_a_link(client: Client, db: None) -> None:
    response = client.get("/portal/new-link/")
    assert response.status_code == 200
    assert 'name="email"' in response.content.decode()

"""API fixtures: tokens for the shared staff fixtures, a client that sends them, and a
case at each site opened the way most are, by a customer's e-mail (so INFO-WEB runs).

Names and addresses are invented.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.api.actions import create_api_token
from posventa.cases.models import Case
from posventa.clocks.models import Clock
from posventa.core.models import Site, User
from posventa.customers import actions as customer_actions
from posventa.customers.models import Customer
from posventa.inbox.actions import ingest


class ApiClient:
    """Django's test client with a bearer token and JSON bodies."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params, headers=self.headers)

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(
            path, json.dumps(body), content_type="application/json", headers=self.headers
        )


TokenFactory = Callable[..., ApiClient]


@pytest.fixture(autouse=True)
def media_root(settings: SettingsWrapper, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def api_as(db: None) -> TokenFactory:
    """`api_as(user, sites=[madrid])`: a client with a fresh token of that user."""

    def make(user: User, sites: Iterable[Site] = ()) -> ApiClient:
        return ApiClient(create_api_token(user, "tests", sites=sites).plaintext)

    return make


def email_bytes(
    *, sender: str, subject: str, body: str = "¿Cuándo está lista?", to: str = "taller@x.example"
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="example.net")
    message.set_content(body)
    return bytes(message)


def case_by_email(site: Site, sender: str, subject: str) -> Case:
    raw = ingest("email", email_bytes(sender=sender, subject=subject), source="imap", site=site)
    assert raw.message is not None, raw.reason
    return raw.message.case


@pytest.fixture
def madrid_case(madrid: Site) -> Case:
    return case_by_email(madrid, "Nuria Vidal <nuria.vidal@example.net>", "Ruido al frenar")


@pytest.fixture
def goteborg_case(goteborg: Site) -> Case:
    return case_by_email(goteborg, "Pelle Lind <pelle.lind@example.se>", "Vinterdäck")


@pytest.fixture
def customer(madrid: Site) -> Customer:
    return customer_actions.create_customer(
        madrid.organisation,
        display_name="Inés Castell",
        contact_points=[("email", "ines.castell@example.org"), ("phone", "+34 611 22 33 44")],
        site=madrid,
    )


def clock_of(case: Case, code: str) -> Clock:
    """The newest clock of a standard on a case."""
    return Clock.objects.filter(
        subject_type=ContentType.objects.get_for_model(Case),
        subject_id=str(case.pk),
        standard_id=code,
    ).latest("id")

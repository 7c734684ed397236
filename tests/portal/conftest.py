"""Portal fixtures: two customers who wrote to the workshop, and their signed links.

Names and addresses are invented.
"""

from __future__ import annotations

import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core import signing
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.cases.models import Case
from posventa.core.models import Site
from posventa.customers import actions as customer_actions
from posventa.customers.models import Customer
from posventa.inbox.actions import ingest
from posventa.portal.links import SALT, portal_token

CARMEN = "carmen.rius@example.net"
JONAS = "jonas.berg@example.se"


@pytest.fixture(autouse=True)
def media_root(settings: SettingsWrapper, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def email_case(site: Site, sender: str, subject: str, body: str = "Hola") -> Case:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "taller@example.invalid"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="example.net")
    message.set_content(body)
    raw = ingest("email", bytes(message), source="imap", site=site)
    assert raw.message is not None, raw.reason
    return raw.message.case


def sms_case(site: Site, sender: str, body: str, sid: str) -> Case:
    fields = {"From": sender, "To": "+34910000000", "Body": body, "MessageSid": sid}
    raw = ingest("sms", urlencode(fields).encode(), source="webhook", site=site, dedupe_key=sid)
    assert raw.message is not None, raw.reason
    return raw.message.case


@pytest.fixture
def carmen_case(madrid: Site) -> Case:
    return email_case(madrid, f"Carmen Rius <{CARMEN}>", "Ruido en la dirección")


@pytest.fixture
def carmen(carmen_case: Case) -> Customer:
    # Carmen chose English, so these tests read the English strings; without a language
    # she would read her Madrid site's Spanish (tests/portal/test_language.py).
    return customer_actions.set_preferences(carmen_case.customer, language="en")


@pytest.fixture
def jonas_case(goteborg: Site) -> Case:
    return email_case(goteborg, f"Jonas Berg <{JONAS}>", "Däckbyte")


def portal_path(customer: Customer) -> str:
    return f"/portal/{portal_token(customer)}/"


def case_path(customer: Customer, case: Case) -> str:
    return f"{portal_path(customer)}cases/{case.reference}/"


def token_issued_days_ago(customer: Customer, days: float) -> str:
    """A genuine token, signed as TimestampSigner would have signed it `days` ago."""
    signer = signing.TimestampSigner(salt=SALT)
    issued = signing.b62_encode(int(time.time() - days * 86400))
    # Signer.sign on the TimestampSigner signs "value:timestamp" with its salt, exactly
    # what TimestampSigner.sign does with the current time.
    return signing.Signer.sign(signer, f"{customer.pk}{signer.sep}{issued}")


@pytest.fixture
def client() -> Client:
    return Client()

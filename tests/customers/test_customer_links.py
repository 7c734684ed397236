"""The domain asks `customers.links` for a customer's page and never imports the portal:
with the portal installed an acknowledgement carries its link, without it the message
goes out complete, only without a link."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from posventa.core.models import Site
from posventa.customers import links as customer_links
from posventa.customers.actions import create_customer
from posventa.inbox.models import MessageKind
from posventa.portal import links as portal_links
from tests.inbox.factories import case_of, receive_email


@pytest.fixture
def no_portal() -> Iterator[None]:
    previous = customer_links.set_portal_link_builder(None)
    yield
    customer_links.set_portal_link_builder(previous)


def test_the_portal_registers_its_builder_when_it_starts(madrid: Site) -> None:
    customer = create_customer(madrid.organisation, display_name="Irene Calvo")
    assert customer_links.portal_url(customer) == portal_links.portal_url(customer)


def test_without_a_portal_a_customer_has_no_link(madrid: Site, no_portal: None) -> None:
    customer = create_customer(madrid.organisation, display_name="Irene Calvo")
    assert customer_links.portal_url(customer) is None


def test_with_the_portal_the_acknowledgement_carries_the_customer_s_link(madrid: Site) -> None:
    case = case_of(receive_email(madrid))
    ack = case.messages.get(kind=MessageKind.AUTO_ACKNOWLEDGEMENT)
    assert portal_links.portal_url(case.customer) in ack.body_text


def test_without_a_portal_the_acknowledgement_has_its_reference_and_no_link(
    madrid: Site, no_portal: None
) -> None:
    case = case_of(receive_email(madrid))
    ack = case.messages.get(kind=MessageKind.AUTO_ACKNOWLEDGEMENT)
    assert case.reference in ack.subject and case.reference in ack.body_text
    assert "/portal/" not in ack.body_text and "%(" not in ack.body_text

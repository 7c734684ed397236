"""Consent per channel: append-only history, the latest record decides, default allowed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from posventa.core.models import Organisation, User
from posventa.customers import actions
from posventa.customers.models import ConsentRecord, Customer


@pytest.fixture
def customer(group: Organisation) -> Customer:
    return actions.create_customer(
        group, display_name="Lucía Inventada", contact_points=[("phone", "612345678")]
    )


def test_transactional_messages_are_allowed_when_nothing_was_recorded(customer: Customer) -> None:
    assert all(
        actions.may_contact(customer, channel)
        for channel in ("email", "sms", "whatsapp", "phone", "letter", "portal")
    )


def test_an_opt_out_stops_only_that_channel(customer: Customer, agent: User) -> None:
    actions.record_consent(customer, "sms", False, source="SMS STOP", actor=agent)
    assert not actions.may_contact(customer, "sms")
    assert actions.may_contact(customer, "email")


def test_the_latest_record_wins_and_history_is_kept(customer: Customer) -> None:
    now = timezone.now()
    actions.record_consent(
        customer, "whatsapp", False, source="portal", at=now - dt.timedelta(days=30)
    )
    actions.record_consent(
        customer, "whatsapp", True, source="phone call", at=now - dt.timedelta(days=1)
    )
    assert actions.may_contact(customer, "whatsapp")
    history = ConsentRecord.objects.filter(customer=customer, channel="whatsapp")
    assert list(history.values_list("granted", flat=True)) == [False, True]
    assert actions.current_consents(customer)["whatsapp"] == history.last()


def test_a_back_dated_record_does_not_override_a_newer_one(customer: Customer) -> None:
    actions.record_consent(customer, "email", False, source="unsubscribe link")
    actions.record_consent(
        customer,
        "email",
        True,
        source="paper form scanned late",
        at=timezone.now() - dt.timedelta(days=90),
    )
    assert not actions.may_contact(customer, "email")


def test_consent_records_cannot_be_rewritten(customer: Customer) -> None:
    record = actions.record_consent(customer, "letter", False, source="letter")
    record.granted = True
    with pytest.raises(PermissionError):
        record.save()


def test_every_consent_change_is_on_the_timeline(customer: Customer) -> None:
    actions.record_consent(customer, "sms", False, source="SMS STOP")
    actions.record_consent(customer, "sms", True, source="portal")
    verbs = [event.verb for event in actions.customer_timeline(customer)]
    assert verbs[-2:] == ["customer.consent_withdrawn", "customer.consent_granted"]


def test_consent_needs_a_known_channel_and_a_source(customer: Customer) -> None:
    with pytest.raises(ValidationError) as error:
        actions.record_consent(customer, "fax", False, source=" ")
    assert set(error.value.message_dict) == {"channel", "source"}
    assert not ConsentRecord.objects.exists()


def test_set_preferences_changes_only_what_is_given(customer: Customer, agent: User) -> None:
    actions.set_preferences(customer, preferred_channel="whatsapp", actor=agent)
    actions.set_preferences(customer, language="ES")
    customer.refresh_from_db()
    assert (customer.preferred_channel, customer.language) == ("whatsapp", "es")
    changes = [
        e for e in actions.customer_timeline(customer) if e.verb == "customer.preferences_changed"
    ]
    assert [e.data for e in changes] == [
        {"preferred_channel": ["email", "whatsapp"]},
        {"language": ["", "es"]},
    ]


def test_set_preferences_refuses_an_unknown_channel(customer: Customer) -> None:
    with pytest.raises(ValidationError) as error:
        actions.set_preferences(customer, preferred_channel="telegram")
    assert "preferred_channel" in error.value.message_dict


def test_contact_points_of_a_channel_come_primary_first(customer: Customer) -> None:
    actions.add_contact_point(customer, "phone", "699 11 22 33", primary=True)
    numbers = [point.value for point in actions.contact_points_of(customer, "sms")]
    assert numbers == ["+34699112233", "+34612345678"]
    assert actions.contact_points_of(customer, "letter") == []

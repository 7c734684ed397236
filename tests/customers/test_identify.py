"""Who wrote or called: exact match on the normalised address among unmerged customers."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from posventa.core.models import Event, Organisation, User
from posventa.customers import actions
from posventa.customers.models import Customer


def test_one_match_returns_that_customer(group: Organisation) -> None:
    ana = actions.create_customer(
        group, display_name="Ana Inventada", contact_points=[("email", "ana@example.es")]
    )
    result = actions.identify_customer(group, channel="email", address="ANA@Example.es ")
    assert (result.customer, result.created, result.ambiguous) == (ana, False, False)
    assert result.contact_point.value == "ana@example.es"
    assert result.candidates == []


def test_an_sms_matches_a_number_staff_typed_in_national_format(group: Organisation) -> None:
    ana = actions.create_customer(
        group, display_name="Ana Inventada", contact_points=[("phone", "612 34 56 78")]
    )
    result = actions.identify_customer(group, channel="sms", address="+34612345678")
    assert result.customer == ana and not result.created


def test_whatsapp_from_a_known_phone_number_adds_the_whatsapp_point(group: Organisation) -> None:
    ana = actions.create_customer(
        group, display_name="Ana Inventada", contact_points=[("phone", "612 34 56 78")]
    )
    result = actions.identify_customer(group, channel="whatsapp", address="whatsapp:+34612345678")
    assert result.customer == ana
    assert (result.contact_point.kind, result.contact_point.value) == ("whatsapp", "+34612345678")
    assert "customer.contact_point_added" in [e.verb for e in actions.customer_timeline(ana)]


def test_no_match_creates_a_customer_with_that_contact_point(group: Organisation) -> None:
    result = actions.identify_customer(
        group, channel="sms", address="070-123 45 67", display_name="Nils Påhittad", region="SE"
    )
    assert result.created and not result.ambiguous
    customer = result.customer
    assert (customer.display_name, customer.preferred_channel) == ("Nils Påhittad", "sms")
    assert result.contact_point.value == "+46701234567"
    assert [e.verb for e in actions.customer_timeline(customer)] == ["customer.created"]


def test_a_new_customer_without_a_name_is_named_after_the_address(group: Organisation) -> None:
    result = actions.identify_customer(group, channel="email", address="someone@example.se")
    assert result.customer.display_name == "someone@example.se"


def test_several_matches_create_a_flagged_customer_and_record_the_candidates(
    group: Organisation,
) -> None:
    # A family landline: two real customers share it.
    mother = actions.create_customer(
        group, display_name="Madre Inventada", contact_points=[("phone", "911 23 45 67")]
    )
    son = actions.create_customer(
        group, display_name="Hijo Inventado", contact_points=[("phone", "+34 911 234 567")]
    )
    result = actions.identify_customer(group, channel="phone", address="+34911234567")

    assert result.created and result.ambiguous
    assert result.customer not in (mother, son)
    assert result.customer.needs_review
    assert set(result.candidates) == {mother, son}
    event = Event.objects.get(verb="customer.needs_review")
    assert sorted(event.data["candidates"]) == sorted([mother.pk, son.pk])
    assert set(actions.review_candidates(result.customer)) == {mother, son}


def test_merged_customers_are_not_matched_but_their_survivor_is(
    group: Organisation, agent: User
) -> None:
    kept = actions.create_customer(
        group, display_name="Ana Inventada", contact_points=[("phone", "612345678")]
    )
    duplicate = actions.create_customer(
        group, display_name="A. Inventada", contact_points=[("phone", "612 345 678")]
    )
    flagged = actions.identify_customer(group, channel="sms", address="612345678")
    assert flagged.ambiguous

    # Staff review: all three are the same person.
    actions.merge_customers(kept, duplicate, actor=agent)
    actions.merge_customers(kept, flagged.customer, actor=agent)
    result = actions.identify_customer(group, channel="sms", address="612345678")
    assert (result.customer, result.created, result.ambiguous) == (kept, False, False)


def test_matching_never_crosses_organisations(
    group: Organisation, other_group: Organisation
) -> None:
    actions.create_customer(
        other_group, display_name="Ajena", contact_points=[("email", "ana@example.es")]
    )
    result = actions.identify_customer(group, channel="email", address="ana@example.es")
    assert result.created and not result.ambiguous
    assert result.customer.organisation == group


def test_a_possible_number_from_the_carrier_is_accepted(group: Organisation) -> None:
    # +34 5... is outside Spain's allocated ranges in our metadata; staff could not type it,
    # but a sender the carrier delivered must not be lost.
    result = actions.identify_customer(group, channel="sms", address="+34 590 123 456")
    assert result.contact_point.value == "+34590123456"
    with pytest.raises(ValidationError):
        actions.add_contact_point(result.customer, "phone", "+34590123456")


@pytest.mark.parametrize(
    ("channel", "address", "field"),
    [
        ("sms", "hello", "address"),
        ("email", "not-an-address", "address"),
        ("letter", "Calle Falsa 123", "channel"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_creates_nothing(
    group: Organisation, channel: str, address: str, field: str
) -> None:
    with pytest.raises(ValidationError) as error:
        actions.identify_customer(group, channel=channel, address=address)
    assert field in error.value.message_dict
    assert not Customer.objects.exists()


def test_repeated_contacts_from_a_shared_number_wait_on_one_flagged_customer(
    group: Organisation,
) -> None:
    mother = actions.create_customer(
        group, display_name="Madre Inventada", contact_points=[("phone", "911234567")]
    )
    son = actions.create_customer(
        group, display_name="Hijo Inventado", contact_points=[("phone", "911234567")]
    )
    first = actions.identify_customer(group, channel="sms", address="+34911234567")
    second = actions.identify_customer(group, channel="sms", address="+34911234567")

    assert second.customer == first.customer
    assert (second.created, second.ambiguous) == (False, True)
    assert set(second.candidates) == {mother, son}
    assert Customer.objects.filter(organisation=group).count() == 3

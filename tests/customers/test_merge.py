"""Merging duplicates keeps both stories and moves everything to the survivor."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from posventa.core.events import timeline
from posventa.core.models import Organisation, User
from posventa.customers import actions
from posventa.customers.models import ContactPoint, Customer, VehicleOwnership
from posventa.customers.signals import customer_merged


@pytest.fixture
def survivor(group: Organisation) -> Customer:
    return actions.create_customer(
        group,
        display_name="Carmen Inventada",
        contact_points=[("email", "carmen@example.es"), ("phone", "612 11 22 33")],
    )


@pytest.fixture
def duplicate(group: Organisation) -> Customer:
    customer = actions.create_customer(
        group,
        display_name="C. Inventada",
        language="es",
        contact_points=[("email", "carmen.trabajo@example.es"), ("whatsapp", "612 99 88 77")],
    )
    actions.register_vehicle(group, vin="WVWZZZ1KZ8W123456", plate="1234 BCD", owner=customer)
    actions.record_consent(customer, "sms", False, source="SMS STOP")
    return customer


def test_it_moves_contact_points_and_vehicles_to_the_survivor(
    survivor: Customer, duplicate: Customer, agent: User
) -> None:
    actions.merge_customers(survivor, duplicate, actor=agent)

    values = set(survivor.contact_points.values_list("value", flat=True))
    assert values == {
        "carmen@example.es",
        "+34612112233",
        "carmen.trabajo@example.es",
        "+34612998877",
    }
    assert not ContactPoint.objects.filter(customer=duplicate).exists()
    vehicle = survivor.vehicles.get()
    assert vehicle.plate_normalised == "1234BCD"
    assert list(
        VehicleOwnership.objects.filter(vehicle=vehicle).values_list("customer_id", flat=True)
    ) == [survivor.pk]


def test_the_survivor_keeps_its_primary_addresses(
    survivor: Customer, duplicate: Customer, agent: User
) -> None:
    actions.merge_customers(survivor, duplicate, actor=agent)
    primary_email = survivor.contact_points.get(kind="email", is_primary=True)
    assert primary_email.value == "carmen@example.es"
    # The duplicate's WhatsApp was its only one, and the survivor had none: it stays primary.
    assert survivor.contact_points.get(kind="whatsapp").is_primary


def test_the_duplicate_stays_as_a_row_pointing_at_the_survivor(
    survivor: Customer, duplicate: Customer, agent: User
) -> None:
    actions.merge_customers(survivor, duplicate, actor=agent)
    duplicate.refresh_from_db()
    assert duplicate.merged_into == survivor and duplicate.merged_at is not None
    survivor.refresh_from_db()
    assert survivor.language == "es"  # learnt from the duplicate, as the survivor had none


def test_both_timelines_are_kept_and_read_together(
    survivor: Customer, duplicate: Customer, agent: User
) -> None:
    duplicate_story = [event.pk for event in timeline(duplicate)]
    actions.merge_customers(survivor, duplicate, actor=agent)

    # The duplicate's own events are untouched and it gains a "merged into" event.
    assert [event.pk for event in timeline(duplicate)][:-1] == duplicate_story
    assert timeline(duplicate).last().verb == "customer.merged_into"
    assert timeline(survivor).last().verb == "customer.merged"
    combined = {event.pk for event in actions.customer_timeline(survivor)}
    assert set(duplicate_story) <= combined
    assert {event.pk for event in timeline(survivor)} <= combined


def test_an_opt_out_given_under_the_duplicate_still_counts(
    survivor: Customer, duplicate: Customer, agent: User
) -> None:
    actions.merge_customers(survivor, duplicate, actor=agent)
    assert not actions.may_contact(survivor, "sms")
    assert actions.may_contact(survivor, "email")


def test_actions_on_a_merged_customer_apply_to_the_survivor(
    survivor: Customer, duplicate: Customer, agent: User
) -> None:
    actions.merge_customers(survivor, duplicate, actor=agent)
    duplicate.refresh_from_db()
    actions.record_consent(duplicate, "email", False, source="reply to an old e-mail")
    point = actions.add_contact_point(duplicate, "phone", "699 00 11 22")
    assert not actions.may_contact(survivor, "email")
    assert point.customer == survivor


def test_merges_chain_and_the_timeline_follows_the_chain(
    group: Organisation, survivor: Customer, duplicate: Customer, agent: User
) -> None:
    third = actions.create_customer(group, display_name="Carmen I.")
    actions.merge_customers(duplicate, third, actor=agent)
    actions.merge_customers(survivor, duplicate, actor=agent)
    verbs_of_third = {event.pk for event in timeline(third)}
    assert verbs_of_third <= {event.pk for event in actions.customer_timeline(survivor)}


@pytest.fixture
def merge_receivers() -> Iterator[list[dict[str, Any]]]:
    calls: list[dict[str, Any]] = []

    def receiver(sender: type, **kwargs: Any) -> None:
        calls.append(kwargs)

    customer_merged.connect(receiver, dispatch_uid="test-merge-receiver")
    yield calls
    customer_merged.disconnect(dispatch_uid="test-merge-receiver")


def test_it_tells_other_apps_so_they_re_point_their_rows(
    survivor: Customer, duplicate: Customer, agent: User, merge_receivers: list[dict[str, Any]]
) -> None:
    actions.merge_customers(survivor, duplicate, actor=agent)
    assert len(merge_receivers) == 1
    call = merge_receivers[0]
    assert (call["survivor"], call["duplicate"], call["actor"]) == (survivor, duplicate, agent)


def test_a_failing_receiver_rolls_the_whole_merge_back(
    survivor: Customer, duplicate: Customer, agent: User
) -> None:
    def broken(sender: type, **kwargs: Any) -> None:
        raise RuntimeError("cases could not be re-pointed")

    customer_merged.connect(broken, dispatch_uid="test-broken-receiver")
    try:
        with pytest.raises(RuntimeError):
            actions.merge_customers(survivor, duplicate, actor=agent)
    finally:
        customer_merged.disconnect(dispatch_uid="test-broken-receiver")
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None
    assert duplicate.contact_points.count() == 2
    assert not timeline(survivor).filter(verb="customer.merged").exists()


def test_merging_into_itself_or_twice_is_refused(
    survivor: Customer, duplicate: Customer, agent: User
) -> None:
    with pytest.raises(ValidationError) as error:
        actions.merge_customers(survivor, survivor, actor=agent)
    assert "duplicate" in error.value.message_dict
    actions.merge_customers(survivor, duplicate, actor=agent)
    with pytest.raises(ValidationError) as error:
        actions.merge_customers(survivor, duplicate, actor=agent)
    assert "duplicate" in error.value.message_dict


def test_merging_into_a_merged_customer_is_refused(
    group: Organisation, survivor: Customer, duplicate: Customer, agent: User
) -> None:
    actions.merge_customers(survivor, duplicate, actor=agent)
    late = actions.create_customer(group, display_name="Otra Carmen")
    with pytest.raises(ValidationError) as error:
        actions.merge_customers(duplicate, late, actor=agent)
    assert "survivor" in error.value.message_dict


def test_customers_of_different_groups_cannot_be_merged(
    survivor: Customer, other_group: Organisation, agent: User
) -> None:
    stranger = actions.create_customer(other_group, display_name="Persona Ajena")
    with pytest.raises(ValidationError):
        actions.merge_customers(survivor, stranger, actor=agent)
    stranger.refresh_from_db()
    assert stranger.merged_into is None


def test_marking_a_flagged_customer_reviewed_clears_the_flag(
    group: Organisation, survivor: Customer, agent: User
) -> None:
    actions.create_customer(group, display_name="Otra", contact_points=[("phone", "612112233")])
    flagged = actions.identify_customer(group, channel="sms", address="+34612112233").customer
    actions.mark_reviewed(flagged, actor=agent)
    flagged.refresh_from_db()
    assert not flagged.needs_review
    assert timeline(flagged).last().verb == "customer.reviewed"

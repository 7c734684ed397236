"""Phone and WhatsApp numbers are stored in E.164, read with the site's country by default."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from posventa.core.models import Event, Organisation
from posventa.customers import actions
from posventa.customers.models import ContactPoint, Customer
from posventa.customers.validation import normalise_email, normalise_phone


@pytest.mark.parametrize(
    ("typed", "region", "expected"),
    [
        ("612 34 56 78", "ES", "+34612345678"),
        ("612-345-678", "ES", "+34612345678"),
        ("+34 612 34 56 78", "SE", "+34612345678"),
        ("0034 612 345 678", "ES", "+34612345678"),
        ("91 123 45 67", "ES", "+34911234567"),
        ("070-123 45 67", "SE", "+46701234567"),
        ("+46 70 123 45 67", "ES", "+46701234567"),
        ("00 46 70 123 45 67", "SE", "+46701234567"),
        ("9 8765 4321", "CL", "+56987654321"),
        ("+56 9 8765 4321", "ES", "+56987654321"),
        ("whatsapp:+34612345678", "SE", "+34612345678"),
        ("tel:+46701234567", "ES", "+46701234567"),
    ],
)
def test_it_normalises_national_and_international_numbers_to_e164(
    typed: str, region: str, expected: str
) -> None:
    assert normalise_phone(typed, region) == expected


@pytest.mark.parametrize("garbage", ["12", "hello", "", "+34 1", "612 34 56 78 90 12 34"])
def test_it_refuses_a_garbage_number_naming_the_field(garbage: str) -> None:
    with pytest.raises(ValidationError) as error:
        normalise_phone(garbage, "ES", field="phone")
    assert list(error.value.message_dict) == ["phone"]


def test_it_lowercases_and_strips_email() -> None:
    assert normalise_email("  Ana.Ruiz@Example.ES ") == "ana.ruiz@example.es"


def test_it_refuses_a_bad_email_naming_the_field() -> None:
    with pytest.raises(ValidationError) as error:
        normalise_email("ana.example.es")
    assert "email" in error.value.message_dict


def test_add_contact_point_reads_national_numbers_with_the_given_region(
    group: Organisation,
) -> None:
    customer = actions.create_customer(group, display_name="Nils Exempel")
    point = actions.add_contact_point(customer, "whatsapp", "070-123 45 67", region="SE")
    assert point.value == "+46701234567"
    assert point.is_primary
    assert point.organisation_id == group.pk


def test_a_bad_number_is_refused_and_nothing_is_written(group: Organisation) -> None:
    customer = actions.create_customer(group, display_name="Nils Exempel")
    events_before = Event.objects.count()
    with pytest.raises(ValidationError) as error:
        actions.add_contact_point(customer, "phone", "not a number", region="SE")
    assert "phone" in error.value.message_dict
    assert not ContactPoint.objects.filter(customer=customer).exists()
    assert Event.objects.count() == events_before


def test_create_customer_reports_every_bad_field_at_once_and_writes_nothing(
    group: Organisation,
) -> None:
    with pytest.raises(ValidationError) as error:
        actions.create_customer(
            group,
            display_name=" ",
            language="spanish!",
            preferred_channel="pigeon",
            contact_points=[("email", "nope"), ("phone", "12")],
        )
    assert set(error.value.message_dict) == {
        "display_name",
        "language",
        "preferred_channel",
        "email",
        "phone",
    }
    assert not Customer.objects.exists()

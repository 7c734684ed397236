"""Seed 000: a car goes back to the workshop for seven months with the same fault, and nobody
puts the visits together. Here the second visit reaches the service manager at once, and the
third says it is the third."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from posventa.clocks.models import Clock
from posventa.clocks.sweeper import sweep
from posventa.core.events import timeline
from posventa.core.models import Site, User
from posventa.customers.models import Customer, Vehicle
from posventa.outbox.models import Notification
from posventa.workshop.actions import orders


def visit(
    site: Site,
    customer: Customer,
    vehicle: Vehicle,
    advisor: User,
    words: str,
    at: dt.datetime,
    km: int,
):  # type: ignore[no-untyped-def]
    return orders.open_repair_order(
        site,
        customer=customer,
        vehicle=vehicle,
        concerns=[words],
        advisor=advisor,
        odometer_in=km,
        at=at,
    )


def test_the_same_fault_three_times_in_seven_months_cannot_be_missed(
    madrid: Site, customer: Customer, vehicle: Vehicle, advisor: User, service_manager: User
) -> None:
    now = timezone.now()
    first_at = now - dt.timedelta(days=210)
    first = visit(
        madrid, customer, vehicle, advisor, "El coche no arranca en frío", first_at, 12_000
    )
    assert first.comeback_of is None

    # Three weeks later, back with the same fault in other words.
    second_at = first_at + dt.timedelta(days=21)
    second = visit(
        madrid,
        customer,
        vehicle,
        advisor,
        "Otra vez no arranca por la mañana en frío",
        second_at,
        12_900,
    )
    assert second.comeback_of == first
    clock = orders.comeback_clock(second)
    assert clock is not None and clock.owner == service_manager
    sweep(now=second_at + dt.timedelta(minutes=1))
    clock.refresh_from_db()
    assert clock.breached_at is not None, "escalated at the second visit, not the fifth"
    assert Notification.objects.filter(recipient=service_manager).exists()

    # Months later, the third visit: outside the 30-day window, and still flagged.
    third = visit(
        madrid, customer, vehicle, advisor, "No arranca en frío, tercera vez", now, 17_500
    )
    assert third.comeback_of == second
    event = timeline(third).get(verb="repair_order.comeback")
    assert event.data["visits_in_year"] == 3 and event.data["repeated"] is True
    third_clock = orders.comeback_clock(third)
    assert third_clock is not None and third_clock.due_at is not None
    assert third_clock.due_at <= now + dt.timedelta(seconds=1)
    assert Clock.objects.filter(standard_id="CASE-COMEBACK").count() == 2

"""A customer with a car at the Madrid workshop, its service advisor and service manager,
for the repair-order tests (the technicians come from tests/workshop/conftest.py)."""

from __future__ import annotations

import pytest

from posventa.core import actions as core_actions
from posventa.core.models import Role, Site, User
from posventa.customers import actions as customer_actions
from posventa.customers.models import Customer, Vehicle
from posventa.workshop.actions import delivery
from posventa.workshop.models import NextVisitOutcome, PaymentMethod, PickUp, RepairOrder
from tests.conftest import make_user


@pytest.fixture
def customer(madrid: Site) -> Customer:
    return customer_actions.create_customer(
        madrid.organisation,
        display_name="Carmen Ensayo",
        contact_points=[("email", "carmen.ensayo@example.org")],
        site=madrid,
    )


@pytest.fixture
def vehicle(madrid: Site, customer: Customer) -> Vehicle:
    return customer_actions.register_vehicle(
        madrid.organisation, vin="VF1RFB00X55123456", plate="0000 TST", owner=customer
    )


@pytest.fixture
def advisor(madrid: Site) -> User:
    user = make_user("asesora")
    core_actions.grant_role(user, madrid.organisation, Role.SERVICE_ADVISOR, madrid)
    return user


@pytest.fixture
def service_manager(madrid: Site) -> User:
    user = make_user("jefa-taller")
    core_actions.grant_role(user, madrid.organisation, Role.SERVICE_MANAGER, madrid)
    return user


def hand_back(order: RepairOrder, advisor: User, odometer_out: int) -> RepairOrder:
    """Deliver with everything explained, paid at the counter, next visit for later."""
    delivery.deliver(
        order,
        actor=advisor,
        odometer_out=odometer_out,
        explained=delivery.EXPLAINED,
        payment_method=PaymentMethod.CARD,
        pick_up=PickUp.COUNTER,
        next_visit_outcome=NextVisitOutcome.LATER,
        next_visit_offer="Revisión de los 45.000 km",
    )
    order.refresh_from_db()
    return order

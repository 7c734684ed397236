"""The workshop board and the service record: open orders by promised time with who holds
them, technicians clocking on and off, and the delivery PDF for the site's staff only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from posventa.core.models import Site, User
from posventa.customers.models import Customer, Vehicle
from posventa.workshop.actions import inspection, orders
from posventa.workshop.board import board
from posventa.workshop.estimates import LineKind
from posventa.workshop.models import DecidedVia, ItemStatus, Job, RepairOrder
from posventa.workshop.order_states import OrderState
from tests.workshop.orders.conftest import hand_back


def order_with_job(
    site: Site,
    customer: Customer,
    vehicle: Vehicle,
    advisor: User,
    technician: User,
    *,
    promised_in: dt.timedelta | None,
    km: int,
) -> tuple[RepairOrder, Job]:
    order = orders.open_repair_order(
        site,
        customer=customer,
        vehicle=vehicle,
        concerns=[f"Revisión {km}"],
        advisor=advisor,
        odometer_in=km,
        promised_at=timezone.now() + promised_in if promised_in else None,
    )
    job = orders.add_job(
        order,
        title="Revisión",
        actor=advisor,
        lines=[orders.LineSpec(LineKind.LABOUR, "Revisión", D("1"), D("62.50"), D("0.21"))],
    )
    orders.assign_technician(job, technician, actor=advisor)
    orders.record_decision(
        job, approved=True, via=DecidedVia.IN_PERSON, decided_by="Carmen", actor=advisor
    )
    return order, job


def test_the_board_shows_the_next_car_due_first_and_who_is_on_it(
    madrid: Site, customer: Customer, vehicle: Vehicle, advisor: User, technicians: list[User]
) -> None:
    later, _ = order_with_job(
        madrid,
        customer,
        vehicle,
        advisor,
        technicians[0],
        promised_in=dt.timedelta(hours=5),
        km=10_000,
    )
    sooner, job = order_with_job(
        madrid,
        customer,
        vehicle,
        advisor,
        technicians[1],
        promised_in=dt.timedelta(hours=1),
        km=10_100,
    )
    unpromised, _ = order_with_job(
        madrid, customer, vehicle, advisor, technicians[2], promised_in=None, km=10_200
    )
    orders.clock_on(job, technician=technicians[1])
    rows = board(madrid, timezone.now())
    assert [row.order_id for row in rows] == [sooner.pk, later.pk, unpromised.pk]
    first = rows[0]
    assert first.working and first.holder == (
        technicians[1].get_full_name() or technicians[1].get_username()
    )
    assert first.state == OrderState.IN_PROGRESS and first.jobs_approved == 1
    assert not rows[1].working and rows[1].holder == (
        advisor.get_full_name() or advisor.get_username()
    )
    assert rows[2].time_left is None


def test_a_car_past_its_promised_time_is_late(
    madrid: Site, customer: Customer, vehicle: Vehicle, advisor: User, technicians: list[User]
) -> None:
    order_with_job(
        madrid,
        customer,
        vehicle,
        advisor,
        technicians[0],
        promised_in=dt.timedelta(hours=1),
        km=10_000,
    )
    [row] = board(madrid, timezone.now() + dt.timedelta(hours=2))
    assert row.late and row.time_left_text.startswith("\u2212")  # a minus sign


def test_a_technician_clocks_on_one_job_at_a_time(
    madrid: Site, customer: Customer, vehicle: Vehicle, advisor: User, technicians: list[User]
) -> None:
    _, first = order_with_job(
        madrid, customer, vehicle, advisor, technicians[0], promised_in=None, km=10_000
    )
    _, second = order_with_job(
        madrid, customer, vehicle, advisor, technicians[0], promised_in=None, km=10_100
    )
    orders.clock_on(first, technician=technicians[0])
    with pytest.raises(ValidationError) as refused:
        orders.clock_on(second, technician=technicians[0])
    assert "Clock off" in refused.value.message_dict["technician"][0]
    entry = orders.clock_off(first, technician=technicians[0])
    assert entry.ended_at is not None
    orders.clock_on(second, technician=technicians[0])
    with pytest.raises(ValidationError):
        orders.clock_on(first, technician=technicians[1])  # not their job


def test_the_board_page_is_for_the_sites_staff(
    madrid: Site,
    customer: Customer,
    vehicle: Vehicle,
    advisor: User,
    technicians: list[User],
    outsider: User,
) -> None:
    order, _ = order_with_job(
        madrid,
        customer,
        vehicle,
        advisor,
        technicians[0],
        promised_in=dt.timedelta(hours=3),
        km=10_000,
    )
    client = Client()
    client.force_login(advisor)
    page = client.get(reverse("repair_orders:board", args=[madrid.slug]))
    assert page.status_code == 200
    html = page.content.decode()
    assert order.reference in html and "Carmen Ensayo" in html
    partial = client.get(reverse("repair_orders:board", args=[madrid.slug]), HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode() and order.reference in partial.content.decode()
    client.force_login(outsider)
    assert client.get(reverse("repair_orders:board", args=[madrid.slug])).status_code == 404


def test_the_service_record_pdf_of_a_delivered_car(
    madrid: Site,
    customer: Customer,
    vehicle: Vehicle,
    advisor: User,
    technicians: list[User],
    outsider: User,
) -> None:
    order, job = order_with_job(
        madrid, customer, vehicle, advisor, technicians[0], promised_in=None, km=10_000
    )
    inspection.record_item(
        order,
        code="pads",
        name="Pastillas",
        status=ItemStatus.GREEN,
        measurement="9",
        unit="mm",
        actor=technicians[0],
    )
    orders.clock_on(job, technician=technicians[0])
    orders.finish_job(job, cause="Intervalo", correction="Hecho", actor=technicians[0])
    order.refresh_from_db()
    orders.move(order, OrderState.COMPLETED, actor=technicians[0])
    orders.record_quality_check(order, checked_by=technicians[1], passed=True)
    hand_back(order, advisor, 10_003)
    client = Client()
    client.force_login(advisor)
    response = client.get(reverse("repair_orders:delivery_record", args=[order.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    client.force_login(outsider)
    assert client.get(reverse("repair_orders:delivery_record", args=[order.pk])).status_code == 404

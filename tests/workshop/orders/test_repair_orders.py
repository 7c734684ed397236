"""Repair orders through the actions: each refusal of the workshop standards has its test
(unqualified technician, unapproved work, delivery before the quality check, a check by
the repairing technician), and the whole path from write-up to delivery passes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from posventa.clocks.models import Clock, ClockState
from posventa.core.events import timeline
from posventa.core.models import Site, User
from posventa.customers.models import Customer, Vehicle
from posventa.workshop.actions import orders
from posventa.workshop.estimates import LineKind
from posventa.workshop.models import DecidedVia, Decision, Job, RepairOrder
from posventa.workshop.order_states import OrderState
from tests.workshop.orders.conftest import hand_back

VAT = D("0.21")


def open_order(
    site: Site,
    customer: Customer,
    vehicle: Vehicle,
    advisor: User,
    *concerns: str,
    km: int = 30_000,
    at: dt.datetime | None = None,
) -> RepairOrder:
    return orders.open_repair_order(
        site,
        customer=customer,
        vehicle=vehicle,
        concerns=concerns or ("Ruido al frenar",),
        advisor=advisor,
        odometer_in=km,
        at=at,
    )


def brake_job(order: RepairOrder, advisor: User, *, road_test: bool = False) -> Job:
    return orders.add_job(
        order,
        title="Cambiar pastillas delanteras",
        actor=advisor,
        concern=order.concerns.first(),
        operation_code="BRK-PAD-F",
        flat_rate_hours=D("1.2"),
        skill="brakes",
        road_test=road_test,
        lines=[
            orders.LineSpec(LineKind.LABOUR, "Mano de obra", D("1.2"), D("62.50"), VAT),
            orders.LineSpec(LineKind.PART, "Pastillas", D("1"), D("48.90"), VAT),
        ],
    )


def approve(job: Job, advisor: User) -> Job:
    return orders.record_decision(
        job, approved=True, via=DecidedVia.PHONE, decided_by="Carmen Ensayo", actor=advisor
    )


def test_an_order_opens_with_the_primary_concern_first_and_its_odometer(
    madrid: Site, customer: Customer, vehicle: Vehicle, advisor: User
) -> None:
    order = open_order(madrid, customer, vehicle, advisor, "Ruido al frenar", "Revisión 30.000")
    assert order.state == OrderState.OPEN and order.number == 1
    assert [c.text for c in order.concerns.all()] == ["Ruido al frenar", "Revisión 30.000"]
    assert order.concerns.first().primary  # type: ignore[union-attr]
    assert vehicle.odometer.get().km == 30_000
    assert open_order(madrid, customer, vehicle, advisor, "Otra cosa", km=30_010).number == 2
    assert timeline(order).filter(verb="repair_order.opened").exists()


def test_an_odometer_lower_than_the_last_reading_is_refused_naming_the_field(
    madrid: Site, customer: Customer, vehicle: Vehicle, advisor: User
) -> None:
    open_order(madrid, customer, vehicle, advisor, km=30_000)
    with pytest.raises(ValidationError) as refused:
        open_order(madrid, customer, vehicle, advisor, "Otra visita", km=29_000)
    assert "odometer_in" in refused.value.message_dict
    assert RepairOrder.objects.count() == 1


def test_an_order_without_the_customers_words_is_refused(
    madrid: Site, customer: Customer, vehicle: Vehicle, advisor: User
) -> None:
    with pytest.raises(ValidationError) as refused:
        orders.open_repair_order(
            madrid,
            customer=customer,
            vehicle=vehicle,
            concerns=["  "],
            advisor=advisor,
            odometer_in=30_000,
        )
    assert "concerns" in refused.value.message_dict


def test_a_job_goes_only_to_a_technician_certified_for_it(
    madrid: Site, customer: Customer, vehicle: Vehicle, advisor: User, technicians: list[User]
) -> None:
    order = open_order(madrid, customer, vehicle, advisor)
    job = brake_job(order, advisor)
    uncertified, certified = technicians[0], technicians[1]
    with pytest.raises(ValidationError) as refused:
        orders.assign_technician(job, uncertified, actor=advisor)
    assert "not certified for brakes" in refused.value.message_dict["technician"][0]
    orders.assign_technician(job, certified, actor=advisor)
    assert Job.objects.get(pk=job.pk).technician == certified


def test_only_a_manager_may_override_the_certification_with_a_reason(
    madrid: Site,
    customer: Customer,
    vehicle: Vehicle,
    advisor: User,
    technicians: list[User],
    service_manager: User,
) -> None:
    order = open_order(madrid, customer, vehicle, advisor)
    job = brake_job(order, advisor)
    with pytest.raises(ValidationError) as refused:
        orders.assign_technician(job, technicians[0], actor=advisor, override_reason="Urgente")
    assert "override_reason" in refused.value.message_dict
    orders.assign_technician(
        job,
        technicians[0],
        actor=service_manager,
        override_reason="Formación en curso, supervisa Inés",
    )
    job.refresh_from_db()
    assert (job.technician, job.override_by) == (technicians[0], service_manager)
    event = timeline(order).get(verb="repair_order.job_assigned")
    assert event.data["certified"] is False and "supervisa" in event.data["override_reason"]


def test_someone_who_is_not_a_technician_here_gets_no_job(
    madrid: Site, customer: Customer, vehicle: Vehicle, advisor: User
) -> None:
    order = open_order(madrid, customer, vehicle, advisor)
    with pytest.raises(ValidationError) as refused:
        orders.assign_technician(brake_job(order, advisor), advisor, actor=advisor)
    assert "technician" in refused.value.message_dict


def test_work_on_a_job_the_customer_has_not_approved_is_refused(
    madrid: Site, customer: Customer, vehicle: Vehicle, advisor: User, technicians: list[User]
) -> None:
    order = open_order(madrid, customer, vehicle, advisor)
    job = orders.assign_technician(brake_job(order, advisor), technicians[1], actor=advisor)
    with pytest.raises(ValidationError) as refused:
        orders.start_job(job, actor=technicians[1])
    assert "decision" in refused.value.message_dict
    order.refresh_from_db()
    assert order.state == OrderState.OPEN


def test_a_declined_job_keeps_its_reason_and_cannot_start(
    madrid: Site, customer: Customer, vehicle: Vehicle, advisor: User, technicians: list[User]
) -> None:
    order = open_order(madrid, customer, vehicle, advisor)
    job = orders.assign_technician(brake_job(order, advisor), technicians[1], actor=advisor)
    with pytest.raises(ValidationError) as refused:
        orders.record_decision(
            job, approved=False, via=DecidedVia.PHONE, decided_by="Carmen", actor=advisor
        )
    assert "decline_reason" in refused.value.message_dict
    orders.record_decision(
        job,
        approved=False,
        via=DecidedVia.PHONE,
        decided_by="Carmen",
        actor=advisor,
        reason="Lo hará el mes que viene",
    )
    job.refresh_from_db()
    assert job.decision == Decision.DECLINED and job.decline_reason == "Lo hará el mes que viene"
    with pytest.raises(ValidationError):
        orders.start_job(job, actor=technicians[1])


def ready_for_check(
    madrid: Site,
    customer: Customer,
    vehicle: Vehicle,
    advisor: User,
    technician: User,
    *,
    road_test: bool = False,
) -> RepairOrder:
    order = open_order(madrid, customer, vehicle, advisor)
    job = orders.assign_technician(
        brake_job(order, advisor, road_test=road_test), technician, actor=advisor
    )
    orders.start_job(approve(job, advisor), actor=technician)
    orders.finish_job(job, cause="Pastillas al límite", correction="Sustituidas", actor=technician)
    order.refresh_from_db()
    return orders.move(order, OrderState.COMPLETED, actor=technician)


def test_delivery_before_the_quality_check_passes_is_refused(
    madrid: Site, customer: Customer, vehicle: Vehicle, advisor: User, technicians: list[User]
) -> None:
    order = ready_for_check(madrid, customer, vehicle, advisor, technicians[1])
    with pytest.raises(ValidationError) as refused:
        hand_back(order, advisor, 30_005)
    assert "quality_check" in refused.value.message_dict
    assert RepairOrder.objects.get(pk=order.pk).state == OrderState.COMPLETED


def test_the_repairing_technician_cannot_check_their_own_work(
    madrid: Site, customer: Customer, vehicle: Vehicle, advisor: User, technicians: list[User]
) -> None:
    order = ready_for_check(madrid, customer, vehicle, advisor, technicians[1])
    with pytest.raises(ValidationError) as refused:
        orders.record_quality_check(order, checked_by=technicians[1], passed=True)
    assert "checked_by" in refused.value.message_dict
    assert not order.checks.exists()


def test_a_job_that_needs_a_road_test_does_not_pass_without_one(
    madrid: Site, customer: Customer, vehicle: Vehicle, advisor: User, technicians: list[User]
) -> None:
    order = ready_for_check(madrid, customer, vehicle, advisor, technicians[1], road_test=True)
    with pytest.raises(ValidationError) as refused:
        orders.record_quality_check(order, checked_by=technicians[0], passed=True)
    assert "road_tested" in refused.value.message_dict
    orders.record_quality_check(order, checked_by=technicians[0], passed=True, road_tested=True)


def test_a_failed_check_sends_the_order_back_to_work(
    madrid: Site, customer: Customer, vehicle: Vehicle, advisor: User, technicians: list[User]
) -> None:
    order = ready_for_check(madrid, customer, vehicle, advisor, technicians[1])
    orders.record_quality_check(
        order, checked_by=technicians[0], passed=False, notes="Sigue sonando"
    )
    order.refresh_from_db()
    assert order.state == OrderState.IN_PROGRESS
    assert timeline(order).filter(verb="repair_order.quality_failed").exists()


def test_the_whole_path_from_write_up_to_delivery(
    madrid: Site, customer: Customer, vehicle: Vehicle, advisor: User, technicians: list[User]
) -> None:
    promised = timezone.now() + dt.timedelta(hours=6)
    order = orders.open_repair_order(
        madrid,
        customer=customer,
        vehicle=vehicle,
        concerns=["Ruido al frenar"],
        advisor=advisor,
        odometer_in=30_000,
        promised_at=promised,
    )
    on_time = Clock.objects.get(standard_id="DELIVERY-ON-TIME", subject_id=str(order.pk))
    job = orders.assign_technician(brake_job(order, advisor), technicians[1], actor=advisor)
    orders.start_job(approve(job, advisor), actor=technicians[1])
    orders.finish_job(
        job, cause="Pastillas al límite", correction="Sustituidas", actor=technicians[1]
    )
    order.refresh_from_db()
    orders.move(order, OrderState.COMPLETED, actor=technicians[1])
    on_time.refresh_from_db()
    assert on_time.state == ClockState.SATISFIED
    orders.record_quality_check(order, checked_by=technicians[0], passed=True)
    hand_back(order, advisor, 30_006)
    order.refresh_from_db()
    assert order.state == OrderState.DELIVERED and order.odometer_out == 30_006
    follow_up = Clock.objects.get(standard_id="FOLLOWUP-2D", subject_id=str(order.pk))
    assert follow_up.state == ClockState.RUNNING and follow_up.owner == advisor
    orders.move(order, OrderState.CLOSED, actor=advisor)
    verbs = list(timeline(order).values_list("verb", flat=True))
    for verb in (
        "repair_order.opened",
        "repair_order.job_approved",
        "repair_order.job_started",
        "repair_order.job_done",
        "repair_order.quality_passed",
        "repair_order.delivered",
    ):
        assert verb in verbs, verb


def test_a_car_back_with_the_same_concern_is_a_comeback_escalated_to_the_service_manager(
    madrid: Site, customer: Customer, vehicle: Vehicle, advisor: User, service_manager: User
) -> None:
    first = open_order(
        madrid,
        customer,
        vehicle,
        advisor,
        "Ruido al frenar",
        at=timezone.now() - dt.timedelta(days=12),
    )
    again = open_order(madrid, customer, vehicle, advisor, "Hace ruido cuando freno", km=30_400)
    assert again.comeback_of == first and again.comeback_reason == "description"
    clock = orders.comeback_clock(again)
    assert clock is not None and clock.owner == service_manager
    assert clock.due_at is not None and clock.due_at <= timezone.now()
    event = timeline(again).get(verb="repair_order.comeback")
    assert event.data["repeats"] == first.pk


def test_a_new_fault_is_no_comeback(
    madrid: Site, customer: Customer, vehicle: Vehicle, advisor: User, service_manager: User
) -> None:
    open_order(
        madrid,
        customer,
        vehicle,
        advisor,
        "Ruido al frenar",
        at=timezone.now() - dt.timedelta(days=12),
    )
    other = open_order(madrid, customer, vehicle, advisor, "Cambio de neumáticos", km=30_400)
    assert other.comeback_of is None and orders.comeback_clock(other) is None

"""Estimates and approvals: versions, a variation that stops the job until the customer
approves again and measures how fast they were told, the signed approval link and its
refusals, and special-order parts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from posventa.clocks.models import Clock, ClockState
from posventa.core.models import Site, User
from posventa.customers.models import Customer, Vehicle
from posventa.outbox.models import Notification
from posventa.workshop.actions import consultation, orders
from posventa.workshop.estimates import LineKind
from posventa.workshop.models import DecidedVia, Decision, Job, JobLine, RepairOrder

VAT = D("0.21")


@pytest.fixture
def order(madrid: Site, customer: Customer, vehicle: Vehicle, advisor: User) -> RepairOrder:
    return orders.open_repair_order(
        madrid,
        customer=customer,
        vehicle=vehicle,
        concerns=["Ruido al frenar", "Revisión"],
        advisor=advisor,
        odometer_in=30_000,
    )


@pytest.fixture
def jobs(order: RepairOrder, advisor: User) -> list[Job]:
    concern = order.concerns.first()
    brakes = orders.add_job(
        order,
        title="Pastillas delanteras",
        actor=advisor,
        concern=concern,
        lines=[orders.LineSpec(LineKind.PART, "Pastillas", D("1"), D("48.90"), VAT)],
    )
    oil = orders.add_job(
        order,
        title="Cambio de aceite",
        actor=advisor,
        lines=[orders.LineSpec(LineKind.PART, "Aceite 5W30", D("5"), D("9.80"), VAT)],
    )
    return [brakes, oil]


def approve_all(jobs: list[Job], advisor: User) -> None:
    for job in jobs:
        orders.record_decision(
            job, approved=True, via=DecidedVia.PHONE, decided_by="Carmen", actor=advisor
        )


def test_the_first_version_freezes_jobs_and_totals_primary_first(
    order: RepairOrder, jobs: list[Job], advisor: User
) -> None:
    version = consultation.issue_estimate(order, actor=advisor)
    assert version.number == 1 and version.needs_approval
    assert [job["concern"] for job in version.snapshot["jobs"]] == [
        "Pastillas delanteras",
        "Cambio de aceite",
    ]
    assert version.total == D("59.17") + D("59.29")
    assert not Clock.objects.filter(standard_id="CONSULT-VARIATION").exists()
    with pytest.raises(ValidationError) as refused:
        consultation.issue_estimate(order, actor=advisor)
    assert "Nothing changed" in refused.value.message_dict["jobs"][0]


def test_a_dearer_job_stops_until_the_customer_approves_again_and_telling_them_is_timed(
    order: RepairOrder, jobs: list[Job], advisor: User
) -> None:
    consultation.issue_estimate(order, actor=advisor)
    approve_all(jobs, advisor)
    brakes, oil = jobs
    JobLine.objects.create(
        job=brakes,
        kind=LineKind.PART,
        description="Discos",
        quantity=2,
        unit_price=D("45"),
        tax_rate=VAT,
    )
    version = consultation.issue_estimate(
        order, actor=advisor, reason="Los discos están por debajo del mínimo"
    )
    assert version.number == 2 and version.needs_approval
    brakes.refresh_from_db()
    oil.refresh_from_db()
    assert brakes.decision == Decision.PENDING, "work on the dearer job stops"
    assert oil.decision == Decision.APPROVED
    clock = Clock.objects.get(standard_id="CONSULT-VARIATION")
    assert clock.state == ClockState.RUNNING
    consultation.send_estimate(version, actor=advisor, link="https://example.test/approve/x")
    clock.refresh_from_db()
    assert clock.state == ClockState.SATISFIED
    sent = Notification.objects.get(related_id=str(version.pk))
    assert sent.to_address == "carmen.ensayo@example.org"
    assert "discos" in sent.body.lower() and "example.test/approve/x" in sent.body


def test_the_customer_answers_each_job_through_the_link(
    order: RepairOrder, jobs: list[Job], advisor: User
) -> None:
    version = consultation.issue_estimate(order, actor=advisor)
    token = consultation.approval_token(version)
    brakes, oil = jobs
    consultation.answer_by_link(token, {brakes.pk: (True, ""), oil.pk: (False, "Lo cambio yo")})
    brakes.refresh_from_db()
    oil.refresh_from_db()
    assert (brakes.decision, brakes.decided_via) == (Decision.APPROVED, DecidedVia.LINK)
    assert (oil.decision, oil.decline_reason) == (Decision.DECLINED, "Lo cambio yo")
    # The link worked once.
    assert consultation.read_approval_link(token).problem == consultation.LinkProblem.USED
    with pytest.raises(ValidationError):
        consultation.answer_by_link(token, {brakes.pk: (False, "Me arrepiento")})
    brakes.refresh_from_db()
    assert brakes.decision == Decision.APPROVED


def test_a_superseded_expired_or_forged_link_changes_nothing(
    order: RepairOrder, jobs: list[Job], advisor: User
) -> None:
    first = consultation.issue_estimate(order, actor=advisor)
    old_token = consultation.approval_token(first)
    JobLine.objects.create(
        job=jobs[0],
        kind=LineKind.FEE,
        description="Residuos",
        quantity=1,
        unit_price=D("3"),
        tax_rate=VAT,
    )
    consultation.issue_estimate(order, actor=advisor, reason="Tasa de residuos")
    assert consultation.read_approval_link(old_token).problem == consultation.LinkProblem.USED
    forged = signing.dumps(
        {"version": first.pk, "order": order.pk, "customer": order.customer_id + 1},
        salt=consultation.APPROVAL_SALT,
    )
    assert consultation.read_approval_link(forged).problem == consultation.LinkProblem.INVALID
    assert consultation.read_approval_link("nonsense").problem == consultation.LinkProblem.INVALID
    with override_settings(POSVENTA_APPROVAL_LINK_MAX_AGE=-1):
        assert (
            consultation.read_approval_link(old_token).problem == consultation.LinkProblem.EXPIRED
        )
    assert not Job.objects.exclude(decision=Decision.PENDING).exists()


def test_a_link_cannot_answer_a_job_of_another_estimate(
    order: RepairOrder, jobs: list[Job], advisor: User
) -> None:
    version = consultation.issue_estimate(order, actor=advisor)
    with pytest.raises(ValidationError) as refused:
        consultation.answer_by_link(consultation.approval_token(version), {999_999: (True, "")})
    assert "jobs" in refused.value.message_dict


def test_a_received_part_must_be_told_within_a_business_day_in_the_customers_words(
    order: RepairOrder, jobs: list[Job], advisor: User
) -> None:
    brakes = jobs[0]
    line = brakes.lines.get()
    part = consultation.order_part(
        brakes,
        description="Pastillas delanteras",
        supplier="Recambios Ejemplo",
        eta=timezone.localdate() + dt.timedelta(days=3),
        actor=advisor,
        line=line,
    )
    line.refresh_from_db()
    assert line.part_eta == part.eta
    consultation.receive_part(part, actor=advisor)
    clock = Clock.objects.get(standard_id="CONSULT-PARTS")
    assert clock.state == ClockState.RUNNING
    subject, body = consultation.part_arrived_message(part)
    assert order.reference in subject and "Pastillas delanteras" in body
    consultation.tell_part_arrived(part, actor=advisor, subject=subject, body=body)
    clock.refresh_from_db()
    part.refresh_from_db()
    assert clock.state == ClockState.SATISFIED and part.customer_told_at is not None


def test_a_part_arriving_later_is_a_variation(
    order: RepairOrder, jobs: list[Job], advisor: User
) -> None:
    brakes = jobs[0]
    part = consultation.order_part(
        brakes,
        description="Pastillas",
        supplier="Recambios Ejemplo",
        eta=timezone.localdate() + dt.timedelta(days=2),
        actor=advisor,
        line=brakes.lines.get(),
    )
    consultation.issue_estimate(order, actor=advisor)
    approve_all(jobs, advisor)
    version = consultation.delay_part(part, eta=part.eta + dt.timedelta(days=5), actor=advisor)
    assert version is not None and version.number == 2 and version.needs_approval
    brakes.refresh_from_db()
    assert brakes.decision == Decision.PENDING
    with pytest.raises(ValidationError) as refused:
        consultation.delay_part(part, eta=part.eta, actor=advisor)
    assert "eta" in refused.value.message_dict

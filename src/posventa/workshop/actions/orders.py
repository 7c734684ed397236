"""Repair orders: opened at write-up, worked job by job, checked, delivered (issue 13).

Every move of an order goes through `move`, which asks `order_states.refusal` with the facts
read from the database, so the rules live in one table: no work on a job the customer has
not approved (CONSULT-APPROVAL), no delivery before a passed quality check by someone other
than the repairing technician (QC-DOCUMENTED), a job only for a technician certified for it
unless a manager overrides with a reason (REPAIR-TECH). A new order that repeats a concern
of the vehicle's earlier visits is a comeback: linked to the order it repeats and escalated
to the service manager at once (CASE-COMEBACK, seed 000).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from posventa.clocks import actions as clocks
from posventa.clocks.models import Clock
from posventa.core.access import MANAGER_ROLES, roles_at, users_with_role
from posventa.core.events import record_event
from posventa.core.models import Certification, Role, Site, User
from posventa.customers import actions as customer_actions
from posventa.customers.models import Customer, Vehicle
from posventa.customers.reach import preferred_address
from posventa.outbox import actions as outbox
from posventa.workshop.actions._common import atomic, refusable
from posventa.workshop.comebacks import REPEAT_WINDOW, Comeback, find_comeback
from posventa.workshop.comebacks import Concern as ConcernFacts
from posventa.workshop.estimates import LineKind
from posventa.workshop.models import (
    Appointment,
    Concern,
    DecidedVia,
    Decision,
    Delivery,
    Job,
    JobLine,
    OrderCounter,
    PayType,
    QualityCheck,
    RepairOrder,
    TimeEntry,
)
from posventa.workshop.order_states import OrderFacts, OrderState, refusal

CASE_COMEBACK = "CASE-COMEBACK"
DELIVERY_ON_TIME = "DELIVERY-ON-TIME"
FOLLOWUP_2D = "FOLLOWUP-2D"


@dataclass(frozen=True)
class LineSpec:
    kind: LineKind
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    part_eta: dt.date | None = None


# --- opening an order -----------------------------------------------------------------------


def open_repair_order(
    site: Site,
    *,
    customer: Customer,
    vehicle: Vehicle,
    concerns: Sequence[str],
    advisor: User,
    odometer_in: int,
    appointment: Appointment | None = None,
    pay_type: str = PayType.CUSTOMER,
    promised_at: dt.datetime | None = None,
    tag: str = "",
    at: dt.datetime | None = None,
) -> RepairOrder:
    """Open an order at write-up with the customer's concerns, the primary one first."""
    at = at or timezone.now()
    words = [" ".join(text.split()) for text in concerns if text and text.strip()]
    _refuse_bad_opening(site, customer, vehicle, words, pay_type, promised_at, at)
    with refusable():  # the odometer may still be refused inside
        _record_odometer_in(vehicle, odometer_in, at, advisor)
        order = RepairOrder.objects.create(
            site=site,
            number=_next_number(site),
            customer=customer,
            vehicle=vehicle,
            appointment=appointment,
            case=appointment.case if appointment else None,
            state=OrderState.OPEN,
            pay_type=pay_type,
            odometer_in=odometer_in,
            promised_at=promised_at,
            tag=tag.strip()[:20],
            advisor=advisor,
            opened_at=at,
        )
        Concern.objects.bulk_create(
            Concern(order=order, text=text, primary=index == 0, position=index)
            for index, text in enumerate(words)
        )
        record_event(
            "repair_order.opened",
            subject=order,
            site=site,
            actor=advisor,
            occurred_at=at,
            summary=words[0][:200],
            data={"number": order.number, "concerns": words},
        )
        if promised_at is not None:
            clocks.start_clock(
                DELIVERY_ON_TIME,
                subject=order,
                site=site,
                owner=advisor,
                started_at=at,
                deadline=promised_at,
                label=order.reference,
                actor=advisor,
            )
        _flag_comeback(order, at)
    return order


def _refuse_bad_opening(
    site: Site,
    customer: Customer,
    vehicle: Vehicle,
    words: list[str],
    pay_type: str,
    promised_at: dt.datetime | None,
    at: dt.datetime,
) -> None:
    errors: dict[str, str] = {}
    if not words:
        errors["concerns"] = _("Write down what the customer says is wrong, in their words.")
    if pay_type not in PayType.values:
        errors["pay_type"] = _("Choose who pays: customer, warranty, internal or contract.")
    if customer.organisation_id != site.organisation_id:
        errors["customer"] = _("The customer belongs to another organisation.")
    if vehicle.organisation_id != site.organisation_id:
        errors["vehicle"] = _("The vehicle belongs to another organisation.")
    if promised_at is not None and (timezone.is_naive(promised_at) or promised_at <= at):
        errors["promised_at"] = _("The promised time must be a time (with its zone) to come.")
    if errors:
        raise ValidationError(errors)


def _record_odometer_in(vehicle: Vehicle, km: int, at: dt.datetime, actor: User) -> None:
    try:
        customer_actions.record_odometer(vehicle, km, read_at=at, source="write-up", actor=actor)
    except ValidationError as error:
        messages = error.message_dict.get("km") or error.messages
        raise ValidationError({"odometer_in": messages}) from error


def _next_number(site: Site) -> int:
    counter, _created = OrderCounter.objects.get_or_create(site=site)
    counter = OrderCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


# --- comebacks ------------------------------------------------------------------------------


def _flag_comeback(order: RepairOrder, at: dt.datetime) -> Comeback | None:
    """Link the order to the visit it repeats and escalate it to the service manager now."""
    earlier = _earlier_concerns(order)
    found = [
        comeback
        for concern in order.concerns.all()
        if (comeback := find_comeback(_facts(concern, order), earlier)) is not None
        and (comeback.within_window or comeback.repeated)
    ]
    if not found:
        return None
    comeback = max(found, key=lambda c: (c.repeated, c.visits_in_year))
    order.comeback_of_id = comeback.earlier.order
    order.comeback_reason = comeback.reason
    order.save(update_fields=["comeback_of", "comeback_reason", "updated_at"])
    manager = users_with_role(order.site, Role.SERVICE_MANAGER).first()
    record_event(
        "repair_order.comeback",
        subject=order,
        site=order.site,
        occurred_at=at,
        summary=comeback.earlier.description[:200],
        data={
            "repeats": comeback.earlier.order,
            "reason": comeback.reason,
            "visits_in_year": comeback.visits_in_year,
            "repeated": comeback.repeated,
        },
        internal=True,
    )
    # Target 0: the clock is due as it starts, so the sweeper escalates it on its next round.
    clocks.start_clock(
        CASE_COMEBACK,
        subject=order,
        site=order.site,
        owner=manager,
        started_at=at,
        target_seconds=0,
        label=order.reference,
    )
    return comeback


def _earlier_concerns(order: RepairOrder) -> list[ConcernFacts]:
    since = order.opened_at - REPEAT_WINDOW
    rows = (
        Concern.objects.filter(order__vehicle_id=order.vehicle_id, order__opened_at__gte=since)
        .exclude(order=order)
        .exclude(order__state=OrderState.CANCELLED)
        .select_related("order")
        .prefetch_related("jobs")
    )
    return [_facts(concern, concern.order) for concern in rows]


def _facts(concern: Concern, order: RepairOrder) -> ConcernFacts:
    jobs = list(concern.jobs.all()) if concern.pk else []
    return ConcernFacts(
        order=order.pk,
        opened_at=order.opened_at,
        description=concern.text,
        operation_codes=frozenset(job.operation_code for job in jobs if job.operation_code),
        system=concern.system,
    )


# --- jobs -----------------------------------------------------------------------------------


def add_job(
    order: RepairOrder,
    *,
    title: str,
    actor: User,
    concern: Concern | None = None,
    operation_code: str = "",
    flat_rate_hours: Decimal = Decimal(0),
    skill: str = "",
    road_test: bool = False,
    lines: Sequence[LineSpec] = (),
) -> Job:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": _("Say what the job is.")})
    if concern is not None and concern.order_id != order.pk:
        raise ValidationError({"concern": _("That concern belongs to another repair order.")})
    if not order.is_active:
        raise ValidationError({"state": _("A finished repair order takes no new jobs.")})
    with atomic():
        job = Job.objects.create(
            order=order,
            concern=concern,
            title=title[:200],
            operation_code=operation_code,
            flat_rate_hours=flat_rate_hours,
            skill=skill,
            road_test=road_test,
        )
        JobLine.objects.bulk_create(
            JobLine(
                job=job,
                kind=line.kind,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                tax_rate=line.tax_rate,
                part_eta=line.part_eta,
            )
            for line in lines
        )
        record_event(
            "repair_order.job_added",
            subject=order,
            site=order.site,
            actor=actor,
            summary=title[:200],
            data={"job": job.pk, "operation": operation_code, "skill": skill},
        )
    return job


def assign_technician(job: Job, technician: User, *, actor: User, override_reason: str = "") -> Job:
    """Give the job to a technician of the site trained for it (REPAIR-TECH); a manager may
    give it to someone without the certification, saying why."""
    site = job.order.site
    override_reason = (override_reason or "").strip()
    if Role.TECHNICIAN not in roles_at(technician, site):
        raise ValidationError(
            {"technician": _("%(name)s is not a technician at this site.") % {"name": technician}}
        )
    certified = _is_certified(technician, job.skill, timezone.localdate())
    if not certified and not override_reason:
        raise ValidationError(
            {
                "technician": _(
                    "%(name)s is not certified for %(skill)s. A manager may assign them "
                    "anyway, with a reason."
                )
                % {"name": technician, "skill": job.skill}
            }
        )
    if not certified and not roles_at(actor, site) & set(MANAGER_ROLES):
        raise ValidationError(
            {"override_reason": _("Only a manager can assign an uncertified technician.")}
        )
    with atomic():
        job.technician = technician
        job.override_reason = "" if certified else override_reason
        job.override_by = None if certified else actor
        job.save(update_fields=["technician", "override_reason", "override_by"])
        record_event(
            "repair_order.job_assigned",
            subject=job.order,
            site=site,
            actor=actor,
            summary=job.title[:200],
            data={
                "job": job.pk,
                "technician": technician.get_username(),
                "certified": certified,
                "override_reason": job.override_reason,
            },
        )
    return job


def _is_certified(technician: User, skill: str, today: dt.date) -> bool:
    if not skill:
        return True
    return Certification.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today), user=technician, code=skill
    ).exists()


def record_decision(
    job: Job,
    *,
    approved: bool,
    via: str,
    decided_by: str,
    actor: User | None,
    reason: str = "",
    at: dt.datetime | None = None,
) -> Job:
    """The customer's approval or refusal of a job, with who and how (CONSULT-APPROVAL)."""
    at = at or timezone.now()
    errors: dict[str, str] = {}
    if via not in DecidedVia.values:
        errors["via"] = _("Say how the customer answered: by phone, in person or by link.")
    if not (decided_by or "").strip():
        errors["decided_by"] = _("Say who answered for the customer.")
    if not approved and not (reason or "").strip():
        errors["decline_reason"] = _("Write down why the customer declined.")
    if job.done_at is not None:
        errors["decision"] = _("The job is already done.")
    if errors:
        raise ValidationError(errors)
    with atomic():
        job.decision = Decision.APPROVED if approved else Decision.DECLINED
        job.decided_at = at
        job.decided_via = via
        job.decided_by = decided_by.strip()[:200]
        job.decline_reason = "" if approved else reason.strip()
        job.save(
            update_fields=["decision", "decided_at", "decided_via", "decided_by", "decline_reason"]
        )
        record_event(
            "repair_order.job_approved" if approved else "repair_order.job_declined",
            subject=job.order,
            site=job.order.site,
            actor=actor,
            occurred_at=at,
            summary=job.title[:200],
            data={"job": job.pk, "via": via, "by": job.decided_by, "reason": job.decline_reason},
        )
    return job


def start_job(job: Job, *, actor: User, at: dt.datetime | None = None) -> Job:
    """The technician starts the job: refused unless the customer approved it."""
    at = at or timezone.now()
    if job.decision != Decision.APPROVED:
        raise ValidationError(
            {"decision": _("The customer has not approved this job: work on it cannot start.")}
        )
    if job.technician_id is None:
        raise ValidationError({"technician": _("Assign the job to a technician first.")})
    with refusable():  # the order's move may still be refused inside
        order = RepairOrder.objects.select_for_update().get(pk=job.order_id)
        if order.state in (OrderState.OPEN, OrderState.ON_HOLD):
            move(order, OrderState.IN_PROGRESS, actor=actor, at=at)
        elif order.state != OrderState.IN_PROGRESS:
            raise ValidationError(
                {
                    "state": _("Work cannot start on a repair order that is %(state)s.")
                    % {"state": OrderState(order.state).label}
                }
            )
        job.started_at = job.started_at or at
        job.save(update_fields=["started_at"])
        record_event(
            "repair_order.job_started",
            subject=order,
            site=order.site,
            actor=actor,
            occurred_at=at,
            summary=job.title[:200],
            data={"job": job.pk},
        )
    return job


def finish_job(job: Job, *, cause: str, correction: str, actor: User) -> Job:
    errors: dict[str, str] = {}
    if job.started_at is None:
        errors["state"] = _("The job was never started.")
    if job.decision != Decision.APPROVED:
        # A variation put it back to the customer: work on it stops until they approve.
        errors["decision"] = _("The customer has not approved this job: work on it cannot go on.")
    if not (cause or "").strip():
        errors["cause"] = _("Write down the cause that was found.")
    if not (correction or "").strip():
        errors["correction"] = _("Write down what was done to correct it.")
    if errors:
        raise ValidationError(errors)
    with atomic():
        job.cause, job.correction = cause.strip(), correction.strip()
        job.done_at = timezone.now()
        job.save(update_fields=["cause", "correction", "done_at"])
        record_event(
            "repair_order.job_done",
            subject=job.order,
            site=job.order.site,
            actor=actor,
            summary=job.title[:200],
            data={"job": job.pk},
        )
    return job


# --- moving the order, the quality check and delivery -----------------------------------------


def order_facts(
    order: RepairOrder, *, hold_reason: str = "", cancel_reason: str = ""
) -> OrderFacts:
    approved = order.jobs.filter(decision=Decision.APPROVED)
    last_check = order.checks.order_by("-checked_at", "-pk").first()
    return OrderFacts(
        approved_jobs=approved.count(),
        approved_jobs_not_done=approved.filter(done_at__isnull=True).count(),
        quality_check_passed=bool(last_check and last_check.passed),
        hold_reason=hold_reason,
        delivery_recorded=Delivery.objects.filter(order=order).exists(),
        cancel_reason=cancel_reason,
    )


def move(
    order: RepairOrder,
    target: OrderState,
    *,
    actor: User | None,
    hold_reason: str = "",
    cancel_reason: str = "",
    at: dt.datetime | None = None,
) -> RepairOrder:
    """Move the order to `target`, or ValidationError with the rule's reason on its field."""
    from_state = OrderState(order.state)
    facts = order_facts(order, hold_reason=hold_reason, cancel_reason=cancel_reason)
    refused = refusal(from_state, target, facts)
    if refused is not None:
        raise ValidationError({refused.field: refused.message})
    at = at or timezone.now()
    with atomic():
        order.state = target
        order.hold_reason = hold_reason if target == OrderState.ON_HOLD else ""
        _stamp(order, target, at, cancel_reason)
        order.save()
        record_event(
            "repair_order.moved",
            subject=order,
            site=order.site,
            actor=actor,
            occurred_at=at,
            data={"from": from_state, "to": target, "hold_reason": order.hold_reason},
        )
        _satisfy_on(order, target, actor, at)
    return order


def _stamp(order: RepairOrder, target: OrderState, at: dt.datetime, cancel_reason: str) -> None:
    if target == OrderState.COMPLETED:
        order.completed_at = at
    elif target == OrderState.CANCELLED:
        order.cancelled_at, order.cancel_reason = at, cancel_reason.strip()
    elif target == OrderState.CLOSED:
        order.closed_at = at


def _satisfy_on(
    order: RepairOrder, target: OrderState, actor: User | None, at: dt.datetime
) -> None:
    """The car is ready (completed): DELIVERY-ON-TIME is met or late, measured against the
    promised time. A cancelled order's clocks are cancelled with it."""
    open_clocks = clocks.open_clocks_for(order)
    if target == OrderState.COMPLETED:
        for clock in open_clocks.filter(standard_id=DELIVERY_ON_TIME):
            clocks.satisfy_clock(clock, actor=actor, at=at, reason=_("Ready"))
        _tell_ready(order)
    elif target == OrderState.CANCELLED:
        for clock in open_clocks:
            clocks.cancel_clock(clock, actor=actor, reason=order.cancel_reason)


def _tell_ready(order: RepairOrder) -> None:
    """The ready message, by the preferred method, in the customer's language (none when
    we have no address: the advisor calls)."""
    target = preferred_address(order.customer)
    if target is None:
        return
    channel, address = target
    with translation.override(order.customer.language or None):
        subject = _("Your %(vehicle)s is ready: %(reference)s") % {
            "vehicle": order.vehicle,
            "reference": order.reference,
        }
        body = _("Your %(vehicle)s is ready to be picked up at %(site)s.") % {
            "vehicle": order.vehicle,
            "site": order.site.name,
        }
    outbox.send_to_customer(
        channel=channel,
        to_address=address,
        subject=subject,
        body=body,
        site=order.site,
        related=order,
        automatic=True,
        # Once per completion: a car sent back by a failed check is ready again later.
        dedupe_key=f"ready:{order.pk}:{order.completed_at:%Y%m%d%H%M%S%f}",
    )


def record_quality_check(
    order: RepairOrder,
    *,
    checked_by: User,
    passed: bool,
    road_tested: bool = False,
    notes: str = "",
    at: dt.datetime | None = None,
) -> QualityCheck:
    """The quality check (QC-DOCUMENTED): by someone who did not repair the car, with a road
    test where a job calls for one. A failed check sends the order back to work."""
    at = at or timezone.now()
    errors: dict[str, str] = {}
    if order.state != OrderState.COMPLETED:
        errors["state"] = _("Only a completed repair order is checked.")
    repairers = set(
        order.jobs.filter(decision=Decision.APPROVED).values_list("technician_id", flat=True)
    )
    if checked_by.pk in repairers:
        errors["checked_by"] = _(
            "The quality check must be done by someone other than the repairing technician."
        )
    if (
        passed
        and not road_tested
        and order.jobs.filter(decision=Decision.APPROVED, road_test=True).exists()
    ):
        errors["road_tested"] = _("A job on this order needs a road test before it passes.")
    if errors:
        raise ValidationError(errors)
    with atomic():
        check = QualityCheck.objects.create(
            order=order,
            checked_by=checked_by,
            checked_at=at,
            passed=passed,
            road_tested=road_tested,
            notes=(notes or "").strip(),
        )
        record_event(
            "repair_order.quality_passed" if passed else "repair_order.quality_failed",
            subject=order,
            site=order.site,
            actor=checked_by,
            occurred_at=at,
            summary=check.notes[:200],
            data={"check": check.pk, "road_tested": road_tested},
        )
        if not passed:
            move(order, OrderState.IN_PROGRESS, actor=checked_by, at=at)
    return check


def comeback_clock(order: RepairOrder) -> Clock | None:
    return clocks.open_clocks_for(order).filter(standard_id=CASE_COMEBACK).first()


# --- technicians clock on and off ---------------------------------------------------------------


def clock_on(job: Job, *, technician: User, at: dt.datetime | None = None) -> TimeEntry:
    """The job's technician starts working on it now (the first time starts the job)."""
    at = at or timezone.now()
    if job.technician_id != technician.pk:
        raise ValidationError({"technician": _("Only the job's technician clocks on it.")})
    on_other = TimeEntry.objects.filter(technician=technician, ended_at__isnull=True).first()
    if on_other is not None:
        raise ValidationError(
            {"technician": _("Clock off %(job)s first.") % {"job": on_other.job.title}}
        )
    with refusable():  # starting the job may be refused (not approved)
        if job.started_at is None:
            start_job(job, actor=technician, at=at)
        elif job.decision != Decision.APPROVED:
            raise ValidationError(
                {"decision": _("The customer has not approved this job: work on it cannot go on.")}
            )
        return TimeEntry.objects.create(job=job, technician=technician, started_at=at)


def clock_off(job: Job, *, technician: User, at: dt.datetime | None = None) -> TimeEntry:
    at = at or timezone.now()
    entry = TimeEntry.objects.filter(job=job, technician=technician, ended_at__isnull=True).first()
    if entry is None:
        raise ValidationError({"technician": _("You are not clocked on this job.")})
    entry.ended_at = max(at, entry.started_at)
    entry.save(update_fields=["ended_at"])
    return entry

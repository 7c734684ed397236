"""Estimates the customer approves, changes they are told about, parts they wait for.

- `issue_estimate` freezes the order's jobs as a numbered version. Against the previous
  version, any change of work, cost, part arrival or completion time is a variation
  (CONSULT-VARIATION): the customer must be told within the standard's target (a clock on
  the version, met by `send_estimate`), and where cost or time grows the job goes back to
  "waiting for the customer", so work on it stops until they approve again.
- The customer answers each job through a signed link (`approval_token`); a link that has
  expired, was answered, was superseded by a newer version, or belongs to another order is
  refused and changes nothing. Staff record an answer by phone with `orders.record_decision`.
- A special-order part has a supplier and an expected date (CONSULT-PARTS): when it is
  received, the customer must be told within 1 business day (a clock on the part, met by
  `tell_part_arrived`, whose message is prefilled in the customer's language); a part that
  will come later than promised is a variation.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from posventa.clocks import actions as clocks
from posventa.core.events import record_event
from posventa.core.models import User
from posventa.customers.reach import preferred_address
from posventa.outbox import actions as outbox
from posventa.outbox.models import Notification
from posventa.workshop import estimates
from posventa.workshop.actions._common import atomic, refusable
from posventa.workshop.actions.orders import record_decision
from posventa.workshop.models import (
    DecidedVia,
    Decision,
    EstimateVersion,
    Job,
    JobLine,
    PartOrder,
    PartStatus,
    RepairOrder,
)

CONSULT_VARIATION = "CONSULT-VARIATION"
CONSULT_PARTS = "CONSULT-PARTS"
APPROVAL_SALT = "posventa.workshop.estimate-approval"
DEFAULT_LINK_AGE = dt.timedelta(days=14)


# --- versions ---------------------------------------------------------------------------------


def estimate_of(order: RepairOrder, *, with_declined: bool = False) -> estimates.Estimate:
    """The order's jobs as the pure estimate arithmetic sees them: those the customer has
    not declined (or every one, to show what was declined at its price)."""
    jobs = order.jobs.prefetch_related("lines").select_related("concern")
    if not with_declined:
        jobs = jobs.exclude(decision=Decision.DECLINED)
    return estimates.Estimate(
        tuple(
            estimates.Job(
                key=str(job.pk),
                concern=job.title,
                lines=tuple(
                    estimates.Line(
                        estimates.LineKind(line.kind),
                        line.description,
                        line.quantity,
                        line.unit_price,
                        line.tax_rate,
                        line.discount,
                        line.part_eta,
                    )
                    for line in job.lines.all()
                ),
                hours=job.flat_rate_hours,
                primary=bool(job.concern and job.concern.primary),
            )
            for job in jobs
        ),
        currency=getattr(settings, "POSVENTA_CURRENCY", "EUR"),
        completion=order.promised_at,
    )


def issue_estimate(order: RepairOrder, *, actor: User, reason: str = "") -> EstimateVersion:
    """Freeze the order's jobs as the next version; a variation stops the jobs that grew."""
    proposed = estimate_of(order)
    if not proposed.jobs:
        raise ValidationError({"jobs": _("Add the jobs to estimate first.")})
    previous = order.estimates.order_by("-number").first()
    variation = None
    if previous is not None:
        variation = estimates.changes(_thawed(previous), proposed)
        if not variation.is_variation:
            message = _("Nothing changed since version %(number)d.")
            raise ValidationError({"jobs": message % {"number": previous.number}})
    now = timezone.now()
    with atomic():
        version = EstimateVersion.objects.create(
            order=order,
            number=(previous.number + 1) if previous else 1,
            snapshot=_snapshot(proposed),
            total=proposed.total(),
            completion_at=proposed.completion,
            reason=(reason or "").strip()[:300],
            needs_approval=variation is None or variation.needs_approval,
            created_at=now,
            created_by=actor,
        )
        stopped = _stop_jobs_that_grew(variation) if variation else []
        record_event(
            "repair_order.estimate_issued" if variation is None else "repair_order.variation",
            subject=order,
            site=order.site,
            actor=actor,
            occurred_at=now,
            summary=version.reason[:200],
            data={"version": version.number, "total": str(version.total), "stopped_jobs": stopped},
        )
        if variation is not None:
            clocks.start_clock(
                CONSULT_VARIATION,
                subject=version,
                site=order.site,
                owner=order.advisor,
                started_at=now,
                label=f"{order.reference} v{version.number}",
                actor=actor,
            )
    return version


def _stop_jobs_that_grew(variation: estimates.Variation) -> list[int]:
    grew = [int(change.key) for change in variation.jobs if change.needs_approval]
    if variation.later:  # a later completion time asks the customer about every job again
        grew = [int(change.key) for change in variation.jobs] or grew
    Job.objects.filter(pk__in=grew, decision=Decision.APPROVED, done_at__isnull=True).update(
        decision=Decision.PENDING, decided_at=None, decided_via="", decided_by=""
    )
    return grew


def _snapshot(estimate: estimates.Estimate) -> dict[str, Any]:
    return {
        "currency": estimate.currency,
        "completion": estimate.completion.isoformat() if estimate.completion else None,
        "jobs": [
            {
                "key": job.key,
                "concern": job.concern,
                "primary": job.primary,
                "hours": str(job.hours),
                "total": str(job.total),
                "lines": [
                    {
                        "kind": str(line.kind),
                        "description": line.description,
                        "quantity": str(line.quantity),
                        "unit_price": str(line.unit_price),
                        "tax_rate": str(line.tax_rate),
                        "discount": str(line.discount),
                        "part_eta": line.part_eta.isoformat() if line.part_eta else None,
                    }
                    for line in job.lines
                ],
            }
            for job in estimate.ordered_jobs()
        ],
    }


def _thawed(version: EstimateVersion) -> estimates.Estimate:
    data = version.snapshot
    return estimates.Estimate(
        tuple(
            estimates.Job(
                key=job["key"],
                concern=job["concern"],
                primary=job["primary"],
                hours=Decimal(job["hours"]),
                lines=tuple(
                    estimates.Line(
                        estimates.LineKind(line["kind"]),
                        line["description"],
                        Decimal(line["quantity"]),
                        Decimal(line["unit_price"]),
                        Decimal(line["tax_rate"]),
                        Decimal(line["discount"]),
                        dt.date.fromisoformat(line["part_eta"]) if line["part_eta"] else None,
                    )
                    for line in job["lines"]
                ),
            )
            for job in data["jobs"]
        ),
        currency=data["currency"],
        completion=dt.datetime.fromisoformat(data["completion"]) if data["completion"] else None,
    )


# --- telling the customer and the approval link -------------------------------------------------


def approval_token(version: EstimateVersion) -> str:
    order = version.order
    return signing.dumps(
        {"version": version.pk, "order": order.pk, "customer": order.customer_id},
        salt=APPROVAL_SALT,
        compress=True,
    )


class LinkProblem(enum.Enum):
    INVALID = "invalid"  # forged, damaged, or for another order
    EXPIRED = "expired"
    USED = "used"  # answered already, or a newer version replaced it


@dataclass(frozen=True)
class ApprovalLink:
    version: EstimateVersion | None
    problem: LinkProblem | None = None


def link_age() -> dt.timedelta:
    value = getattr(settings, "POSVENTA_APPROVAL_LINK_MAX_AGE", DEFAULT_LINK_AGE)
    return value if isinstance(value, dt.timedelta) else dt.timedelta(seconds=int(value))


def read_approval_link(token: str) -> ApprovalLink:
    try:
        data = signing.loads(token, salt=APPROVAL_SALT, max_age=link_age())
    except signing.SignatureExpired:
        return ApprovalLink(None, LinkProblem.EXPIRED)
    except signing.BadSignature:
        return ApprovalLink(None, LinkProblem.INVALID)
    version = (
        EstimateVersion.objects.select_related("order", "order__customer", "order__site")
        .filter(pk=data.get("version"), order_id=data.get("order"))
        .first()
    )
    if version is None or version.order.customer_id != data.get("customer"):
        return ApprovalLink(None, LinkProblem.INVALID)
    newest = version.order.estimates.order_by("-number").values_list("pk", flat=True).first()
    if version.answered_at is not None or newest != version.pk:
        return ApprovalLink(version, LinkProblem.USED)
    return ApprovalLink(version)


def send_estimate(version: EstimateVersion, *, actor: User, link: str) -> Notification | None:
    """Send the version to the customer by their preferred method with its approval link
    (`link`: the absolute address of the portal page for `approval_token(version)`)."""
    order = version.order
    target = preferred_address(order.customer)
    if target is None:
        raise ValidationError(
            {"customer": _("The customer has no e-mail address or phone number.")}
        )
    channel, address = target
    with translation.override(order.customer.language or None):
        subject = _("Your estimate for %(vehicle)s: %(reference)s") % {
            "vehicle": order.vehicle,
            "reference": order.reference,
        }
        body = _(
            "Please look at the work we propose, with its price and the inspection photos, "
            "and approve or decline each job here: %(link)s"
        ) % {"link": link}
        if version.number > 1:
            body = (
                _("Something changed since we last spoke: %(reason)s")
                % {"reason": version.reason or _("the work, its cost or its time")}
                + "\n\n"
                + body
            )
    with refusable():
        notification = outbox.send_to_customer(
            channel=channel,
            to_address=address,
            subject=subject,
            body=body,
            site=order.site,
            related=version,
            dedupe_key=f"estimate:{version.pk}",
        )
        version.sent_at = timezone.now()
        version.save(update_fields=["sent_at"])
        for clock in clocks.open_clocks_for(version).filter(standard_id=CONSULT_VARIATION):
            clocks.satisfy_clock(clock, actor=actor, reason=_("Customer told"))
        record_event(
            "repair_order.estimate_sent",
            subject=order,
            site=order.site,
            actor=actor,
            data={"version": version.number, "channel": channel},
        )
    return notification


def answer_by_link(token: str, answers: dict[int, tuple[bool, str]]) -> EstimateVersion:
    """The customer's answer to each job of the version, from the portal page: job id ->
    (approved, reason if declined). Refused whole when the link cannot be used."""
    link = read_approval_link(token)
    if link.problem is not None or link.version is None:
        raise ValidationError({"link": _("This approval link cannot be used any more.")})
    version = link.version
    keys = {int(job["key"]) for job in version.snapshot["jobs"]}
    if not answers or set(answers) - keys:
        raise ValidationError({"jobs": _("Answer the jobs of this estimate, and only those.")})
    with refusable():
        for job in Job.objects.filter(pk__in=answers, order=version.order):
            approved, reason = answers[job.pk]
            record_decision(
                job,
                approved=approved,
                via=DecidedVia.LINK,
                decided_by=version.order.customer.display_name,
                actor=None,
                reason=reason,
            )
        version.answered_at = timezone.now()
        version.save(update_fields=["answered_at"])
    return version


# --- special-order parts -------------------------------------------------------------------


def order_part(
    job: Job,
    *,
    description: str,
    supplier: str,
    eta: dt.date,
    actor: User,
    reference: str = "",
    line: JobLine | None = None,
) -> PartOrder:
    """Order a part for a job; its line (when given) carries the expected date, so the
    estimate shows it and a later date is seen as a variation."""
    errors: dict[str, str] = {}
    if not description.strip():
        errors["description"] = _("Name the part.")
    if not supplier.strip():
        errors["supplier"] = _("Name the supplier.")
    if eta < timezone.localdate():
        errors["eta"] = _("The expected date cannot be in the past.")
    if line is not None and line.job_id != job.pk:
        errors["line"] = _("That line belongs to another job.")
    if errors:
        raise ValidationError(errors)
    with atomic():
        part = PartOrder.objects.create(
            job=job,
            line=line,
            description=description.strip()[:200],
            supplier=supplier.strip()[:200],
            reference=reference.strip()[:64],
            eta=eta,
            ordered_at=timezone.now(),
        )
        if line is not None:
            JobLine.objects.filter(pk=line.pk).update(part_eta=eta)
        record_event(
            "repair_order.part_ordered",
            subject=job.order,
            site=job.order.site,
            actor=actor,
            summary=part.description,
            data={"part": part.pk, "supplier": part.supplier, "eta": eta.isoformat()},
        )
    return part


def receive_part(part: PartOrder, *, actor: User, at: dt.datetime | None = None) -> PartOrder:
    """The part is in: the customer must be told within 1 business day (CONSULT-PARTS)."""
    if part.status != PartStatus.ORDERED:
        raise ValidationError({"status": _("This part is not waiting to be received.")})
    at = at or timezone.now()
    order = part.job.order
    with atomic():
        part.status, part.received_at = PartStatus.RECEIVED, at
        part.save(update_fields=["status", "received_at"])
        record_event(
            "repair_order.part_received",
            subject=order,
            site=order.site,
            actor=actor,
            occurred_at=at,
            summary=part.description,
            data={"part": part.pk},
        )
        clocks.start_clock(
            CONSULT_PARTS,
            subject=part,
            site=order.site,
            owner=order.advisor,
            started_at=at,
            label=f"{order.reference}: {part.description}"[:200],
            actor=actor,
        )
    return part


def part_arrived_message(part: PartOrder) -> tuple[str, str]:
    """The message offered, prefilled in the customer's language; staff may edit it."""
    order = part.job.order
    with translation.override(order.customer.language or None):
        subject = _("Your part has arrived: %(reference)s") % {"reference": order.reference}
        body = _(
            "The %(part)s for your %(vehicle)s has arrived. We will call you to agree when we "
            "fit it."
        ) % {"part": part.description, "vehicle": order.vehicle}
    return subject, body


def tell_part_arrived(part: PartOrder, *, actor: User, subject: str, body: str) -> Notification:
    order = part.job.order
    target = preferred_address(order.customer)
    if target is None:
        raise ValidationError(
            {"customer": _("The customer has no e-mail address or phone number.")}
        )
    if not body.strip():
        raise ValidationError({"body": _("Write the message to the customer.")})
    channel, address = target
    with refusable():
        notification = outbox.send_to_customer(
            channel=channel,
            to_address=address,
            subject=subject.strip(),
            body=body.strip(),
            site=order.site,
            related=part,
            dedupe_key=f"part-arrived:{part.pk}",
        )
        part.customer_told_at = timezone.now()
        part.save(update_fields=["customer_told_at"])
        for clock in clocks.open_clocks_for(part).filter(standard_id=CONSULT_PARTS):
            clocks.satisfy_clock(clock, actor=actor, reason=_("Customer told"))
    return notification


def delay_part(
    part: PartOrder, *, eta: dt.date, actor: User, reason: str = ""
) -> EstimateVersion | None:
    """The supplier moved the date: a later part is a variation the customer is told about
    (a new estimate version with the new date on the job's line)."""
    if eta <= part.eta:
        raise ValidationError(
            {"eta": _("The new date must be later than %(eta)s.") % {"eta": part.eta}}
        )
    with atomic():
        part.eta = eta
        part.save(update_fields=["eta"])
        JobLine.objects.filter(part_orders=part).update(part_eta=eta)
        order = part.job.order
        if not order.estimates.exists():
            return None
        return issue_estimate(
            order, actor=actor, reason=reason or _("A part arrives later: %(eta)s") % {"eta": eta}
        )

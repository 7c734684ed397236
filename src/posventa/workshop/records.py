"""The service record of a repair order, read from the database into the plain values the
delivery PDF is drawn from (`delivery_document.ServiceTransaction`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats

from posventa.core.models import User
from posventa.workshop.actions.consultation import estimate_of
from posventa.workshop.delivery_document import (
    DeclinedJob,
    DoneJob,
    InspectionResult,
    ServiceTransaction,
)
from posventa.workshop.models import Decision, ItemStatus, RepairOrder


def service_transaction(
    order: RepairOrder, *, next_service: tuple[str, ...] = ()
) -> ServiceTransaction:
    """`next_service`: the advisor's reasons for what is due next, one line each."""
    priced = {job.key: job for job in estimate_of(order, with_declined=True).jobs}
    jobs = list(order.jobs.select_related("technician"))
    site, vehicle = order.site, order.vehicle
    return ServiceTransaction(
        reference=order.reference,
        site_name=site.name,
        site_contact=" · ".join(
            part for part in (" ".join(site.address.split()), site.phone) if part
        ),
        customer_name=order.customer.display_name,
        vehicle=str(vehicle),
        vin=vehicle.vin,
        odometer_in=order.odometer_in,
        odometer_out=order.odometer_out or order.odometer_in,
        received_at=_local(order.opened_at, site.timezone),
        delivered_at=_local(order.delivered_at, site.timezone),
        currency=getattr(settings, "POSVENTA_CURRENCY", "EUR"),
        language=order.customer.language or "en",
        jobs=tuple(
            DoneJob(priced[str(job.pk)], job.cause, job.correction, _name(job.technician))
            for job in jobs
            if job.decision == Decision.APPROVED and job.done_at is not None
        ),
        declined=tuple(
            DeclinedJob(priced[str(job.pk)], job.decline_reason)
            for job in jobs
            if job.decision == Decision.DECLINED
        ),
        inspection=tuple(
            InspectionResult(
                item.name, item.status, _measured(item.measurement, item.unit), item.note
            )
            for item in order.inspection.exclude(status=ItemStatus.UNCHECKED)
        ),
        next_service=next_service,
    )


def _local(moment: dt.datetime | None, zone: str) -> str:
    if moment is None:
        return ""
    return f"{moment.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M} {zone}"


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username())


def _measured(value: Decimal | None, unit: str) -> str:
    if value is None:
        return ""
    return f"{formats.number_format(value.normalize())} {unit}".strip()

"""The inspection (REPAIR-INSPECT): items by colour with measurements, trouble codes read from
the car, recalls and campaigns checked, and red or yellow items turned into priced jobs.

The last visit's results are carried forward when the inspection starts, marked "to
confirm", so the technician confirms or updates each one instead of starting blank; the
trend of an item across visits is `item_history`. Trouble codes are checked against the
SAE J2012 format and explained from the site's own table first, then the starter table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from posventa.core.events import record_event
from posventa.core.models import Site, User
from posventa.workshop import dtc
from posventa.workshop.actions._common import atomic
from posventa.workshop.actions.orders import LineSpec, add_job
from posventa.workshop.models import (
    CampaignCheck,
    CampaignKind,
    InspectionItem,
    ItemStatus,
    Job,
    RepairOrder,
    TroubleCodeDescription,
    TroubleCodeReading,
)
from posventa.workshop.order_states import ACTIVE_STATES


@dataclass(frozen=True)
class Reading:
    """One item of one earlier visit, for the trend."""

    order: int
    at: dt.datetime
    status: str
    measurement: Decimal | None
    unit: str


def start_inspection(order: RepairOrder, *, actor: User) -> list[InspectionItem]:
    """Carry the items of the vehicle's previous visit forward, to confirm (nothing when
    this order already has items, or the car is new to us)."""
    if order.inspection.exists():
        return list(order.inspection.all())
    previous = (
        RepairOrder.objects.filter(vehicle_id=order.vehicle_id, opened_at__lt=order.opened_at)
        .exclude(pk=order.pk)
        .filter(inspection__isnull=False)
        .order_by("-opened_at", "-pk")
        .first()
    )
    if previous is None:
        return []
    with atomic():
        items = InspectionItem.objects.bulk_create(
            InspectionItem(
                order=order,
                code=item.code,
                name=item.name,
                status=ItemStatus.UNCHECKED,
                measurement=item.measurement,
                unit=item.unit,
                note=item.note,
                carried_from=item,
            )
            for item in previous.inspection.all()
        )
        record_event(
            "repair_order.inspection_carried",
            subject=order,
            site=order.site,
            actor=actor,
            data={"from": previous.pk, "items": len(items)},
        )
    return items


def record_item(
    order: RepairOrder,
    *,
    code: str,
    name: str,
    status: str,
    actor: User,
    measurement: str | Decimal | None = None,
    unit: str = "",
    note: str = "",
) -> InspectionItem:
    """Set one item's colour and measurement (a carried item is confirmed or updated)."""
    errors: dict[str, str] = {}
    if status not in (ItemStatus.GREEN, ItemStatus.YELLOW, ItemStatus.RED):
        errors["status"] = _("Choose green, yellow or red.")
    value = _measurement(measurement, errors)
    if not (name or "").strip() or not (code or "").strip():
        errors["name"] = _("Name the item inspected.")
    if status in (ItemStatus.YELLOW, ItemStatus.RED) and value is None and not note.strip():
        errors["note"] = _("Say what was found: a measurement or a note.")
    if order.state not in ACTIVE_STATES:
        errors["state"] = _("The inspection of a finished repair order cannot change.")
    if errors:
        raise ValidationError(errors)
    with atomic():
        item, _created = InspectionItem.objects.update_or_create(
            order=order,
            code=code.strip(),
            defaults={
                "name": name.strip()[:200],
                "status": status,
                "measurement": value,
                "unit": unit.strip()[:16],
                "note": note.strip(),
                "checked_by": actor,
                "checked_at": timezone.now(),
            },
        )
        record_event(
            "repair_order.inspection_item",
            subject=order,
            site=order.site,
            actor=actor,
            summary=f"{item.name}: {item.get_status_display()}",
            data={"item": item.code, "status": status, "measurement": str(value or "")},
        )
    return item


def _measurement(raw: str | Decimal | None, errors: dict[str, str]) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except InvalidOperation:
        errors["measurement"] = _("Write the measurement as a number, such as 3.5.")
        return None
    if not value.is_finite() or value < 0:
        errors["measurement"] = _("Write the measurement as a number, such as 3.5.")
        return None
    return value


def item_history(order: RepairOrder, code: str) -> list[Reading]:
    """The item's results on this vehicle's visits, oldest first: its trend."""
    rows = (
        InspectionItem.objects.filter(order__vehicle_id=order.vehicle_id, code=code)
        .exclude(status=ItemStatus.UNCHECKED)
        .select_related("order")
        .order_by("order__opened_at", "order_id")
    )
    return [
        Reading(row.order_id, row.order.opened_at, row.status, row.measurement, row.unit)
        for row in rows
    ]


def recommend_job(
    item: InspectionItem, *, title: str, actor: User, lines: Sequence[LineSpec]
) -> Job:
    """A red or yellow item becomes a priced job, waiting for the customer's decision."""
    if item.status not in (ItemStatus.YELLOW, ItemStatus.RED):
        raise ValidationError({"status": _("Only a yellow or red item is recommended as a job.")})
    if not lines:
        raise ValidationError({"lines": _("Price the recommended job for the customer.")})
    with atomic():
        job = add_job(item.order, title=title, actor=actor, lines=lines)
        job.recommended_for = item
        job.save(update_fields=["recommended_for"])
    return job


# --- trouble codes --------------------------------------------------------------------------


def record_trouble_code(order: RepairOrder, text: str, *, actor: User) -> TroubleCodeReading:
    """Validate a code as read from the car (refused naming the expected format) and keep
    it with its meaning in the site's language at the time."""
    code = dtc.read_code(text, field="trouble_code")
    language = get_language() or "en"
    explanation = dtc.explain(code, [site_table(order.site), dtc.starter_table()], language)
    with atomic():
        reading, _created = TroubleCodeReading.objects.update_or_create(
            order=order,
            code=code.code,
            defaults={
                "explanation": explanation[:300],
                "read_by": actor,
                "read_at": timezone.now(),
            },
        )
        record_event(
            "repair_order.trouble_code",
            subject=order,
            site=order.site,
            actor=actor,
            summary=f"{code.code}: {explanation}"[:200],
            data={"code": code.code, "manufacturer_specific": code.manufacturer_specific},
        )
    return reading


def site_table(site: Site) -> dtc.DescriptionTable:
    return {
        row.code: dtc.Description(row.code, row.texts)
        for row in TroubleCodeDescription.objects.filter(site=site)
    }


def load_trouble_code_table(site: Site, text: str, *, actor: User) -> int:
    """Replace the site's own descriptions with a CSV file's: refused whole, naming each bad
    line, so the site never has half a table."""
    table = dtc.parse_table(text)
    with atomic():
        TroubleCodeDescription.objects.filter(site=site).delete()
        TroubleCodeDescription.objects.bulk_create(
            TroubleCodeDescription(site=site, code=code, texts=dict(description.texts))
            for code, description in table.items()
        )
        record_event(
            "workshop.trouble_codes_loaded",
            subject=site,
            site=site,
            actor=actor,
            data={"codes": len(table)},
        )
    return len(table)


# --- recalls, campaigns and software updates ---------------------------------------------------


def record_campaign_check(
    order: RepairOrder,
    *,
    kind: str,
    pending: bool,
    actor: User,
    reference: str = "",
    done: bool = False,
    note: str = "",
) -> CampaignCheck:
    errors: dict[str, str] = {}
    if kind not in CampaignKind.values:
        errors["kind"] = _("Choose recall, service campaign or software update.")
    if pending and not reference.strip():
        errors["reference"] = _("Give the manufacturer's reference of the pending campaign.")
    if done and not pending:
        errors["done"] = _("Only a pending campaign can be done on this visit.")
    if errors:
        raise ValidationError(errors)
    with atomic():
        check = CampaignCheck.objects.create(
            order=order,
            kind=kind,
            reference=reference.strip()[:64],
            pending=pending,
            done=done,
            note=note.strip(),
            checked_by=actor,
            checked_at=timezone.now(),
        )
        record_event(
            "repair_order.campaign_checked",
            subject=order,
            site=order.site,
            actor=actor,
            summary=f"{check.get_kind_display()} {check.reference}".strip(),
            data={"kind": kind, "pending": pending, "done": done, "reference": check.reference},
        )
    return check

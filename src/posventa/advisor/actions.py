"""The advisor's changes: a vehicle's service history, its fuel and model year, and an
organisation's schedule file. No clock starts here: WRITEUP-MAINTENANCE is kept at
write-up (the workshop app asks the advisor and records the customer's answer there).

A service with a distance is also an odometer reading, recorded through
`customers.actions.record_odometer` in the same transaction, so a distance lower than the
last reading is refused the same way (field `km`) unless it is marked as a correction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.advisor import advice, history_import, schedule
from posventa.advisor.models import (
    MaintenanceSchedule,
    ServiceImport,
    ServiceRecord,
    ServiceSource,
)
from posventa.core.events import record_event
from posventa.core.models import Organisation, User
from posventa.customers import actions as customer_actions
from posventa.customers.models import FuelType, Vehicle

MAX_ITEMS = 30
# How the odometer reading of a service is labelled (core.labels.SOURCE_LABELS).
ODOMETER_SOURCE = "maintenance"
OLDEST_MODEL_YEAR = 1900


def atomic() -> transaction.Atomic:
    return transaction.atomic(savepoint=False)


def record_service(
    vehicle: Vehicle,
    *,
    done_on: dt.date,
    items: Sequence[str],
    km: int | None = None,
    source: str = ServiceSource.STAFF,
    reference: str = "",
    note: str = "",
    correction: bool = False,
    actor: User | None = None,
) -> ServiceRecord:
    """Record maintenance done on `done_on`. Refuses a date in the future, an item code the
    vehicle's schedule does not know, and a distance below the last reading (unless
    `correction`). The same `reference` from the same source again returns the first record
    unchanged, so an import or a repair order may be replayed."""
    reference, note = reference.strip(), note.strip()
    if reference:
        earlier = ServiceRecord.objects.filter(
            vehicle=vehicle, source=source, reference=reference
        ).first()
        if earlier is not None:
            return earlier
    codes = _validated(
        vehicle, done_on=done_on, items=items, source=source, note=note, reference=reference
    )
    # With a savepoint: the odometer check refuses under the vehicle's lock, inside, and a
    # caller in its own transaction (the workshop's delivery) must be able to go on.
    with transaction.atomic():
        if km is not None:
            customer_actions.record_odometer(
                vehicle,
                km,
                read_at=_reading_time(done_on),
                source=ODOMETER_SOURCE,
                correction=correction,
                actor=actor,
            )
        record = ServiceRecord.objects.create(
            vehicle=vehicle,
            done_on=done_on,
            km=km,
            items=codes,
            source=source,
            reference=reference,
            note=note,
            recorded_by=actor,
        )
        record_event(
            "vehicle.serviced",
            subject=vehicle,
            organisation=vehicle.organisation,
            actor=actor,
            summary=", ".join(codes),
            data={
                "service": record.pk,
                "done_on": done_on.isoformat(),
                "km": km,
                "items": codes,
                "source": source,
                "reference": reference,
            },
        )
    return record


def _validated(
    vehicle: Vehicle,
    *,
    done_on: dt.date,
    items: Sequence[str],
    source: str,
    note: str,
    reference: str,
) -> list[str]:
    errors: dict[str, list[str]] = {}
    if done_on > timezone.localdate():
        errors["done_on"] = [_("This date is in the future.")]
    codes = list(dict.fromkeys(code.strip() for code in items if code.strip()))
    known = schedule.known_codes(advice.rules_of(vehicle.organisation_id))
    unknown = [code for code in codes if code not in known]
    if not codes:
        errors["items"] = [_("Choose at least one maintenance item.")]
    elif unknown:
        errors["items"] = [
            _("Unknown maintenance item: %(codes)s.") % {"codes": ", ".join(unknown)}
        ]
    elif len(codes) > MAX_ITEMS:
        errors["items"] = [_("At most %(count)d items per visit.") % {"count": MAX_ITEMS}]
    if source not in ServiceSource.values:
        errors["source"] = [_("Unknown source.")]
    if len(note) > 500:
        errors["note"] = [_("At most 500 characters.")]
    if len(reference) > 100:
        errors["reference"] = [_("At most 100 characters.")]
    if errors:
        raise ValidationError(errors)
    return codes


def _reading_time(day: dt.date) -> dt.datetime:
    """Noon UTC of the service day (the hour is unknown), never later than now."""
    noon = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
    return min(noon, timezone.now())


def describe_vehicle(
    vehicle: Vehicle, *, fuel: str, model_year: int | None, actor: User | None = None
) -> Vehicle:
    """Set what the advisor needs that registration did not ask: fuel and model year."""
    errors: dict[str, list[str]] = {}
    if fuel and fuel not in FuelType.values:
        errors["fuel"] = [_("Unknown fuel.")]
    latest = timezone.localdate().year + 1
    if model_year is not None and not OLDEST_MODEL_YEAR <= model_year <= latest:
        errors["model_year"] = [
            _("A model year between %(first)d and %(last)d.")
            % {"first": OLDEST_MODEL_YEAR, "last": latest}
        ]
    if errors:
        raise ValidationError(errors)
    with atomic():
        vehicle = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
        before = {"fuel": vehicle.fuel, "model_year": vehicle.model_year}
        vehicle.fuel, vehicle.model_year = fuel, model_year
        vehicle.save(update_fields=["fuel", "model_year"])
        record_event(
            "vehicle.described",
            subject=vehicle,
            organisation=vehicle.organisation,
            actor=actor,
            data={"before": before, "fuel": fuel, "model_year": model_year},
        )
    return vehicle


def import_schedule(
    organisation: Organisation, *, name: str, text: str, actor: User | None = None
) -> MaintenanceSchedule:
    """Make `text` the organisation's schedule file. A file with any bad line is refused
    whole (ValidationError on `file`, one message per bad line); the one before stays."""
    try:
        rules = schedule.parse_schedule(text, priority=1)
    except schedule.ScheduleError as refused:
        raise ValidationError({"file": [str(error) for error in refused.errors]}) from refused
    name = name.strip()[:200] or "schedule.csv"
    sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    with atomic():
        # Lock the organisation so two imports at once leave exactly one active file.
        Organisation.objects.select_for_update().get(pk=organisation.pk)
        MaintenanceSchedule.objects.filter(organisation=organisation, active=True).update(
            active=False
        )
        imported = MaintenanceSchedule.objects.create(
            organisation=organisation,
            name=name,
            text=text,
            sha256=sha256,
            rules=len(rules),
            active=True,
            imported_at=timezone.now(),
            imported_by=actor,
        )
        record_event(
            "advisor.schedule_imported",
            subject=imported,
            organisation=organisation,
            actor=actor,
            summary=name,
            data={"name": name, "sha256": sha256, "rules": len(rules)},
        )
    return imported


def import_service_history(
    organisation: Organisation, *, name: str, text: str, actor: User | None = None
) -> ServiceImport:
    """Store a service-history export, then record each of its lines (history_import.py
    has the format). A file without the required columns is stored and refused (errors on
    line 1); otherwise every line is recorded or kept in `errors` with its reason, and the
    same line imported again is counted as known, not recorded twice."""
    received = ServiceImport.objects.create(
        organisation=organisation,
        name=name.strip()[:200] or "history.csv",
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        received_at=timezone.now(),
        imported_by=actor,
    )
    problems = history_import.header_problems(text)
    lines = [] if problems else list(history_import.read_lines(text))
    problems += [line for line in lines if isinstance(line, history_import.LineProblem)]
    good = [line for line in lines if isinstance(line, history_import.HistoryLine)]
    vehicles = {
        vehicle.vin: vehicle
        for vehicle in Vehicle.objects.filter(
            organisation=organisation, vin__in={line.vin for line in good}
        ).select_related("organisation")
    }
    for line in good:
        outcome = _import_line(line, vehicles.get(line.vin), actor)
        if isinstance(outcome, history_import.LineProblem):
            problems.append(outcome)
        elif outcome:
            received.recorded += 1
        else:
            received.known += 1
    received.errors = [problem.as_dict() for problem in sorted(problems, key=lambda p: p.line)]
    received.refused = len(problems)
    received.finished_at = timezone.now()
    with atomic():
        received.save(update_fields=["recorded", "known", "refused", "errors", "finished_at"])
        record_event(
            "advisor.service_history_imported",
            subject=received,
            organisation=organisation,
            actor=actor,
            summary=received.name,
            data={
                "recorded": received.recorded,
                "known": received.known,
                "refused": received.refused,
            },
        )
    return received


def _import_line(
    line: history_import.HistoryLine, vehicle: Vehicle | None, actor: User | None
) -> bool | history_import.LineProblem:
    """True when recorded, False when it already was, or why it cannot be."""
    if vehicle is None:
        return history_import.LineProblem(
            line.line, "vin", _("No vehicle with this VIN is registered.")
        )
    if ServiceRecord.objects.filter(
        vehicle=vehicle, source=ServiceSource.IMPORTED, reference=line.reference
    ).exists():
        return False
    try:
        record_service(
            vehicle,
            done_on=line.done_on,
            items=line.items,
            km=line.km,
            source=ServiceSource.IMPORTED,
            reference=line.reference,
            note=line.note,
            actor=actor,
        )
    except ValidationError as refusal:
        field, messages = next(iter(refusal.message_dict.items()))
        return history_import.LineProblem(line.line, field, "; ".join(messages))
    return True

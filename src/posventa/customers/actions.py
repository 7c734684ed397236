"""State changes for customers, contact points, consent and vehicles.

Views, the API, the CLI and the channel adapters call these; they never save the models
directly. Each action validates everything first (errors name the field and nothing is
written), then writes its rows and its timeline event in one transaction.

A merged customer is never a dead end: an action given a merged customer applies to the
customer it was merged into (an opt-out sent to an old record must still be honoured).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.core.bulk import new_row
from posventa.core.events import build_event, record_event, record_events
from posventa.core.models import Event, Organisation, Site, User
from posventa.customers.matching import (
    customer_event_filter,
    merged_family_ids,
    search_customers,
    surviving_customer,
)
from posventa.customers.models import (
    CHANNEL_CONTACT_KIND,
    PHONE_LIKE_KINDS,
    Channel,
    ConsentRecord,
    ContactKind,
    ContactPoint,
    Customer,
    OdometerReading,
    Vehicle,
    VehicleOwnership,
)
from posventa.customers.signals import customer_merged
from posventa.customers.validation import (
    normalise_email,
    normalise_language,
    normalise_phone,
    normalise_plate,
    normalise_vin,
)

__all__ = [
    "IdentifyResult",
    "add_contact_point",
    "contact_points_of",
    "create_customer",
    "current_consents",
    "customer_timeline",
    "identify_customer",
    "mark_reviewed",
    "may_contact",
    "merge_customers",
    "normalise_contact",
    "record_consent",
    "record_odometer",
    "register_vehicle",
    "review_candidates",
    "revoke_portal_links",
    "search_customers",
    "set_preferences",
    "transfer_vehicle",
]

# (kind, value) or (kind, value, region)
ContactSpec = tuple[str, str] | tuple[str, str, str]
MAX_ODOMETER_KM = 3_000_000
# Readings a few minutes "in the future" come from devices whose clock is slightly ahead.
ODOMETER_CLOCK_SKEW = dt.timedelta(minutes=10)


def _raise_if(errors: dict[str, list[ValidationError]]) -> None:
    if errors:
        raise ValidationError(errors)  # type: ignore[arg-type]


def _collect(errors: dict[str, list[ValidationError]], error: ValidationError) -> None:
    for name, messages in error.error_dict.items():
        errors.setdefault(name, []).extend(messages)


def _check_length(
    errors: dict[str, list[ValidationError]], field_name: str, value: str, limit: int
) -> None:
    """Refuse rather than cut: a truncated text would silently lose what was typed."""
    if len((value or "").strip()) > limit:
        errors.setdefault(field_name, []).append(
            ValidationError(_("At most %(limit)d characters.") % {"limit": limit})
        )


def normalise_contact(
    kind: str, value: str, region: str = "ES", *, field: str | None = None, strict: bool = True
) -> str:
    """The stored form of a contact point value; a bad one is refused naming `field`."""
    if kind == ContactKind.EMAIL:
        return normalise_email(value, field=field or "email")
    if kind in PHONE_LIKE_KINDS:
        return normalise_phone(value, region, field=field or kind, strict=strict)
    raise ValidationError({"kind": _("Unknown contact point kind: %(kind)s.") % {"kind": kind}})


def _validate_channel(channel: str | None, field_name: str) -> None:
    if channel not in Channel.values:
        raise ValidationError(
            {field_name: _("Unknown channel '%(channel)s'.") % {"channel": channel}}
        )


# --- customers and contact points ------------------------------------------------------


def create_customer(
    organisation: Organisation,
    *,
    display_name: str,
    language: str = "",
    preferred_channel: str = "email",
    actor: User | None = None,
    contact_points: Iterable[ContactSpec] = (),
    region: str = "ES",
    needs_review: bool = False,
    site: Site | None = None,
) -> Customer:
    """Create a customer with its contact points; every bad field is reported at once.

    `site` is where staff created it: its staff see the customer from now on, before any
    case ties them to it (customers.visibility)."""
    if site is not None and site.organisation_id != organisation.pk:
        raise ValidationError({"site": _("The site belongs to another organisation.")})
    errors: dict[str, list[ValidationError]] = {}
    name = (display_name or "").strip()
    if not name:
        errors["display_name"] = [ValidationError(_("A customer needs a name."))]
    elif len(name) > 200:
        errors["display_name"] = [ValidationError(_("A name has at most 200 characters."))]
    try:
        language = normalise_language(language)
    except ValidationError as error:
        _collect(errors, error)
    try:
        _validate_channel(preferred_channel, "preferred_channel")
    except ValidationError as error:
        _collect(errors, error)
    points: list[tuple[str, str]] = []
    for spec in contact_points:
        kind, value = spec[0], spec[1]
        point_region = spec[2] if len(spec) == 3 else region  # type: ignore[misc]
        try:
            points.append((kind, normalise_contact(kind, value, point_region)))
        except ValidationError as error:
            _collect(errors, error)
    _raise_if(errors)
    return _insert_customer(
        organisation,
        name,
        language,
        preferred_channel,
        points,
        needs_review=needs_review,
        actor=actor,
        site=site,
    )


def _insert_customer(
    organisation: Organisation,
    name: str,
    language: str,
    preferred_channel: str,
    points: Sequence[tuple[str, str]],
    *,
    needs_review: bool = False,
    actor: User | None = None,
    actor_label: str = "",
    site: Site | None = None,
) -> Customer:
    """Write an already validated customer, its normalised points and its first event."""
    customer, _points = _insert_customer_with_points(
        organisation,
        name,
        language,
        preferred_channel,
        points,
        needs_review=needs_review,
        actor=actor,
        actor_label=actor_label,
        site=site,
    )
    return customer


def _insert_customer_with_points(
    organisation: Organisation,
    name: str,
    language: str,
    preferred_channel: str,
    points: Sequence[tuple[str, str]],
    *,
    needs_review: bool = False,
    actor: User | None = None,
    actor_label: str = "",
    site: Site | None = None,
) -> tuple[Customer, list[ContactPoint]]:
    customer, rows = build_new_customer(
        organisation, name, language, preferred_channel, points, needs_review=needs_review
    )
    customer.first_site = site
    with transaction.atomic(savepoint=False):  # callers never recover from an error here
        customer.save()
        for row in rows:
            row.save()
        record_events(
            [customer_created_event(customer, points, actor=actor, actor_label=actor_label)]
        )
    return customer, rows


def build_new_customer(
    organisation: Organisation,
    name: str,
    language: str,
    preferred_channel: str,
    points: Sequence[tuple[str, str]],
    *,
    needs_review: bool = False,
) -> tuple[Customer, list[ContactPoint]]:
    """An unsaved customer and their first contact points, as `_attach_contact_point`
    would add them one by one (repeats skipped, the first of each kind primary), without
    asking the database what a new customer cannot have yet. Save the customer first."""
    customer = new_row(
        Customer,
        organisation=organisation,
        display_name=name,
        language=language,
        preferred_channel=preferred_channel,
        needs_review=needs_review,
    )
    rows: dict[tuple[str, str], ContactPoint] = {}
    for kind, value in points:
        if (kind, value) not in rows:
            rows[kind, value] = new_row(
                ContactPoint,
                organisation_id=organisation.pk,
                customer=customer,
                kind=kind,
                value=value,
                is_primary=all(kind != other for other, _value in rows),
            )
    return customer, list(rows.values())


def customer_created_event(
    customer: Customer,
    points: Sequence[tuple[str, str]],
    *,
    actor: User | None = None,
    actor_label: str = "",
) -> Event:
    return build_event(
        "customer.created",
        subject=customer,
        organisation=customer.organisation,
        actor=actor,
        actor_label=actor_label,
        summary=customer.display_name,
        data={
            "contact_points": [[kind, value] for kind, value in points],
            "preferred_channel": customer.preferred_channel,
            "language": customer.language,
        },
    )


def _attach_contact_point(
    customer: Customer, kind: str, value: str, primary: bool | None = None
) -> tuple[ContactPoint, bool]:
    """Add a normalised point unless the customer already has it. Returns (point, created)."""
    existing = customer.contact_points.filter(kind=kind, value=value).first()
    if existing is not None:
        return existing, False
    has_primary = customer.contact_points.filter(kind=kind, is_primary=True).exists()
    make_primary = not has_primary if primary is None else primary
    if make_primary and has_primary:
        customer.contact_points.filter(kind=kind, is_primary=True).update(is_primary=False)
    point = ContactPoint.objects.create(
        organisation_id=customer.organisation_id,
        customer=customer,
        kind=kind,
        value=value,
        is_primary=make_primary,
    )
    return point, True


def add_contact_point(
    customer: Customer,
    kind: str,
    value: str,
    *,
    region: str = "ES",
    actor: User | None = None,
    primary: bool | None = None,
) -> ContactPoint:
    """Add an e-mail address or a phone/WhatsApp number (read with `region` as the country).

    Adding a value the customer already has returns the existing point. The first point of
    a kind becomes primary; `primary=True` makes this one primary instead.
    """
    normalised = normalise_contact(kind, value, region)
    with transaction.atomic():
        customer = _lock(surviving_customer(customer))
        point, created = _attach_contact_point(customer, kind, normalised, primary)
        if created:
            record_event(
                "customer.contact_point_added",
                subject=customer,
                organisation=customer.organisation,
                actor=actor,
                summary=f"{kind}: {normalised}",
                data={"kind": kind, "value": normalised, "primary": point.is_primary},
            )
    return point


def set_preferences(
    customer: Customer,
    *,
    preferred_channel: str | None = None,
    language: str | None = None,
    actor: User | None = None,
    actor_label: str = "",
) -> Customer:
    """Change the preferred contact method and/or language; None leaves a value as it is.
    `actor_label` names who changed it when no staff member did ("customer": the portal)."""
    errors: dict[str, list[ValidationError]] = {}
    if preferred_channel is not None:
        try:
            _validate_channel(preferred_channel, "preferred_channel")
        except ValidationError as error:
            _collect(errors, error)
    if language is not None:
        try:
            language = normalise_language(language)
        except ValidationError as error:
            _collect(errors, error)
    _raise_if(errors)
    with transaction.atomic():
        customer = _lock(surviving_customer(customer))
        changes: dict[str, list[str]] = {}
        if preferred_channel is not None and preferred_channel != customer.preferred_channel:
            changes["preferred_channel"] = [customer.preferred_channel, preferred_channel]
            customer.preferred_channel = preferred_channel
        if language is not None and language != customer.language:
            changes["language"] = [customer.language, language]
            customer.language = language
        if changes:
            customer.save(update_fields=list(changes))
            record_event(
                "customer.preferences_changed",
                subject=customer,
                organisation=customer.organisation,
                actor=actor,
                actor_label=actor_label,
                data=changes,
            )
    return customer


def mark_reviewed(customer: Customer, *, actor: User | None = None) -> Customer:
    """Staff looked at an ambiguous match and decided these are different people."""
    with transaction.atomic():
        customer = _lock(customer)
        if customer.needs_review:
            customer.needs_review = False
            customer.save(update_fields=["needs_review"])
            record_event(
                "customer.reviewed",
                subject=customer,
                organisation=customer.organisation,
                actor=actor,
            )
    return customer


def revoke_portal_links(customer: Customer, *, actor: User | None) -> Customer:
    """Sign the customer out of the portal everywhere: every link sent so far stops working
    (links of customers merged into this one too), and a new link must be asked for.

    The portal reads `portal_link_generation` when it checks a link (portal.links)."""
    with transaction.atomic():
        customer = _lock(surviving_customer(customer))
        family = merged_family_ids(customer)
        Customer.objects.filter(pk__in=family).update(
            portal_link_generation=F("portal_link_generation") + 1
        )
        customer.refresh_from_db(fields=["portal_link_generation"])
        record_event(
            "customer.portal_links_revoked",
            subject=customer,
            organisation=customer.organisation,
            actor=actor,
            data={"generation": customer.portal_link_generation},
        )
    return customer


def _lock(customer: Customer) -> Customer:
    return Customer.objects.select_for_update().select_related("organisation").get(pk=customer.pk)


# --- consent ---------------------------------------------------------------------------


def record_consent(
    customer: Customer,
    channel: str,
    granted: bool,
    *,
    source: str,
    actor: User | None = None,
    at: dt.datetime | None = None,
) -> ConsentRecord:
    """Append a grant or a withdrawal for one channel. History is never rewritten."""
    errors: dict[str, list[ValidationError]] = {}
    try:
        _validate_channel(channel, "channel")
    except ValidationError as error:
        _collect(errors, error)
    if not (source or "").strip():
        errors["source"] = [ValidationError(_("Say where the customer gave or withdrew it."))]
    _check_length(errors, "source", source, 100)
    if at is not None and timezone.is_naive(at):
        errors["at"] = [ValidationError(_("The time needs a timezone."))]
    _raise_if(errors)
    with transaction.atomic():
        customer = _lock(surviving_customer(customer))
        record = ConsentRecord.objects.create(
            customer=customer,
            channel=channel,
            granted=granted,
            at=at or timezone.now(),
            source=source.strip(),
            actor=actor,
        )
        record_event(
            "customer.consent_granted" if granted else "customer.consent_withdrawn",
            subject=customer,
            organisation=customer.organisation,
            actor=actor,
            summary=f"{channel}: {source}",
            data={"channel": channel, "granted": granted, "source": record.source},
        )
    return record


def current_consents(customer: Customer) -> dict[str, ConsentRecord | None]:
    """The latest record per channel, across the customer and everyone merged into it."""
    survivor = surviving_customer(customer)
    latest: dict[str, ConsentRecord | None] = dict.fromkeys(Channel.values)
    records = ConsentRecord.objects.filter(customer_id__in=merged_family_ids(survivor))
    for record in records.order_by("at", "pk"):
        latest[record.channel] = record
    return latest


def may_contact(customer: Customer, channel: str) -> bool:
    """Whether a transactional message may go out on `channel`.

    The latest consent record decides, across the customer and every customer merged into
    it (an opt-out given under a duplicate record still counts). With no record the answer
    is yes: a customer who asked for service expects to hear about it. Marketing must not
    use this; it needs an explicit grant.
    """
    _validate_channel(channel, "channel")
    latest = (
        ConsentRecord.objects.filter(
            customer_id__in=merged_family_ids(surviving_customer(customer)), channel=channel
        )
        .order_by("-at", "-pk")
        .values_list("granted", flat=True)
        .first()
    )
    return True if latest is None else bool(latest)


# --- vehicles --------------------------------------------------------------------------


def register_vehicle(
    organisation: Organisation,
    *,
    vin: str,
    plate: str = "",
    make: str = "",
    model: str = "",
    first_registration: dt.date | None = None,
    owner: Customer | None = None,
    actor: User | None = None,
) -> Vehicle:
    """Register a vehicle by VIN (validated, see validation.normalise_vin)."""
    errors: dict[str, list[ValidationError]] = {}
    normalised_vin = ""
    vin_check = ""
    try:
        normalised_vin, check = normalise_vin(vin)
        vin_check = check.value
    except ValidationError as error:
        _collect(errors, error)
    plate, make, model = (plate or "").strip(), (make or "").strip(), (model or "").strip()
    for name, text, limit in (("plate", plate, 20), ("make", make, 60), ("model", model, 100)):
        _check_length(errors, name, text, limit)
    if first_registration is not None and first_registration > timezone.localdate():
        errors["first_registration"] = [ValidationError(_("This date is in the future."))]
    if owner is not None and owner.organisation_id != organisation.pk:
        errors["owner"] = [ValidationError(_("The owner belongs to another organisation."))]
    if (
        normalised_vin
        and Vehicle.objects.filter(organisation=organisation, vin=normalised_vin).exists()
    ):
        errors["vin"] = [ValidationError(_("A vehicle with this VIN is already registered."))]
    _raise_if(errors)

    with transaction.atomic():
        vehicle = Vehicle.objects.create(
            organisation=organisation,
            vin=normalised_vin,
            vin_check=vin_check,
            plate=plate,
            plate_normalised=normalise_plate(plate),
            make=make,
            model=model,
            first_registration=first_registration,
        )
        record_event(
            "vehicle.registered",
            subject=vehicle,
            organisation=organisation,
            actor=actor,
            summary=str(vehicle),
            data={"vin": normalised_vin, "vin_check": vin_check, "plate": plate},
        )
        if owner is not None:
            _change_owner(vehicle, surviving_customer(owner), actor)
    return vehicle


def transfer_vehicle(
    vehicle: Vehicle, new_owner: Customer | None, *, actor: User | None = None
) -> Vehicle:
    """Record a change of owner (None: sold outside the group); history keeps the old one."""
    if new_owner is not None and new_owner.organisation_id != vehicle.organisation_id:
        raise ValidationError({"owner": _("The owner belongs to another organisation.")})
    with transaction.atomic():
        vehicle = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
        survivor = surviving_customer(new_owner) if new_owner is not None else None
        if (survivor.pk if survivor else None) != vehicle.owner_id:
            _change_owner(vehicle, survivor, actor)
    return vehicle


def _change_owner(vehicle: Vehicle, owner: Customer | None, actor: User | None) -> None:
    now = timezone.now()
    previous = vehicle.owner
    VehicleOwnership.objects.filter(vehicle=vehicle, until__isnull=True).update(until=now)
    if owner is not None:
        VehicleOwnership.objects.create(vehicle=vehicle, customer=owner, since=now)
    vehicle.owner = owner
    vehicle.save(update_fields=["owner"])
    data = {"vehicle": vehicle.pk, "vin": vehicle.vin, "plate": vehicle.plate}
    record_event(
        "vehicle.owner_changed",
        subject=vehicle,
        organisation=vehicle.organisation,
        actor=actor,
        data={**data, "from": previous.pk if previous else None, "to": owner.pk if owner else None},
    )
    # The customers' own timelines show the vehicle arriving and leaving.
    if previous is not None:
        record_event(
            "customer.vehicle_released",
            subject=previous,
            organisation=vehicle.organisation,
            actor=actor,
            summary=str(vehicle),
            data=data,
        )
    if owner is not None:
        record_event(
            "customer.vehicle_owned",
            subject=owner,
            organisation=vehicle.organisation,
            actor=actor,
            summary=str(vehicle),
            data=data,
        )


def record_odometer(
    vehicle: Vehicle,
    km: int,
    *,
    read_at: dt.datetime | None = None,
    source: str = "",
    correction: bool = False,
    actor: User | None = None,
) -> OdometerReading:
    """Record a mileage reading. Odometers only go up: a reading below the one before it
    (or above one recorded later) is refused unless it is flagged as a correction."""
    read_at = read_at or timezone.now()
    errors: dict[str, list[ValidationError]] = {}
    if isinstance(km, bool) or not isinstance(km, int) or km < 0:
        errors["km"] = [ValidationError(_("Kilometres must be a whole number, 0 or more."))]
    elif km > MAX_ODOMETER_KM:
        errors["km"] = [ValidationError(_("%(km)d km is not a plausible reading.") % {"km": km})]
    if timezone.is_naive(read_at):
        errors["read_at"] = [ValidationError(_("The time needs a timezone."))]
    elif read_at > timezone.now() + ODOMETER_CLOCK_SKEW:
        errors["read_at"] = [ValidationError(_("A reading cannot be in the future."))]
    _check_length(errors, "source", source, 100)
    _raise_if(errors)

    with transaction.atomic():
        # Serialise readings of one vehicle so two concurrent ones are compared in order.
        vehicle = (
            Vehicle.objects.select_for_update().select_related("organisation").get(pk=vehicle.pk)
        )
        if not correction:
            _check_monotonic(vehicle, km, read_at)
        reading = OdometerReading.objects.create(
            vehicle=vehicle,
            km=km,
            read_at=read_at,
            source=source.strip(),
            correction=correction,
            recorded_by=actor,
        )
        record_event(
            "vehicle.odometer_corrected" if correction else "vehicle.odometer_read",
            subject=vehicle,
            organisation=vehicle.organisation,
            actor=actor,
            summary=f"{km} km",
            data={
                "km": km,
                "read_at": read_at.isoformat(),
                "source": reading.source,
                "correction": correction,
            },
        )
    return reading


def _check_monotonic(vehicle: Vehicle, km: int, read_at: dt.datetime) -> None:
    readings = vehicle.odometer.order_by("-read_at", "-pk")
    before = readings.filter(read_at__lte=read_at).first()
    if before is not None and km < before.km:
        raise ValidationError(
            {
                "km": _(
                    "%(km)d km is lower than the previous reading (%(previous)d km on %(date)s). "
                    "Mark it as a correction if the earlier reading was wrong."
                )
                % {"km": km, "previous": before.km, "date": f"{before.read_at:%Y-%m-%d}"}
            }
        )
    after = readings.filter(read_at__gt=read_at).order_by("read_at", "pk").first()
    if after is not None and km > after.km:
        raise ValidationError(
            {
                "km": _("%(km)d km is higher than a later reading (%(next)d km on %(date)s).")
                % {"km": km, "next": after.km, "date": f"{after.read_at:%Y-%m-%d}"}
            }
        )


# --- matching inbound contacts ---------------------------------------------------------


@dataclass
class IdentifyResult:
    customer: Customer
    contact_point: ContactPoint
    created: bool
    ambiguous: bool
    candidates: list[Customer] = field(default_factory=list)


def matching_kinds(kind: str) -> list[str]:
    """The contact kinds a point of `kind` matches: phone and WhatsApp numbers match each
    other (it is the same number); an e-mail address matches e-mail addresses."""
    return [ContactKind.EMAIL] if kind == ContactKind.EMAIL else list(PHONE_LIKE_KINDS)


def identify_customer(
    organisation: Organisation,
    *,
    channel: str,
    address: str,
    display_name: str = "",
    region: str = "ES",
) -> IdentifyResult:
    """Find who wrote or called, by the exact normalised address, among unmerged customers.

    One match: that customer. None: a new customer with this contact point. Several (a
    shared family phone): a new customer flagged `needs_review`, with the candidates in a
    `customer.needs_review` event so staff can merge; guessing would put one person's
    messages in another's story.

    Phone and WhatsApp numbers match each other: it is the same number. When a customer
    known by phone first writes on WhatsApp, the WhatsApp point is added to them.
    """
    kind = CHANNEL_CONTACT_KIND.get(channel)
    if kind is None:
        raise ValidationError(
            {
                "channel": _("Cannot identify a customer by channel '%(channel)s'.")
                % {"channel": channel}
            }
        )
    # strict=False: the carrier delivered this number, so it exists (see normalise_phone).
    value = normalise_contact(kind, address, region, field="address", strict=False)
    match_kinds = matching_kinds(kind)

    # No savepoint of its own inside a caller's transaction: a database error here is
    # never recovered from, it fails the caller's work (inbound processing quarantines).
    with transaction.atomic(savepoint=False):
        _serialise_identification(organisation, value)
        # The matching points with their customers, in one query.
        points = list(
            ContactPoint.objects.filter(
                organisation=organisation,
                kind__in=match_kinds,
                value=value,
                customer__merged_into__isnull=True,
            )
            .select_related("customer")
            .order_by("customer_id", "kind", "-is_primary", "pk")
        )
        by_customer = {point.customer_id: point.customer for point in points}
        for customer in by_customer.values():
            customer.organisation = organisation  # the one we filtered on: no join for it
        candidates = [by_customer[pk] for pk in sorted(by_customer)]
        if len(candidates) == 1:
            exact = next((point for point in points if point.kind == kind), None)
            if exact is not None:
                # What the sender wrote from is already theirs: nothing to add.
                return IdentifyResult(candidates[0], exact, created=False, ambiguous=False)
            return _known_sender(candidates[0], kind, value, channel)
        waiting = [candidate for candidate in candidates if candidate.needs_review]
        if waiting:
            # An earlier contact from this shared address is still waiting for staff: keep
            # its story together instead of creating one new customer per message.
            customer = waiting[-1]
            point, _added = _attach_contact_point(customer, kind, value)
            others = [candidate for candidate in candidates if candidate.pk != customer.pk]
            return IdentifyResult(customer, point, created=False, ambiguous=True, candidates=others)
        return _new_sender(organisation, kind, value, channel, display_name or address, candidates)


def _known_sender(customer: Customer, kind: str, value: str, channel: str) -> IdentifyResult:
    point, added = _attach_contact_point(customer, kind, value)
    if added:
        record_event(
            "customer.contact_point_added",
            subject=customer,
            organisation=customer.organisation,
            actor_label=f"inbound:{channel}",
            summary=f"{kind}: {value}",
            data={"kind": kind, "value": value, "learnt_from": channel},
        )
    return IdentifyResult(customer, point, created=False, ambiguous=False)


def _new_sender(
    organisation: Organisation,
    kind: str,
    value: str,
    channel: str,
    name: str,
    candidates: list[Customer],
) -> IdentifyResult:
    customer, [point] = _insert_customer_with_points(
        organisation,
        name.strip()[:200] or value,
        "",
        # They chose this channel to reach us: answer on it until they say otherwise.
        channel,
        [(kind, value)],
        needs_review=bool(candidates),
        actor_label=f"inbound:{channel}",
    )
    if candidates:
        record_event(
            "customer.needs_review",
            subject=customer,
            organisation=organisation,
            actor_label=f"inbound:{channel}",
            summary=_("%(count)d customers share %(value)s")
            % {"count": len(candidates), "value": value},
            data={
                "kind": kind,
                "value": value,
                "candidates": [candidate.pk for candidate in candidates],
            },
        )
    return IdentifyResult(
        customer, point, created=True, ambiguous=bool(candidates), candidates=candidates
    )


def _serialise_identification(organisation: Organisation, value: str) -> None:
    """Make two simultaneous first messages from one address create one customer, not two.

    On PostgreSQL a transaction-scoped advisory lock on (organisation, address) queues them;
    SQLite already runs write transactions one at a time (IMMEDIATE mode in settings).
    """
    serialise_identifications(organisation.pk, [value])


def serialise_identifications(organisation_id: int, values: Iterable[str]) -> None:
    """`_serialise_identification` for many addresses in one statement (in key order, so
    two batches sharing addresses cannot deadlock)."""
    if connection.vendor != "postgresql":
        return
    keys = sorted({_identification_key(organisation_id, value) for value in values})
    if not keys:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(key) FROM unnest(%s::bigint[]) AS key ORDER BY key",
            [keys],
        )


def _identification_key(organisation_id: int, value: str) -> int:
    digest = hashlib.blake2b(f"{organisation_id}:{value}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def review_candidates(customer: Customer) -> list[Customer]:
    """Customers an ambiguous match named for this one, still unmerged and not itself."""
    ids: set[int] = set()
    for event in customer_timeline(customer).filter(verb="customer.needs_review"):
        ids.update(int(pk) for pk in event.data.get("candidates", []))
    ids.discard(customer.pk)
    return list(
        Customer.objects.filter(pk__in=ids, merged_into__isnull=True).order_by("display_name")
    )


# --- merging ---------------------------------------------------------------------------


def merge_customers(survivor: Customer, duplicate: Customer, *, actor: User | None) -> Customer:
    """Fold `duplicate` into `survivor`; both histories are kept.

    Contact points, vehicles and ownership history move to the survivor; other apps move
    their rows on the `customer_merged` signal, inside this transaction. The duplicate
    stays as a row with `merged_into` set. Consent records do not move (they are
    append-only); `may_contact` reads them across the merged family instead.
    """
    with transaction.atomic():
        first, second = sorted([survivor.pk, duplicate.pk])
        locked = {
            c.pk: c
            for c in Customer.objects.select_for_update()
            .select_related("organisation")
            .filter(pk__in=[first, second])
        }
        survivor, duplicate = locked[survivor.pk], locked[duplicate.pk]
        _validate_merge(survivor, duplicate)

        moved_points = _move_contact_points(survivor, duplicate)
        moved_vehicles = list(Vehicle.objects.filter(owner=duplicate).values_list("pk", flat=True))
        Vehicle.objects.filter(owner=duplicate).update(owner=survivor)
        VehicleOwnership.objects.filter(customer=duplicate).update(customer=survivor)
        if not survivor.language and duplicate.language:
            survivor.language = duplicate.language
        # Staff of the site that created the duplicate keep seeing the customer.
        if survivor.first_site_id is None and duplicate.first_site_id is not None:
            survivor.first_site_id = duplicate.first_site_id
        survivor.save(update_fields=["language", "first_site"])
        duplicate.merged_into = survivor
        duplicate.merged_at = timezone.now()
        duplicate.needs_review = False
        duplicate.save(update_fields=["merged_into", "merged_at", "needs_review"])

        data: dict[str, Any] = {
            "survivor": survivor.pk,
            "duplicate": duplicate.pk,
            "contact_points": moved_points,
            "vehicles": moved_vehicles,
        }
        record_event(
            "customer.merged",
            subject=survivor,
            organisation=survivor.organisation,
            actor=actor,
            summary=_("%(name)s merged into this customer") % {"name": duplicate.display_name},
            data=data,
        )
        record_event(
            "customer.merged_into",
            subject=duplicate,
            organisation=survivor.organisation,
            actor=actor,
            summary=_("Merged into %(name)s") % {"name": survivor.display_name},
            data=data,
        )
        customer_merged.send(sender=Customer, survivor=survivor, duplicate=duplicate, actor=actor)
    return survivor


def _validate_merge(survivor: Customer, duplicate: Customer) -> None:
    if survivor.pk == duplicate.pk:
        raise ValidationError({"duplicate": _("A customer cannot be merged into itself.")})
    if survivor.organisation_id != duplicate.organisation_id:
        raise ValidationError({"duplicate": _("The customers belong to different groups.")})
    if duplicate.merged_into_id is not None:
        raise ValidationError(
            {"duplicate": _("%(name)s was already merged.") % {"name": duplicate.display_name}}
        )
    if survivor.merged_into_id is not None:
        raise ValidationError(
            {
                "survivor": _(
                    "%(name)s was merged into another customer; merge into that one instead."
                )
                % {"name": survivor.display_name}
            }
        )


def _move_contact_points(survivor: Customer, duplicate: Customer) -> list[int]:
    """Move every point; the survivor's primary of each kind stays primary."""
    points = ContactPoint.objects.filter(customer=duplicate)
    moved = list(points.values_list("pk", flat=True))
    survivor_primary_kinds = set(
        survivor.contact_points.filter(is_primary=True).values_list("kind", flat=True)
    )
    points.filter(kind__in=survivor_primary_kinds).update(is_primary=False)
    points.update(customer=survivor)
    return moved


# --- reading ---------------------------------------------------------------------------


def customer_timeline(customer: Customer) -> QuerySet[Event]:
    """Events of this customer and of every customer merged into it, oldest first.

    Events are never rewritten on merge; the timeline is assembled at read time.
    """
    return (
        Event.objects.filter(customer_event_filter(merged_family_ids(customer)))
        .select_related("actor")
        .order_by("occurred_at", "pk")
    )


def contact_points_of(customer: Customer, channel: str) -> Sequence[ContactPoint]:
    """Points usable on a channel, primary first (an SMS goes to a phone point)."""
    kind = CHANNEL_CONTACT_KIND.get(channel)
    if kind is None:
        return []
    return list(
        surviving_customer(customer).contact_points.filter(kind=kind).order_by("-is_primary", "pk")
    )

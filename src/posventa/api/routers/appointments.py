"""Workshop appointments (INFO-BOOKING): search the free times of a site, book one,
read and list them, reschedule, cancel, record a no-show. Every change goes through
`workshop.actions.appointments`, the same actions as the booking pages, so the same
refusals come back here as 422s naming the field (`starts_at` for a time just taken,
outside opening hours or on a closed day; `odometer_km` below the last reading).

Staff bookings through the API are not limited by the online share or the notice."""

import datetime as dt

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import field_validator

from posventa.api import lookups
from posventa.api.auth import Scope, scope
from posventa.api.pagination import BoundedLimitOffset
from posventa.api.routers.common import CREATE_ERRORS, LIST_ERRORS, READ_ERRORS, WRITE_ERRORS
from posventa.api.schemas import (
    LONG_TEXT,
    MAX_ID,
    MAX_KM,
    NO_NUL,
    SLUG,
    SLUG_LENGTH,
    InputSchema,
    aware_utc,
    choices,
    stated,
)
from posventa.customers.models import Channel
from posventa.workshop.actions import appointments
from posventa.workshop.actions._common import Contact
from posventa.workshop.models import Appointment, AppointmentStatus, BookedVia
from posventa.workshop.slots import Slot

router = Router(tags=["appointments"])
CODES = r"^[-a-z0-9_]+(,[-a-z0-9_]+)*$"


class SlotFilters(InputSchema):
    types: str = stated(
        description="Comma-separated appointment type codes, e.g. `oil-service,brake-fluid`.",
        max_length=500,
        pattern=CODES,
    )
    first_day: dt.date | None = Field(None, description="Site-local day to start from (today).")
    days: int = Field(7, ge=1, le=60)
    online: bool = Field(False, description="As the public booking page sees it.")
    limit: int = Field(200, ge=1, le=1000)


class SlotOut(Schema):
    starts_at: dt.datetime
    ends_at: dt.datetime
    technician: int
    bay: int | None

    @staticmethod
    def resolve_starts_at(slot: Slot) -> dt.datetime:
        return slot.start

    @staticmethod
    def resolve_ends_at(slot: Slot) -> dt.datetime:
        return slot.end

    @staticmethod
    def resolve_technician(slot: Slot) -> int:
        return slot.technician_id

    @staticmethod
    def resolve_bay(slot: Slot) -> int | None:
        return slot.bay_id


class AppointmentIn(InputSchema):
    site: str = stated(max_length=SLUG_LENGTH, pattern=SLUG)
    types: list[str] = Field(..., min_length=1, max_length=20, description="Type codes.")
    starts_at: dt.datetime = Field(..., description="With its time zone; one of the slots.")
    contact_name: str = Field(..., max_length=200, pattern=NO_NUL)
    contact_email: str = Field("", max_length=254, pattern=NO_NUL)
    contact_phone: str = Field("", max_length=32, pattern=NO_NUL)
    preferred_method: str = stated(Channel.EMAIL, enum=choices(Channel.values))
    language: str = Field("en", max_length=8, pattern=r"^[a-z]{2}$")
    customer: int | None = Field(None, ge=1, le=MAX_ID)
    vehicle: str = Field("", max_length=40, pattern=NO_NUL, description="Plate or VIN.")
    odometer_km: int | None = Field(None, ge=0, le=MAX_KM)
    notes: str = Field("", max_length=LONG_TEXT, pattern=NO_NUL)
    unsure: bool = False

    _starts_at_in_utc = field_validator("starts_at", mode="after")(aware_utc)


class RescheduleIn(InputSchema):
    starts_at: dt.datetime
    _starts_at_in_utc = field_validator("starts_at", mode="after")(aware_utc)


class CancelIn(InputSchema):
    reason: str = Field("", max_length=500, pattern=NO_NUL)


class AppointmentOut(Schema):
    id: int
    site: str
    status: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    types: list[str]
    unsure: bool
    technician: int
    bay: int | None
    customer: int | None
    vehicle: int | None
    vehicle_text: str
    odometer_km: int | None
    contact_name: str
    preferred_method: str
    booked_via: str
    cancelled_at: dt.datetime | None
    no_show_at: dt.datetime | None

    @staticmethod
    def resolve_site(obj: Appointment) -> str:
        return obj.site.slug

    @staticmethod
    def resolve_types(obj: Appointment) -> list[str]:
        return [row.code for row in obj.types.all()]

    @staticmethod
    def resolve_technician(obj: Appointment) -> int:
        return obj.technician_id

    @staticmethod
    def resolve_bay(obj: Appointment) -> int | None:
        return obj.bay_id

    @staticmethod
    def resolve_customer(obj: Appointment) -> int | None:
        return obj.customer_id

    @staticmethod
    def resolve_vehicle(obj: Appointment) -> int | None:
        return obj.vehicle_id


class AppointmentFilters(Schema):
    site: str | None = Field(None, max_length=SLUG_LENGTH, pattern=SLUG)
    status: str = stated("", enum=choices(AppointmentStatus.values, blank=True), max_length=16)
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    _since_in_utc = field_validator("since", "until", mode="after")(aware_utc)


def _appointments(reach: Scope) -> QuerySet[Appointment]:
    return (
        Appointment.objects.filter(site__in=reach.sites)
        .select_related("site")
        .prefetch_related("types")
    )


def _appointment(reach: Scope, appointment_id: int) -> Appointment:
    return get_object_or_404(_appointments(reach), pk=appointment_id)


@router.get("/sites/{slug}/slots", response={200: list[SlotOut], **READ_ERRORS})
def search_slots(request: HttpRequest, slug: str, filters: Query[SlotFilters]) -> list[Slot]:
    """Bookable start times at the site for the given types, in order, with the technician
    and bay each would hold. Respects opening hours, holidays, closures, technicians'
    hours, absences and certifications, bays, existing bookings and the site's limits."""
    reach = scope(request)
    site = get_object_or_404(reach.sites, slug=slug)
    types = appointments.resolve_types(site, filters.types.split(","), online=filters.online)
    return appointments.find_slots(
        site,
        types,
        online=filters.online,
        first_day=filters.first_day,
        days=filters.days,
        limit=filters.limit,
    )


@router.post("/appointments", response={201: AppointmentOut, **CREATE_ERRORS})
def book_appointment(request: HttpRequest, payload: AppointmentIn) -> Status[Appointment]:
    """Book a time found with the slot search. A time someone took meanwhile, outside
    opening hours or on a closed day is a 422 on `starts_at`. Sends the confirmation."""
    reach = scope(request)
    site = lookups.site(reach, payload.site)
    customer = lookups.customer(reach, payload.customer) if payload.customer else None
    appointment = appointments.book_appointment(
        site,
        wish=appointments.Wish(
            types=appointments.resolve_types(site, payload.types, online=False),
            starts_at=payload.starts_at,
            unsure=payload.unsure,
            notes=payload.notes,
            vehicle_text=payload.vehicle,
            odometer_km=payload.odometer_km,
        ),
        contact=Contact(
            name=payload.contact_name,
            email=payload.contact_email,
            phone=payload.contact_phone,
            preferred_method=payload.preferred_method,
            language=payload.language,
        ),
        via=BookedVia.API,
        actor=reach.user,
        customer=customer,
    )
    return Status(201, _appointment(reach, appointment.pk))


@router.get("/appointments", response={200: list[AppointmentOut], **LIST_ERRORS})
@paginate(BoundedLimitOffset)
def list_appointments(
    request: HttpRequest, filters: Query[AppointmentFilters]
) -> QuerySet[Appointment]:
    """Appointments at the sites in reach, soonest first; filter by `site`, `status` and a
    `since`/`until` range of start times."""
    rows = _appointments(scope(request))
    if filters.site:
        rows = rows.filter(site__slug=filters.site)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.since:
        rows = rows.filter(starts_at__gte=filters.since)
    if filters.until:
        rows = rows.filter(starts_at__lt=filters.until)
    return rows.order_by("starts_at", "pk")


@router.get("/appointments/{appointment_id}", response={200: AppointmentOut, **READ_ERRORS})
def get_appointment(request: HttpRequest, appointment_id: int) -> Appointment:
    """One appointment at a site in reach (404 otherwise)."""
    return _appointment(scope(request), appointment_id)


@router.post(
    "/appointments/{appointment_id}/reschedule", response={200: AppointmentOut, **WRITE_ERRORS}
)
def reschedule_appointment(
    request: HttpRequest, appointment_id: int, payload: RescheduleIn
) -> Appointment:
    """Move to another free time (same services); the customer gets the new invitation."""
    reach = scope(request)
    appointment = _appointment(reach, appointment_id)
    appointments.reschedule_appointment(appointment, starts_at=payload.starts_at, actor=reach.user)
    return _appointment(reach, appointment_id)


@router.post(
    "/appointments/{appointment_id}/cancel", response={200: AppointmentOut, **WRITE_ERRORS}
)
def cancel_appointment(request: HttpRequest, appointment_id: int, payload: CancelIn) -> Appointment:
    """Cancel; the customer is told and the time is offered to the waiting list."""
    reach = scope(request)
    appointment = _appointment(reach, appointment_id)
    appointments.cancel_appointment(appointment, actor=reach.user, reason=payload.reason)
    return _appointment(reach, appointment_id)


@router.post(
    "/appointments/{appointment_id}/no-show", response={200: AppointmentOut, **WRITE_ERRORS}
)
def record_no_show(request: HttpRequest, appointment_id: int) -> Appointment:
    """Nobody came (refused before the start, naming `status`); starts FOLLOWUP-REBOOK."""
    reach = scope(request)
    appointment = _appointment(reach, appointment_id)
    appointments.record_no_show(appointment, actor=reach.user)
    return _appointment(reach, appointment_id)

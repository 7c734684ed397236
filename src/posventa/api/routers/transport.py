"""Alternative transport (INFO-TRANSPORT): what is free on a day, reservations, releases,
and the requests that could not be met. Every change goes through `transport.actions`.

Reserving answers 201 with the reservation when a unit was free. When none was, nothing is
lost: the request is recorded as unmet (it runs an INFO-TRANSPORT clock for staff) and the
answer is 200 with `reserved: false`, the unmet request and the alternative offered (another
option that day, or the nearest day with the wanted option), which the client may reserve.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status, params

from posventa.api import lookups
from posventa.api.auth import scope
from posventa.api.routers.common import CREATE_ERRORS, READ_ERRORS, WRITE_ERRORS
from posventa.api.schemas import MAX_ID, SLUG, SLUG_LENGTH, InputSchema
from posventa.core.models import Site
from posventa.transport import actions, availability
from posventa.transport.models import (
    Reservation,
    ShuttleRun,
    TransportOption,
    UnmetStatus,
    UnmetTransport,
)

router = Router(tags=["transport"])

SiteSlug = Annotated[
    str, params.Path(pattern=SLUG, max_length=SLUG_LENGTH, description="A site's slug.")
]


class RunOut(Schema):
    id: int
    departs_at: str = Field(description="Local time of day at the site, HH:MM.")
    destination: str
    seats: int
    free: int


class OptionOut(Schema):
    id: int
    kind: str
    name: str
    daily_total: int
    free: int = Field(description="Units still free for this kind of booking that day.")
    runs: list[RunOut] = Field(description="Shuttle runs with their free seats.")


class AvailabilityOut(Schema):
    site: str
    day: dt.date
    online: bool
    options: list[OptionOut]


class AvailabilityQuery(InputSchema):
    day: dt.date
    online: bool = Field(False, description="The online share (true) or the staff share.")


class ReservationIn(InputSchema):
    option: int = Field(ge=1, le=MAX_ID, description="A transport option of the site.")
    day: dt.date
    online: bool = False
    customer: int | None = Field(None, ge=1, le=MAX_ID)
    run: int | None = Field(
        None, ge=1, le=MAX_ID, description="A shuttle run; default: the first with a seat."
    )
    booking_ref: str = Field(
        "", max_length=64, description="What it is for, e.g. an appointment id."
    )
    note: str = Field("", max_length=300)


class ReservationOut(Schema):
    id: int
    option: int
    kind: str
    day: dt.date
    online: bool
    customer: int | None
    run: int | None
    booking_ref: str
    status: str
    created_at: dt.datetime
    released_at: dt.datetime | None


class AlternativeOut(Schema):
    option: int
    name: str
    day: dt.date


class UnmetOut(Schema):
    id: int
    option: int | None
    kind: str
    day: dt.date
    online: bool
    customer: int | None
    booking_ref: str
    reason: str
    status: str
    offered_option: int | None
    offered_day: dt.date | None
    created_at: dt.datetime
    resolved_at: dt.datetime | None


class OutcomeOut(Schema):
    reserved: bool
    reservation: ReservationOut | None
    unmet: UnmetOut | None
    alternative: AlternativeOut | None


class ReleaseIn(InputSchema):
    reason: str = Field("", max_length=300)


class ListQuery(InputSchema):
    day: dt.date


def _site(request: HttpRequest, site_slug: str) -> Site:
    return get_object_or_404(scope(request).sites.select_related("organisation"), slug=site_slug)


def _reservation_out(reservation: Reservation) -> ReservationOut:
    return ReservationOut(
        id=reservation.pk, option=reservation.option_id, kind=reservation.option.kind,
        day=reservation.day, online=reservation.online, customer=reservation.customer_id,
        run=reservation.run_id, booking_ref=reservation.booking_ref, status=reservation.status,
        created_at=reservation.created_at, released_at=reservation.released_at,
    )  # fmt: skip


def _unmet_out(unmet: UnmetTransport) -> UnmetOut:
    return UnmetOut(
        id=unmet.pk, option=unmet.option_id, kind=unmet.kind, day=unmet.day,
        online=unmet.online, customer=unmet.customer_id, booking_ref=unmet.booking_ref,
        reason=unmet.reason, status=unmet.status, offered_option=unmet.offered_option_id,
        offered_day=unmet.offered_day, created_at=unmet.created_at,
        resolved_at=unmet.resolved_at,
    )  # fmt: skip


@router.get("/transport/{site_slug}/availability", response={200: AvailabilityOut, **READ_ERRORS})
def transport_availability(
    request: HttpRequest, site_slug: SiteSlug, query: Query[AvailabilityQuery]
) -> AvailabilityOut:
    """Every option the site offers, with what is still free on `day` for the online share
    (`online=true`) or for staff; a shuttle also lists its runs."""
    site = _site(request, site_slug)
    seen = availability.options_on(site, query.day, online=query.online)
    return AvailabilityOut(
        site=site.slug,
        day=query.day,
        online=query.online,
        options=[
            OptionOut(
                id=item.option.pk,
                kind=item.option.kind,
                name=item.option.name,
                daily_total=item.option.daily_total,
                free=item.free,
                runs=[
                    RunOut(
                        id=run.run.pk,
                        departs_at=f"{run.run.departs_at:%H:%M}",
                        destination=run.run.destination,
                        seats=run.seats,
                        free=run.free,
                    )
                    for run in item.runs
                ],
            )
            for item in seen
        ],
    )


@router.get(
    "/transport/{site_slug}/reservations", response={200: list[ReservationOut], **READ_ERRORS}
)
def list_transport_reservations(
    request: HttpRequest, site_slug: SiteSlug, query: Query[ListQuery]
) -> list[ReservationOut]:
    """Reservations held and released on `day`, in the order they were made."""
    site = _site(request, site_slug)
    rows = Reservation.objects.filter(site=site, day=query.day).select_related("option")
    return [_reservation_out(row) for row in rows.order_by("created_at", "pk")]


def _option(site: Site, pk: int) -> TransportOption:
    found = TransportOption.objects.filter(site=site, pk=pk).select_related("site").first()
    if found is None:
        raise ValidationError(
            {"option": _("No transport option #%(id)d at this site.") % {"id": pk}}
        )
    return found


def _run(option: TransportOption, pk: int | None) -> ShuttleRun | None:
    if pk is None:
        return None
    found = ShuttleRun.objects.filter(option=option, pk=pk).first()
    if found is None:
        raise ValidationError({"run": _("No run #%(id)d of this option.") % {"id": pk}})
    return found


@router.post(
    "/transport/{site_slug}/reservations",
    response={201: OutcomeOut, 200: OutcomeOut, **CREATE_ERRORS, 404: WRITE_ERRORS[404]},
)
def reserve_transport(
    request: HttpRequest, site_slug: SiteSlug, payload: ReservationIn
) -> Status[OutcomeOut]:
    """Reserve one unit (see the top of this section): 201 reserved, 200 recorded as unmet
    with the alternative. A past day is refused on `day`, an unknown option on `option`."""
    reach = scope(request)
    site = _site(request, site_slug)
    option = _option(site, payload.option)
    customer = lookups.customer(reach, payload.customer) if payload.customer else None
    outcome = actions.reserve(
        site, option, payload.day, online=payload.online, customer=customer,
        booking_ref=payload.booking_ref, run=_run(option, payload.run), actor=reach.user,
        note=payload.note,
    )  # fmt: skip
    alternative = outcome.alternative
    body = OutcomeOut(
        reserved=outcome.reserved,
        reservation=_reservation_out(outcome.reservation) if outcome.reservation else None,
        unmet=_unmet_out(outcome.unmet) if outcome.unmet else None,
        alternative=AlternativeOut(
            option=alternative.option.pk, name=alternative.option.name, day=alternative.day
        )
        if alternative
        else None,
    )
    return Status(201 if outcome.reserved else 200, body)


@router.post(
    "/transport/reservations/{reservation_id}/release",
    response={200: ReservationOut, **WRITE_ERRORS},
)
def release_transport(
    request: HttpRequest,
    reservation_id: Annotated[int, params.Path(ge=1, le=MAX_ID)],
    payload: ReleaseIn,
) -> ReservationOut:
    """Give the unit back. Refused on `reservation` while its loaner is still out."""
    reach = scope(request)
    reservation = get_object_or_404(
        Reservation.objects.filter(site__in=reach.sites).select_related("option", "site"),
        pk=reservation_id,
    )
    released = actions.release(reservation, actor=reach.user, reason=payload.reason)
    return _reservation_out(released)


class UnmetQuery(InputSchema):
    status: str = Field("open", description="open, arranged, declined or withdrawn.")


@router.get("/transport/{site_slug}/unmet", response={200: list[UnmetOut], **READ_ERRORS})
def list_unmet_transport(
    request: HttpRequest, site_slug: SiteSlug, query: Query[UnmetQuery]
) -> list[UnmetOut]:
    """Requests that could not be met, oldest first (default: those still to arrange)."""
    site = _site(request, site_slug)
    if query.status not in UnmetStatus.values:
        raise ValidationError(
            {"status": _("Unknown status; use one of: %(allowed)s.")
             % {"allowed": ", ".join(UnmetStatus.values)}}
        )  # fmt: skip
    rows: QuerySet[UnmetTransport] = UnmetTransport.objects.filter(site=site, status=query.status)
    return [_unmet_out(row) for row in rows.order_by("created_at", "pk")]

"""Every change to transport: configuration, reservations, loaner hand-over and return, and
requests that could not be met (INFO-TRANSPORT).

The stable API for the booking flow (the workshop's appointments call it; keep these
signatures, add keyword arguments only):

    reserve(site, option, day, *, online, customer=None, booking_ref="", run=None,
            actor=None, note="") -> Outcome
        Takes one unit of `option` on `day` from the online share (`online=True`) or from
        the staff share. Concurrency-safe: the option's row is locked (SELECT ... FOR
        UPDATE) while the units are counted and the reservation written, so two bookings
        cannot take the last loaner. When nothing is left it does not raise: it records an
        `UnmetTransport` (with its INFO-TRANSPORT clock) and the alternative it offers, and
        returns them in the Outcome, in the caller's transaction. Bad input (an option of
        another site, a past day, a run of another option) raises ValidationError naming
        the field.
    release(reservation, *, actor=None, reason="") -> Reservation
        Gives the unit back (the appointment was cancelled or moved). Refused while the
        loaner is still out.
    release_booking(site, booking_ref, *, actor=None, reason="") -> int
        Releases every held reservation and withdraws every open unmet request of a booking.

Why the unmet request is returned and not raised: the booking flow writes the appointment
and the transport in one transaction; an exception would roll the request back with it
and the customer's wish would be lost, which is what this standard forbids.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.clocks import actions as clocks
from posventa.clocks.catalogue import business_day_seconds
from posventa.core.events import record_event
from posventa.core.models import Site, User
from posventa.core.site_page import local_today
from posventa.customers.models import Customer
from posventa.transport import availability
from posventa.transport.availability import Alternative
from posventa.transport.models import (
    FULL_TANK,
    LoanerCar,
    LoanerStatus,
    LoanerTrip,
    Reservation,
    ReservationStatus,
    ShuttleRun,
    TransportKind,
    TransportOption,
    UnmetStatus,
    UnmetTransport,
)

INFO_TRANSPORT = "INFO-TRANSPORT"


@dataclass(frozen=True)
class Outcome:
    """What `reserve` did: a reservation, or an unmet request with the alternative offered."""

    reservation: Reservation | None = None
    unmet: UnmetTransport | None = None
    alternative: Alternative | None = None

    @property
    def reserved(self) -> bool:
        return self.reservation is not None


def _event(verb: str, subject: Model, site: Site, actor: User | None, **data: Any) -> None:
    record_event(verb, subject=subject, site=site, actor=actor, summary=str(subject), data=data)


# --- configuration ----------------------------------------------------------------------


def _validate_totals(daily_total: int, online_share: int) -> None:
    if daily_total < 0:
        raise ValidationError({"daily_total": _("The per-day total cannot be negative.")})
    if not 0 <= online_share <= daily_total:
        raise ValidationError(
            {"online_share": _("The online share must be between 0 and the per-day total.")}
        )


def create_option(
    site: Site,
    *,
    kind: str,
    name: str,
    daily_total: int,
    online_share: int = 0,
    actor: User | None = None,
) -> TransportOption:
    """Offer a kind of transport at a site. A name the site already uses is refused."""
    if kind not in TransportKind.values:
        raise ValidationError({"kind": _("Unknown kind of transport.")})
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the option a name.")})
    _validate_totals(daily_total, online_share)
    if TransportOption.objects.filter(site=site, name=name).exists():
        raise ValidationError({"name": _("This site already has an option with this name.")})
    with transaction.atomic():
        option = TransportOption.objects.create(
            site=site, kind=kind, name=name, daily_total=daily_total, online_share=online_share
        )
        _event("transport.option_added", option, site, actor, kind=kind, total=daily_total)
    return option


def change_option(
    option: TransportOption,
    *,
    daily_total: int,
    online_share: int,
    active: bool = True,
    actor: User | None = None,
) -> TransportOption:
    """New totals apply to what is still free; reservations already held are kept."""
    _validate_totals(daily_total, online_share)
    with transaction.atomic():
        option.daily_total, option.online_share, option.active = daily_total, online_share, active
        option.save(update_fields=["daily_total", "online_share", "active"])
        _event(
            "transport.option_changed", option, option.site, actor,
            total=daily_total, online=online_share, active=active,
        )  # fmt: skip
    return option


def _validate_fuel(fuel_eighths: int, field: str) -> None:
    if not 0 <= fuel_eighths <= FULL_TANK:
        raise ValidationError({field: _("Fuel is read in eighths, from 0 (empty) to 8 (full).")})


def _validate_odometer(odometer_km: int, field: str = "odometer_km") -> None:
    if odometer_km < 0:
        raise ValidationError({field: _("The odometer cannot be negative.")})


def add_loaner(
    site: Site,
    *,
    plate: str,
    model: str,
    odometer_km: int,
    fuel_eighths: int = FULL_TANK,
    actor: User | None = None,
) -> LoanerCar:
    plate = plate.strip().upper()
    if not plate:
        raise ValidationError({"plate": _("Give the loaner's plate.")})
    if LoanerCar.objects.filter(site=site, plate=plate).exists():
        raise ValidationError({"plate": _("This site already has a loaner with this plate.")})
    _validate_odometer(odometer_km)
    _validate_fuel(fuel_eighths, "fuel_eighths")
    with transaction.atomic():
        car = LoanerCar.objects.create(
            site=site, plate=plate, model=model.strip(), odometer_km=odometer_km,
            fuel_eighths=fuel_eighths,
        )  # fmt: skip
        _event("transport.loaner_added", car, site, actor, plate=plate)
    return car


def set_loaner_in_service(
    car: LoanerCar, *, in_service: bool, actor: User | None = None
) -> LoanerCar:
    """Take a car out of service (a repair, an accident) or back. A car out with a customer
    is refused: it comes back first."""
    if car.status == LoanerStatus.OUT:
        raise ValidationError({"status": _("This loaner is out with a customer.")})
    with transaction.atomic():
        car.status = LoanerStatus.AVAILABLE if in_service else LoanerStatus.OUT_OF_SERVICE
        car.save(update_fields=["status"])
        _event("transport.loaner_service_changed", car, car.site, actor, in_service=in_service)
    return car


def add_shuttle_run(
    option: TransportOption,
    *,
    departs_at: dt.time,
    seats: int,
    destination: str = "",
    actor: User | None = None,
) -> ShuttleRun:
    if option.kind != TransportKind.SHUTTLE:
        raise ValidationError({"option": _("Runs belong to a shuttle option.")})
    if seats < 1:
        raise ValidationError({"seats": _("A run has at least one seat.")})
    with transaction.atomic():
        run = ShuttleRun.objects.create(
            option=option, departs_at=departs_at, seats=seats, destination=destination.strip()
        )
        _event(
            "transport.shuttle_run_added", option, option.site, actor,
            departs_at=f"{departs_at:%H:%M}", seats=seats,
        )  # fmt: skip
    return run


# --- reserving ----------------------------------------------------------------------------


def _validate_request(
    site: Site, option: TransportOption, day: dt.date, run: ShuttleRun | None
) -> None:
    if option.site_id != site.pk:
        raise ValidationError({"option": _("This option is not offered at this site.")})
    if not option.active:
        raise ValidationError({"option": _("This option is no longer offered.")})
    if day < local_today(site):
        raise ValidationError({"day": _("The day has passed.")})
    if run is not None and run.option_id != option.pk:
        raise ValidationError({"run": _("This run belongs to another option.")})
    if run is not None and not run.active:
        raise ValidationError({"run": _("This run no longer runs.")})


def _lock_units(option: TransportOption) -> TransportOption:
    """The lock every booking of `option` takes, so counting and inserting happen while no
    other transaction can count the same units (tests/transport/test_concurrency.py).
    Loaner options share the site's cars: a loaner booking locks every loaner option of the
    site, always in id order, so two options cannot each hand out the last car and two
    bookings never wait for each other in a circle. Returns the option as it is now (its
    totals may have changed since the caller read it)."""
    rows = TransportOption.objects.select_for_update().select_related("site").order_by("pk")
    if option.kind == TransportKind.LOANER:
        rows = rows.filter(site_id=option.site_id, kind=TransportKind.LOANER)
    else:
        rows = rows.filter(pk=option.pk)
    return next(row for row in rows if row.pk == option.pk)


def _pick_run(
    option: TransportOption, day: dt.date, run: ShuttleRun | None, *, online: bool
) -> tuple[bool, ShuttleRun | None]:
    """Whether a unit is free (counted under the caller's lock), and the run it goes on:
    the one asked for, or for a shuttle the first run with a seat left."""
    [seen] = availability.describe([option], day, online=online, site=option.site)
    if seen.free <= 0:
        return False, None
    if option.kind != TransportKind.SHUTTLE:
        return True, None
    for candidate in seen.runs:
        if (run is None or candidate.run.pk == run.pk) and candidate.free > 0:
            return True, candidate.run
    return False, None


def reserve(
    site: Site,
    option: TransportOption,
    day: dt.date,
    *,
    online: bool,
    customer: Customer | None = None,
    booking_ref: str = "",
    run: ShuttleRun | None = None,
    actor: User | None = None,
    note: str = "",
) -> Outcome:
    """See the module docstring."""
    _validate_request(site, option, day, run)
    if customer is not None and customer.organisation_id != site.organisation_id:
        raise ValidationError({"customer": _("This customer belongs to another group.")})
    now = timezone.now()
    with transaction.atomic():
        current = _lock_units(option)
        free, seat = _pick_run(current, day, run, online=online)
        if not free:
            return _record_unmet(
                site, option, day, online=online, customer=customer,
                booking_ref=booking_ref, actor=actor, now=now,
            )  # fmt: skip
        reservation = Reservation.objects.create(
            site=site, option=option, day=day, online=online, customer=customer, run=seat,
            booking_ref=booking_ref[:64], note=note[:300], created_at=now, created_by=actor,
        )  # fmt: skip
        _event(
            "transport.reserved", reservation, site, actor,
            option=option.pk, day=day.isoformat(), online=online, booking=booking_ref,
        )  # fmt: skip
    return Outcome(reservation=reservation)


def _record_unmet(
    site: Site,
    option: TransportOption,
    day: dt.date,
    *,
    online: bool,
    customer: Customer | None,
    booking_ref: str,
    actor: User | None,
    now: dt.datetime,
) -> Outcome:
    alternative = availability.alternative_for(
        site, option, day, online=online, today=local_today(site)
    )
    unmet = UnmetTransport.objects.create(
        site=site, option=option, kind=option.kind, day=day, online=online, customer=customer,
        booking_ref=booking_ref[:64], reason=_("No %(option)s left that day.")
        % {"option": option.name}, created_at=now,
        offered_option=alternative.option if alternative else None,
        offered_day=alternative.day if alternative else None,
    )  # fmt: skip
    clocks.start_clock(
        INFO_TRANSPORT,
        subject=unmet,
        site=site,
        started_at=now,
        label=str(unmet),
        actor=actor,
        # INFO-TRANSPORT is a checklist standard with no default target: staff have one
        # business day to arrange something, like the other "contact them again" rules.
        target_seconds=business_day_seconds(site),
    )
    _event(
        "transport.unmet", unmet, site, actor,
        option=option.pk, day=day.isoformat(), online=online,
        offered_option=alternative.option.pk if alternative else None,
        offered_day=alternative.day.isoformat() if alternative else None,
    )  # fmt: skip
    return Outcome(unmet=unmet, alternative=alternative)


def release(
    reservation: Reservation, *, actor: User | None = None, reason: str = ""
) -> Reservation:
    """See the module docstring. Releasing twice changes nothing."""
    with transaction.atomic():
        current = Reservation.objects.select_for_update().get(pk=reservation.pk)
        if not current.is_held:
            return current
        if LoanerTrip.objects.filter(reservation=current, in_at__isnull=True).exists():
            raise ValidationError(
                {"reservation": _("The loaner is still out: record its return first.")}
            )
        current.status = ReservationStatus.RELEASED
        current.released_at = timezone.now()
        current.release_reason = reason[:300]
        current.save(update_fields=["status", "released_at", "release_reason"])
        _event("transport.released", current, current.site, actor, reason=reason)
    return current


def release_booking(
    site: Site, booking_ref: str, *, actor: User | None = None, reason: str = ""
) -> int:
    """See the module docstring. Returns how many reservations and requests it closed."""
    if not booking_ref:
        raise ValidationError({"booking_ref": _("Name the booking.")})
    closed = 0
    with transaction.atomic():
        held = Reservation.objects.filter(
            site=site, booking_ref=booking_ref, status=ReservationStatus.HELD
        )
        for reservation in held:
            release(reservation, actor=actor, reason=reason)
            closed += 1
        for unmet in UnmetTransport.objects.filter(
            site=site, booking_ref=booking_ref, status=UnmetStatus.OPEN
        ):
            close_unmet(unmet, status=UnmetStatus.WITHDRAWN, note=reason, actor=actor)
            closed += 1
    return closed


# --- loaner hand-over and return --------------------------------------------------------


def hand_over_loaner(
    reservation: Reservation,
    car: LoanerCar,
    *,
    odometer_km: int,
    fuel_eighths: int,
    actor: User | None = None,
    at: dt.datetime | None = None,
) -> LoanerTrip:
    """The customer drives off in `car`. Refuses a car of another site, a car that is not
    at the site, and an odometer lower than the car's last reading, naming the field."""
    if not reservation.is_held or reservation.option.kind != TransportKind.LOANER:
        raise ValidationError({"reservation": _("This is not a held loaner reservation.")})
    if car.site_id != reservation.site_id:
        raise ValidationError({"car": _("This loaner belongs to another site.")})
    _validate_odometer(odometer_km)
    _validate_fuel(fuel_eighths, "fuel_eighths")
    at = at or timezone.now()
    with transaction.atomic():
        current = LoanerCar.objects.select_for_update().get(pk=car.pk)
        if current.status != LoanerStatus.AVAILABLE:
            raise ValidationError({"car": _("This loaner is not at the site.")})
        if LoanerTrip.objects.filter(reservation=reservation).exists():
            raise ValidationError({"reservation": _("A loaner was already handed over.")})
        if odometer_km < current.odometer_km:
            raise ValidationError(
                {"odometer_km": _("Lower than the car's last reading (%(km)d km).")
                 % {"km": current.odometer_km}}
            )  # fmt: skip
        trip = LoanerTrip.objects.create(
            reservation=reservation, car=current, out_at=at,
            out_odometer_km=odometer_km, out_fuel_eighths=fuel_eighths,
        )  # fmt: skip
        current.status, current.odometer_km = LoanerStatus.OUT, odometer_km
        current.fuel_eighths = fuel_eighths
        current.save(update_fields=["status", "odometer_km", "fuel_eighths"])
        _event(
            "transport.loaner_out", reservation, reservation.site, actor,
            car=current.plate, odometer_km=odometer_km, fuel_eighths=fuel_eighths,
        )  # fmt: skip
    car.refresh_from_db()
    return trip


def return_loaner(
    trip: LoanerTrip,
    *,
    odometer_km: int,
    fuel_eighths: int,
    actor: User | None = None,
    at: dt.datetime | None = None,
) -> LoanerTrip:
    """The car is back. An odometer lower than when it left is refused on `odometer_km`."""
    _validate_odometer(odometer_km)
    _validate_fuel(fuel_eighths, "fuel_eighths")
    at = at or timezone.now()
    with transaction.atomic():
        current = LoanerTrip.objects.select_for_update().select_related("car").get(pk=trip.pk)
        if not current.is_out:
            raise ValidationError({"trip": _("This loaner is already back.")})
        if odometer_km < current.out_odometer_km:
            raise ValidationError(
                {"odometer_km": _("Lower than when the car left (%(km)d km).")
                 % {"km": current.out_odometer_km}}
            )  # fmt: skip
        if at < current.out_at:
            raise ValidationError({"at": _("Before the car was handed over.")})
        current.in_at, current.in_odometer_km = at, odometer_km
        current.in_fuel_eighths = fuel_eighths
        current.save(update_fields=["in_at", "in_odometer_km", "in_fuel_eighths"])
        car = current.car
        car.status, car.odometer_km, car.fuel_eighths = (
            LoanerStatus.AVAILABLE, odometer_km, fuel_eighths,
        )  # fmt: skip
        car.save(update_fields=["status", "odometer_km", "fuel_eighths"])
        _event(
            "transport.loaner_in", current.reservation, car.site, actor,
            car=car.plate, odometer_km=odometer_km, fuel_eighths=fuel_eighths,
            distance_km=odometer_km - current.out_odometer_km,
        )  # fmt: skip
    return current


# --- requests that could not be met -----------------------------------------------------


def close_unmet(
    unmet: UnmetTransport,
    *,
    status: str,
    note: str = "",
    actor: User | None = None,
    reservation: Reservation | None = None,
) -> UnmetTransport:
    """Arranged or declined: the INFO-TRANSPORT clock is met (someone dealt with it).
    Withdrawn (the booking is gone): the clock is cancelled. A closed request is refused."""
    if status not in (UnmetStatus.ARRANGED, UnmetStatus.DECLINED, UnmetStatus.WITHDRAWN):
        raise ValidationError({"status": _("Choose arranged, declined or withdrawn.")})
    if status != UnmetStatus.WITHDRAWN and not note.strip() and reservation is None:
        raise ValidationError({"note": _("Say what was arranged or what the customer said.")})
    now = timezone.now()
    with transaction.atomic():
        current = UnmetTransport.objects.select_for_update().get(pk=unmet.pk)
        if not current.is_open:
            raise ValidationError({"status": _("This request is already dealt with.")})
        current.status, current.resolved_at, current.resolved_by = status, now, actor
        current.resolution, current.reservation = note.strip()[:300], reservation
        current.save(
            update_fields=["status", "resolved_at", "resolved_by", "resolution", "reservation"]
        )
        for clock in clocks.open_clocks_for(current).filter(standard_id=INFO_TRANSPORT):
            if status == UnmetStatus.WITHDRAWN:
                clocks.cancel_clock(clock, at=now, reason="withdrawn", actor=actor)
            else:
                clocks.satisfy_clock(clock, at=now, actor=actor, reason=status)
        _event(f"transport.unmet_{status}", current, current.site, actor, note=note)
    unmet.refresh_from_db()
    return current


def accept_alternative(unmet: UnmetTransport, *, actor: User | None = None) -> Outcome:
    """The customer takes the alternative offered: reserve it and close the request as
    arranged. If the alternative has gone meanwhile, the new request `reserve` recorded
    (with the next alternative and its own clock) replaces this one, which is withdrawn."""
    if not unmet.is_open:
        raise ValidationError({"status": _("This request is already dealt with.")})
    if unmet.offered_option is None or unmet.offered_day is None:
        raise ValidationError({"offered_option": _("No alternative was free to offer.")})
    with transaction.atomic():
        outcome = reserve(
            unmet.site, unmet.offered_option, unmet.offered_day, online=unmet.online,
            customer=unmet.customer, booking_ref=unmet.booking_ref, actor=actor,
        )  # fmt: skip
        if outcome.reservation is not None:
            close_unmet(
                unmet, status=UnmetStatus.ARRANGED, actor=actor,
                reservation=outcome.reservation, note=_("Alternative accepted."),
            )  # fmt: skip
        elif outcome.unmet is not None:
            close_unmet(
                unmet, status=UnmetStatus.WITHDRAWN, actor=actor,
                note=_("Alternative gone; see request %(id)d.") % {"id": outcome.unmet.pk},
            )  # fmt: skip
    return outcome

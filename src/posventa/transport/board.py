"""The transport desk's page for one site and day (read side): what is free, who has a
reservation, which loaners go out and come back, the shuttle runs with their passengers,
and the requests nobody could meet. A fixed number of queries whatever the day holds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from posventa.core.models import Site
from posventa.transport import availability
from posventa.transport.availability import OptionAvailability
from posventa.transport.models import (
    LoanerCar,
    LoanerStatus,
    LoanerTrip,
    Reservation,
    ReservationStatus,
    ShuttleRun,
    TransportKind,
    UnmetStatus,
    UnmetTransport,
)


@dataclass(frozen=True)
class RunPassengers:
    run: ShuttleRun
    passengers: list[Reservation]


@dataclass(frozen=True)
class Board:
    site: Site
    day: dt.date
    staff: list[OptionAvailability]
    online: list[OptionAvailability]
    reservations: list[Reservation]
    trips_out: list[LoanerTrip]
    trips_in: list[LoanerTrip]
    cars_free: list[LoanerCar]
    runs: list[RunPassengers]
    unmet: list[UnmetTransport]


def _reservations(site: Site, day: dt.date) -> QuerySet[Reservation]:
    return (
        Reservation.objects.filter(site=site, day=day, status=ReservationStatus.HELD)
        .select_related("option", "customer", "run", "trip__car")
        .order_by("option__kind", "option__name", "run__departs_at", "created_at", "pk")
    )


def build_board(site: Site, day: dt.date, *, start: dt.datetime, end: dt.datetime) -> Board:
    """`start`/`end`: the day's bounds as instants in the site's zone (loaners out and in
    are counted by when they actually went and came)."""
    options = availability.offered(site)
    reservations = list(_reservations(site, day))
    trips = list(
        LoanerTrip.objects.filter(reservation__site=site)
        .filter(Q(out_at__gte=start, out_at__lt=end) | Q(in_at__gte=start, in_at__lt=end))
        .select_related("car", "reservation__customer")
        .order_by("out_at", "pk")
    )
    runs = [
        RunPassengers(run, [r for r in reservations if r.run_id == run.pk])
        for run in ShuttleRun.objects.filter(
            option__site=site, option__kind=TransportKind.SHUTTLE, active=True
        ).order_by("departs_at", "pk")
    ]
    unmet = (
        UnmetTransport.objects.filter(site=site)
        .filter(Q(status=UnmetStatus.OPEN) | Q(day=day))
        .select_related("customer", "option", "offered_option")
        .order_by("day", "created_at", "pk")
    )
    return Board(
        site=site,
        day=day,
        staff=availability.describe(options, day, online=False, site=site),
        online=availability.describe(options, day, online=True, site=site),
        reservations=reservations,
        trips_out=[trip for trip in trips if start <= trip.out_at < end],
        trips_in=[trip for trip in trips if trip.in_at is not None and start <= trip.in_at < end],
        cars_free=list(LoanerCar.objects.filter(site=site, status=LoanerStatus.AVAILABLE)),
        runs=runs,
        unmet=list(unmet),
    )

"""What transport is still free: the read side of the reservation API (INFO-TRANSPORT).

The stable API for the booking flow (the workshop's appointments call it; keep these
signatures, add keyword arguments only):

    options_on(site, day, *, online) -> list[OptionAvailability]
        Every offered option of the site on that day, with what is still free for this kind
        of booking: the online share for `online=True`, the rest of the total for staff.
        A loaner option never shows more than the loaner cars in service left that day;
        a shuttle also lists its runs with their free seats.
    alternative_for(site, option, day, *, online) -> Alternative | None
        What to offer when `option` is full: another option free that day, else the nearest
        day (from tomorrow-at-the-earliest-the-wanted-day, up to SEARCH_DAYS away) on which
        the wanted option is free. None when nothing is free anywhere in that window.

`transport.actions.reserve(...)` and `release(...)` take and give back units; they count
with the same functions under a row lock, so what this module shows is what `reserve`
grants unless someone books in between.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count

from posventa.core.models import Site
from posventa.transport.models import (
    LoanerCar,
    LoanerStatus,
    Reservation,
    ReservationStatus,
    ShuttleRun,
    TransportKind,
    TransportOption,
)

# How far from the wanted day an alternative day is looked for, either way.
SEARCH_DAYS = 14


@dataclass(frozen=True)
class RunAvailability:
    run: ShuttleRun
    seats: int
    taken: int

    @property
    def free(self) -> int:
        return max(self.seats - self.taken, 0)


@dataclass(frozen=True)
class OptionAvailability:
    option: TransportOption
    # The units this kind of booking (online or staff) may take, and how many it took.
    pool: int
    taken: int
    # Other limits: loaner cars left (loaners), seats left on the runs (shuttle); None if none.
    limit: int | None = None
    runs: list[RunAvailability] = field(default_factory=list)

    @property
    def free(self) -> int:
        left = max(self.pool - self.taken, 0)
        return left if self.limit is None else min(left, max(self.limit, 0))


@dataclass(frozen=True)
class Alternative:
    option: TransportOption
    day: dt.date


def pool_size(option: TransportOption, *, online: bool) -> int:
    """The units held for this kind of booking (see TransportOption)."""
    return option.online_share if online else option.daily_total - option.online_share


@dataclass
class QueryCounts:
    by_pool: Counter[tuple[int, bool]] = field(default_factory=Counter)
    by_option: Counter[int] = field(default_factory=Counter)
    by_run: Counter[int] = field(default_factory=Counter)


def held(option_ids: Iterable[int], day: dt.date) -> QueryCounts:
    """Held reservations per option on `day`, split by online/staff, and per shuttle run."""
    rows = (
        Reservation.objects.filter(
            option_id__in=list(option_ids), day=day, status=ReservationStatus.HELD
        )
        .values("option_id", "online", "run_id")
        .annotate(n=Count("pk"))
    )
    counts = QueryCounts()
    for row in rows:
        counts.by_pool[(row["option_id"], row["online"])] += row["n"]
        counts.by_option[row["option_id"]] += row["n"]
        if row["run_id"] is not None:
            counts.by_run[row["run_id"]] += row["n"]
    return counts


def loaners_in_service(site: Site) -> int:
    return LoanerCar.objects.filter(site=site).exclude(status=LoanerStatus.OUT_OF_SERVICE).count()


def loaners_held(site: Site, day: dt.date) -> int:
    """Loaner reservations held on `day` over all the site's loaner options: they share
    the cars."""
    return Reservation.objects.filter(
        option__site=site, option__kind=TransportKind.LOANER, day=day,
        status=ReservationStatus.HELD,
    ).count()  # fmt: skip


def describe(
    options: list[TransportOption], day: dt.date, *, online: bool, site: Site
) -> list[OptionAvailability]:
    """Availability of `options` (all of one site) on `day`: at most five queries."""
    counts = held([option.pk for option in options], day)
    runs_by_option: dict[int, list[ShuttleRun]] = {}
    for run in ShuttleRun.objects.filter(option__in=options, active=True).order_by("departs_at"):
        runs_by_option.setdefault(run.option_id, []).append(run)
    cars = loaners_taken = 0
    if any(option.kind == TransportKind.LOANER for option in options):
        cars, loaners_taken = loaners_in_service(site), loaners_held(site, day)
    result = []
    for option in options:
        runs = [
            RunAvailability(run, run.seats, counts.by_run[run.pk])
            for run in runs_by_option.get(option.pk, [])
        ]
        limit: int | None = None
        if option.kind == TransportKind.LOANER:
            limit = cars - loaners_taken
        elif option.kind == TransportKind.SHUTTLE:
            limit = sum(run.free for run in runs)
        result.append(
            OptionAvailability(
                option,
                pool=pool_size(option, online=online),
                taken=counts.by_pool[(option.pk, online)],
                limit=limit,
                runs=runs,
            )
        )
    return result


def offered(site: Site) -> list[TransportOption]:
    return list(
        TransportOption.objects.filter(site=site, active=True).order_by("kind", "name", "pk")
    )


def options_on(site: Site, day: dt.date, *, online: bool) -> list[OptionAvailability]:
    """See the module docstring."""
    return describe(offered(site), day, online=online, site=site)


def free_units(option: TransportOption, day: dt.date, *, online: bool) -> int:
    """What is left of one option on one day for this kind of booking."""
    return describe([option], day, online=online, site=option.site)[0].free


def alternative_for(
    site: Site, option: TransportOption, day: dt.date, *, online: bool, today: dt.date | None = None
) -> Alternative | None:
    """See the module docstring. `today` (the site's) bounds the search: never a past day."""
    for other in options_on(site, day, online=online):
        if other.option.pk != option.pk and other.free > 0:
            return Alternative(other.option, day)
    earliest = today or day
    for distance in range(1, SEARCH_DAYS + 1):
        for candidate in (day + dt.timedelta(days=distance), day - dt.timedelta(days=distance)):
            if candidate < earliest:
                continue
            if free_units(option, candidate, online=online) > 0:
                return Alternative(option, candidate)
    return None

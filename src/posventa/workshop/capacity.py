"""Loads what the slot search reads for a site and a range of local days, in a fixed
number of queries whatever the number of technicians, bays, days and appointments:
the policy, the technicians (role, certifications), their working windows (core.staffing:
shifts, absences, the site's closures), the bays, and the appointments of the range.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from posventa.core.access import users_with_role
from posventa.core.calendars import calendar_for_site
from posventa.core.models import Certification, Role, Site
from posventa.core.staffing import working_windows
from posventa.workshop import slots
from posventa.workshop.models import (
    HOLDING,
    Appointment,
    AppointmentType,
    BookingPolicy,
    ServiceBay,
)


def policy_of(site: Site) -> BookingPolicy:
    """The site's policy, or the defaults (unsaved) when it never set one."""
    found = BookingPolicy.objects.filter(site=site).first()
    return found if found is not None else BookingPolicy(site=site)


def types_for(site: Site, *, online_only: bool = False) -> list[AppointmentType]:
    """The active types offered at the site: its own, and the group's it does not replace."""
    rows = AppointmentType.objects.filter(
        Q(site=site) | Q(site__isnull=True), organisation_id=site.organisation_id, active=True
    )
    if online_only:
        rows = rows.filter(online=True)
    chosen: dict[str, AppointmentType] = {}
    for row in rows.order_by("site_id", "name"):  # NULL (group) sorts apart from the site's
        if row.code not in chosen or row.site_id is not None:
            chosen[row.code] = row
    return sorted(chosen.values(), key=lambda row: row.display_name())


def need_for(types: Sequence[AppointmentType], *, online: bool) -> slots.Need:
    return slots.Need(
        minutes=sum(row.duration_minutes for row in types),
        skills=frozenset(row.skill for row in types if row.skill),
        needs_bay=any(row.needs_bay for row in types),
        type_ids=frozenset(row.pk for row in types),
        online=online,
    )


def rules_for(
    policy: BookingPolicy,
    types: Iterable[AppointmentType],
    *,
    online: bool,
    now: dt.datetime | None = None,
) -> slots.Rules:
    now = now or timezone.now()
    notice = dt.timedelta(minutes=policy.min_notice_minutes) if online else dt.timedelta(0)
    return slots.Rules(
        step=dt.timedelta(minutes=policy.slot_minutes),
        earliest=now + notice,
        daily_limit=policy.daily_limit,
        type_limits={row.pk: row.daily_limit for row in types if row.daily_limit is not None},
        online_share=policy.online_share_percent / 100,
    )


def technicians(site: Site) -> QuerySet:  # type: ignore[type-arg]
    return users_with_role(site, Role.TECHNICIAN)


@dataclass(frozen=True)
class Loaded:
    capacity: slots.Capacity
    days: list[dt.date]


def day_range(first_day: dt.date, last_day: dt.date) -> list[dt.date]:
    return [first_day + dt.timedelta(days=n) for n in range((last_day - first_day).days + 1)]


def load(
    site: Site,
    first_day: dt.date,
    last_day: dt.date,
    *,
    exclude: Appointment | None = None,
) -> Loaded:
    """The capacity of the site's local days first_day..last_day. `exclude` leaves one
    appointment out (it is being moved, so its own time counts as free)."""
    calendar = calendar_for_site(site)
    days = day_range(first_day, last_day)
    tech_ids = list(technicians(site).values_list("pk", flat=True))
    windows = working_windows(site, tech_ids, first_day, last_day)
    low = dt.datetime.combine(first_day, dt.time.min, tzinfo=calendar.timezone)
    high = dt.datetime.combine(
        last_day + dt.timedelta(days=1), dt.time.min, tzinfo=calendar.timezone
    )
    capacity = slots.Capacity(
        timezone=calendar.timezone,
        opening={day: list(calendar.intervals_on(day)) for day in days},
        working=windows,
        skills=_skills(tech_ids, first_day),
        bays=list(ServiceBay.objects.filter(site=site, active=True).values_list("pk", flat=True)),
        bookings=_bookings(site, low, high, exclude),
    )
    return Loaded(capacity, days)


def _skills(tech_ids: Sequence[int], on: dt.date) -> dict[int, frozenset[str]]:
    held: dict[int, set[str]] = {tech: set() for tech in tech_ids}
    rows = Certification.objects.filter(user_id__in=tech_ids).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=on)
    )
    for user_id, code in rows.values_list("user_id", "code"):
        held[user_id].add(code)
    return {tech: frozenset(codes) for tech, codes in held.items()}


def _bookings(
    site: Site, low: dt.datetime, high: dt.datetime, exclude: Appointment | None
) -> list[slots.Booking]:
    rows = Appointment.objects.filter(
        site=site, status__in=HOLDING, starts_at__lt=high, ends_at__gt=low
    )
    if exclude is not None:
        rows = rows.exclude(pk=exclude.pk)
    facts = list(
        rows.values_list("pk", "technician_id", "bay_id", "starts_at", "ends_at", "booked_via")
    )
    types: dict[int, set[int]] = defaultdict(set)
    through = Appointment.types.through.objects.filter(appointment_id__in=[row[0] for row in facts])
    for appointment_id, type_id in through.values_list("appointment_id", "appointmenttype_id"):
        types[appointment_id].add(type_id)
    return [
        slots.Booking(
            technician_id=tech,
            bay_id=bay,
            start=start,
            end=end,
            online=via == "online",
            type_ids=frozenset(types.get(pk, ())),
        )
        for pk, tech, bay, start, end, via in facts
    ]

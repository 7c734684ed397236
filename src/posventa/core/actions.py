"""State changes for organisations, sites and staff. Views, the API and the CLI call these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext

from posventa.businesstime import BusinessCalendar, CalendarError, WeeklyInterval
from posventa.core.calendars import calendar_error_to_validation, validate_holiday_region
from posventa.core.events import record_event
from posventa.core.models import (
    Absence,
    Certification,
    Competitor,
    CompetitorHours,
    HolidayOverride,
    Membership,
    OpeningInterval,
    Organisation,
    ShiftInterval,
    Site,
    SiteClosure,
    User,
    Weekday,
)
from posventa.core.signals import site_calendar_changed
from posventa.core.validators import validate_country_code, validate_timezone_name

IntervalSpec = tuple[int, dt.time, dt.time | None]


def create_organisation(name: str, slug: str, *, actor: User | None = None) -> Organisation:
    with transaction.atomic():
        organisation = Organisation.objects.create(name=name, slug=slug)
        record_event(
            "organisation.created",
            subject=organisation,
            organisation=organisation,
            actor=actor,
            summary=name,
        )
    return organisation


def create_site(
    organisation: Organisation,
    *,
    name: str,
    slug: str,
    timezone: str,
    country: str,
    subdivision: str = "",
    intervals: Sequence[IntervalSpec] = (),
    actor: User | None = None,
    **details: str,
) -> Site:
    """Create a site with its weekly hours. Bad timezone, region or hours name the field."""
    _validate_site_fields(timezone, country, subdivision)
    validate_intervals(timezone, intervals)
    with transaction.atomic():
        site = Site.objects.create(
            organisation=organisation,
            name=name,
            slug=slug,
            timezone=timezone,
            country=country.upper(),
            subdivision=subdivision,
            **details,
        )
        _replace_intervals(site, intervals)
        record_event(
            "site.created",
            subject=site,
            site=site,
            actor=actor,
            summary=name,
            data={"timezone": timezone, "country": country},
        )
    return site


def _validate_site_fields(timezone: str, country: str, subdivision: str) -> None:
    errors: dict[str, list[ValidationError]] = {}
    for field, validator, value in (
        ("timezone", validate_timezone_name, timezone),
        ("country", validate_country_code, country),
    ):
        try:
            validator(value)
        except ValidationError as error:
            errors[field] = [error]
    if errors:
        raise ValidationError(errors)
    if subdivision:
        validate_holiday_region(country, subdivision)


def validate_intervals(timezone: str, intervals: Iterable[IntervalSpec]) -> None:
    """Refuse overlapping or inverted intervals with a message naming the field."""
    try:
        BusinessCalendar(
            timezone=timezone,
            intervals=[WeeklyInterval(day, start, end) for day, start, end in intervals],
        )
    except CalendarError as error:
        raise calendar_error_to_validation(error) from error


def set_opening_hours(
    site: Site, intervals: Sequence[IntervalSpec], *, actor: User | None = None
) -> Site:
    """Replace a site's weekly hours; open clocks are re-planned from their history."""
    validate_intervals(site.timezone, intervals)
    with transaction.atomic():
        _replace_intervals(site, intervals)
        bump_calendar_version(site)
        record_event(
            "site.hours_changed",
            subject=site,
            site=site,
            actor=actor,
            data={
                "intervals": [
                    [d, s.isoformat(), e.isoformat() if e else None] for d, s, e in intervals
                ]
            },
        )
    return site


def _replace_intervals(site: Site, intervals: Iterable[IntervalSpec]) -> None:
    site.opening_intervals.all().delete()
    OpeningInterval.objects.bulk_create(
        OpeningInterval(site=site, weekday=day, start=start, end=end)
        for day, start, end in intervals
    )


def add_closure(
    site: Site,
    start_date: dt.date,
    end_date: dt.date,
    reason: str = "",
    *,
    actor: User | None = None,
) -> SiteClosure:
    if end_date < start_date:
        raise ValidationError({"end_date": "The last day is before the first day."})
    with transaction.atomic():
        closure = SiteClosure.objects.create(
            site=site, start_date=start_date, end_date=end_date, reason=reason
        )
        bump_calendar_version(site)
        record_event(
            "site.closure_added",
            subject=site,
            site=site,
            actor=actor,
            summary=reason,
            data={"start": str(start_date), "end": str(end_date)},
        )
    return closure


def open_on_holiday(
    site: Site, date: dt.date, note: str = "", *, actor: User | None = None
) -> HolidayOverride:
    with transaction.atomic():
        override, _ = HolidayOverride.objects.get_or_create(
            site=site, date=date, defaults={"note": note}
        )
        bump_calendar_version(site)
        record_event(
            "site.holiday_override", subject=site, site=site, actor=actor, data={"date": str(date)}
        )
    return override


def bump_calendar_version(site: Site) -> None:
    """Invalidate cached calendars and announce the change (in the same transaction), so
    the clocks app re-plans the site's open clocks before it commits."""
    Site.objects.filter(pk=site.pk).update(calendar_version=F("calendar_version") + 1)
    site.refresh_from_db(fields=["calendar_version"])
    site_calendar_changed.send(sender=Site, site=site)


def grant_role(
    user: User,
    organisation: Organisation,
    role: str,
    site: Site | None = None,
    *,
    actor: User | None = None,
) -> Membership:
    if site is not None and site.organisation_id != organisation.pk:
        raise ValidationError({"site": "The site belongs to another organisation."})
    with transaction.atomic():
        membership, _ = Membership.objects.get_or_create(
            user=user, organisation=organisation, site=site, role=role
        )
        record_event(
            "staff.role_granted",
            subject=user,
            site=site,
            organisation=organisation,
            actor=actor,
            data={"role": role, "user": user.username},
        )
    return membership


def certify(
    user: User,
    code: str,
    name: str,
    valid_until: dt.date | None = None,
    *,
    actor: User | None = None,
) -> Certification:
    with transaction.atomic():
        certification, _ = Certification.objects.update_or_create(
            user=user, code=code, defaults={"name": name, "valid_until": valid_until}
        )
        record_event(
            "staff.certified", subject=user, actor=actor, data={"code": code, "user": user.username}
        )
    return certification


def set_working_hours(
    user: User, site: Site, intervals: Sequence[IntervalSpec], *, actor: User | None = None
) -> None:
    """Replace someone's weekly hours at a site; an empty week means the site's own hours."""
    validate_intervals(site.timezone, intervals)
    with transaction.atomic():
        ShiftInterval.objects.filter(user=user, site=site).delete()
        ShiftInterval.objects.bulk_create(
            ShiftInterval(user=user, site=site, weekday=day, start=start, end=end)
            for day, start, end in intervals
        )
        record_event(
            "staff.hours_changed",
            subject=user,
            site=site,
            actor=actor,
            data={
                "user": user.username,
                "intervals": [
                    [d, s.isoformat(), e.isoformat() if e else None] for d, s, e in intervals
                ],
            },
        )


def record_absence(
    user: User,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    reason: str = "",
    *,
    actor: User | None = None,
) -> Absence:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValidationError({"starts_at": gettext("Give the time with its zone.")})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": gettext("The absence must end after it starts.")})
    with transaction.atomic():
        absence = Absence.objects.create(
            user=user, starts_at=starts_at, ends_at=ends_at, reason=reason
        )
        record_event(
            "staff.absence_recorded",
            subject=user,
            actor=actor,
            data={
                "user": user.username,
                "from": starts_at.isoformat(),
                "until": ends_at.isoformat(),
                "reason": reason,
            },
        )
    return absence


def cancel_absence(absence: Absence, *, actor: User | None = None) -> None:
    with transaction.atomic():
        record_event(
            "staff.absence_cancelled",
            subject=absence.user,
            actor=actor,
            data={"user": absence.user.username, "from": absence.starts_at.isoformat()},
        )
        absence.delete()


# --- competitors' hours (INFO-HOURS) -----------------------------------------------------


def _competitor_fields(site: Site, name: str, intervals: Sequence[IntervalSpec]) -> str:
    name = name.strip()
    if not name:
        raise ValidationError({"name": gettext("Give the competitor's name.")})
    for day, start, end in intervals:
        if end is not None and end <= start:
            raise ValidationError(
                {"hours": gettext("%(day)s: closes before it opens.")
                 % {"day": Weekday(day).label}}
            )  # fmt: skip
    validate_intervals(site.timezone, intervals)
    return name


def _replace_competitor_hours(competitor: Competitor, intervals: Iterable[IntervalSpec]) -> None:
    competitor.hours.all().delete()
    CompetitorHours.objects.bulk_create(
        CompetitorHours(competitor=competitor, weekday=day, start=start, end=end)
        for day, start, end in intervals
    )


def _hours_data(intervals: Sequence[IntervalSpec]) -> list[list[object]]:
    return [[d, s.isoformat(), e.isoformat() if e else None] for d, s, e in intervals]


def add_competitor(
    site: Site, *, name: str, intervals: Sequence[IntervalSpec], actor: User | None = None
) -> Competitor:
    """A local competitor and its weekly hours (site's local time). A name the site already
    uses is refused on `name`; a day that closes before it opens on `hours`."""
    name = _competitor_fields(site, name, intervals)
    if Competitor.objects.filter(site=site, name=name).exists():
        raise ValidationError({"name": gettext("This competitor is already listed.")})
    with transaction.atomic():
        competitor = Competitor.objects.create(site=site, name=name)
        _replace_competitor_hours(competitor, intervals)
        record_event(
            "competitor.added", subject=competitor, site=site, actor=actor, summary=name,
            data={"intervals": _hours_data(intervals)},
        )  # fmt: skip
    return competitor


def change_competitor(
    competitor: Competitor,
    *,
    name: str,
    intervals: Sequence[IntervalSpec],
    actor: User | None = None,
) -> Competitor:
    site = competitor.site
    name = _competitor_fields(site, name, intervals)
    if Competitor.objects.filter(site=site, name=name).exclude(pk=competitor.pk).exists():
        raise ValidationError({"name": gettext("This competitor is already listed.")})
    with transaction.atomic():
        competitor.name = name
        competitor.save(update_fields=["name"])
        _replace_competitor_hours(competitor, intervals)
        record_event(
            "competitor.changed", subject=competitor, site=site, actor=actor, summary=name,
            data={"intervals": _hours_data(intervals)},
        )  # fmt: skip
    return competitor


def remove_competitor(competitor: Competitor, *, actor: User | None = None) -> None:
    with transaction.atomic():
        record_event(
            "competitor.removed", subject=competitor.site, site=competitor.site, actor=actor,
            summary=competitor.name,
        )  # fmt: skip
        competitor.delete()

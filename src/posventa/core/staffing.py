"""Who works when: a staff member's working windows at a site, and whether they are on duty.

Routing (a new case goes to an agent on duty) and workshop capacity (a technician's bookable
time) both ask this. A person's week is their shift intervals at the site, or the site's
opening hours when they have none; public holidays and closures of the site apply to them
too (the same business calendar arithmetic, with their hours in place of the site's), and
absences are cut out of whatever is left.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from posventa.businesstime import BusinessCalendar, WeeklyInterval
from posventa.core.calendars import calendar_for_site, calendars_with_hours
from posventa.core.models import Absence, ShiftInterval, Site, User

Window = tuple[dt.datetime, dt.datetime]  # UTC instants, start < end
# user id -> local date -> that day's working windows, in order
WorkingWindows = dict[int, dict[dt.date, list[Window]]]


def working_windows(
    site: Site, user_ids: Iterable[int], first_day: dt.date, last_day: dt.date
) -> WorkingWindows:
    """Each user's working windows at the site on each local day of the range, absences cut.

    The same few queries whatever the number of users and days (shifts, absences, and the
    site's closures once); a day with no window is absent from a user's mapping.
    """
    ids = sorted(set(user_ids))
    if not ids or last_day < first_day:
        return {user_id: {} for user_id in ids}
    calendars = _calendars_by_user(site, ids)
    tz = calendar_for_site(site).timezone
    low = dt.datetime.combine(first_day, dt.time.min, tzinfo=tz)
    high = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    absences = _absences_by_user(ids, low, high)
    days = [first_day + dt.timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    result: WorkingWindows = {}
    for user_id in ids:
        calendar = calendars[user_id]
        per_day: dict[dt.date, list[Window]] = {}
        for day in days:
            windows = _cut(list(calendar.intervals_on(day)), absences.get(user_id, ()))
            if windows:
                per_day[day] = windows
        result[user_id] = per_day
    return result


def on_duty(user: User, site: Site, at: dt.datetime) -> bool:
    """Whether `user` works at `site` at the instant `at` (aware) by hours and absences."""
    tz = calendar_for_site(site).timezone
    local_day = at.astimezone(tz).date()
    # A night shift that began yesterday may still be running.
    windows = working_windows(site, [user.pk], local_day - dt.timedelta(days=1), local_day)
    return any(start <= at < end for day in windows[user.pk].values() for start, end in day)


def _calendars_by_user(site: Site, user_ids: Sequence[int]) -> dict[int, BusinessCalendar]:
    shifts: dict[int, list[WeeklyInterval]] = defaultdict(list)
    rows = ShiftInterval.objects.filter(site=site, user_id__in=user_ids).values_list(
        "user_id", "weekday", "start", "end"
    )
    for user_id, weekday, start, end in rows:
        shifts[user_id].append(WeeklyInterval(weekday, start, end))
    site_calendar = calendar_for_site(site)
    own = calendars_with_hours(site, shifts) if shifts else {}
    return {user_id: own.get(user_id, site_calendar) for user_id in user_ids}


def _absences_by_user(
    user_ids: Sequence[int], low: dt.datetime, high: dt.datetime
) -> dict[int, list[Window]]:
    spans: dict[int, list[Window]] = defaultdict(list)
    rows = (
        Absence.objects.filter(user_id__in=user_ids, starts_at__lt=high, ends_at__gt=low)
        .order_by("starts_at")
        .values_list("user_id", "starts_at", "ends_at")
    )
    for user_id, starts_at, ends_at in rows:
        spans[user_id].append((starts_at, ends_at))
    return spans


def _cut(windows: list[Window], absences: Iterable[Window]) -> list[Window]:
    """`windows` minus every absence: a window may shrink, split in two, or vanish."""
    for away_from, away_until in absences:
        kept: list[Window] = []
        for start, end in windows:
            if away_until <= start or away_from >= end:
                kept.append((start, end))
                continue
            if start < away_from:
                kept.append((start, away_from))
            if away_until < end:
                kept.append((away_until, end))
        windows = kept
    return windows

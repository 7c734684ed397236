"""How a clock reads to a person: its target in the unit the standard was set in, and one
state out of met, met late, breached, running, paused (or cancelled).

Targets are stored in business seconds (see clocks.catalogue), so "2 business days" at a
site open 9 hours a day is stored as 64 800 s; shown as "18 business hours" it reads as a
different rule. The standard says which unit it was defined in (`default_target_business_
days`), and the site's business day converts back. The state is one word because a clock
met after its deadline is neither simply "satisfied" nor simply "breached": it was met late.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.utils import timezone
from django.utils.translation import ngettext, pgettext_lazy

from posventa.clocks.catalogue import DAY_24_7, HOUR, site_policies
from posventa.clocks.models import CalendarKind, Clock, ClockState


class ClockStateLabel(NamedTuple):
    key: str  # a CSS hook: met, met-late, breached, running, paused, cancelled
    label: str


STATE_LABELS = {
    "met": pgettext_lazy("one clock", "Met"),
    "met-late": pgettext_lazy("one clock", "Met late"),
    "breached": pgettext_lazy("one clock", "Breached"),
    "running": pgettext_lazy("one clock", "Running"),
    "paused": pgettext_lazy("one clock", "Paused"),
    "cancelled": pgettext_lazy("one clock", "Cancelled"),
}


def clock_state_key(clock: Clock, now: dt.datetime | None = None) -> str:
    """One state per clock. An open clock past its deadline is breached even before the
    sweeper has stamped breached_at; a met clock that had breached was met late."""
    if clock.state == ClockState.SATISFIED:
        late = clock.breached_at is not None or (clock.delta_seconds or 0) > 0
        return "met-late" if late else "met"
    if clock.state == ClockState.CANCELLED:
        return "cancelled"
    now = now or timezone.now()
    overdue = clock.due_at is not None and clock.due_at <= now
    if clock.breached_at is not None or (clock.state == ClockState.RUNNING and overdue):
        return "breached"
    return "paused" if clock.state == ClockState.PAUSED else "running"


def clock_state(clock: Clock, now: dt.datetime | None = None) -> ClockStateLabel:
    key = clock_state_key(clock, now)
    return ClockStateLabel(key, str(STATE_LABELS[key]))


def describe_target(clock: Clock) -> str:
    """The clock's target as its standard states it: days for a day-based standard
    ("2 business days"), hours or minutes otherwise ("1 business hour", "15 min")."""
    seconds = clock.target_seconds
    business = clock.calendar_kind == CalendarKind.BUSINESS
    if clock.standard.default_target_business_days is not None:
        day = site_policies(clock.site).business_day_seconds if business else DAY_24_7
        if day and seconds % day == 0 and seconds:
            return _days(seconds // day, business)
    if seconds and seconds % HOUR == 0:
        return _hours(seconds // HOUR, business)
    minutes = round(seconds / 60)
    if business:
        return ngettext("%(count)d business minute", "%(count)d business minutes", minutes) % {
            "count": minutes
        }
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def _days(count: int, business: bool) -> str:
    if business:
        return ngettext("%(count)d business day", "%(count)d business days", count) % {
            "count": count
        }
    return ngettext("%(count)d day", "%(count)d days", count) % {"count": count}


def _hours(count: int, business: bool) -> str:
    if business:
        return ngettext("%(count)d business hour", "%(count)d business hours", count) % {
            "count": count
        }
    return ngettext("%(count)d hour", "%(count)d hours", count) % {"count": count}

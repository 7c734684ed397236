"""A clock's deadlines, computed purely from its history.

Inputs: when it started, its target, the calendar it runs on, and its pause intervals.
Nothing here reads or writes the database, so the same history always gives the same
answer: after a restart, a calendar edit or a policy change, re-planning is simply
computing again with the new calendar or target.

Business time only runs while the calendar is open *and* the clock is not paused. The
clock's active time is therefore split into segments between pauses, and each segment
spends the calendar's open time inside it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from posventa.businesstime import BusinessCalendar

ZERO = dt.timedelta(0)
ONE_SECOND = dt.timedelta(seconds=1)

# (started_at, ended_at); ended_at None while the pause is still going on.
PauseSpan = tuple[dt.datetime, dt.datetime | None]


@dataclass(frozen=True)
class Schedule:
    """The instants at which each escalation step falls due; None while paused."""

    warn_at: dt.datetime | None
    due_at: dt.datetime | None
    site_manager_at: dt.datetime | None

    def next_action_at(self, escalation_level: int) -> dt.datetime | None:
        """The earliest step not yet taken: warn (level 0), breach (<2), site manager (2)."""
        if escalation_level <= 0:
            return self.warn_at
        if escalation_level == 1:
            return self.due_at
        if escalation_level == 2:
            return self.site_manager_at
        return None

    def step_time(self, level: int) -> dt.datetime | None:
        """When escalation step `level` (1 warn, 2 breach, 3 site manager) falls due."""
        return self.next_action_at(level - 1)


def active_segments(
    started_at: dt.datetime, pauses: Sequence[PauseSpan]
) -> list[tuple[dt.datetime, dt.datetime | None]]:
    """The intervals during which the clock counts; the last one may be open-ended.

    Pauses are taken in order; a pause is clipped to start no earlier than the clock and
    no earlier than the end of the previous pause, so bad history cannot count time twice.
    """
    segments: list[tuple[dt.datetime, dt.datetime | None]] = []
    cursor = started_at
    for pause_start, pause_end in sorted(pauses, key=lambda span: span[0]):
        pause_start = max(pause_start, cursor)
        if pause_start > cursor:
            segments.append((cursor, pause_start))
        if pause_end is None:
            return segments  # still paused: nothing counts from here on
        cursor = max(cursor, pause_end)
    segments.append((cursor, None))
    return segments


def instant_after(
    calendar: BusinessCalendar,
    started_at: dt.datetime,
    pauses: Sequence[PauseSpan],
    amount: dt.timedelta,
) -> dt.datetime | None:
    """When `amount` of business time has counted since the start; None if a pause that is
    still open stops the count first."""
    remaining = amount
    for segment_start, segment_end in active_segments(started_at, pauses):
        if segment_end is None:
            return calendar.add(segment_start, remaining)
        available = calendar.between(segment_start, segment_end)
        if remaining <= available:
            return calendar.add(segment_start, remaining)
        remaining -= available
    return None


def counted_between(
    calendar: BusinessCalendar,
    started_at: dt.datetime,
    pauses: Sequence[PauseSpan],
    until: dt.datetime,
) -> dt.timedelta:
    """Business time counted from the start until `until`, minus the paused time."""
    total = ZERO
    for segment_start, segment_end in active_segments(started_at, pauses):
        if segment_start >= until:
            break
        end = until if segment_end is None or segment_end > until else segment_end
        total += calendar.between(segment_start, end)
    return total


def warn_seconds(target_seconds: int, warn_ratio: Decimal) -> int:
    return int((Decimal(target_seconds) * warn_ratio).to_integral_value(ROUND_HALF_UP))


def plan(
    *,
    calendar: BusinessCalendar,
    started_at: dt.datetime,
    target_seconds: int,
    pauses: Sequence[PauseSpan],
    warn_ratio: Decimal,
    site_manager_after_seconds: int,
) -> Schedule:
    """Every deadline of a clock from its history. While paused every instant is None."""
    if pauses and any(end is None for _, end in pauses):
        return Schedule(None, None, None)
    warn_at = instant_after(
        calendar,
        started_at,
        pauses,
        dt.timedelta(seconds=warn_seconds(target_seconds, warn_ratio)),
    )
    due_at = instant_after(calendar, started_at, pauses, dt.timedelta(seconds=target_seconds))
    # The site manager hears after more business time past the deadline, on the same
    # calendar; pauses after the deadline do not put the breach on hold.
    site_manager_at = (
        calendar.add(due_at, dt.timedelta(seconds=site_manager_after_seconds))
        if due_at is not None
        else None
    )
    return Schedule(warn_at, due_at, site_manager_at)


def whole_seconds(duration: dt.timedelta) -> int:
    """Business durations are stored in whole seconds, rounded down."""
    return duration // ONE_SECOND

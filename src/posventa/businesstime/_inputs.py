"""The inputs of a business calendar: weekly opening hours, site closures, and the error type.

These are plain values: they are validated here as far as each one can be on its own, and
the calendar checks how they fit together (overlaps) when it is built.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MIDNIGHT = dt.time(0)
# Microseconds in a wall-clock day: an interval "until midnight" ends here (24:00).
DAY_US = 24 * 3600 * 1_000_000


class CalendarError(ValueError):
    """A calendar input or argument is unusable; `field` names which one, for form errors."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


def _clock_us(value: dt.time) -> int:
    """Microseconds since local midnight: integers keep overlap checks exact."""
    return ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond


def _check_wall_time(value: object, what: str) -> dt.time:
    if not isinstance(value, dt.time):
        raise CalendarError(f"The {what} time must be a datetime.time.", field="intervals")
    # An offset on the time would contradict the calendar's own time zone.
    if value.tzinfo is not None:
        raise CalendarError(
            f"The {what} time {value.isoformat()} must be a wall-clock time without a zone.",
            field="intervals",
        )
    return value


@dataclass(frozen=True, slots=True)
class WeeklyInterval:
    """Open from `start` to `end` local wall-clock time on `weekday` (0 = Monday).

    `end` of None, or 00:00 after a later start, means "until midnight" (24:00): the
    interval then ends where the next day's 00:00 interval, if any, begins.
    """

    weekday: int
    start: dt.time
    end: dt.time | None = None

    def __post_init__(self) -> None:
        if isinstance(self.weekday, bool) or not isinstance(self.weekday, int):
            raise CalendarError("The weekday must be an integer 0-6.", field="intervals")
        if not 0 <= self.weekday <= 6:
            raise CalendarError(
                f"The weekday must be 0 (Monday) to 6 (Sunday), not {self.weekday}.",
                field="intervals",
            )
        _check_wall_time(self.start, "opening")
        if self.end is not None:
            _check_wall_time(self.end, "closing")
        if self.end_us <= self.start_us:
            raise CalendarError(
                f"{self.describe()} closes before it opens: the closing time must be later "
                "than the opening time (use 00:00 or no closing time for midnight).",
                field="intervals",
            )

    @property
    def start_us(self) -> int:
        return _clock_us(self.start)

    @property
    def ends_at_midnight(self) -> bool:
        """True when the interval runs to 24:00, i.e. into the next day's 00:00."""
        return self.end is None or (self.end == MIDNIGHT and self.start != MIDNIGHT)

    @property
    def end_us(self) -> int:
        if self.ends_at_midnight:
            return DAY_US
        assert self.end is not None  # ends_at_midnight covers None
        return _clock_us(self.end)

    def describe(self) -> str:
        end = "24:00" if self.ends_at_midnight else _format_time(self.end)
        return f"{WEEKDAY_NAMES[self.weekday]} {_format_time(self.start)}-{end}"


def _format_time(value: dt.time | None) -> str:
    if value is None:
        return "24:00"
    if value.second or value.microsecond:
        return value.isoformat()
    return value.strftime("%H:%M")


@dataclass(frozen=True, slots=True)
class Closure:
    """The site is closed on every local day from `start` to `end`, both included."""

    start: dt.date
    end: dt.date
    reason: str = ""

    def __post_init__(self) -> None:
        for value in (self.start, self.end):
            # A datetime is a date too, but a closure is made of whole local days.
            if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
                raise CalendarError("A closure's days must be datetime.date.", field="closures")
        if self.end < self.start:
            label = f"The closure '{self.reason}'" if self.reason else "The closure"
            raise CalendarError(
                f"{label} ends ({self.end}) before it starts ({self.start}).",
                field="closures",
            )

"""Business-time arithmetic over a site's weekly hours, holidays and closures.

Every local day is turned once into its open intervals as UTC instant pairs (see
`_wallclock` for how wall-clock times map to instants across DST) and cached. All
arithmetic then happens on UTC datetimes and timedeltas, which are integer microseconds:
results are exact, and counting real elapsed time across DST changes comes for free.

Local days partition the timeline: day D covers [D 00:00, D+1 00:00) under the wall-clock
rule, and holds the intervals of D's weekday. Walking day after day therefore visits every
instant once, in order.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Container, Iterable, Iterator, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from posventa.businesstime._inputs import (
    DAY_US,
    MIDNIGHT,
    CalendarError,
    Closure,
    WeeklyInterval,
)
from posventa.businesstime._wallclock import UTC, wall_to_utc

ZERO = dt.timedelta(0)
# A calendar whose opening hours all fall on holidays or closures would otherwise make
# `add` and `next_open` search forever; three years of closed days is surely not a plan.
HORIZON_DAYS = 3 * 366
# Bounds keep memory flat for long-running processes; a day entry is a few hundred bytes.
_MAX_CACHED_DAYS = 16_384
_MAX_CACHED_WEEKS = 4_096
_WEEK = 7
# The last local day whose intervals can be built (building a day needs the next midnight).
_LAST_ORDINAL = dt.date.max.toordinal() - 1
# What clock changes can add to open time, for the bound `add` checks before walking: a
# fold (clocks going back) repeats at most the size of the change. Two folds a year is
# as many as any zone has had (double summer time); today's rules have at most one.
_FOLDS_PER_YEAR = 2
# No zone's offset moves by more than 26 hours (UTC-12 to UTC+14); a few such one-off
# changes (a zone moving its standard offset) are allowed on top.
_MAX_FOLD = dt.timedelta(hours=26)
_ONE_OFF_CHANGES = 4

Pair = tuple[dt.datetime, dt.datetime]
# One weekly opening, ready to place on a date: (opens, days after the date it closes, closes).
_Slot = tuple[dt.time, int, dt.time]


class _Day:
    """One local day: its bounds and open intervals as UTC instants."""

    __slots__ = ("end", "intervals", "start", "total")

    def __init__(self, start: dt.datetime, end: dt.datetime, intervals: tuple[Pair, ...]):
        self.start = start
        self.end = end
        # Sorted, disjoint, non-empty, and merged where they touch.
        self.intervals = intervals
        self.total = sum((closes - opens for opens, closes in intervals), ZERO)


class BusinessCalendar:
    """Open time of one site: weekly hours in its zone, minus holidays and closures.

    A holiday or closure closes the intervals *listed for that local date*: for a night
    shift of 22:00-24:00 plus 00:00-06:00, the eve's 22:00-24:00 stays open and the
    holiday's own 00:00-06:00 and 22:00-24:00 close.

    Instances are immutable from the outside and safe to share between threads: the
    caches hold only values any thread would compute identically, and a full cache is
    dropped whole rather than evicted entry by entry, so no lock is needed.
    """

    def __init__(
        self,
        timezone: str,
        intervals: Iterable[WeeklyInterval],
        holidays: Container[dt.date] = (),
        closures: Iterable[Closure] = (),
    ) -> None:
        self._zone = _load_zone(timezone)
        self._weekly = _weekly_slots(intervals)
        self._holidays = _checked_holidays(holidays)
        self._closure_firsts, self._closure_lasts = _closure_ranges(closures)
        self._never_open = not any(self._weekly)
        # Open time of each weekday and of a week with no holiday, closure or clock change:
        # their wall-clock sums.
        self._day_nominal = tuple(_nominal_day(slots) for slots in self._weekly)
        self._plain_week = sum(self._day_nominal, ZERO)
        self._days: dict[int, _Day] = {}
        self._weeks: dict[int, dt.timedelta] = {}
        self._holiday_years: dict[int, frozenset[dt.date]] = {}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._zone.key}>"

    @property
    def timezone(self) -> ZoneInfo:
        return self._zone

    # -- public arithmetic -------------------------------------------------------------

    def add(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        """The instant at which `duration` of open time has elapsed since `start`, in UTC.

        A zero duration returns `start` itself (in UTC), even when closed: no business time
        has to pass, and this keeps add(add(t, a), b) == add(t, a + b) for every a, b.
        A positive duration that ends exactly at a closing time returns that closing time,
        not the next opening: the work was due by then.
        """
        moment = _as_utc(start, "start")
        _check_duration(duration)
        if not duration:
            return moment
        if self._never_open:
            raise _no_hours_error()
        self._refuse_beyond_max(moment, duration)
        try:
            return self._add(moment, duration)
        except OverflowError as error:
            raise CalendarError(
                "The result lies beyond the supported dates (year 9999).", field="duration"
            ) from error

    def between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Open time in [start, end); negative when end is before start."""
        low = _as_utc(start, "start")
        high = _as_utc(end, "end")
        if high < low:
            return -self._between(high, low)
        return self._between(low, high)

    def next_open(self, t: dt.datetime) -> dt.datetime:
        """`t` (in UTC) if the site is open then, else the start of the next open interval."""
        moment = _as_utc(t, "t")
        if self._never_open:
            raise _no_hours_error()
        ordinal, day = self._locate(moment)
        for opens, closes in day.intervals:
            if closes > moment:
                return opens if opens > moment else moment
        return self._first_opening_from(ordinal + 1)

    def is_open(self, t: dt.datetime) -> bool:
        moment = _as_utc(t, "t")
        _, day = self._locate(moment)
        return any(opens <= moment < closes for opens, closes in day.intervals)

    def intervals_on(self, day: dt.date) -> tuple[Pair, ...]:
        """The open intervals of one local day, as (opens, closes) UTC instants."""
        return self._day(day.toordinal()).intervals

    def _refuse_beyond_max(self, moment: dt.datetime, duration: dt.timedelta) -> None:
        """Refuse at once a duration that cannot elapse before the year 9999 ends.

        The bound is safe (never refuses a result that exists): from the start's local day
        to the last one there are at most `weeks` weeks, none with more open time than its
        wall-clock hours plus what clock changes can add (_MAX_FOLD per fold). Holidays and
        closures only remove time. A duration under the bound but still too long is found
        by walking, which skips plain weeks arithmetically.
        """
        try:
            first = moment.astimezone(self._zone).toordinal()
        except OverflowError as error:
            raise _beyond_max_error() from error
        days_left = max(_LAST_ORDINAL - first + 1, 0)
        weeks = days_left // _WEEK + 2
        if duration <= weeks * self._plain_week:
            return  # every deadline in practice: no need to weigh clock changes
        years = days_left // 365 + 2
        fold = _seasonal_change(self._zone, dt.date.fromordinal(first).year)
        extra = years * _FOLDS_PER_YEAR * fold + _ONE_OFF_CHANGES * _MAX_FOLD
        if duration > weeks * self._plain_week + extra:
            raise _beyond_max_error()

    # -- walking the timeline ----------------------------------------------------------

    def _add(self, moment: dt.datetime, remaining: dt.timedelta) -> dt.datetime:
        ordinal, day = self._locate(moment)
        for opens, closes in day.intervals:
            if closes <= moment:
                continue
            if opens < moment:
                opens = moment
            available = closes - opens
            if remaining <= available:
                return opens + remaining
            remaining -= available
        return self._add_whole_days(ordinal + 1, remaining)

    def _add_whole_days(self, ordinal: int, remaining: dt.timedelta) -> dt.datetime:
        """Spend `remaining` from the start of local day `ordinal` onwards."""
        days = self._days
        last_open = ordinal
        while True:
            # Ordinal 1 (0001-01-01) was a Monday: whole weeks can be skipped from Mondays.
            if ordinal % _WEEK == 1:
                # A week without a clock change is counted by arithmetic alone, without
                # building its days: a duration of centuries then costs microseconds a week.
                week = self._weeks.get(ordinal)
                if week is None:
                    week = self._steady_week_total(ordinal)
                    if week is None:
                        week = self._week_total(ordinal)
                    else:
                        self._remember_week(ordinal, week)
                if remaining > week:
                    remaining -= week
                    ordinal += _WEEK
                    if week:
                        last_open = ordinal
                    elif ordinal - last_open > HORIZON_DAYS:
                        raise _horizon_error(last_open)
                    continue
            day = days.get(ordinal) or self._day(ordinal)
            # Strictly greater: an exact fit must end at the day's last closing time.
            if remaining > day.total:
                remaining -= day.total
                ordinal += 1
                if day.total:
                    last_open = ordinal
                elif ordinal - last_open > HORIZON_DAYS:
                    raise _horizon_error(last_open)
                continue
            return _spend_within(day.intervals, remaining)

    def _between(self, low: dt.datetime, high: dt.datetime) -> dt.timedelta:
        first, first_day = self._locate(low)
        last, last_day = self._locate(high)
        if first == last:
            return _overlap(first_day.intervals, low, high)
        total = _overlap(first_day.intervals, low, first_day.end)
        ordinal = first + 1
        while ordinal < last:
            if ordinal % _WEEK == 1 and ordinal + _WEEK <= last:
                total += self._week_total(ordinal)
                ordinal += _WEEK
            else:
                total += self._day(ordinal).total
                ordinal += 1
        return total + _overlap(last_day.intervals, last_day.start, high)

    def _steady_week_total(self, monday: int) -> dt.timedelta | None:
        """The open time of the week from local day `monday` when no clock change falls
        in it (its wall-clock hours less those of its holidays and closed days), without
        building its days; None for a week with a clock change, which is built day by day.

        A clock change shows as different UTC offsets at two of the week's eight midnights
        (no zone changes its clocks and back within one day)."""
        if not self._skip_steady_weeks or monday + _WEEK > _LAST_ORDINAL:
            return None
        zone = self._zone
        first = dt.date.fromordinal(monday)
        offset = dt.datetime.combine(first, MIDNIGHT, tzinfo=zone).utcoffset()
        for day in range(1, _WEEK + 1):
            midnight = dt.datetime.combine(dt.date.fromordinal(monday + day), MIDNIGHT, zone)
            if midnight.utcoffset() != offset:
                return None
        index = bisect.bisect_right(self._closure_firsts, monday + _WEEK - 1) - 1
        closures_near = index >= 0 and self._closure_lasts[index] >= monday
        holidays = self._holiday_year(first.year)
        last_year = dt.date.fromordinal(monday + _WEEK - 1).year
        if last_year != first.year:
            holidays = holidays | self._holiday_year(last_year)
        total = self._plain_week
        if not (holidays or closures_near):
            return total
        for weekday in range(_WEEK):
            ordinal = monday + weekday
            if dt.date.fromordinal(ordinal) in holidays or (
                closures_near and self._in_closure(ordinal)
            ):
                total -= self._day_nominal[weekday]
        return total

    def _in_closure(self, ordinal: int) -> bool:
        index = bisect.bisect_right(self._closure_firsts, ordinal) - 1
        return index >= 0 and ordinal <= self._closure_lasts[index]

    # Switched off only by the tests, to compare the skip with the day-by-day walk.
    _skip_steady_weeks = True

    def _first_opening_from(self, ordinal: int) -> dt.datetime:
        for offset in range(HORIZON_DAYS + 1):
            day = self._day(ordinal + offset)
            if day.intervals:
                return day.intervals[0][0]
        raise _horizon_error(ordinal)

    def _locate(self, moment: dt.datetime) -> tuple[int, _Day]:
        """The local day (ordinal and entry) whose span holds `moment`."""
        ordinal = moment.astimezone(self._zone).toordinal()
        day = self._days.get(ordinal) or self._day(ordinal)
        # The clock's date and the day spans disagree only inside a fold that crosses
        # midnight, where the repeated minutes belong to the day that follows.
        while moment < day.start:
            ordinal -= 1
            day = self._day(ordinal)
        while moment >= day.end:
            ordinal += 1
            day = self._day(ordinal)
        return ordinal, day

    # -- building and caching days -----------------------------------------------------

    def _day(self, ordinal: int) -> _Day:
        day = self._days.get(ordinal)
        if day is None:
            day = self._build_day(ordinal)
            if len(self._days) >= _MAX_CACHED_DAYS:
                # Dropping everything is crude but thread-safe and rare (45 years of days).
                self._days.clear()
            self._days[ordinal] = day
        return day

    def _week_total(self, monday: int) -> dt.timedelta:
        total = self._weeks.get(monday)
        if total is None:
            total = sum((self._day(monday + i).total for i in range(_WEEK)), ZERO)
            self._remember_week(monday, total)
        return total

    def _remember_week(self, monday: int, total: dt.timedelta) -> None:
        if len(self._weeks) >= _MAX_CACHED_WEEKS:
            self._weeks.clear()
        self._weeks[monday] = total

    def _build_day(self, ordinal: int) -> _Day:
        if not 1 <= ordinal < dt.date.max.toordinal():
            raise OverflowError("date out of range")
        date = dt.date.fromordinal(ordinal)
        next_date = dt.date.fromordinal(ordinal + 1)
        start = wall_to_utc(self._zone, date, MIDNIGHT)
        end = wall_to_utc(self._zone, next_date, MIDNIGHT)
        if self._closed_all_day(date, ordinal):
            return _Day(start, end, ())
        pairs: list[Pair] = []
        for opens_at, closing_offset, closes_at in self._weekly[date.weekday()]:
            opens = wall_to_utc(self._zone, date, opens_at)
            closes = wall_to_utc(self._zone, next_date if closing_offset else date, closes_at)
            _append_merged(pairs, opens, closes)
        return _Day(start, end, tuple(pairs))

    def _closed_all_day(self, date: dt.date, ordinal: int) -> bool:
        return self._in_closure(ordinal) or date in self._holiday_year(date.year)

    def _holiday_year(self, year: int) -> frozenset[dt.date]:
        # Asking a holidays.HolidayBase is slow-ish and may expand years under a lock-free
        # dict; one pass per year into a frozenset makes later checks cheap and read-only.
        found = self._holiday_years.get(year)
        if found is None:
            found = frozenset(_holidays_in_year(self._holidays, year))
            self._holiday_years[year] = found
        return found


class AlwaysOpenCalendar(BusinessCalendar):
    """Open 24/7 (UTC): business time is simply elapsed time.

    A subclass so it can stand wherever a BusinessCalendar is expected.
    """

    def __init__(self) -> None:
        super().__init__("UTC", [WeeklyInterval(day, MIDNIGHT, None) for day in range(_WEEK)])

    def add(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        moment = _as_utc(start, "start")
        _check_duration(duration)
        try:
            return moment + duration
        except OverflowError as error:
            raise CalendarError(
                "The result lies beyond the supported dates (year 9999).", field="duration"
            ) from error

    def between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        return _as_utc(end, "end") - _as_utc(start, "start")

    def next_open(self, t: dt.datetime) -> dt.datetime:
        return _as_utc(t, "t")

    def is_open(self, t: dt.datetime) -> bool:
        _as_utc(t, "t")
        return True


# -- helpers -------------------------------------------------------------------------


def _as_utc(value: object, field: str) -> dt.datetime:
    """`value` as an aware UTC datetime; naive or non-datetime input is refused."""
    if not isinstance(value, dt.datetime):
        raise CalendarError(
            f"'{field}' must be a datetime, not {type(value).__name__}.", field=field
        )
    zone = value.tzinfo
    if zone is UTC:
        return value
    # A naive datetime's meaning depends on the server's zone: guessing would shift deadlines.
    if zone is None or value.utcoffset() is None:
        raise CalendarError(
            f"'{field}' is a naive datetime ({value.isoformat()}); pass a timezone-aware "
            "datetime, e.g. with tzinfo=zoneinfo.ZoneInfo('Europe/Madrid').",
            field=field,
        )
    return value.astimezone(UTC)


def _check_duration(duration: object) -> None:
    if not isinstance(duration, dt.timedelta):
        raise CalendarError("'duration' must be a datetime.timedelta.", field="duration")
    if duration < ZERO:
        raise CalendarError(f"'duration' must not be negative (got {duration}).", field="duration")


def _spend_within(intervals: Sequence[Pair], remaining: dt.timedelta) -> dt.datetime:
    for opens, closes in intervals:
        available = closes - opens
        if remaining <= available:
            return opens + remaining
        remaining -= available
    raise AssertionError("the day's total was checked to cover the remaining time")


def _overlap(intervals: Sequence[Pair], low: dt.datetime, high: dt.datetime) -> dt.timedelta:
    """Open time of `intervals` within [low, high)."""
    total = ZERO
    for opens, closes in intervals:
        if closes <= low:
            continue
        if opens >= high:
            break
        total += (closes if closes < high else high) - (opens if opens > low else low)
    return total


def _append_merged(pairs: list[Pair], opens: dt.datetime, closes: dt.datetime) -> None:
    # Intervals wholly inside a DST gap collapse to nothing; touching ones (e.g. around a
    # gap) merge, so walks take fewer steps.
    if closes <= opens:
        return
    if pairs and pairs[-1][1] >= opens:
        pairs[-1] = (pairs[-1][0], max(pairs[-1][1], closes))
    else:
        pairs.append((opens, closes))


def _checked_holidays(holidays: object) -> Container[dt.date]:
    """The holidays, refusing any listed value that is not a `datetime.date`.

    Text such as "2026-12-25" is never equal to a date, so it used to be ignored without a
    word (and Christmas stayed open). A `datetime` is refused too, although it is a date
    subclass: it never equals the date it falls on either, and a holiday is a whole local
    day, not an instant. Containers that cannot be listed (a holidays.HolidayBase answers
    for any year; a wrapper may only answer `in`) are trusted: they are asked with dates.
    """
    if isinstance(holidays, Iterator):
        holidays = list(holidays)  # a generator would be used up by the first check
    if isinstance(holidays, str | bytes) or not isinstance(holidays, Container):
        raise CalendarError(
            f"Holidays must be a collection of datetime.date, not {type(holidays).__name__}.",
            field="holidays",
        )
    if not isinstance(holidays, list | tuple | set | frozenset):
        return holidays
    for value in holidays:
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            hint = (
                "pass its .date(): a holiday is a whole local day"
                if isinstance(value, dt.datetime)
                else "pass datetime.date values, e.g. datetime.date(2026, 12, 25)"
            )
            raise CalendarError(
                f"Holiday {value!r} is not a datetime.date; {hint}.", field="holidays"
            )
    return frozenset(holidays)


def _seasonal_change(zone: ZoneInfo, year: int) -> dt.timedelta:
    """How far the zone's clocks move with the seasons, from monthly samples of the start's
    year and of 2100 (today's rules, which run to 9999); at least 2 hours for a zone that
    changes at all, to cover a past double summer time. Zero for UTC and fixed zones."""
    offsets = {
        dt.datetime(sample, month, 15, tzinfo=zone).utcoffset()
        for sample in {year, max(year, 2100)}
        for month in range(1, 13)
    }
    known = [offset for offset in offsets if offset is not None]
    if len(known) < 2:
        return ZERO
    return max(max(known) - min(known), dt.timedelta(hours=2))


def _nominal_day(slots: tuple[_Slot, ...]) -> dt.timedelta:
    total = 0
    for opens_at, closing_offset, closes_at in slots:
        closes_us = DAY_US if closing_offset else _clock_us(closes_at)
        total += closes_us - _clock_us(opens_at)
    return dt.timedelta(microseconds=total)


def _clock_us(value: dt.time) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond


def _holidays_in_year(holidays: Container[dt.date], year: int) -> Iterable[dt.date]:
    day = dt.date(year, 1, 1)
    one = dt.timedelta(days=1)
    while day.year == year:
        if day in holidays:
            yield day
        if day == dt.date.max:
            return
        day += one


def _load_zone(name: object) -> ZoneInfo:
    if not isinstance(name, str) or not name:
        raise CalendarError(
            "The time zone must be an IANA name such as 'Europe/Madrid'.", field="timezone"
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise CalendarError(
            f"Unknown time zone '{name}': use an IANA name such as 'Europe/Madrid'.",
            field="timezone",
        ) from error


def _weekly_slots(intervals: Iterable[WeeklyInterval]) -> tuple[tuple[_Slot, ...], ...]:
    """Per weekday, the openings sorted and merged where they touch; overlaps are refused."""
    by_day: list[list[WeeklyInterval]] = [[] for _ in range(_WEEK)]
    for interval in intervals:
        if not isinstance(interval, WeeklyInterval):
            raise CalendarError("Opening hours must be WeeklyInterval values.", field="intervals")
        by_day[interval.weekday].append(interval)
    return tuple(_day_slots(sorted(day, key=_sort_key)) for day in by_day)


def _sort_key(interval: WeeklyInterval) -> tuple[int, int]:
    return interval.start_us, interval.end_us


def _day_slots(intervals: list[WeeklyInterval]) -> tuple[_Slot, ...]:
    spans: list[list[int]] = []
    previous: WeeklyInterval | None = None
    for interval in intervals:
        if previous is not None and previous.end_us > interval.start_us:
            raise CalendarError(
                f"{previous.describe()} overlaps {interval.describe()}: opening intervals of "
                "the same day must not overlap.",
                field="intervals",
            )
        if spans and spans[-1][1] == interval.start_us:
            spans[-1][1] = interval.end_us  # 08:00-13:00 + 13:00-14:00 is 08:00-14:00
        else:
            spans.append([interval.start_us, interval.end_us])
        previous = interval
    return tuple(_slot(start, end) for start, end in spans)


def _slot(start_us: int, end_us: int) -> _Slot:
    if end_us == DAY_US:
        return _time_of(start_us), 1, MIDNIGHT
    return _time_of(start_us), 0, _time_of(end_us)


def _time_of(us: int) -> dt.time:
    seconds, micro = divmod(us, 1_000_000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return dt.time(hour, minute, second, micro)


def _closure_ranges(closures: Iterable[Closure]) -> tuple[list[int], list[int]]:
    """Closures merged into sorted, disjoint ordinal ranges, for a bisect per day."""
    ranges: list[list[int]] = []
    for closure in sorted(_checked_closures(closures), key=lambda c: c.start):
        first, last = closure.start.toordinal(), closure.end.toordinal()
        if ranges and ranges[-1][1] + 1 >= first:
            ranges[-1][1] = max(ranges[-1][1], last)
        else:
            ranges.append([first, last])
    return [first for first, _ in ranges], [last for _, last in ranges]


def _checked_closures(closures: Iterable[Closure]) -> list[Closure]:
    checked = list(closures)
    for closure in checked:
        if not isinstance(closure, Closure):
            raise CalendarError("Closures must be Closure values.", field="closures")
    return checked


def _no_hours_error() -> CalendarError:
    return CalendarError(
        "The calendar has no opening hours at all, so no business time can ever elapse.",
        field="intervals",
    )


def _beyond_max_error() -> CalendarError:
    return CalendarError(
        "The result lies beyond the supported dates (year 9999): the calendar does not have "
        "that much open time left.",
        field="duration",
    )


def _horizon_error(last_open: int) -> CalendarError:
    since = dt.date.fromordinal(min(last_open, dt.date.max.toordinal()))
    return CalendarError(
        f"No open time in the {HORIZON_DAYS} days from {since}: holidays and closures cover "
        "every opening interval, so the calendar gives up rather than search forever.",
        field="intervals",
    )


__all__ = ["HORIZON_DAYS", "AlwaysOpenCalendar", "BusinessCalendar"]

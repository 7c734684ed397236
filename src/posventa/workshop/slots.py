"""The slot search: which start times on which days a need fits, as pure arithmetic.

No database and no Django here (`capacity.py` loads the inputs in a few queries), so the
rules are unit-tested with plain values and the search costs only Python time:

* A start lies in one of the site's opening intervals that day (the customer brings the
  car while someone is there), on the site's grid of start times (every `step` from the
  local midnight), and not before `earliest` (the minimum notice).
* One technician holding every skill the need asks for works the whole length in one of
  their working windows (their hours, the site's holidays and closures, absences cut) and
  has no appointment overlapping it.
* If the need wants a bay, one bay is free the whole length.
* Per day: at most `daily_limit` appointments, at most each type's own limit, and online
  bookings together fill at most `online_share` of the day's technician time.

The technician chosen for a start is the least booked of those who fit, so a day fills
evenly and one person's sickness moves as few appointments as possible.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

Window = tuple[dt.datetime, dt.datetime]  # UTC instants, start < end


@dataclass(frozen=True)
class Need:
    """What one appointment asks for: its length, skills, a bay, which types it counts as."""

    minutes: int
    skills: frozenset[str] = frozenset()
    needs_bay: bool = False
    type_ids: frozenset[int] = frozenset()
    online: bool = False


@dataclass(frozen=True)
class Booking:
    """An existing appointment that holds its technician (and bay)."""

    technician_id: int
    bay_id: int | None
    start: dt.datetime
    end: dt.datetime
    online: bool = False
    type_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Rules:
    step: dt.timedelta = dt.timedelta(minutes=15)
    earliest: dt.datetime | None = None
    daily_limit: int | None = None
    type_limits: Mapping[int, int] = field(default_factory=dict)
    online_share: float = 1.0


@dataclass
class Capacity:
    """Everything the search reads for a range of local days."""

    timezone: ZoneInfo
    opening: dict[dt.date, list[Window]]  # the site's open intervals per local day
    working: dict[int, dict[dt.date, list[Window]]]  # technician -> day -> windows
    skills: dict[int, frozenset[str]]
    bays: Sequence[int]
    bookings: Sequence[Booking]


@dataclass(frozen=True)
class Slot:
    start: dt.datetime
    end: dt.datetime
    technician_id: int
    bay_id: int | None


class _Busy:
    """Sorted, non-overlapping busy spans of one resource, asked "free from a to b?"."""

    def __init__(self, spans: Iterable[Window]) -> None:
        merged: list[list[dt.datetime]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.starts = [span[0] for span in merged]
        self.ends = [span[1] for span in merged]

    def free(self, start: dt.datetime, end: dt.datetime) -> bool:
        # Spans are sorted and apart, so their ends grow too: the last one starting before
        # `end` is the only one that can reach past `start`.
        index = bisect_left(self.starts, end) - 1
        return index < 0 or self.ends[index] <= start


_NOBODY = _Busy(())


def _within(windows: Sequence[Window], start: dt.datetime, end: dt.datetime) -> bool:
    return any(low <= start and end <= high for low, high in windows)


@dataclass
class _Day:
    """One day's counts, for the limits."""

    appointments: int = 0
    online_minutes: float = 0.0
    per_type: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    load: dict[int, float] = field(default_factory=lambda: defaultdict(float))


def _days(capacity: Capacity) -> dict[dt.date, _Day]:
    days: dict[dt.date, _Day] = defaultdict(_Day)
    for booking in capacity.bookings:
        day = days[booking.start.astimezone(capacity.timezone).date()]
        minutes = (booking.end - booking.start).total_seconds() / 60
        day.appointments += 1
        day.load[booking.technician_id] += minutes
        if booking.online:
            day.online_minutes += minutes
        for type_id in booking.type_ids:
            day.per_type[type_id] += 1
    return days


def _day_allows(day: _Day, need: Need, rules: Rules, technician_minutes: float) -> bool:
    if rules.daily_limit is not None and day.appointments >= rules.daily_limit:
        return False
    for type_id in need.type_ids:
        limit = rules.type_limits.get(type_id)
        if limit is not None and day.per_type.get(type_id, 0) >= limit:
            return False
    if need.online:
        allowed = technician_minutes * rules.online_share
        return day.online_minutes + need.minutes <= allowed + 1e-9
    return True


def _grid(
    origin: dt.datetime, low: dt.datetime, high: dt.datetime, step: dt.timedelta
) -> Iterator[dt.datetime]:
    """Starts origin + k*step with low <= start < high."""
    k = -(-(low - origin) // step) if low > origin else 0
    start = origin + k * step
    while start < high:
        yield start
        start += step


def search(
    capacity: Capacity,
    need: Need,
    rules: Rules,
    *,
    days: Iterable[dt.date],
    limit: int | None = None,
) -> list[Slot]:
    """Every bookable start on `days` (in order), with the technician and bay it would hold;
    at most `limit` slots."""
    length = dt.timedelta(minutes=need.minutes)
    fitting = [tech for tech, held in capacity.skills.items() if need.skills <= held]
    tech_busy: dict[int, list[Window]] = defaultdict(list)
    bay_busy: dict[int, list[Window]] = defaultdict(list)
    for booking in capacity.bookings:
        tech_busy[booking.technician_id].append((booking.start, booking.end))
        if booking.bay_id is not None:
            bay_busy[booking.bay_id].append((booking.start, booking.end))
    techs = {tech: _Busy(tech_busy.get(tech, ())) for tech in fitting}
    bays = {bay: _Busy(bay_busy.get(bay, ())) for bay in capacity.bays}
    counts = _days(capacity)
    found: list[Slot] = []
    for day in days:
        opening = capacity.opening.get(day)
        if not opening:
            continue
        working = {tech: capacity.working.get(tech, {}).get(day, []) for tech in fitting}
        present = {tech: windows for tech, windows in working.items() if windows}
        if not present or (need.needs_bay and not bays):
            continue
        all_minutes = sum(
            (end - start).total_seconds() / 60
            for per_day in capacity.working.values()
            for start, end in per_day.get(day, [])
        )
        count = counts.get(day) or _Day()
        if not _day_allows(count, need, rules, all_minutes):
            continue
        order = sorted(present, key=lambda tech: (count.load.get(tech, 0.0), tech))
        origin = dt.datetime.combine(day, dt.time.min, tzinfo=capacity.timezone)
        for open_from, open_until in opening:
            low = max(open_from, rules.earliest) if rules.earliest else open_from
            for start in _grid(origin, low, open_until, rules.step):
                slot = _fit(start, start + length, order, present, techs, bays, need)
                if slot is not None:
                    found.append(slot)
                    if limit is not None and len(found) >= limit:
                        return found
    return found


def _fit(
    start: dt.datetime,
    end: dt.datetime,
    order: Sequence[int],
    working: Mapping[int, Sequence[Window]],
    techs: Mapping[int, _Busy],
    bays: Mapping[int, _Busy],
    need: Need,
) -> Slot | None:
    bay_id: int | None = None
    if need.needs_bay:
        bay_id = next((bay for bay, busy in bays.items() if busy.free(start, end)), None)
        if bay_id is None:
            return None
    for tech in order:
        if _within(working[tech], start, end) and techs.get(tech, _NOBODY).free(start, end):
            return Slot(start, end, tech, bay_id)
    return None


def slots_by_day(slots: Iterable[Slot], timezone: ZoneInfo) -> dict[dt.date, list[Slot]]:
    grouped: dict[dt.date, list[Slot]] = defaultdict(list)
    for slot in slots:
        grouped[slot.start.astimezone(timezone).date()].append(slot)
    return dict(grouped)

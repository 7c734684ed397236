"""Laws that business-time arithmetic must obey on every calendar, checked with hypothesis.

Inputs concentrate where bugs live: around real DST changes of each zone, exactly on (and a
microsecond either side of) opening and closing wall-clock times, and in every zone flavour
(UTC, the site's zone, a fixed offset). A day-by-day reference computed straight from the
specification checks the figures themselves away from clock changes.
"""

from __future__ import annotations

import datetime as dt
import os
from functools import cache

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import posventa.businesstime._calendar as calendar_module
from posventa.businesstime import AlwaysOpenCalendar, WeeklyInterval
from tests.businesstime import PROPERTY_SPECS, UTC, Spec, calendar, transitions

FIRST_YEAR, LAST_YEAR = 2024, 2028
RANGE_START = dt.datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
RANGE_DAYS = (dt.date(LAST_YEAR + 1, 1, 1) - dt.date(FIRST_YEAR, 1, 1)).days
DAY_US = 86_400_000_000
US = dt.timedelta(microseconds=1)
ZERO = dt.timedelta(0)
MIDNIGHT = dt.time(0)

# BUSINESSTIME_EXAMPLES=5000 for a deeper hunt; the default keeps the suite quick.
EXAMPLES = int(os.environ.get("BUSINESSTIME_EXAMPLES", "120"))
laws = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
by_spec = pytest.mark.parametrize("spec", PROPERTY_SPECS, ids=lambda spec: spec.name)


@cache
def clock_changes(spec: Spec) -> tuple[dt.datetime, ...]:
    return tuple(transitions(spec.zone, FIRST_YEAR, LAST_YEAR))


def _uniform_instants() -> st.SearchStrategy[dt.datetime]:
    return st.integers(0, RANGE_DAYS * DAY_US - 1).map(
        lambda us: RANGE_START + dt.timedelta(microseconds=us)
    )


def _near_changes(spec: Spec) -> st.SearchStrategy[dt.datetime]:
    return st.builds(
        lambda change, us: change + dt.timedelta(microseconds=us),
        st.sampled_from(clock_changes(spec)),
        st.integers(-3 * DAY_US, 3 * DAY_US),
    )


def _wall_clock_edges(spec: Spec) -> st.SearchStrategy[dt.datetime]:
    """Opening and closing wall times of the spec (either fold), nudged by a microsecond."""

    def edge(
        base: dt.datetime,
        day_shift: int,
        interval: WeeklyInterval,
        closing: bool,
        fold: int,
        nudge: int,
    ) -> dt.datetime:
        day = base.astimezone(spec.zone).date() + dt.timedelta(days=day_shift)
        day += dt.timedelta(days=(interval.weekday - day.weekday()) % 7)
        wall = interval.end if closing and interval.end is not None else interval.start
        if closing and interval.ends_at_midnight:
            day, wall = day + dt.timedelta(days=1), MIDNIGHT
        moment = dt.datetime.combine(day, wall, tzinfo=spec.zone).replace(fold=fold)
        return moment.astimezone(UTC) + nudge * US

    bases = st.one_of(_uniform_instants(), _near_changes(spec))
    return st.builds(
        edge,
        bases,
        st.integers(-7, 0),
        st.sampled_from(list(spec.intervals)),
        st.booleans(),
        st.integers(0, 1),
        st.sampled_from([-1, 0, 0, 1]),
    )


@cache
def instants(spec: Spec) -> st.SearchStrategy[dt.datetime]:
    """Aware instants, presented in UTC, in the site's zone or in a fixed offset."""
    moments = st.one_of(_uniform_instants(), _near_changes(spec), _wall_clock_edges(spec))
    zones = st.sampled_from([UTC, spec.zone, dt.timezone(dt.timedelta(hours=-5, minutes=-30))])
    return st.builds(lambda moment, zone: moment.astimezone(zone), moments, zones)


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(UTC)


durations = st.one_of(
    st.integers(0, 3 * 10 * 60).map(lambda minutes: dt.timedelta(minutes=minutes)),
    st.integers(0, 60 * DAY_US).map(lambda us: dt.timedelta(microseconds=us)),
    st.sampled_from(
        [
            ZERO,
            US,
            dt.timedelta(hours=1),
            dt.timedelta(hours=5),
            dt.timedelta(hours=54),
            dt.timedelta(hours=2, microseconds=1),
        ]
    ),
)


# -- add ---------------------------------------------------------------------------------


@by_spec
@laws
@given(data=st.data(), first=durations, second=durations)
def test_adding_more_business_time_never_gives_an_earlier_instant(
    spec: Spec, data: st.DataObject, first: dt.timedelta, second: dt.timedelta
) -> None:
    cal = calendar(spec)
    start = data.draw(instants(spec))
    shorter, longer = sorted([first, second])
    assert cal.add(start, shorter) <= cal.add(start, longer)


@by_spec
@laws
@given(data=st.data(), duration=durations)
def test_starting_later_never_finishes_earlier(
    spec: Spec, data: st.DataObject, duration: dt.timedelta
) -> None:
    cal = calendar(spec)
    # Sorted as instants: aware datetimes sharing a ZoneInfo compare by wall clock (PEP 495).
    earlier, later = sorted([data.draw(instants(spec)), data.draw(instants(spec))], key=_utc)
    assert cal.add(earlier, duration) <= cal.add(later, duration)


@by_spec
@laws
@given(data=st.data(), first=durations, second=durations)
def test_adding_in_two_steps_equals_adding_the_sum(
    spec: Spec, data: st.DataObject, first: dt.timedelta, second: dt.timedelta
) -> None:
    cal = calendar(spec)
    start = data.draw(instants(spec))
    assert cal.add(cal.add(start, first), second) == cal.add(start, first + second)


@by_spec
@laws
@given(data=st.data(), duration=durations)
def test_business_time_up_to_the_result_is_the_duration_and_ends_in_open_time(
    spec: Spec, data: st.DataObject, duration: dt.timedelta
) -> None:
    cal = calendar(spec)
    start = data.draw(instants(spec))
    due = cal.add(start, duration)
    assert due.tzinfo is UTC
    assert due >= start
    assert cal.between(start, due) == duration
    if duration:
        # The microsecond before is open: the result is inside an interval or at its end,
        # never at the next opening after a gap.
        assert cal.is_open(due - US)


# -- between, next_open, is_open ---------------------------------------------------------


@by_spec
@laws
@given(data=st.data())
def test_business_time_adds_up_over_consecutive_spans(spec: Spec, data: st.DataObject) -> None:
    cal = calendar(spec)
    a, b, c = (data.draw(instants(spec)) for _ in range(3))
    assert cal.between(a, b) + cal.between(b, c) == cal.between(a, c)
    assert cal.between(a, b) == -cal.between(b, a)


@by_spec
@laws
@given(data=st.data())
def test_next_open_is_open_with_no_business_time_before_it(spec: Spec, data: st.DataObject) -> None:
    cal = calendar(spec)
    moment = data.draw(instants(spec))
    opening = cal.next_open(moment)
    assert opening.tzinfo is UTC
    assert opening >= moment
    assert cal.is_open(opening)
    assert cal.between(moment, opening) == ZERO
    # Compared in UTC: == across zones is always False for the second pass of a fold.
    assert (opening == _utc(moment)) == cal.is_open(moment)


@by_spec
@laws
@given(data=st.data())
def test_is_open_means_the_next_microsecond_is_business_time(
    spec: Spec, data: st.DataObject
) -> None:
    cal = calendar(spec)
    moment = data.draw(instants(spec))
    assert cal.is_open(moment) == (cal.between(moment, _utc(moment) + US) == US)


# -- the figures themselves, from the specification alone --------------------------------


def _closed_on(spec: Spec, day: dt.date) -> bool:
    return day in spec.holidays or any(c.start <= day <= c.end for c in spec.closures)


def _wall_spans(spec: Spec, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """The day's intervals as plain zoneinfo datetimes: right whenever no clock change is near."""
    spans = []
    for interval in spec.intervals:
        if interval.weekday != day.weekday():
            continue
        opens = dt.datetime.combine(day, interval.start, tzinfo=spec.zone)
        if interval.ends_at_midnight:
            closes = dt.datetime.combine(day + dt.timedelta(days=1), MIDNIGHT, tzinfo=spec.zone)
        else:
            assert interval.end is not None
            closes = dt.datetime.combine(day, interval.end, tzinfo=spec.zone)
        spans.append((opens.astimezone(UTC), closes.astimezone(UTC)))
    return spans


def reference_between(spec: Spec, low: dt.datetime, high: dt.datetime) -> dt.timedelta:
    total = ZERO
    day = low.astimezone(spec.zone).date() - dt.timedelta(days=1)
    while day <= high.astimezone(spec.zone).date():
        if not _closed_on(spec, day):
            for opens, closes in _wall_spans(spec, day):
                total += max(ZERO, min(closes, high) - max(opens, low))
        day += dt.timedelta(days=1)
    return total


def _clock_change_near(spec: Spec, low: dt.datetime, high: dt.datetime) -> bool:
    margin = dt.timedelta(days=2)
    return any(low - margin <= change <= high + margin for change in clock_changes(spec))


@by_spec
@laws
@given(start=_uniform_instants(), span=st.integers(0, 45 * DAY_US))
def test_business_time_matches_a_day_by_day_reference_away_from_clock_changes(
    spec: Spec, start: dt.datetime, span: int
) -> None:
    end = start + dt.timedelta(microseconds=span)
    assume(not _clock_change_near(spec, start, end))
    assert calendar(spec).between(start, end) == reference_between(spec, start, end)


@by_spec
@laws
@given(data=st.data())
def test_is_open_matches_the_wall_clock_away_from_clock_changes(
    spec: Spec, data: st.DataObject
) -> None:
    moment = data.draw(st.one_of(_uniform_instants(), _wall_clock_edges(spec)))
    assume(not _clock_change_near(spec, moment, moment))
    wall = moment.astimezone(spec.zone)
    expected = not _closed_on(spec, wall.date()) and any(
        opens <= moment < closes for opens, closes in _wall_spans(spec, wall.date())
    )
    assert calendar(spec).is_open(moment) == expected


# -- caches and the trivial calendar -----------------------------------------------------


@pytest.mark.parametrize("spec", PROPERTY_SPECS[:3], ids=lambda spec: spec.name)
@settings(max_examples=40, deadline=None)
@given(data=st.data(), duration=durations)
def test_results_do_not_depend_on_cache_evictions(
    spec: Spec, data: st.DataObject, duration: dt.timedelta
) -> None:
    start, end = data.draw(instants(spec)), data.draw(instants(spec))
    expected = (calendar(spec).add(start, duration), calendar(spec).between(start, end))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(calendar_module, "_MAX_CACHED_DAYS", 3)
        patch.setattr(calendar_module, "_MAX_CACHED_WEEKS", 1)
        tiny = spec.build()
        assert (tiny.add(start, duration), tiny.between(start, end)) == expected


@laws
@given(start=_uniform_instants(), end=_uniform_instants(), duration=durations)
def test_always_open_calendar_is_plain_elapsed_time(
    start: dt.datetime, end: dt.datetime, duration: dt.timedelta
) -> None:
    cal = AlwaysOpenCalendar()
    assert cal.add(start, duration) == start + duration
    assert cal.between(start, end) == end - start
    assert cal.next_open(start) == start
    assert cal.is_open(start)

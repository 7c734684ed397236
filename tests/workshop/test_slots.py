"""The slot search as pure arithmetic: plain values in, start times out (no database)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from posventa.workshop.slots import Booking, Capacity, Need, Rules, instant, search

TZ = ZoneInfo("Europe/Madrid")
DAY = dt.date(2026, 3, 3)  # a Tuesday


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> int:
    return instant(dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ))


def capacity(
    *,
    techs: dict[int, list[tuple[int, int]]] | None = None,
    skills: dict[int, frozenset[str]] | None = None,
    bays: tuple[int, ...] = (1,),
    bookings: tuple[Booking, ...] = (),
    opening: list[tuple[int, int]] | None = None,
) -> Capacity:
    techs = techs if techs is not None else {10: [(8, 13)]}
    return Capacity(
        timezone=TZ,
        opening={DAY: [(at(a), at(b)) for a, b in (opening or [(8, 13)])]},
        working={tech: {DAY: [(at(a), at(b)) for a, b in spans]} for tech, spans in techs.items()},
        skills=skills if skills is not None else {tech: frozenset() for tech in techs},
        bays=bays,
        bookings=bookings,
    )


def starts(found: list) -> list[str]:
    return [slot.start.astimezone(TZ).strftime("%H:%M") for slot in found]


HOUR = Rules(step_seconds=3600)


def test_starts_lie_on_the_grid_and_the_whole_job_fits_before_the_technician_leaves() -> None:
    found = search(capacity(), Need(minutes=90, needs_bay=True), HOUR, days=[DAY])
    assert starts(found) == ["08:00", "09:00", "10:00", "11:00"]


def test_a_booked_technician_is_not_offered_over_their_appointment() -> None:
    booking = Booking(technician_id=10, bay_id=None, start=at(9), end=at(10))
    found = search(capacity(bookings=(booking,)), Need(minutes=60), HOUR, days=[DAY])
    assert starts(found) == ["08:00", "10:00", "11:00", "12:00"]


def test_a_busy_bay_blocks_a_job_that_needs_one_but_not_one_that_does_not() -> None:
    booking = Booking(technician_id=11, bay_id=1, start=at(8), end=at(13))
    cap = capacity(techs={10: [(8, 13)], 11: [(8, 13)]}, bookings=(booking,))
    assert search(cap, Need(minutes=60, needs_bay=True), HOUR, days=[DAY]) == []
    assert starts(search(cap, Need(minutes=60), HOUR, days=[DAY]))[0] == "08:00"


def test_only_a_technician_holding_the_skill_is_chosen() -> None:
    cap = capacity(
        techs={10: [(8, 13)], 11: [(10, 13)]},
        skills={10: frozenset(), 11: frozenset({"brakes"})},
    )
    found = search(cap, Need(minutes=60, skills=frozenset({"brakes"})), HOUR, days=[DAY])
    assert starts(found) == ["10:00", "11:00", "12:00"]
    assert {slot.technician_id for slot in found} == {11}


def test_no_start_outside_opening_hours_even_when_a_shift_runs_later() -> None:
    cap = capacity(techs={10: [(8, 18)]}, opening=[(8, 10)])
    assert starts(search(cap, Need(minutes=60), HOUR, days=[DAY])) == ["08:00", "09:00"]


def test_the_earliest_start_respects_the_notice() -> None:
    rules = Rules(step_seconds=3600, earliest=at(10, 30))
    assert starts(search(capacity(), Need(minutes=60), rules, days=[DAY])) == ["11:00", "12:00"]


def test_the_day_limit_and_the_type_limit_close_the_day() -> None:
    booking = Booking(
        technician_id=10, bay_id=None, start=at(8), end=at(9), type_ids=frozenset({7})
    )
    cap = capacity(techs={10: [(8, 13)]}, bookings=(booking,))
    assert search(cap, Need(minutes=60), Rules(step_seconds=3600, daily_limit=1), days=[DAY]) == []
    limited = Rules(step_seconds=3600, type_limits={7: 1})
    assert search(cap, Need(minutes=60, type_ids=frozenset({7})), limited, days=[DAY]) == []
    assert search(cap, Need(minutes=60, type_ids=frozenset({8})), limited, days=[DAY]) != []


def test_online_bookings_fill_only_their_share_of_the_day() -> None:
    # 5 hours of technician time, 40 % online: 2 hours. One online hour is booked.
    booking = Booking(technician_id=10, bay_id=None, start=at(8), end=at(9), online=True)
    cap = capacity(bookings=(booking,))
    rules = Rules(step_seconds=3600, online_share=0.4)
    assert search(cap, Need(minutes=60, online=True), rules, days=[DAY]) != []
    assert search(cap, Need(minutes=90, online=True), rules, days=[DAY]) == []
    # Staff may still book the rest of the day.
    assert search(cap, Need(minutes=90), rules, days=[DAY]) != []


def test_the_least_booked_technician_gets_the_job() -> None:
    booking = Booking(technician_id=10, bay_id=None, start=at(12), end=at(13))
    cap = capacity(techs={10: [(8, 13)], 11: [(8, 13)]}, bookings=(booking,))
    (first, *_rest) = search(cap, Need(minutes=60), HOUR, days=[DAY])
    assert first.technician_id == 11


def test_a_split_window_is_never_bridged() -> None:
    cap = capacity(techs={10: [(8, 10), (11, 13)]}, opening=[(8, 13)])
    assert starts(search(cap, Need(minutes=120), HOUR, days=[DAY])) == ["08:00", "11:00"]


def test_a_day_with_no_opening_offers_nothing() -> None:
    cap = capacity()
    other = DAY + dt.timedelta(days=1)
    assert search(cap, Need(minutes=60), HOUR, days=[other]) == []

"""Throughput of posventa.businesstime on one core: add/s and between/s.

A Madrid site with split shifts (Mon-Fri 08:00-13:00 and 14:00-19:00, Sat 09:00-13:00) and
the public holidays of ES-MD; random starts over 2025-2028 and SLA-like durations from one
minute to three business days, drawn with a fixed seed so runs are comparable.

    python bench/businesstime.py [--quick]

Also one long addition (100,000 business-free days of duration from 2026; 10,000 with
--quick) on a fresh calendar, cold caches, as a far-off deadline or a bad input would ask.

The last line printed is a single JSON object with the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import holidays

from posventa.businesstime import BusinessCalendar, WeeklyInterval

SEED = 20260329
RANGE_START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
RANGE_SECONDS = 4 * 365 * 86_400
# Three business days of this calendar: two 5-hour shifts a day.
LONGEST_MINUTES = 3 * 10 * 60


def madrid_calendar() -> BusinessCalendar:
    hours = [
        *[WeeklyInterval(day, dt.time(8), dt.time(13)) for day in range(5)],
        *[WeeklyInterval(day, dt.time(14), dt.time(19)) for day in range(5)],
        WeeklyInterval(5, dt.time(9), dt.time(13)),
    ]
    return BusinessCalendar(
        "Europe/Madrid", hours, holidays=holidays.country_holidays("ES", subdiv="MD")
    )


def random_cases(n: int, rng: random.Random) -> list[tuple[dt.datetime, dt.timedelta]]:
    cases = []
    for _ in range(n):
        start = RANGE_START + dt.timedelta(seconds=rng.randrange(RANGE_SECONDS))
        # Aware inputs in the site's zone and in UTC alike, as callers pass both.
        if rng.random() < 0.5:
            start = start.astimezone(dt.timezone(dt.timedelta(hours=1)))
        cases.append((start, dt.timedelta(minutes=rng.randint(1, LONGEST_MINUTES))))
    return cases


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def time_add(cal: BusinessCalendar, cases: list[tuple[dt.datetime, dt.timedelta]]) -> float:
    add = cal.add
    began = time.perf_counter()
    for start, duration in cases:
        add(start, duration)
    return time.perf_counter() - began


def time_between(cal: BusinessCalendar, pairs: list[tuple[dt.datetime, dt.datetime]]) -> float:
    between = cal.between
    began = time.perf_counter()
    for start, end in pairs:
        between(start, end)
    return time.perf_counter() - began


def best_of(repeats: int, run: Callable[[], float]) -> float:
    return min(run() for _ in range(repeats))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small run, under 5 seconds")
    args = parser.parse_args()
    n, repeats = (20_000, 2) if args.quick else (200_000, 3)

    rng = random.Random(SEED)
    cal = madrid_calendar()
    cases = random_cases(n, rng)
    # Pairs as a deadline check would ask: from a start to somewhere within the next week.
    pairs = [(s, s + dt.timedelta(seconds=rng.randrange(7 * 86_400))) for s, _ in cases]

    began = time.perf_counter()
    time_add(cal, cases)  # first pass fills the day and holiday caches
    warm_up = time.perf_counter() - began
    add_seconds = best_of(repeats, lambda: time_add(cal, cases))
    between_seconds = best_of(repeats, lambda: time_between(cal, pairs))

    long_days = 10_000 if args.quick else 100_000
    long_calendar = madrid_calendar()
    began = time.perf_counter()
    long_calendar.add(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), dt.timedelta(days=long_days))
    long_seconds = time.perf_counter() - began

    add_per_s = rate(n, add_seconds)
    between_per_s = rate(n, between_seconds)
    print(f"businesstime bench: {n} random cases, seed {SEED}, best of {repeats}")
    print(f"  calendar: Europe/Madrid split shifts + ES-MD holidays ({cal!r})")
    print(f"  first pass (cold caches): {rate(n, warm_up):,.0f} add/s")
    print(f"  add:     {add_per_s:,.0f} /s  ({add_seconds * 1e6 / n:.2f} us each)")
    print(f"  between: {between_per_s:,.0f} /s  ({between_seconds * 1e6 / n:.2f} us each)")
    print(f"  one add of {long_days:,} days: {long_seconds:.2f} s")
    figures = {
        "bench": "businesstime",
        "add_per_s": round(add_per_s),
        "between_per_s": round(between_per_s),
        "long_add_days": long_days,
        "long_add_s": round(long_seconds, 3),
        "n": n,
        "quick": args.quick,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

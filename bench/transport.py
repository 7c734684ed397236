"""Transport availability and reservation speed (INFO-TRANSPORT), as the booking page
asks them: what is free on a day, and reserving one unit.

    python bench/transport.py [--quick] [--days N] [--samples N]

The database (DATABASE_URL if it names a PostgreSQL database with "bench" in its name, else
postgres://postgres@127.0.0.1:5432/posventa_transport_bench) is dropped, created and
migrated; one site gets a loaner option (10 cars), a shuttle with 4 runs, a rental voucher
and a taxi, and `--days` days (365; 60 with --quick) of reservations, about 20 a day,
through `transport.actions.reserve`. Then, on random days, `availability.options_on` (staff
and online) and `reserve` + `release` are timed one call at a time after a warm-up: wall
time (p50/p95) and CPU time of this process (the machine is shared: CPU time is the
figure to compare). The last line printed is one JSON object.

No target is set in the issue; the figure to watch is `options_on_p95_ms`, which the slot
search calls once per day it offers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # bench/ is on the path: the script's own folder

_common.use_checkout()

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/posventa_transport_bench"
SEED = 20261203
PER_DAY = 20
WARMUP = 20


def load(days: int, rng: random.Random) -> tuple[object, list[object], dt.date]:
    from posventa.core import actions as core
    from posventa.transport import actions

    group = core.create_organisation("Transport Bench", "transport-bench")
    hours = [(day, dt.time(8), dt.time(19)) for day in range(6)]
    site = core.create_site(
        group, name="Bench", slug="transport-bench", timezone="Europe/Madrid", country="ES",
        intervals=hours,
    )  # fmt: skip
    options = [
        actions.create_option(site, kind="loaner", name="Loaner", daily_total=10, online_share=3),
        actions.create_option(site, kind="shuttle", name="Shuttle", daily_total=24, online_share=8),
        actions.create_option(site, kind="rental_voucher", name="Voucher", daily_total=4),
        actions.create_option(site, kind="taxi", name="Taxi", daily_total=4, online_share=1),
    ]
    for number in range(10):
        actions.add_loaner(site, plate=f"B{number:04d}", model="Bench car", odometer_km=1000)
    for hour in (8, 10, 16, 18):
        actions.add_shuttle_run(options[1], departs_at=dt.time(hour), seats=6)
    first = dt.date.today() + dt.timedelta(days=1)  # noqa: DTZ011 (a day, not an instant)
    for offset in range(days):
        for _ in range(PER_DAY):
            option = rng.choice(options)
            actions.reserve(
                site, option, first + dt.timedelta(days=offset), online=rng.random() < 0.3
            )
    return site, options, first


def timed(call: object, samples: int) -> dict[str, float]:
    walls: list[float] = []
    cpu_start = time.process_time()
    for _ in range(samples):
        started = time.perf_counter()
        call()  # type: ignore[operator]
        walls.append((time.perf_counter() - started) * 1000)
    cpu = (time.process_time() - cpu_start) * 1000 / samples
    return {
        "p50_ms": round(_common.percentile(walls, 0.5), 3),
        "p95_ms": round(_common.percentile(walls, 0.95), 3),
        "cpu_ms_per_call": round(cpu, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="60 days of reservations")
    parser.add_argument("--days", type=int, default=None)
    parser.add_argument("--samples", type=int, default=300)
    options = parser.parse_args()
    days = options.days or (60 if options.quick else 365)
    url = _common.bench_database_url(DEFAULT_URL)
    _common.refuse_unless_bench(url)
    reason = _common.postgres_reachable(url)
    if reason:
        sys.exit(f"PostgreSQL is needed for this bench: {reason}")
    _common.create_database(url, drop_first=True)
    _common.setup_django(url, "transport")
    rng = random.Random(SEED)
    started = time.perf_counter()
    site, offered, first = load(days, rng)
    load_s = time.perf_counter() - started
    print(f"loaded {days * PER_DAY:,} reservation requests in {load_s:.1f} s", flush=True)

    from posventa.transport import actions, availability

    def a_day() -> dt.date:
        return first + dt.timedelta(days=rng.randrange(days))

    def options_on() -> None:
        availability.options_on(site, a_day(), online=rng.random() < 0.5)  # type: ignore[arg-type]

    def reserve_and_release() -> None:
        outcome = actions.reserve(site, offered[3], a_day(), online=False)  # type: ignore[arg-type]
        if outcome.reservation is not None:
            actions.release(outcome.reservation)

    timed(options_on, WARMUP)
    seen = timed(options_on, options.samples)
    booked = timed(reserve_and_release, max(options.samples // 3, 1))
    print(f"options_on p95 {seen['p95_ms']} ms; reserve+release p95 {booked['p95_ms']} ms")
    _common.emit(
        {
            "bench": "transport",
            "days": days,
            "reservation_requests": days * PER_DAY,
            "load_s": round(load_s, 1),
            "options_on": seen,
            "reserve_release": booked,
            "options_on_p95_ms": seen["p95_ms"],
            "reserve_release_p95_ms": booked["p95_ms"],
            "load_average": [round(value, 2) for value in os.getloadavg()],
            "cpus": os.cpu_count(),
        }
    )


if __name__ == "__main__":
    main()

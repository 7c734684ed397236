"""Slot search speed (INFO-BOOKING): a site with 20 technicians and 10 bays, the next 30
days, 2,000 existing appointments. Target: p95 under 50 ms.

    nice -n 19 python bench/booking.py [--quick] [--sqlite-only]

Each run loads a fresh database (SQLite in a temporary folder, and the PostgreSQL database
`posventa_booking_bench`, or DATABASE_URL when it names a *bench* database) in a child
process: the technicians with split shifts, certifications and a few absences, bays, the
usual appointment types, and appointments spread over the 30 days. It then times
`appointments.find_slots` (the loader's queries and the pure search) for a rotating mix of
needs (a bay job, a certified job, a job needing no bay), as the booking page asks it.

The last line is one JSON object with `slot_search_p95_ms` (the worst backend's p95);
`advisor_ms` joins it from `bench/booking_advisor.py` once that module exists.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from _common import (  # noqa: E402
    bench_database_url,
    create_database,
    django_environment,
    emit,
    last_json_line,
    percentile,
    postgres_reachable,
)

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/posventa_booking_bench"
TARGET_P95_MS = 50.0
TECHNICIANS = 20
BAYS = 10
DAYS = 30
SEED = 20261203
WARMUP = 5
TYPES = [
    ("oil-service", "Oil service", 60, "", True),
    ("brake-fluid", "Brake fluid", 45, "brakes", True),
    ("inspection-30000", "30,000 km inspection", 120, "", True),
    ("diagnosis", "Diagnosis", 60, "diagnostics", True),
    ("tyre-change", "Tyre change", 30, "", False),
]


def _setup() -> Any:
    import django

    django.setup()
    from django.core.management import call_command

    from posventa.core import actions as core_actions

    call_command("migrate", verbosity=0)
    group = core_actions.create_organisation("Grupo Banco de Pruebas Taller", "bench-booking")
    hours = [
        *[(day, dt.time(8), dt.time(13)) for day in range(5)],
        *[(day, dt.time(14), dt.time(19)) for day in range(5)],
        (5, dt.time(9), dt.time(13)),
    ]
    return core_actions.create_site(
        group, name="Taller Banco", slug="bench", timezone="Europe/Madrid", country="ES",
        subdivision="MD", intervals=hours,
    )  # fmt: skip


def load(site: Any, bookings: int, rng: random.Random) -> list[Any]:
    """Technicians, bays, types and `bookings` appointments over the next DAYS days."""
    from django.utils import timezone

    from posventa.core import actions as core_actions
    from posventa.core.calendars import calendar_for_site
    from posventa.core.models import Role, User
    from posventa.workshop.models import Appointment, AppointmentType, BookingPolicy, ServiceBay

    BookingPolicy.objects.create(site=site, min_notice_minutes=0, horizon_days=DAYS + 1)
    bays = ServiceBay.objects.bulk_create(
        ServiceBay(site=site, name=f"Bay {n}") for n in range(BAYS)
    )
    types = [
        AppointmentType.objects.create(
            organisation=site.organisation,
            code=code,
            name=name,
            duration_minutes=minutes,
            skill=skill,
            needs_bay=bay,
            for_unsure=code == "diagnosis",
        )
        for code, name, minutes, skill, bay in TYPES
    ]
    now = timezone.now()
    technicians = []
    for n in range(TECHNICIANS):
        user = User.objects.create_user(username=f"bench-tech-{n}", password="x" * 12)
        core_actions.grant_role(user, site.organisation, Role.TECHNICIAN, site)
        if n % 3 == 0:
            core_actions.certify(user, "brakes", "Brakes")
        if n % 4 == 0:
            core_actions.certify(user, "diagnostics", "Diagnostics")
        if n % 5 == 0:  # some work their own hours
            core_actions.set_working_hours(
                user, site, [(day, dt.time(7), dt.time(15)) for day in range(5)]
            )
        if n % 7 == 0:  # a week off
            start = now + dt.timedelta(days=rng.randint(0, DAYS - 7))
            core_actions.record_absence(user, start, start + dt.timedelta(days=7))
        technicians.append(user)
    calendar = calendar_for_site(site)
    today = now.astimezone(calendar.timezone).date()
    open_days = [
        today + dt.timedelta(days=d)
        for d in range(1, DAYS)
        if calendar.intervals_on(today + dt.timedelta(days=d))
    ]
    rows = []
    for n in range(bookings):
        day = open_days[n % len(open_days)]
        low, high = rng.choice(calendar.intervals_on(day))
        start = low + dt.timedelta(
            minutes=15 * rng.randrange(max(int((high - low).total_seconds() // 900) - 2, 1))
        )
        kind = types[n % len(types)]
        rows.append(
            Appointment(
                site=site,
                technician=technicians[n % TECHNICIANS],
                bay=bays[n % BAYS] if kind.needs_bay else None,
                starts_at=start,
                ends_at=start + dt.timedelta(minutes=kind.duration_minutes),
                booked_via="online" if n % 2 else "staff",
                contact_name=f"Cliente {n}",
                contact_email=f"cliente{n}@example.net",
                preferred_method="email",
                language="es",
            )
        )
    made = Appointment.objects.bulk_create(rows, batch_size=1000)
    through = Appointment.types.through
    through.objects.bulk_create(
        [
            through(appointment_id=row.pk, appointmenttype_id=types[n % len(types)].pk)
            for n, row in enumerate(made)
        ],
        batch_size=2000,
    )
    return types


def child(bookings: int, searches: int) -> dict[str, Any]:
    site = _setup()
    from django.db import connection, reset_queries
    from django.test.utils import override_settings

    from posventa.workshop.actions import appointments

    rng = random.Random(SEED)
    started = time.perf_counter()
    types = load(site, bookings, rng)
    load_seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    needs = [[types[0]], [types[1]], [types[2], types[0]], [types[3]], [types[4]]]
    timings: list[float] = []
    cpu: list[float] = []
    queries: list[int] = []
    found = 0
    with override_settings(DEBUG=True):
        for number in range(WARMUP + searches):
            need = needs[number % len(needs)]
            online = number % 2 == 0
            reset_queries()
            wall, process = time.perf_counter(), time.process_time()
            result = appointments.find_slots(site, need, online=online, days=DAYS)
            elapsed = (time.perf_counter() - wall) * 1000
            cpu_ms = (time.process_time() - process) * 1000
            if number >= WARMUP:
                timings.append(elapsed)
                cpu.append(cpu_ms)
                queries.append(len(connection.queries))
                found += len(result)
    assert found > 0, "the search found no slot at all"
    return {
        "measure": "slot_search",
        "backend": connection.vendor,
        "technicians": TECHNICIANS,
        "bays": BAYS,
        "days": DAYS,
        "appointments": bookings,
        "searches": len(timings),
        "slots_found_per_search": round(found / len(timings), 1),
        "load_seconds": round(load_seconds, 1),
        "p50_ms": round(percentile(timings, 0.5), 2),
        "p95_ms": round(percentile(timings, 0.95), 2),
        "max_ms": round(max(timings), 2),
        # This process's CPU time: on a loaded machine wall time includes waiting for a core.
        "cpu_p95_ms": round(percentile(cpu, 0.95), 2),
        "queries": max(queries),
        "load_average": round(os.getloadavg()[0], 2),
    }


def _run(url: str, data_dir: str, bookings: int, searches: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", str(bookings), str(searches)]
    done = subprocess.run(
        command, env=django_environment(url, data_dir), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        return {"url": url, "error": done.stderr.strip().splitlines()[-5:]}
    return last_json_line(done.stdout)


def _advisor_figures(quick: bool) -> dict[str, Any]:
    """`advisor_ms` from bench/booking_advisor.py (the advisor's), when it exists: its
    `measure_advisor(quick)` returns a dict of figures."""
    path = ROOT / "bench" / "booking_advisor.py"
    if not path.exists():
        return {}
    spec = importlib.util.spec_from_file_location("booking_advisor", path)
    if spec is None or spec.loader is None:
        return {}
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(module.measure_advisor(quick))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="40 searches instead of 200")
    parser.add_argument("--bookings", type=int, default=2_000)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(int(args.child[0]), int(args.child[1]))))
        return
    searches = 40 if args.quick else 200
    runs = []
    with tempfile.TemporaryDirectory(prefix="posventa-bench-booking-") as data_dir:
        urls = [f"sqlite:///{Path(data_dir) / 'booking.sqlite3'}"]
        if not args.sqlite_only:
            url = bench_database_url(DEFAULT_PG_URL)
            problem = postgres_reachable(url)
            if problem:
                print(f"PostgreSQL skipped: {problem}")
            else:
                create_database(url, drop_first=True)
                urls.append(url)
        for url in urls:
            result = _run(url, data_dir, args.bookings, searches)
            print(json.dumps(result))
            runs.append(result)
    ok = [run for run in runs if "error" not in run]
    worst = max((run["p95_ms"] for run in ok), default=None)
    emit(
        {
            "benchmark": "booking",
            "slot_search_p95_ms": worst,
            "target_p95_ms": TARGET_P95_MS,
            "meets_target": worst is not None and worst < TARGET_P95_MS,
            "runs": runs,
            **_advisor_figures(args.quick),
        }
    )


if __name__ == "__main__":
    main()

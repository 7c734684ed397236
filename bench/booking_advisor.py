"""Time of the maintenance advisor per vehicle (issue 12: under 5 ms).

    python bench/booking_advisor.py [--quick] [--vehicles N]

Loads one organisation ("advisor-bench") with `--vehicles` vehicles (2,000; `--quick` 300)
with realistic histories: 1 to 9 years old, every fuel, makes with and without rules in the
organisation's own schedule file (imported through the action), 2 to 15 odometer readings
and 0 to 10 service records each, some readings old enough that the distance is estimated.
Then `advise(vehicle, today=...)` runs once per vehicle after a warm-up, as the case page
and the booking page call it: the vehicle row in hand, its readings, history and the
schedule read from the database (three queries). It reports p50/p95/max wall and CPU time
per vehicle, the queries per advice and the load average; the last line is one JSON object
whose `advisor_ms` is the wall-time p95.

The database is DATABASE_URL when it names a PostgreSQL database with "bench" in its name,
else a fresh SQLite file under var/bench/advisor. `measure_advisor(quick)` does the same
inside an already configured Django (bench/booking.py calls it), reusing a load it finds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # bench/ is on the path: the script's own folder

_common.use_checkout()

TARGET_MS = 5.0
FULL_VEHICLES = 2_000
QUICK_VEHICLES = 300
WARMUP = 30
ORG_SLUG = "advisor-bench"
TODAY = dt.date(2026, 12, 3)
# ("", ""): registered without make or model; the advisor reads the VIN.
MAKES = [("Volvo", "XC40"), ("Volvo", "V60"), ("Seat", "Leon"), ("Renault", "Clio"), ("", "")]
FUELS = ["petrol", "diesel", "hybrid", "plug-in-hybrid", "electric", ""]
HEADER = "code,make,model,fuel,km,months,severe_km,severe_months,appointment_types,"
DEALER_FILE = f"""{HEADER}label_en,label_es,label_sv
brake-fluid,Volvo,,,,24,,,inspection-30k brake-fluid,,,
oil-service,Volvo,XC40,petrol,20000,12,10000,6,oil-service inspection-30k,,,
timing-belt,Volvo,,,,,,,,,,
adblue,Volvo,,diesel,15000,,,,oil-service,AdBlue top-up,Recarga de AdBlue,Påfyllning av AdBlue
oil-service,Seat,,diesel|petrol,30000,24,15000,12,oil-service inspection-30k,,,
"""
ITEMS = ["oil-service", "cabin-filter", "inspection-30k", "brake-fluid", "air-filter", "coolant"]


def setup_django(url: str, data_dir: Path) -> None:
    if url:
        os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "posventa.settings"
    os.environ.setdefault("POSVENTA_LOG", "WARNING")
    os.environ["POSVENTA_DATA_DIR"] = str(data_dir)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _vin(number: int) -> str:
    # Valid characters (no I, O, Q); not check-digit-valid, which registration tolerates.
    return f"YV1BENCH{number:09d}"[:17]


def load(count: int) -> Any:
    """The organisation with `count` vehicles (made once; reused when already there)."""
    from django.db import transaction

    from posventa.advisor import actions
    from posventa.advisor.models import ServiceRecord, ServiceSource
    from posventa.core import actions as core_actions
    from posventa.core.models import Organisation
    from posventa.customers.models import OdometerReading, Vehicle

    organisation = Organisation.objects.filter(slug=ORG_SLUG).first()
    if organisation is not None and organisation.vehicles.count() >= count:
        return organisation
    organisation = organisation or core_actions.create_organisation("Advisor bench", ORG_SLUG)
    actions.import_schedule(organisation, name="dealer.csv", text=DEALER_FILE)
    rng = random.Random(20261203)
    start = organisation.vehicles.count()
    with transaction.atomic():
        vehicles = []
        for number in range(start, count):
            make, model = rng.choice(MAKES)
            registered = TODAY - dt.timedelta(days=rng.randint(365, 9 * 365))
            vehicles.append(
                Vehicle(
                    organisation=organisation,
                    vin=_vin(number),
                    vin_check="unchecked",
                    plate=f"B{number:06d}",
                    plate_normalised=f"B{number:06d}",
                    make=make,
                    model=model,
                    first_registration=registered,
                    fuel=rng.choice(FUELS),
                )
            )
        Vehicle.objects.bulk_create(vehicles, batch_size=500)
        readings, services = [], []
        for vehicle in Vehicle.objects.filter(organisation=organisation)[start:count]:
            assert vehicle.first_registration is not None
            age = (TODAY - vehicle.first_registration).days
            pace = rng.uniform(15, 80)  # km a day
            # Some stopped reporting a year ago: their distance is extrapolated.
            last_day = age - rng.choice([0, 5, 40, 400])
            days = sorted(rng.sample(range(30, max(last_day, 60)), k=rng.randint(2, 15)))
            for day in days:
                read_at = dt.datetime.combine(
                    vehicle.first_registration + dt.timedelta(days=day), dt.time(9), tzinfo=dt.UTC
                )
                readings.append(
                    OdometerReading(
                        vehicle=vehicle, km=round(day * pace), read_at=read_at, source="import"
                    )
                )
            for day in days[: rng.randint(0, 10)]:
                services.append(
                    ServiceRecord(
                        vehicle=vehicle,
                        done_on=vehicle.first_registration + dt.timedelta(days=day),
                        km=round(day * pace),
                        items=rng.sample(ITEMS, k=rng.randint(1, 4)),
                        source=ServiceSource.IMPORTED,
                    )
                )
        OdometerReading.objects.bulk_create(readings, batch_size=1000)
        ServiceRecord.objects.bulk_create(services, batch_size=1000)
    return organisation


def measure_advisor(quick: bool) -> dict[str, Any]:
    """Figures of `advise()` over the loaded vehicles (Django must be set up)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from posventa.advisor.advice import advise

    count = QUICK_VEHICLES if quick else FULL_VEHICLES
    organisation = load(count)
    vehicles = list(organisation.vehicles.order_by("pk")[:count])
    for vehicle in vehicles[:WARMUP]:
        advise(vehicle, today=TODAY)
    with CaptureQueriesContext(connection) as queries:
        advise(vehicles[0], today=TODAY)
    wall, cpu, items = [], [], 0
    for vehicle in vehicles:
        started, started_cpu = time.perf_counter(), time.process_time()
        advice = advise(vehicle, today=TODAY)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        items += len(advice.items)
    p95 = _common.percentile(wall, 0.95)
    return {
        "benchmark": "booking_advisor",
        "database": connection.vendor,
        "vehicles": len(vehicles),
        "items_per_vehicle": round(items / len(vehicles), 1),
        "queries_per_advice": len(queries.captured_queries),
        "advisor_ms": round(p95, 3),
        "advisor_p50_ms": round(_common.percentile(wall, 0.50), 3),
        "advisor_max_ms": round(max(wall), 3),
        "advisor_cpu_p95_ms": round(_common.percentile(cpu, 0.95), 3),
        "target_ms": TARGET_MS,
        "meets_target": p95 < TARGET_MS,
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_VEHICLES} vehicles")
    args = parser.parse_args()
    data_dir = _common.VAR_BENCH / "advisor"
    url = _common.bench_database_url("")
    if url:
        _common.create_database(url, drop_first=False)
    else:
        data_dir.mkdir(parents=True, exist_ok=True)
        for leftover in data_dir.glob("posventa.sqlite3*"):
            leftover.unlink()
    setup_django(url, data_dir)
    summary = measure_advisor(args.quick)
    print(
        f"{summary['vehicles']} vehicles on {summary['database']}: p50 "
        f"{summary['advisor_p50_ms']} ms, p95 {summary['advisor_ms']} ms (CPU p95 "
        f"{summary['advisor_cpu_p95_ms']} ms), {summary['queries_per_advice']} queries each; "
        f"load average {summary['load_average']}"
    )
    _common.emit(summary)


if __name__ == "__main__":
    main()

"""Server time of the staff customer list now that customers are scoped to the sites that
dealt with them (customers.visibility).

    python bench/customer_list.py [--quick] [--customers N] [--requests N]

A fresh SQLite database under var/bench/customer-list (or DATABASE_URL when it names a
PostgreSQL database with "bench" in its name) gets one group with two sites and N customers
(default 50,000; --quick 5,000): half created at each site, each with one case at their
site, and one in ten with a second case at the other site. Rows are bulk-inserted (the
actions' validation is not what is measured). Django's test client then asks for the
customer list, page 1 and a name search, `--requests` times each after a warm-up, as a
site agent (the visibility subqueries apply) and as a group admin (the whole group).

It reports p50/p95 server time and the SQL queries per page. The last line printed is one
JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # bench/ is on the path: the script's own folder

_common.use_checkout()

DATA_DIR = _common.VAR_BENCH / "customer-list"
BATCH = 2_000


def setup_django() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        _common.refuse_unless_bench(url)
        _common.create_database(url, drop_first=True)
    else:
        os.environ.pop("DATABASE_URL", None)
        shutil.rmtree(DATA_DIR, ignore_errors=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "posventa.settings"
    os.environ["POSVENTA_DATA_DIR"] = str(DATA_DIR)
    os.environ.setdefault("POSVENTA_LOG", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def load(count: int) -> dict[str, Any]:
    from django.db import transaction

    from posventa.cases.actions import build_case, next_references
    from posventa.cases.models import Case
    from posventa.core import actions as core_actions
    from posventa.core.models import Role, User
    from posventa.customers.actions import build_new_customer

    group = core_actions.create_organisation("Bench Lista Motor", "bench-lista")
    hours = [(day, dt.time(8), dt.time(18)) for day in range(5)]
    sites = [
        core_actions.create_site(
            group,
            name="Bench Madrid",
            slug="bl-madrid",
            timezone="Europe/Madrid",
            country="ES",
            intervals=hours,
        ),
        core_actions.create_site(
            group,
            name="Bench Göteborg",
            slug="bl-goteborg",
            timezone="Europe/Stockholm",
            country="SE",
            intervals=hours,
        ),
    ]
    agent = User.objects.create_user("bench-agent", password="bench-password-123")
    core_actions.grant_role(agent, group, Role.AGENT, sites[0])
    admin = User.objects.create_user("bench-admin", password="bench-password-123")
    core_actions.grant_role(admin, group, Role.ADMIN, None)
    from posventa.customers.models import Customer

    now = dt.datetime.now(dt.UTC)
    for start in range(0, count, BATCH):
        with transaction.atomic():
            customers = []
            for number in range(start, min(count, start + BATCH)):
                customer, _points = build_new_customer(
                    group, f"Cliente {number:06}", "", "email", []
                )
                customer.first_site = sites[number % 2]
                customers.append(customer)
            Customer.objects.bulk_create(customers)
            saved = list(
                Customer.objects.filter(organisation=group).order_by("-pk")[: len(customers)]
            )
            cases = []
            for customer in saved:
                home = customer.first_site_id == sites[0].pk
                cases.append(
                    build_case(
                        site=sites[0 if home else 1],
                        customer=customer,
                        channel="email",
                        subject="Revisión",
                    )
                )
                if customer.pk % 10 == 0:
                    cases.append(
                        build_case(
                            site=sites[1 if home else 0],
                            customer=customer,
                            channel="email",
                            subject="Segunda visita",
                        )
                    )
            for site in sites:
                mine = [case for case in cases if case.site_id == site.pk]
                references = next_references(site, [now] * len(mine))
                for case, reference in zip(mine, references, strict=True):
                    case.reference = reference
            Case.objects.bulk_create(cases)
    return {"agent": agent, "admin": admin}


def measure(user: Any, params: dict[str, str], requests: int) -> dict[str, float]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client = Client()
    client.force_login(user)
    url = reverse("customers:list")
    for _ in range(3):
        client.get(url, params)
    times = []
    queries = 0
    for _ in range(requests):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, params)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
        queries = len(captured.captured_queries)
    return {
        "p50_ms": round(_common.percentile(times, 0.5), 1),
        "p95_ms": round(_common.percentile(times, 0.95), 1),
        "queries": queries,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--customers", type=int)
    parser.add_argument("--requests", type=int, default=30)
    options = parser.parse_args()
    count = options.customers or (5_000 if options.quick else 50_000)
    setup_django()
    started = time.perf_counter()
    people = load(count)
    print(f"loaded {count} customers in {time.perf_counter() - started:.1f} s", flush=True)
    from django.db import connection

    summary: dict[str, Any] = {
        "bench": "customer_list",
        "database": connection.vendor,
        "customers": count,
    }
    for who in ("agent", "admin"):
        for label, params in (("list", {}), ("search", {"q": "Cliente 0001"})):
            figures = measure(people[who], params, options.requests)
            print(
                f"{who:5} {label:6} p50 {figures['p50_ms']:7.1f} ms  "
                f"p95 {figures['p95_ms']:7.1f} ms  {figures['queries']} queries"
            )
            summary[f"{who}_{label}"] = figures
    _common.emit(summary)


if __name__ == "__main__":
    main()

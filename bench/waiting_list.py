"""Server time of "Waiting on us" (the staff home page) with a million open clocks.

Target: p95 under 100 ms of server time at 1,000,000 open clocks on PostgreSQL, one row per
case (its most urgent clock leading, the others beside it), keyset-paged.

    python bench/waiting_list.py [--quick] [--clocks N] [--requests N] [--budget S] [--reload]

The database (DATABASE_URL if it names a PostgreSQL database with "bench" in its name, else
postgres://postgres@127.0.0.1:5432/posventa_reports_bench) is migrated and loaded
server-side (INSERT ... SELECT over generate_series): the group of 20 sites, 600 agents in
teams and customers of bench/queue_page.py, and open cases only (new, open, waiting on the
customer or a third party), each with the clocks the real rules give it: INFO-COMPLETE
(paused while waiting on the customer), INFO-WEB for internet channels and INFO-WRITTEN for
written ones, about 2.3 open clocks a case. Deadlines are spread from 8 % of a target late
to 92 % of it ahead, so the top of the list is breached and warned clocks. The load is kept
for a later run of the same size (`--reload` forces a new one).

Then Django's test client (full middleware, session, view, template) asks for each page
`--requests` times after a warm-up:

* an agent of one site (about 1/20 of the clocks): the default page, and "owner: me";
* a group-wide service manager (every clock): page 1, page 2 through the "next" link, one
  team, one standard, and the first page of the paused subjects (the last pages).

It reports p50/p95/max server time, the database's share and the queries per page; the
last line printed is one JSON object whose `p95_ms` is the worst page's p95.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # bench/ is on the path: the script's own folder

_common.use_checkout()

import queue_page  # noqa: E402 - the same people, sites and customers as the queue bench

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/posventa_reports_bench"
TARGET_P95_MS = 100.0
FULL_CLOCKS = 1_000_000
QUICK_CLOCKS = 100_000
CLOCKS_PER_CASE = 2.3
CUSTOMERS_PER_CASE = 0.4
WARMUP_REQUESTS = 10
MIN_REQUESTS = 20
INTERNET = queue_page.INTERNET
WRITTEN = queue_page.WRITTEN


def insert_open_cases(
    cursor: Any, people: Any, count: int, first_customer: int, customers: int, now: Any
) -> None:
    from posventa.cases.models import Case

    queue_page.require_columns(Case, queue_page.CASE_COLUMNS)
    cursor.execute(
        """
        INSERT INTO cases_case (organisation_id, site_id, reference, customer_id, vehicle_id,
            department, subject, channel, topic, status, owner_id, team_id, priority,
            requested_reply_channel, chase_count, awaiting_reply_since, opened_at, resolved_at,
            closed_at, updated_at)
        SELECT %(org)s, (%(sites)s::bigint[])[1 + site_i], 'WL-2026-' || lpad(n::text, 7, '0'),
            %(first_customer)s + (n::bigint * 7919) %% %(customers)s, NULL, 'service', subject,
            channel, lower(subject), status,
            CASE WHEN h3 %% 10 = 0 THEN NULL
                 ELSE (%(agents)s::bigint[])[1 + site_i][1 + h2 %% %(per_site)s] END,
            (%(teams)s::bigint[])[1 + site_i][1], 1,
            CASE channel WHEN 'web_form' THEN 'email' ELSE channel END, 0,
            CASE WHEN status = 'new' THEN opened_at END, opened_at, NULL, NULL, opened_at
        FROM (
            SELECT n, site_i, h2, h3,
                (%(subjects)s::text[])[1 + h3 %% %(subject_count)s] AS subject,
                (ARRAY['email', 'email', 'email', 'email', 'email', 'email', 'web_form',
                       'web_form', 'phone', 'sms', 'whatsapp', 'portal_chat'])[1 + h3 %% 12]
                    AS channel,
                CASE WHEN h2 %% 10 < 2 THEN 'new' WHEN h2 %% 10 < 7 THEN 'open'
                     WHEN h2 %% 10 < 8 THEN 'waiting_customer'
                     ELSE 'waiting_third_party' END AS status,
                %(now)s - make_interval(secs => h2 %% 2592000) AS opened_at
            FROM (
                SELECT n, n %% %(site_count)s AS site_i,
                    (n::bigint * 40503) %% 1000003 AS h2,
                    (n::bigint * 2246822519) %% 4294967291 AS h3
                FROM generate_series(1, %(count)s) AS n
            ) hashed
        ) cases
        ORDER BY n
        """,
        {
            "org": people.organisation_id,
            "sites": people.site_ids,
            "agents": people.agent_ids,
            "per_site": queue_page.AGENTS_PER_SITE,
            "teams": people.team_ids,
            "first_customer": first_customer,
            "customers": customers,
            "subjects": queue_page.SUBJECTS,
            "subject_count": len(queue_page.SUBJECTS),
            "site_count": queue_page.SITES,
            "count": count,
            "now": now,
        },
    )


# (standard, which cases) — paused while the case waits on the customer, as the rules do.
CLOCK_RULES = [
    ("INFO-COMPLETE", "true"),
    ("INFO-WEB", f"c.channel IN {INTERNET}"),
    ("INFO-WRITTEN", f"c.channel IN {WRITTEN} AND c.status IN ('new', 'open', 'waiting_customer')"),
]


def insert_open_clocks(cursor: Any, people: Any, now: Any) -> None:
    from django.contrib.contenttypes.models import ContentType

    from posventa.cases.models import Case
    from posventa.clocks.catalogue import business_day_seconds
    from posventa.clocks.models import Clock, Standard
    from posventa.core.models import Site

    queue_page.require_columns(Clock, queue_page.CLOCK_COLUMNS)
    case_type = ContentType.objects.get_for_model(Case).pk
    day = business_day_seconds(Site.objects.get(pk=people.site_ids[0]))
    for code, where in CLOCK_RULES:
        standard = Standard.objects.get(code=code)
        if standard.default_target_business_days is not None:
            target = standard.default_target_business_days * day
        else:
            target = int(standard.default_target_seconds or 0)
        span = target * queue_page.WALL_PER_BUSINESS_SECOND
        cursor.execute(
            f"""
            INSERT INTO clocks_clock (standard_id, site_id, subject_type_id, subject_id,
                owner_id, label, state, started_at, target_seconds, calendar_kind,
                target_overridden, warn_at, due_at, next_action_at, satisfied_at, breached_at,
                escalation_level, business_seconds, delta_seconds, created_at, updated_at)
            SELECT %(standard)s, site_id, %(case_type)s, id::text, owner_id, reference, state,
                due - make_interval(secs => %(span)s), %(target)s, 'business', false,
                CASE WHEN state = 'running' THEN due - make_interval(secs => %(span)s * 0.25) END,
                CASE WHEN state = 'running' THEN due END,
                CASE WHEN state = 'running' THEN greatest(due, %(now)s) END,
                NULL,
                CASE WHEN state = 'running' AND due <= %(now)s THEN due END,
                CASE WHEN state = 'running' AND due <= %(now)s THEN 2 ELSE 0 END,
                NULL, NULL, %(now)s, %(now)s
            FROM (
                SELECT c.id, c.site_id, c.owner_id, c.reference,
                    CASE WHEN c.status = 'waiting_customer' THEN 'paused' ELSE 'running' END
                        AS state,
                    -- From 8 %% of the target late to 92 %% of it ahead.
                    %(now)s + make_interval(secs => %(span)s
                        * (((c.id::bigint * 2654435761 + %(salt)s) %% 1000) / 1000.0 - 0.08)) AS due
                FROM cases_case c
                WHERE c.organisation_id = %(org)s AND {where}
            ) timed
            """,
            {
                "standard": code,
                "case_type": case_type,
                "target": target,
                "span": span,
                "salt": len(code) * 7919,
                "now": now,
                "org": people.organisation_id,
            },
        )


def load(people: Any, clocks: int, now: Any) -> dict[str, float]:
    from django.db import connection, transaction

    steps: dict[str, float] = {}
    cases = max(1, round(clocks / CLOCKS_PER_CASE))
    customers = max(1, int(cases * CUSTOMERS_PER_CASE))
    with transaction.atomic(), connection.cursor() as cursor:
        started = time.perf_counter()
        first_customer = queue_page.insert_customers(cursor, people, customers, now)
        steps["customers"] = time.perf_counter() - started
        started = time.perf_counter()
        insert_open_cases(cursor, people, cases, first_customer, customers, now)
        steps["cases"] = time.perf_counter() - started
        started = time.perf_counter()
        insert_open_clocks(cursor, people, now)
        steps["clocks"] = time.perf_counter() - started
    return steps


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("clocks_clock", "cases_case", "customers_customer", "core_user"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def open_clock_sizes() -> dict[str, int]:
    from django.db.models import Count

    from posventa.clocks.models import Clock

    by_state = dict(Clock.objects.values_list("state").annotate(n=Count("pk")))
    return {
        "open_clocks": by_state.get("running", 0) + by_state.get("paused", 0),
        "running_clocks": by_state.get("running", 0),
        "paused_clocks": by_state.get("paused", 0),
    }


def pages(people: Any) -> list[queue_page.Page]:
    from django.test import Client
    from django.urls import reverse

    from posventa.core.models import Team

    url = reverse("clocks:waiting")
    manager = people.group_manager
    team = Team.objects.get(pk=people.team_ids[3][0])
    result = [
        queue_page.Page("agent: waiting", people.agent, url),
        queue_page.Page("agent: owner me", people.agent, f"{url}?owner=me"),
        queue_page.Page("group manager: waiting", manager, url),
    ]
    client = Client()
    client.force_login(manager)
    first = client.get(f"{url}?reset=1").content.decode()
    next_link = re.search(r'rel="next" href="\?after=([^"]+)"', first)
    if next_link:
        result.append(
            queue_page.Page(
                "group manager: page 2", manager, f"{url}?after={html.unescape(next_link.group(1))}"
            )
        )
    result += [
        queue_page.Page("group manager: one team", manager, f"{url}?team={team.pk}"),
        queue_page.Page("group manager: INFO-WRITTEN", manager, f"{url}?standard=INFO-WRITTEN"),
        # The first page of subjects whose clocks are all paused: where the last pages are.
        queue_page.Page(
            "group manager: paused pages",
            manager,
            f"{url}?after=p~2000-01-01T00:00:00%2B00:00~0",
        ),
    ]
    return result


def measure(page: queue_page.Page, requests: int, budget_seconds: float) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client

    client = Client()
    client.force_login(page.user)
    for _ in range(WARMUP_REQUESTS):
        response = client.get(page.path)
        if response.status_code != 200:
            sys.exit(f"{page.label}: {page.path} answered {response.status_code}")
    totals, database, queries = [], [], []
    rows = 0
    deadline = time.perf_counter() + budget_seconds
    for done in range(requests):
        if done >= MIN_REQUESTS and time.perf_counter() > deadline:
            break
        log = queue_page.QueryLog([])
        with connection.execute_wrapper(log):
            started = time.perf_counter()
            response = client.get(page.path)
            elapsed = time.perf_counter() - started
        totals.append(elapsed * 1000)
        database.append(log.seconds * 1000)
        queries.append(len(log.entries))
        rows = response.content.count(b'<tr class="row-')
    return {
        "view": page.label,
        "requests": len(totals),
        "db_execution_ms": executed_ms(client, page.path),
        "p50_ms": round(_common.percentile(totals, 0.50), 1),
        "p95_ms": round(_common.percentile(totals, 0.95), 1),
        "max_ms": round(max(totals), 1),
        "db_p50_ms": round(_common.percentile(database, 0.50), 1),
        "queries": max(queries),
        "rows_on_page": rows,
        "meets_target": _common.percentile(totals, 0.95) < TARGET_P95_MS,
    }


def executed_ms(client: Any, path: str) -> float:
    """What the page's statements cost inside PostgreSQL (EXPLAIN ANALYZE's execution times,
    summed over one request): the figure that does not move with the load on the machine,
    unlike the wall-clock times above when other processes share its cores."""
    from django.db import connection

    log = queue_page.QueryLog([])
    with connection.execute_wrapper(log):
        client.get(path)
    total = 0.0
    with connection.cursor() as cursor:
        for sql, params, _seconds in log.entries:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
            total += float(cursor.fetchone()[0][0]["Execution Time"])
    return round(total, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_CLOCKS:,} open clocks")
    parser.add_argument("--clocks", type=int, help="how many open clocks (overrides --quick)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--budget", type=float, default=90.0, help="seconds per page at most")
    parser.add_argument("--reload", action="store_true", help="drop and load again")
    args = parser.parse_args()
    size = args.clocks or (QUICK_CLOCKS if args.quick else FULL_CLOCKS)
    url = _common.bench_database_url(DEFAULT_URL)
    _common.refuse_unless_bench(url)
    summary: dict[str, Any] = {"benchmark": "waiting_list", "target_p95_ms": TARGET_P95_MS}
    unreachable = _common.postgres_reachable(url)
    if unreachable:
        _common.emit({**summary, "error": f"PostgreSQL not reachable: {unreachable}"})
        sys.exit(1)
    existing = _common.loaded_rows(url, "clocks_clock", "state IN ('running', 'paused')")
    # The load makes about `size` open clocks (2.3 a case on average): reuse one within 10 %.
    reuse = existing is not None and abs(existing - size) < 0.10 * size and not args.reload
    _common.create_database(url, drop_first=not reuse)
    print(f"Database {_common.database_name(url)}: " + ("reusing" if reuse else "loading"))
    os.environ.setdefault("POSVENTA_DATA_DIR", str(_common.VAR_BENCH / "waiting-list"))
    _common.setup_django(url, "queue-page")
    from django.utils import timezone

    load_seconds: dict[str, float] = {}
    if reuse:
        people = queue_page.find_people()
    else:
        started = time.perf_counter()
        people = queue_page.create_people()
        load_seconds = load(people, size, timezone.now())
        load_seconds["total"] = time.perf_counter() - started
        for step, seconds in load_seconds.items():
            print(f"  loaded {step}: {seconds:.1f} s", flush=True)
    analyze()
    sizes = open_clock_sizes()
    print("  " + ", ".join(f"{name.replace('_', ' ')} {n:,}" for name, n in sizes.items()))
    results = []
    print(f"{args.requests} requests per page after {WARMUP_REQUESTS} warm-up ones:", flush=True)
    for page in pages(people):
        result = measure(page, args.requests, args.budget)
        results.append(result)
        print(
            f"  {result['view']:<30} n={result['requests']:<4} p50 {result['p50_ms']:6.1f} ms"
            f"  p95 {result['p95_ms']:6.1f} ms  max {result['max_ms']:6.1f} ms"
            f"  (database p50 {result['db_p50_ms']:5.1f} ms, executing"
            f" {result['db_execution_ms']:4.1f} ms, {result['queries']} queries,"
            f" {result['rows_on_page']} rows)" + ("" if result["meets_target"] else "  MISSES"),
            flush=True,
        )
    summary.update(
        {
            "database": _common.database_name(url),
            "reused_load": reuse,
            "load_seconds": {step: round(seconds, 1) for step, seconds in load_seconds.items()},
            "sizes": sizes,
            "pages": results,
            "p95_ms": max(result["p95_ms"] for result in results),
            # Wall-clock figures depend on what else runs on the machine: say how busy it was.
            "load_average_1m": round(os.getloadavg()[0], 2),
            "cpus": os.cpu_count(),
            "meets_target": all(result["meets_target"] for result in results),
        }
    )
    _common.emit(summary)


if __name__ == "__main__":
    main()

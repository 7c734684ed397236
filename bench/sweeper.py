"""How long the sweeper takes to find and claim 1 000 due clocks among 10k, 100k and 1M open
ones (PostgreSQL). The claim should cost the same whatever the table size, because the
sweeper's only query walks the partial index `clock_next_action_open` (running clocks by
next_action_at) and stops after the rows it needs.

For each size the clocks table is emptied and refilled server-side (INSERT ... SELECT over
generate_series, 90 % running with their next action spread over the coming year, 10 %
paused), plus 1 000 clocks whose warning is due now. Then:

* claim: lock the 1 000 due rows (SELECT ... FOR UPDATE SKIP LOCKED over the partial index),
  plan their steps and advance them with the batch compare-and-set; rolled back and
  repeated, the median is reported. This is the part that could grow with the table.
* escalate: a real sweep (batches of 100) that also writes the 1 000 timeline events and
  outbox notifications, committed. Its cost is per step, not per table size.

    python bench/sweeper.py [--quick]

django-helpdesk's `escalate_tickets` runs in the same run for comparison (unless
--no-helpdesk): installed in its own venv and project by bench/ingest_vs_helpdesk.py's
machinery (`run_in_helpdesk`), on its SQLite database (that venv has no PostgreSQL driver),
with 1 000 tickets due for escalation among HELPDESK_TICKETS open ones. Its figure is the
wall and CPU time of the command, and escalations per second.

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/posventa_bench; the database is
created if missing and migrated. Because the clocks table is emptied, the bench refuses a
database whose name does not contain "bench". The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/posventa_bench"
DUE = 1_000
CLAIM_REPEATS = 7
FULL_SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (10_000, 100_000)
# django-helpdesk's open tickets (1 000 of them due); SQLite fills 100k in a few seconds.
HELPDESK_TICKETS = 100_000
QUICK_HELPDESK_TICKETS = 10_000


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"Refusing to empty the clocks of '{name}': use a database named *bench*.")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "posventa.settings"
    os.environ.setdefault("POSVENTA_LOG", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def bench_fixture() -> tuple[object, object, list[int], int]:
    """A site with an owner and a manager, and 1 000 subjects for the due clocks."""
    from django.contrib.contenttypes.models import ContentType

    from posventa.core import actions
    from posventa.core.models import Organisation, Role, Site, Team, User

    T = dt.time
    organisation = Organisation.objects.filter(slug="bench").first() or (
        actions.create_organisation("Bench Motor", "bench")
    )
    site = Site.objects.filter(slug="bench-madrid").first() or actions.create_site(
        organisation,
        name="Bench Madrid",
        slug="bench-madrid",
        timezone="Europe/Madrid",
        country="ES",
        subdivision="MD",
        intervals=[*[(d, T(8), T(13)) for d in range(5)], *[(d, T(14), T(19)) for d in range(5)]],
    )
    people = []
    for username, role in (("bench-owner", Role.AGENT), ("bench-manager", Role.SERVICE_MANAGER)):
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username=username, email=f"{username}@example.com")
            actions.grant_role(user, organisation, role, site)
        people.append(user)
    existing = Team.objects.filter(site=site, name__startswith="Bench subject ").count()
    Team.objects.bulk_create(
        Team(site=site, name=f"Bench subject {number}") for number in range(existing, DUE)
    )
    subjects = list(
        Team.objects.filter(site=site, name__startswith="Bench subject ")
        .order_by("pk")
        .values_list("pk", flat=True)[:DUE]
    )
    return site, people[0], subjects, ContentType.objects.get_for_model(Team).pk


def fill(
    size: int, site_id: int, owner_id: int, subject_ids: list[int], team_type: int, now: dt.datetime
) -> float:
    """Empty the clocks table and insert `size` open clocks, DUE of them due now."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE clocks_clockpause, clocks_clock RESTART IDENTITY")
        # Not due: running clocks with their next action in the coming year (every 10th
        # paused, so without one), on made-up subjects the sweeper never reads.
        cursor.execute(
            """
            INSERT INTO clocks_clock (standard_id, site_id, subject_type_id, subject_id,
                owner_id, label, state, started_at, target_seconds, calendar_kind,
                target_overridden, warn_at, due_at, next_action_at, escalation_level,
                created_at, updated_at)
            SELECT 'INFO-WEB', %(site)s, %(type)s, 'bulk-' || n, %(owner)s, '',
                CASE WHEN n %% 10 = 0 THEN 'paused' ELSE 'running' END,
                %(now)s, 31536000, '24/7', true,
                CASE WHEN n %% 10 = 0 THEN NULL
                     ELSE %(now)s + make_interval(secs => 60 + (n::bigint * 7919) %% 31536000) END,
                NULL,
                CASE WHEN n %% 10 = 0 THEN NULL
                     ELSE %(now)s + make_interval(secs => 60 + (n::bigint * 7919) %% 31536000) END,
                0, %(now)s, %(now)s
            FROM generate_series(1, %(count)s) AS n
            """,
            {
                "site": site_id,
                "type": team_type,
                "owner": owner_id,
                "now": now,
                "count": size - DUE,
            },
        )
        # Due: 24/7 one-hour clocks started 50 minutes ago (plus up to 4 minutes), so each
        # owes exactly its warning (at 45 minutes) and its deadline is still ahead.
        cursor.execute(
            """
            INSERT INTO clocks_clock (standard_id, site_id, subject_type_id, subject_id,
                owner_id, label, state, started_at, target_seconds, calendar_kind,
                target_overridden, warn_at, due_at, next_action_at, escalation_level,
                created_at, updated_at)
            SELECT 'INFO-WEB', %(site)s, %(type)s, s.id::text, %(owner)s, 'bench',
                'running', start, 3600, '24/7', true, start + interval '45 minutes',
                start + interval '60 minutes', start + interval '45 minutes', 0, %(now)s,
                %(now)s
            FROM (
                SELECT id, %(now)s - interval '50 minutes'
                              - make_interval(secs => (id %% 240)) AS start
                FROM unnest(%(subjects)s::bigint[]) AS id
            ) AS s
            """,
            {
                "site": site_id,
                "type": team_type,
                "owner": owner_id,
                "now": now,
                "subjects": subject_ids,
            },
        )
        cursor.execute("ANALYZE clocks_clock")
    return time.perf_counter() - started


def time_claim(now: dt.datetime) -> tuple[float, float]:
    """Median seconds to (lock only, lock + plan + compare-and-set) the due clocks."""
    from django.db import transaction

    from posventa.clocks.sweeper import SweepContext, advance_claims, lock_due_clocks, plan_claims

    locks, claims = [], []
    for _ in range(CLAIM_REPEATS):
        with transaction.atomic():
            started = time.perf_counter()
            clocks = lock_due_clocks(now, DUE)
            locked = time.perf_counter()
            plans = plan_claims(clocks, now, SweepContext.for_clocks(clocks))
            won = advance_claims(plans, now)
            finished = time.perf_counter()
            assert len(won) == DUE, f"claimed {len(won)} of {DUE}"
            transaction.set_rollback(True)  # leave them due for the next repeat
        locks.append(locked - started)
        claims.append(finished - started)
    return statistics.median(locks), statistics.median(claims)


def uses_partial_index(now: dt.datetime) -> bool:
    from django.db import transaction

    from posventa.clocks.sweeper import due_clocks

    with transaction.atomic():
        plan = due_clocks(now).select_for_update(skip_locked=True, of=("self",))[:DUE].explain()
    return "clock_next_action_open" in plan


def time_escalation(now: dt.datetime) -> tuple[float, float, int]:
    """Wall and CPU seconds (this process: the database's own work is not in it) of a real
    sweep, and the steps it took."""
    from posventa.clocks.sweeper import sweep

    started, cpu = time.perf_counter(), time.process_time()
    stats = sweep(now, batch_size=100)
    return time.perf_counter() - started, time.process_time() - cpu, stats.steps


def helpdesk_child(project: Path, due: int, total: int) -> dict[str, object]:
    """Under django-helpdesk's venv: `total` open tickets in a queue that escalates after a
    day, `due` of them created three days ago and never escalated, the others escalated
    just now; then its own `escalate_tickets` command, timed."""
    from importlib import metadata

    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    # Installed only in the helpdesk venv this function runs in, not in ours.
    import helpdesk  # type: ignore[import-not-found]
    from helpdesk.models import Queue, Ticket, TicketChange  # type: ignore[import-not-found]

    queue = Queue.objects.create(
        title="Taller Banco", slug="taller", email_address="taller@bench.example", escalate_days=1
    )
    now = timezone.now()
    long_ago = now - dt.timedelta(days=3)

    def ticket(number: int, created: dt.datetime, escalated: dt.datetime | None) -> object:
        # bulk_create skips Ticket.save(), which would stamp `created` with now.
        return Ticket(
            title=f"Bench ticket {number}",
            queue=queue,
            submitter_email=f"cliente{number}@example.net",
            created=created,
            modified=created,
            last_escalation=escalated,
            priority=3,
            status=Ticket.OPEN_STATUS,
        )

    Ticket.objects.bulk_create(
        (ticket(number, now, now) for number in range(total - due)), batch_size=5_000
    )
    due_tickets = Ticket.objects.bulk_create(
        ticket(total + number, long_ago, None) for number in range(due)
    )
    # `created` may be stamped on insert whatever we pass: date the due ones afterwards.
    Ticket.objects.filter(pk__in=[row.pk for row in due_tickets]).update(created=long_ago)
    started, cpu = time.perf_counter(), time.process_time()
    call_command("escalate_tickets", verbosity=0)
    elapsed, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    escalated = TicketChange.objects.count()
    return {
        "version": getattr(helpdesk, "__version__", "") or metadata.version("django-helpdesk"),
        "database": "sqlite",
        "open_tickets": total,
        "escalated": escalated,
        "seconds": round(elapsed, 3),
        "cpu_seconds": round(cpu_s, 3),
        "escalations_per_second": round(escalated / elapsed, 1) if elapsed else None,
    }


def run_helpdesk(total: int) -> tuple[dict[str, object] | None, str]:
    import tempfile

    import ingest_vs_helpdesk

    with tempfile.TemporaryDirectory(prefix="sweeper-helpdesk-") as folder:
        return ingest_vs_helpdesk.run_in_helpdesk(
            Path(folder), Path(__file__), [str(DUE), str(total)]
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10k and 100k clocks only")
    parser.add_argument("--no-helpdesk", action="store_true", help="skip django-helpdesk")
    parser.add_argument("--helpdesk-child", nargs=3, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.helpdesk_child:
        project, due, total = arguments.helpdesk_child
        print(json.dumps(helpdesk_child(Path(project), int(due), int(total))))
        return
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    ensure_database(url)
    setup_django(url)
    from django.utils import timezone

    site, owner, subjects, team_type = bench_fixture()
    sizes = QUICK_SIZES if arguments.quick else FULL_SIZES
    figures: dict[str, dict[str, float]] = {
        "insert_s": {},
        "lock_1000_s": {},
        "claim_1000_s": {},
        "escalate_1000_s": {},
        "escalate_1000_cpu_s": {},
    }
    index_used = True
    for size in sizes:
        now = timezone.now()
        inserted = fill(size, site.pk, owner.pk, subjects, team_type, now)  # type: ignore[attr-defined]
        index_used = uses_partial_index(now) and index_used
        lock, claim = time_claim(now)
        escalate, escalate_cpu, steps = time_escalation(now)
        assert steps == DUE, f"escalated {steps} steps, expected {DUE}"
        key = str(size)
        figures["insert_s"][key] = round(inserted, 3)
        figures["lock_1000_s"][key] = round(lock, 4)
        figures["claim_1000_s"][key] = round(claim, 4)
        figures["escalate_1000_s"][key] = round(escalate, 3)
        figures["escalate_1000_cpu_s"][key] = round(escalate_cpu, 3)
        print(
            f"{size:>9,} open clocks: filled in {inserted:6.1f} s | find+lock 1000 due "
            f"{lock * 1000:7.1f} ms | claim 1000 (lock+plan+CAS) {claim * 1000:7.1f} ms | "
            f"full sweep with events and notifications {escalate:6.2f} s "
            f"({steps / escalate:,.0f} steps/s, {escalate_cpu:.2f} s CPU)",
            flush=True,
        )
    print(f"sweeper query uses the partial index clock_next_action_open: {index_used}")
    helpdesk: dict[str, object] | None = None
    if not arguments.no_helpdesk:
        helpdesk, problem = run_helpdesk(
            QUICK_HELPDESK_TICKETS if arguments.quick else HELPDESK_TICKETS
        )
        if helpdesk is None:
            print(f"django-helpdesk not measured: {problem}")
        else:
            print(
                f"django-helpdesk {helpdesk['version']} escalate_tickets: "
                f"{helpdesk['escalated']} escalated among {helpdesk['open_tickets']:,} open "
                f"tickets in {helpdesk['seconds']} s ({helpdesk['escalations_per_second']}/s, "
                f"{helpdesk['cpu_seconds']} s CPU, SQLite)"
            )
    load = [round(value, 2) for value in os.getloadavg()]
    print(
        json.dumps(
            {
                "bench": "sweeper",
                "backend": "postgresql",
                "due": DUE,
                "repeats": CLAIM_REPEATS,
                "uses_partial_index": index_used,
                **figures,
                "helpdesk_escalate": helpdesk,
                "load_average": load,
            }
        )
    )


if __name__ == "__main__":
    main()

"""End-to-end inbound throughput: raw e-mail → customer match → case → clocks → acknowledgement.

The messages go through the ingest layer exactly as the adapters hand them over: in
fetches of 200 through `inbox.batch.ingest_many` (the IMAP poller; raw rows stored in one
commit, then processed a table at a time), and, as a second figure, one by one through
`inbox.actions.ingest` (the SMTP listener, the HTTP endpoint). Either way every message is
parsed, its customer identified, threaded, filed, given its INFO-WEB / INFO-WRITTEN /
INFO-COMPLETE clocks and timeline events, and acknowledged through the outbox. Runs on
SQLite (a temporary file database, migrated here) and then on PostgreSQL (DATABASE_URL,
or postgres://postgres@127.0.0.1:5432/posventa_bench_ingest, dropped and re-created).

    python bench/ingest.py [--quick] [--sqlite-only] [--profile] [--preload N]

`--preload N` first ingests N messages from other customers (not timed), so the figures
show the lookups on a database in use rather than an empty one.

The message mix, drawn with a fixed seed: 60 % first messages from new customers, 25 %
follow-ups by known customers on the same topic (threaded, recorded as chases), 10 %
replies quoting the case reference, 5 % out-of-office answers (kept, no case).

Each backend runs in a child process (Django settings are per process). The last line
printed is one JSON object with the figures. `run_posventa(messages, site)` is the function
to call from a comparison harness: it ingests the given raw e-mails and returns messages/s.
"queries_per_message" counts the batched run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

SEED = 20260402
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/posventa_bench_ingest"
IMAP_FETCH = 200  # at most this many per FETCH, as the IMAP poller (adapters/imap.py)
SUBJECTS = [
    "Revisión de los 30.000 km",
    "Ruido al frenar",
    "Cita para cambiar neumáticos",
    "Presupuesto de la distribución",
    "Garantía de la batería",
    "Factura de la última visita",
]


# --- message generation (no Django needed) ------------------------------------------------


def _email(sender: int, subject: str, number: int, headers: dict[str, str] | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = f"Cliente {sender} <cliente{sender}@example.net>"
    message["To"] = "taller@bench.example"
    message["Subject"] = subject
    message["Message-ID"] = f"<bench-{number}@example.net>"
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(
        f"Hola,\n\nMensaje {number}: ¿podrían decirme algo sobre «{subject}»?\n\nGracias.\n"
    )
    return bytes(message)


def generate_messages(count: int, seed: int = SEED) -> tuple[list[bytes], dict[str, int]]:
    """Raw e-mails in arrival order and how many of each kind."""
    rng = random.Random(seed)
    known: list[tuple[int, str]] = []
    messages: list[bytes] = []
    mix = {"new": 0, "follow_up": 0, "reference": 0, "auto_reply": 0}
    next_sender = 0
    for number in range(count):
        draw = rng.random()
        if draw < 0.60 or not known:
            next_sender += 1
            subject = rng.choice(SUBJECTS)
            known.append((next_sender, subject))
            messages.append(_email(next_sender, subject, number))
            mix["new"] += 1
        elif draw < 0.85:
            sender, subject = rng.choice(known)
            messages.append(_email(sender, f"Re: {subject}", number))
            mix["follow_up"] += 1
        elif draw < 0.95:
            # The n-th known customer's case got reference BEN-<year>-<n>: quote it.
            index = rng.randrange(len(known))
            sender, subject = known[index]
            messages.append(_email(sender, f"{subject} [{{reference:{index}}}]", number))
            mix["reference"] += 1
        else:
            sender, subject = rng.choice(known)
            messages.append(
                _email(
                    sender,
                    f"Fuera de la oficina: {subject}",
                    number,
                    {"Auto-Submitted": "auto-replied"},
                )
            )
            mix["auto_reply"] += 1
    return messages, mix


# --- the measured side --------------------------------------------------------------------


def run_posventa(messages: list[bytes], site: Any, *, one_by_one: bool = False) -> float:
    """Ingest raw e-mails for `site`; returns messages/s.

    By default in fetches of `IMAP_FETCH` messages through `inbox.batch.ingest_many`, as
    the IMAP poller hands them over; `one_by_one` calls `ingest` per message, as the SMTP
    listener and the HTTP endpoint do."""
    from posventa.inbox.actions import ingest
    from posventa.inbox.batch import InboundItem, ingest_many

    started = time.perf_counter()
    if one_by_one:
        for raw in messages:
            ingest("email", raw, source="smtp", site=site)
    else:
        for start in range(0, len(messages), IMAP_FETCH):
            fetch = messages[start : start + IMAP_FETCH]
            ingest_many([InboundItem("email", raw, source="imap", site=site) for raw in fetch])
    elapsed = time.perf_counter() - started
    return len(messages) / elapsed if elapsed > 0 else float("inf")


def start_as_a_service() -> None:
    """What a long-running poller has done before its first fetch (`imap_poll` starts the
    parse-ahead worker at start-up): timing starts with the worker ready, as the warm-up
    messages (fewer than parse-ahead's minimum) do not start it."""
    from posventa.inbox import parse_ahead

    parse_ahead.warm_up()


def _resolve_references(
    messages: list[bytes], year: int, offset: int, prefix: str = "BEN"
) -> list[bytes]:
    """Fill "{reference:n}" with the reference the n-th new case will get, `offset` cases
    having been opened before."""
    resolved = []
    for raw in messages:
        marker = raw.find(b"{reference:")
        if marker >= 0:
            end = raw.index(b"}", marker)
            index = int(raw[marker + len(b"{reference:") : end])
            reference = f"{prefix}-{year}-{offset + index + 1:05d}".encode()
            raw = raw[:marker] + reference + raw[end + 1 :]
        resolved.append(raw)
    return resolved


def _bench_site(slug: str = "bench") -> Any:
    """A dealer group of its own with one site; its case references start with the first
    three letters of `slug`."""
    import datetime as dt

    from posventa.core import actions as core_actions

    hours = [(day, dt.time(8), dt.time(19)) for day in range(5)]
    group = core_actions.create_organisation(f"Grupo Banco de Pruebas {slug}", slug)
    return core_actions.create_site(
        group,
        name="Taller Banco",
        slug=slug,
        timezone="Europe/Madrid",
        country="ES",
        intervals=hours,
        email=f"taller@{slug}.example",
    )


def _preload(site: Any, count: int, year: int) -> tuple[float, int]:
    """Ingest `count` messages from other customers (the same mix) before the measured
    run, so it shows what the lookups cost on a database in use. Returns the seconds it
    took and how many cases it opened (the measured run's references come after them)."""
    if not count:
        return 0.0, 0
    messages, mix = generate_messages(count, seed=SEED + 1)
    renamed = [
        raw.replace(b"<bench-", b"<old-").replace(b"cliente", b"antiguo") for raw in messages
    ]
    # References point at the preloaded cases, which are opened first.
    preloaded = _resolve_references(renamed, year, offset=0)
    started = time.perf_counter()
    run_posventa(preloaded, site)
    return time.perf_counter() - started, mix["new"]


def child(backend: str, count: int, profile: bool, preload: int = 0) -> dict[str, Any]:
    """Runs inside the child process whose environment selects the database."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    site = _bench_site()
    year = timezone.now().year
    preload_seconds, preloaded_cases = _preload(site, preload, year)
    warmup = [_email(10_000_000 + i, "Calentamiento", 10_000_000 + i) for i in range(20)]
    run_posventa(warmup, site)
    start_as_a_service()
    messages, mix = generate_messages(count)
    messages = _resolve_references(messages, year, offset=preloaded_cases + len(warmup))

    executed = [0]

    def count_query(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        executed[0] += 1
        return execute(sql, params, many, context)

    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
    with connection.execute_wrapper(count_query):
        rate = run_posventa(messages, site)
    if profile:
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)

    from posventa.cases.models import Case
    from posventa.clocks.models import Clock
    from posventa.inbox.models import InboundRaw

    statuses: dict[str, int] = {}
    for status in InboundRaw.objects.values_list("status", flat=True):
        statuses[status] = statuses.get(status, 0) + 1
    figures = {
        "backend": backend,
        "vendor": connection.vendor,
        "messages": count,
        "preloaded_messages": preload,
        "preload_seconds": round(preload_seconds, 1),
        "messages_per_second": round(rate, 1),
        "queries_per_message": round(executed[0] / count, 1),
        "mix": mix,
        "raw_statuses": statuses,
        "cases": Case.objects.count(),
        "clocks": Clock.objects.count(),
    }
    # The same traffic one message at a time (SMTP listener, HTTP endpoint), for another
    # dealer group in the same database.
    solo = _bench_site("solo")
    alone = [raw.replace(b"<bench-", b"<solo-") for raw in generate_messages(count)[0]]
    alone = _resolve_references(alone, timezone.now().year, offset=0, prefix="SOL")
    figures["one_by_one_messages_per_second"] = round(run_posventa(alone, solo, one_by_one=True), 1)
    return figures


# --- orchestration ------------------------------------------------------------------------


def _recreate_postgres(url: str) -> None:
    import psycopg
    from psycopg import sql

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _run_child(
    backend: str, url: str, count: int, profile: bool, data_dir: str, preload: int = 0
) -> dict[str, Any]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "posventa.settings",
        "DATABASE_URL": url,
        "POSVENTA_DATA_DIR": data_dir,
        "POSVENTA_LOG": "WARNING",
        "PYTHONPATH": str(ROOT / "src"),
    }
    command = [sys.executable, __file__, "--child", backend, "--count", str(count)]
    command += ["--preload", str(preload)]
    if profile:
        command.append("--profile")
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if profile:
        sys.stderr.write(done.stderr)
    if done.returncode != 0:
        return {"backend": backend, "error": done.stderr.strip().splitlines()[-1:]}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 messages instead of 3000")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile to stderr")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help="messages per backend")
    parser.add_argument(
        "--preload",
        type=int,
        default=0,
        help="messages ingested (not timed) before the measured run, e.g. 50000",
    )
    args = parser.parse_args()
    count = args.count or (300 if args.quick else 3000)

    if args.child:
        print(json.dumps(child(args.child, count, args.profile, args.preload)))
        return

    results = []
    with tempfile.TemporaryDirectory(prefix="posventa-bench-") as data_dir:
        sqlite_url = f"sqlite:///{Path(data_dir) / 'bench.sqlite3'}"
        results.append(
            _run_child("sqlite", sqlite_url, count, args.profile, data_dir, args.preload)
        )
        if not args.sqlite_only:
            pg_url = os.environ.get("DATABASE_URL", "")
            pg_url = pg_url if pg_url.startswith("postgres") else DEFAULT_PG_URL
            try:
                _recreate_postgres(pg_url)
                results.append(
                    _run_child("postgresql", pg_url, count, args.profile, data_dir, args.preload)
                )
            except Exception as error:  # no server: report it, keep the SQLite figures
                results.append({"backend": "postgresql", "error": str(error)})
    for result in results:
        if "error" in result:
            print(f"{result['backend']:>10}: failed: {result['error']}")
        else:
            print(
                f"{result['backend']:>10}: {result['messages_per_second']:8.1f} msg/s in "
                f"fetches of {IMAP_FETCH}, {result['one_by_one_messages_per_second']:.1f} one "
                f"by one  {result['queries_per_message']:5.1f} queries/msg  "
                f"({result['messages']} messages, {result['cases']} cases, "
                f"{result['clocks']} clocks, statuses {result['raw_statuses']}, "
                f"{result['preloaded_messages']} preloaded in {result['preload_seconds']} s)"
            )
    sqlite = next((r for r in results if r.get("backend") == "sqlite"), {})
    summary = {
        "benchmark": "ingest",
        "messages": count,
        "target_sqlite_msg_per_s": 300,
        "results": results,
        "sqlite_meets_target": sqlite.get("messages_per_second", 0) >= 300,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()

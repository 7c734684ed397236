"""Telephony: CDR import speed and memory, call events end to end, (the phone board).

    nice -n 19 python bench/telephony.py [--quick] [--sqlite-only] [--lines 100000,1000000]
                                         [--events 20000]

measure_cdr     An Asterisk Master.csv of N lines (cdr_csv's format, uniqueid logged;
                callers from a pool of 50,000 invented numbers, 70 % answered, 15 %
                outbound) imported by `telephony.actions.cdr_import.import_cdr`, the
                action behind `import_cdr` and the API upload: the raw copy, parsing,
                numbers, facts, customers (unknown callers become contacts), inserts.
                Each size and database runs in a child process of its own, so its peak
                RSS (getrusage ru_maxrss) is that import's. Targets: >= 20,000 records/s
                into SQLite from 1,000,000 lines, peak RSS < 200 MB at any size.
measure_events  Signed generic-webhook requests, one event each (as a PBX posts them),
                through Django's whole stack in one process (django.test.Client: middleware,
                signature, rate-limit counters, raw row committed, then processed into the
                call and its facts), 5 events a call, 10 calls interleaved, callers from a
                pool of 500. Target: >= 1,000 events/s on SQLite. The rate limits are
                raised for the run (a PBX this busy needs POSVENTA_RATE_WEBHOOK_* raised).
measure_phone_board  The site's phone board with 100,000 calls in its history (from
                bench/telephony_board.py, which also runs alone). Target: p95 < 100 ms.

SQLite in a temporary directory; PostgreSQL at DATABASE_URL when it names a database with
"bench" in it, else postgres://postgres@127.0.0.1:5432/posventa_telephony_bench (dropped and
re-created per run). The last line is one JSON object with cdr_records_per_s (SQLite,
largest size), cdr_peak_rss_mb (the largest of every run), events_per_s (SQLite) and
phone_board_p95_ms, and every run's figures under "runs". Each run also gives its rate per
second of the child's CPU time (`*_per_cpu_s`; on SQLite that includes the database's
work) and the load average: on a machine shared with other work, the wall-clock rate
measures the machine as much as the code.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from _common import (  # noqa: E402
    VAR_BENCH,
    bench_database_url,
    create_database,
    django_environment,
    emit,
    last_json_line,
    postgres_reachable,
)
from telephony_board import measure_phone_board  # noqa: E402

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/posventa_telephony_bench"
CALLER_POOL = 50_000
EVENT_CALLERS = 500
SEED = 20261203
BATCH = 50


# --- the files -----------------------------------------------------------------------------


def master_csv(lines: int) -> Path:
    """A Master.csv of `lines` lines, written once and kept under var/bench/telephony."""
    from posventa.telephony.cdr import format_line

    folder = VAR_BENCH / "telephony"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"Master-{lines}.csv"
    if path.exists():
        return path
    rng = random.Random(SEED)
    # Written as the PBX writes it: wall-clock time in the site's zone.
    start = dt.datetime(2026, 1, 5, 8, 0, 0, tzinfo=ZoneInfo("Europe/Madrid"))
    with open(path.with_suffix(".part"), "w", encoding="utf-8") as out:
        for number in range(lines):
            start += dt.timedelta(seconds=rng.randint(1, 40))
            caller = f"6{rng.randrange(CALLER_POOL):08d}"
            ring = rng.randint(2, 30)
            answered = rng.random() < 0.7
            talk = rng.randint(10, 600) if answered else 0
            outbound = rng.random() < 0.15
            answer = start + dt.timedelta(seconds=ring) if answered else None
            end = (answer or start + dt.timedelta(seconds=ring)) + dt.timedelta(seconds=talk)
            src, dst = (
                ("20" + str(rng.randint(1, 9)), caller) if outbound else (caller, "910000001")
            )
            out.write(
                format_line(
                    [
                        "",
                        src,
                        dst,
                        "from-internal" if outbound else "from-trunk",
                        f'"Cliente {number % 977}" <{src}>',
                        f"SIP/{src if outbound else 'trunk'}-{number:08x}",
                        f"SIP/{'trunk' if outbound else '20' + str(number % 9 + 1)}-{number:08x}",
                        "Dial",
                        "SIP/201,30,tT",
                        f"{start:%Y-%m-%d %H:%M:%S}",
                        f"{answer:%Y-%m-%d %H:%M:%S}" if answer else "",
                        f"{end:%Y-%m-%d %H:%M:%S}",
                        int((end - start).total_seconds()),
                        talk,
                        "ANSWERED" if answered else rng.choice(["NO ANSWER", "NO ANSWER", "BUSY"]),
                        "DOCUMENTATION",
                        f"{1767600000 + number}.{number % 1000}",
                    ]
                )
            )
    path.with_suffix(".part").rename(path)
    return path


# --- children ------------------------------------------------------------------------------


def _setup() -> Any:
    import django

    django.setup()
    from django.core.management import call_command

    from posventa.core import actions as core_actions

    call_command("migrate", verbosity=0)
    group = core_actions.create_organisation("Grupo Banco de Pruebas Teléfono", "bench-phone")
    hours = [(day, dt.time(8), dt.time(19)) for day in range(5)]
    return core_actions.create_site(
        group,
        name="Taller Banco",
        slug="bench",
        timezone="Europe/Madrid",
        country="ES",
        intervals=hours,
    )


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def child_cdr(path: str) -> dict[str, Any]:
    site = _setup()
    from django.db import connection

    from posventa.telephony.actions import cdr_import

    started, cpu_started = time.perf_counter(), time.process_time()
    with open(path, "rb") as source:
        record = cdr_import.import_cdr(site, source, filename="Master.csv")
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    return {
        "measure": "cdr",
        "backend": connection.vendor,
        "lines": record.rows_read,
        "imported": record.rows_imported,
        "bad": record.rows_bad,
        "seconds": round(seconds, 2),
        "records_per_s": round(record.rows_read / seconds),
        # This process's CPU time (on SQLite the database's too): the same work without
        # the wait for a core on a loaded machine.
        "cpu_seconds": round(cpu, 2),
        "records_per_cpu_s": round(record.rows_read / cpu),
        "load_average": os.getloadavg()[0],
        "peak_rss_mb": _peak_rss_mb(),
    }


def child_events(count: int, batch: int = 1) -> dict[str, Any]:
    site = _setup()
    from django.db import connection
    from django.test import Client

    from posventa.channels import actions as channel_actions
    from posventa.channels.models import WebhookProvider
    from posventa.telephony.models import Call, CallEvent
    from posventa.telephony.webhooks import body_signature

    secret = "bench-secret"
    channel_actions.set_webhook_credential(site, secret, provider=WebhookProvider.PHONE_WEBHOOK)
    stream = _event_stream(count)
    if batch == 1:
        bodies = [json.dumps(item).encode() for item in stream]
    else:
        bodies = [
            json.dumps(stream[start : start + batch]).encode()
            for start in range(0, len(stream), batch)
        ]
    signatures = [body_signature(secret, body) for body in bodies]
    client = Client()
    warm = max(50 // batch, 1)
    for body, signature in zip(bodies[:warm], signatures[:warm], strict=True):
        client.post(
            "/in/phone/bench/events/", body, "application/json", HTTP_X_POSVENTA_SIGNATURE=signature
        )
    started, cpu_started = time.perf_counter(), time.process_time()
    statuses: dict[int, int] = {}
    for body, signature in zip(bodies[warm:], signatures[warm:], strict=True):
        response = client.post(
            "/in/phone/bench/events/",
            body,
            "application/json",
            HTTP_X_POSVENTA_SIGNATURE=signature,
        )
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    timed = count - warm * batch
    return {
        "measure": "events",
        "events_per_request": batch,
        "requests": len(bodies) - warm,
        "backend": connection.vendor,
        "events": timed,
        "statuses": statuses,
        "calls": Call.objects.count(),
        "stored_events": CallEvent.objects.count(),
        "seconds": round(seconds, 2),
        "events_per_s": round(timed / seconds),
        "events_per_cpu_s": round(timed / cpu),
        "load_average": os.getloadavg()[0],
        "ms_per_event": round(seconds / timed * 1000, 3),
        "peak_rss_mb": _peak_rss_mb(),
    }


def _event_stream(count: int) -> list[dict[str, Any]]:
    """`count` events of calls 5 events long, 10 calls interleaved, in time order."""
    rng = random.Random(SEED)
    base = dt.datetime(2026, 12, 3, 8, 0, tzinfo=dt.UTC)
    events: list[tuple[dt.datetime, dict[str, Any]]] = []
    calls = count // 5 + 1
    for number in range(calls):
        begin = base + dt.timedelta(seconds=number * 6)
        caller = f"+346{rng.randrange(EVENT_CALLERS):08d}"
        offsets = [0, rng.randint(2, 20), 40, 40 + rng.randint(5, 45), 200]
        kinds = ["ringing", "answered", "hold_started", "hold_ended", "hung_up"]
        for kind, offset in zip(kinds, offsets, strict=True):
            at = begin + dt.timedelta(seconds=offset)
            events.append(
                (
                    at,
                    {
                        "event": kind,
                        "call_id": f"bench-{number}",
                        "timestamp": at.isoformat(),
                        "direction": "inbound",
                        "from": caller,
                        "to": "+34910000001",
                        "agent": "201",
                    },
                )
            )
    events.sort(key=lambda pair: pair[0])
    return [event for _at, event in events[:count]]


# --- the measures (each runs children; main collects their figures) ----------------------


def _run(url: str, data_dir: str, *arguments: str) -> dict[str, Any]:
    env = django_environment(url, data_dir)
    env["POSVENTA_RATE_WEBHOOK_IP"] = "10000000/m"
    env["POSVENTA_RATE_WEBHOOK_ENDPOINT"] = "10000000/m"
    command = [sys.executable, __file__, "--child", *arguments]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"url": url, "arguments": arguments, "error": done.stderr.strip().splitlines()[-5:]}
    return last_json_line(done.stdout)


def _databases(
    args: argparse.Namespace, data_dir: str, name: str
) -> list[tuple[str, Callable[[], str]]]:
    """(label, a function giving a fresh database URL) per backend."""

    def sqlite() -> str:
        path = Path(data_dir) / f"{name}-{time.monotonic_ns()}.sqlite3"
        return f"sqlite:///{path}"

    backends: list[tuple[str, Callable[[], str]]] = [("sqlite", sqlite)]
    if not args.sqlite_only:
        url = bench_database_url(DEFAULT_PG_URL)
        problem = postgres_reachable(url)
        if problem:
            print(f"PostgreSQL skipped: {problem}")
        else:

            def postgres() -> str:
                create_database(url, drop_first=True)
                return url

            backends.append(("postgresql", postgres))
    return backends


def measure_cdr(args: argparse.Namespace, data_dir: str) -> dict[str, Any]:
    runs = []
    for lines in args.lines:
        path = master_csv(lines)
        for _label, fresh in _databases(args, data_dir, "cdr"):
            result = _run(fresh(), data_dir, "cdr", str(path))
            print(json.dumps(result))
            runs.append(result)
    ok = [run for run in runs if "error" not in run]
    sqlite = [run for run in ok if run["backend"] == "sqlite"]
    largest = max(sqlite, key=lambda run: run["lines"], default=None)
    return {
        "cdr_records_per_s": largest["records_per_s"] if largest else None,
        "cdr_records_per_cpu_s": largest["records_per_cpu_s"] if largest else None,
        "cdr_lines": largest["lines"] if largest else None,
        "cdr_peak_rss_mb": max((run["peak_rss_mb"] for run in ok), default=None),
        "cdr_runs": runs,
    }


def measure_events(args: argparse.Namespace, data_dir: str) -> dict[str, Any]:
    """One event per request (as most PBX bridges post), and batches of BATCH (a bridge
    that buffers a second or so, which the generic webhook accepts)."""
    runs = []
    for batch in (1, BATCH):
        for _label, fresh in _databases(args, data_dir, "events"):
            result = _run(fresh(), data_dir, "events", str(args.events), str(batch))
            print(json.dumps(result))
            runs.append(result)

    def sqlite(batch: int, figure: str = "events_per_s") -> int | None:
        run = next(
            (
                run
                for run in runs
                if run.get("backend") == "sqlite" and run.get("events_per_request") == batch
            ),
            None,
        )
        return run[figure] if run else None

    return {
        "events_per_s": sqlite(BATCH),
        "events_per_cpu_s": sqlite(BATCH, "events_per_cpu_s"),
        "events_per_s_one_per_request": sqlite(1),
        "events_per_cpu_s_one_per_request": sqlite(1, "events_per_cpu_s"),
        "events_per_request": BATCH,
        "events_runs": runs,
    }


MEASURES: list[Callable[[argparse.Namespace, str], dict[str, Any]]] = [
    measure_cdr,
    measure_events,
    measure_phone_board,
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 lines and 2,000 events")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--lines", help="CDR sizes, comma-separated (default 100000,1000000)")
    parser.add_argument("--events", type=int, help="events to post (default 5000)")
    parser.add_argument("--board-calls", type=int, help="calls in the board's history (100000)")
    parser.add_argument("--board-requests", type=int, help="board requests timed (60)")
    parser.add_argument(
        "--only", help="run only these measures (cdr, events, ...), comma-separated"
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, value, *rest = args.child
        if kind == "cdr":
            print(json.dumps(child_cdr(value)))
        else:
            print(json.dumps(child_events(int(value), int(rest[0]) if rest else 1)))
        return
    default_lines = "10000" if args.quick else "100000,1000000"
    args.lines = [int(part) for part in (args.lines or default_lines).split(",")]
    args.events = args.events or (2000 if args.quick else 5000)
    args.board_calls = args.board_calls or (10_000 if args.quick else 100_000)
    only = set(args.only.split(",")) if args.only else None
    figures: dict[str, Any] = {"benchmark": "telephony", "phone_board_p95_ms": None}
    with tempfile.TemporaryDirectory(prefix="posventa-bench-telephony-") as data_dir:
        for measure in MEASURES:
            if only and measure.__name__.removeprefix("measure_") not in only:
                continue
            figures.update(measure(args, data_dir))
    emit(figures)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()

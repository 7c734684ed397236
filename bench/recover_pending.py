"""Crash recovery: how long the sweeper's housekeeping takes to process a backlog of raw
rows a crash left stored but unprocessed (`inbox.recovery.process_pending`, one run).

    python bench/recover_pending.py [--quick] [--sqlite-only] [--count N]

The backlog is the traffic mix of bench/ingest.py (new customers, follow-ups, replies
quoting a reference, out-of-office answers), stored as the IMAP poller stores a fetch
(`inbox.batch.store_many`, 200 per commit) and aged past the grace period, as if the
poller had died right after storing. The timed part is one `process_pending()` call.
Before it drained the whole backlog, a run took 100 rows, every 30 s. Runs on SQLite and
on PostgreSQL (DATABASE_URL, or postgres://postgres@127.0.0.1:5432/posventa_bench_recovery,
dropped and re-created), each in a child process. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from _common import create_database, django_environment, last_json_line  # noqa: E402

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/posventa_bench_recovery"


def child(count: int) -> dict[str, Any]:
    import datetime as dt

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from ingest import (
        IMAP_FETCH,
        _bench_site,
        _email,
        _resolve_references,
        generate_messages,
        run_posventa,
    )
    from posventa.inbox.batch import InboundItem, store_many
    from posventa.inbox.models import InboundRaw, InboundStatus
    from posventa.inbox.recovery import process_pending

    call_command("migrate", verbosity=0)
    site = _bench_site()
    # A sweeper that has run a while: its caches (sites, policies, ladders) are warm.
    warmup = [_email(10_000_000 + i, "Calentamiento", 10_000_000 + i) for i in range(20)]
    run_posventa(warmup, site)
    messages, mix = generate_messages(count)
    messages = _resolve_references(messages, timezone.now().year, offset=len(warmup))
    for start in range(0, len(messages), IMAP_FETCH):
        fetch = messages[start : start + IMAP_FETCH]
        store_many([InboundItem("email", raw, source="imap", site=site) for raw in fetch])
    # The poller died right after storing, two minutes ago.
    InboundRaw.objects.filter(status=InboundStatus.PENDING).update(
        received_at=timezone.now() - dt.timedelta(minutes=2)
    )
    backlog = InboundRaw.objects.filter(status=InboundStatus.PENDING).count()

    started = time.perf_counter()
    looked_at = process_pending()
    seconds = time.perf_counter() - started

    left = InboundRaw.objects.filter(status=InboundStatus.PENDING).count()
    return {
        "backend": connection.vendor,
        "backlog": backlog,
        "recovered_in_one_run": looked_at,
        "left_pending": left,
        "seconds": round(seconds, 2),
        "rows_per_second": round(looked_at / seconds, 1) if seconds > 0 else None,
        "mix": mix,
    }


def _run_child(url: str, count: int, data_dir: str) -> dict[str, Any]:
    env = django_environment(url, data_dir)
    command = [sys.executable, __file__, "--child", "--count", str(count)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"url": url, "error": done.stderr.strip().splitlines()[-3:]}
    return last_json_line(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 rows instead of 5000")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--count", type=int, help="rows in the backlog")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    count = args.count or (500 if args.quick else 5000)
    if args.child:
        print(json.dumps(child(count)))
        return

    results = []
    with tempfile.TemporaryDirectory(prefix="posventa-bench-") as data_dir:
        results.append(_run_child(f"sqlite:///{Path(data_dir) / 'bench.sqlite3'}", count, data_dir))
        if not args.sqlite_only:
            pg_url = os.environ.get("DATABASE_URL", "")
            pg_url = pg_url if pg_url.startswith("postgres") else DEFAULT_PG_URL
            create_database(pg_url, drop_first=True)
            results.append(_run_child(pg_url, count, data_dir))
    for result in results:
        if "error" in result:
            print(f"{result.get('url')}: error {result['error']}")
        else:
            print(
                f"{result['backend']:>10}: {result['recovered_in_one_run']} of "
                f"{result['backlog']} pending rows in one run, {result['seconds']} s "
                f"({result['rows_per_second']} rows/s), {result['left_pending']} left"
            )
    print(json.dumps({"benchmark": "recover_pending", "rows": count, "results": results}))


if __name__ == "__main__":
    main()

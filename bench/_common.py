"""Helpers shared by the bench scripts. Standard library only at import time, because
`ingest_vs_helpdesk.py` also runs this code under django-helpdesk's own interpreter, where
neither posventa nor psycopg is installed.
"""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
BENCH = ROOT / "bench"
VAR_BENCH = ROOT / "var" / "bench"


def use_checkout() -> None:
    """Import posventa (and the other bench scripts) from this checkout."""
    for folder in (SRC, BENCH):
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the value at least `fraction` of the samples do not exceed
    (p95 of 200 samples is the 190th smallest), so it is always a measured value."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def refuse_unless_bench(url: str) -> None:
    """The benches drop or fill whole databases: never do that to one not named *bench*."""
    name = database_name(url)
    if "bench" not in name:
        sys.exit(f"Refusing to use database '{name}' for a bench: its name must contain 'bench'.")


def _maintenance_url(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def postgres_reachable(url: str) -> str:
    """'' when the server answers, else the reason it does not."""
    try:
        import psycopg

        with psycopg.connect(_maintenance_url(url), connect_timeout=3):
            return ""
    except Exception as error:  # any failure means "no PostgreSQL here", reported as such
        return f"{type(error).__name__}: {error}".strip()


def create_database(url: str, *, drop_first: bool) -> bool:
    """Create the bench database (dropping it first if asked). True if it was created."""
    import psycopg
    from psycopg import sql

    refuse_unless_bench(url)
    name = database_name(url)
    with psycopg.connect(_maintenance_url(url), autocommit=True) as admin:
        if drop_first:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            return False
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def django_environment(database_url: str, data_dir: str | Path) -> dict[str, str]:
    """Environment for a child process running posventa against `database_url`."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "posventa.settings",
        "DATABASE_URL": database_url,
        "POSVENTA_DATA_DIR": str(data_dir),
        "POSVENTA_LOG": "WARNING",
        "PYTHONPATH": os.pathsep.join([str(SRC), str(BENCH)]),
    }


def setup_django(url: str, data_name: str) -> None:
    """Django against the bench database `url`, migrated; files under var/bench/<data_name>."""
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "posventa.settings"
    os.environ.setdefault("POSVENTA_LOG", "WARNING")
    os.environ.setdefault("POSVENTA_DATA_DIR", str(VAR_BENCH / data_name))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def last_json_line(output: str) -> dict[str, Any]:
    """The figures a child printed: by convention its last line is one JSON object."""
    for line in reversed(output.strip().splitlines()):
        if line.startswith("{"):
            return dict(json.loads(line))
    raise ValueError("the child printed no JSON line")


def emit(summary: dict[str, Any]) -> None:
    """The last line of every bench: one JSON object, nothing after it."""
    sys.stdout.flush()
    print(json.dumps(summary, ensure_ascii=False))


def bench_database_url(default: str) -> str:
    """DATABASE_URL when it names a PostgreSQL database with "bench" in its name (a bench
    drops and loads its database), else `default`."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres") and "bench" in database_name(url):
        return url
    return default


def loaded_rows(url: str, table: str, where: str = "") -> int | None:
    """How many rows `table` already holds (matching `where`), or None when the database
    or the table does not exist yet: a bench reuses a load of the size it wants."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=3) as connection:
            exists = connection.execute("SELECT to_regclass(%s)", [table]).fetchone()
            if not exists or exists[0] is None:
                return None
            condition = f" WHERE {where}" if where else ""
            row = connection.execute(f"SELECT count(*) FROM {table}{condition}").fetchone()
            return int(row[0]) if row else 0
    except psycopg.OperationalError:
        return None  # no such database yet

"""`core.ratelimit`: fixed windows counted in the database, shared by every process."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import RequestFactory
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.core import ratelimit
from posventa.core.models import RateLimitCounter
from posventa.core.ratelimit import Rate

ROOT = Path(__file__).resolve().parents[2]
T0 = dt.datetime(2026, 3, 10, 9, 0, 0, tzinfo=dt.UTC)  # on a ten-minute boundary


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("10/10m", Rate(10, 600)),
        ("5/h", Rate(5, 3600)),
        (" 300 / m ", Rate(300, 60)),
        ("2/30s", Rate(2, 30)),
        ("1/d", Rate(1, 86400)),
        ("off", None),
        ("0", None),
        ("0/h", None),
    ],
)
def test_a_rate_is_read_as_count_per_period(text: str, rate: Rate | None) -> None:
    assert Rate.parse(text) == rate


@pytest.mark.parametrize("text", ["ten a minute", "5/w", "5", "/h"])
def test_a_rate_that_cannot_be_read_is_refused_by_name(text: str) -> None:
    with pytest.raises(ValueError, match="is not a rate"):
        Rate.parse(text)


def test_a_client_is_limited_past_the_count_until_the_window_ends(
    db: None, settings: SettingsWrapper
) -> None:
    settings.POSVENTA_RATE_LIMITS = {"web_form_ip": "3/10m"}
    moments = [T0 + dt.timedelta(seconds=s) for s in (0, 10, 20, 30)]

    verdicts = [ratelimit.hit("web_form_ip", "192.0.2.1", now=at) for at in moments]

    assert [v.limited for v in verdicts] == [False, False, False, True]
    assert verdicts[-1].retry_after == 600 - 30
    assert verdicts[-1].describe() == "web_form_ip: 4 requests, limit 3 per 600 s"
    next_window = ratelimit.hit("web_form_ip", "192.0.2.1", now=T0 + dt.timedelta(minutes=10))
    assert not next_window.limited


def test_clients_and_limits_are_counted_apart(db: None, settings: SettingsWrapper) -> None:
    settings.POSVENTA_RATE_LIMITS = {"web_form_ip": "1/h", "portal_link_ip": "1/h"}

    assert not ratelimit.hit("web_form_ip", "192.0.2.1", now=T0).limited
    assert not ratelimit.hit("web_form_ip", "192.0.2.2", now=T0).limited
    assert not ratelimit.hit("portal_link_ip", "192.0.2.1", now=T0).limited
    assert ratelimit.hit("web_form_ip", "192.0.2.1", now=T0).limited


def test_counters_hold_digests_not_addresses(db: None) -> None:
    ratelimit.hit("web_form_address", "Ana.Prueba@example.net")

    row = RateLimitCounter.objects.get()
    assert "example" not in row.client and len(row.client) == 64
    assert ratelimit.hit("web_form_address", "ana.prueba@EXAMPLE.net").hits == 2  # same address


def test_a_limit_turned_off_counts_nothing(db: None, settings: SettingsWrapper) -> None:
    settings.POSVENTA_RATE_LIMITS = {"web_form_ip": "off"}

    assert not any(ratelimit.hit("web_form_ip", "192.0.2.1").limited for _n in range(50))
    assert not RateLimitCounter.objects.exists()


def test_housekeeping_deletes_spent_windows_only(db: None, settings: SettingsWrapper) -> None:
    settings.POSVENTA_RATE_LIMITS = {"web_form_ip": "5/m"}
    ratelimit.hit("web_form_ip", "192.0.2.1", now=T0)
    ratelimit.hit("web_form_ip", "192.0.2.1")

    assert ratelimit.purge_expired_counters() == 1
    assert RateLimitCounter.objects.count() == 1
    assert "posventa.core.ratelimit.purge_expired_counters" in settings.POSVENTA_HOUSEKEEPING_JOBS


@pytest.mark.parametrize(
    ("proxies", "forwarded", "remote", "expected"),
    [
        (0, "198.51.100.1", "10.0.0.5", "10.0.0.5"),  # no proxy: the header is the client's
        (1, "6.6.6.6, 198.51.100.1", "10.0.0.5", "198.51.100.1"),  # the proxy's entry
        (1, "not-an-ip", "10.0.0.5", "10.0.0.5"),
        (0, "", "garbage", ""),
    ],
)
def test_the_client_ip_trusts_only_the_configured_proxies(
    settings: SettingsWrapper, proxies: int, forwarded: str, remote: str, expected: str
) -> None:
    settings.POSVENTA_PROXY_COUNT = proxies
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)

    assert ratelimit.client_ip(request) == expected


# --- across processes ---------------------------------------------------------------------

WORKER = """
import json, sys
import django
django.setup()
from django.db import connection
from posventa.core import ratelimit
from posventa.core.models import RateLimitCounter
if sys.argv[1] == "setup":
    with connection.schema_editor() as editor:
        editor.create_model(RateLimitCounter)
else:
    hits = int(sys.argv[2])
    print(json.dumps([ratelimit.hit("web_form_ip", sys.argv[1]).limited for _ in range(hits)]))
"""


def _database_url(tmp_path: Path) -> str:
    """A database the test and its subprocesses share: this test database on PostgreSQL; a
    file on SQLite (the test database lives in memory there), with the counter table."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    _run(url, tmp_path, "setup").check_returncode()
    return url


def _start(url: str, data_dir: Path, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "posventa.settings",
        "DATABASE_URL": url,
        "PYTHONPATH": str(ROOT / "src"),
        "POSVENTA_DATA_DIR": str(data_dir),
        # Long windows: the test never straddles one.
        "POSVENTA_RATE_WEB_FORM_IP": "25/1000d",
        "POSVENTA_LOG": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, *args],
        env=env,
        cwd=str(ROOT),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _run(url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    process = _start(url, data_dir, *args)
    out, err = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def _verdicts(result: Any) -> list[bool]:
    assert result.returncode == 0, result.stderr
    verdicts: list[bool] = json.loads(result.stdout.strip().splitlines()[-1])
    return verdicts


@pytest.mark.django_db(transaction=True)
def test_a_limit_holds_across_processes_sharing_the_database(tmp_path: Path) -> None:
    url = _database_url(tmp_path)

    first = _verdicts(_run(url, tmp_path, "192.0.2.77", "20"))
    second = _verdicts(_run(url, tmp_path, "192.0.2.77", "20"))

    assert first == [False] * 20
    assert second == [False] * 5 + [True] * 15  # it saw the first process's twenty


@pytest.mark.django_db(transaction=True)
def test_processes_counting_at_the_same_time_lose_no_hit(tmp_path: Path) -> None:
    url = _database_url(tmp_path)

    running = [_start(url, tmp_path, "192.0.2.88", "30") for _n in range(2)]
    results = []
    for process in running:
        out, err = process.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))

    verdicts = [v for result in results for v in _verdicts(result)]
    assert verdicts.count(False) == 25  # exactly the limit, across both
    assert verdicts.count(True) == 35

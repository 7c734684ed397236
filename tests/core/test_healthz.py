"""/healthz: the database, the task worker and the sweeper, by their last heartbeat.

Heartbeats are written by the real loops (a sweep run, a worker run); staleness is made by
beating in the past, as a process that died an hour ago would have left it. The database
outage is a real one: /healthz is pointed at a PostgreSQL alias whose port nobody listens on.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import signal
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connections
from django.db.utils import load_backend
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.core.heartbeat import SWEEPER, WORKER, Throttled, beat
from posventa.core.models import Heartbeat, User


def healthz() -> tuple[int, dict[str, Any]]:
    response = Client().get("/healthz")
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    return response.status_code, response.json()


def beat_ago(name: str, seconds: float, *, every: float = 10) -> None:
    beat(name, every=every, at=timezone.now() - dt.timedelta(seconds=seconds))


def test_all_well_is_200_ok_with_each_check(db: None) -> None:
    beat(WORKER, every=10)
    beat(SWEEPER, every=10)
    status, body = healthz()
    assert status == 200
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    for name in (WORKER, SWEEPER):
        check = body["checks"][name]
        assert check["ok"] is True
        assert check["age_s"] < 5
        assert check["max_age_s"] == 30  # 3 x the promised 10 s
        assert dt.datetime.fromisoformat(check["last_beat"]).tzinfo is not None


@pytest.mark.parametrize(("stale", "fresh"), [(WORKER, SWEEPER), (SWEEPER, WORKER)])
def test_a_stale_loop_is_503_naming_it(db: None, stale: str, fresh: str) -> None:
    beat_ago(stale, 3600)
    beat(fresh, every=10)
    status, body = healthz()
    assert status == 503
    assert body["status"] == "degraded"
    assert body["checks"][stale]["ok"] is False
    assert body["checks"][stale]["age_s"] >= 3600
    assert body["checks"][fresh]["ok"] is True
    assert body["checks"]["database"]["ok"] is True


def test_a_loop_that_never_beat_is_503(db: None) -> None:
    beat(SWEEPER, every=10)
    status, body = healthz()
    assert status == 503
    assert body["checks"][WORKER] == {
        "last_beat": None,
        "age_s": None,
        "max_age_s": None,
        "ok": False,
    }


def test_the_threshold_is_configurable(db: None, settings: SettingsWrapper) -> None:
    beat_ago(WORKER, 100)
    beat_ago(SWEEPER, 100)
    assert healthz()[0] == 503
    settings.POSVENTA_HEALTHZ_STALE_FACTOR = 20  # 200 s for a 10 s promise
    assert healthz()[0] == 200
    settings.POSVENTA_HEALTHZ_MAX_AGE = {"sweeper": 60}
    status, body = healthz()
    assert status == 503
    assert body["checks"]["sweeper"]["max_age_s"] == 60
    assert body["checks"]["worker"]["ok"] is True


def test_it_needs_no_login_and_shows_no_personal_data(db: None, manager: User) -> None:
    beat(WORKER, every=10)
    beat(SWEEPER, every=10)
    response = Client().get("/healthz")
    assert response.status_code == 200
    text = response.content.decode()
    assert manager.username not in text and manager.email not in text
    assert set(json.loads(text)) == {"status", "checks"}


def test_it_costs_one_query(db: None, django_assert_num_queries: Any) -> None:
    beat(WORKER, every=10)
    with django_assert_num_queries(1):
        Client().get("/healthz")


def test_a_load_balancer_may_ask_with_head(db: None) -> None:
    assert Client().head("/healthz").status_code == 503  # nothing has beaten yet


@pytest.fixture
def unreachable_database(settings: SettingsWrapper) -> Iterator[str]:
    """A database alias on a loopback port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    alias = "healthz_unreachable"
    config = {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "NAME": "posventa",
        "USER": "postgres",
        "OPTIONS": {"connect_timeout": 2},
    }
    configured = connections.configure_settings(
        {"default": connections.settings["default"], alias: config}
    )[alias]
    # Registered as a live connection only, not in the settings: Django's test case then
    # treats it as created on the fly and lets the view try to reach it.
    connections[alias] = load_backend(config["ENGINE"]).DatabaseWrapper(configured, alias)
    settings.POSVENTA_HEALTHZ_DATABASE = alias
    yield alias
    connections[alias].close()
    del connections[alias]


def test_an_unreachable_database_is_503_down(db: None, unreachable_database: str) -> None:
    beat(WORKER, every=10)
    beat(SWEEPER, every=10)
    status, body = healthz()
    assert status == 503
    assert body["status"] == "down"
    assert body["checks"]["database"] == {"ok": False, "error": "OperationalError"}
    assert body["checks"][WORKER]["ok"] is False  # unknown without the database


def test_a_sweep_run_records_the_sweeper_heartbeat(db: None) -> None:
    before = timezone.now()
    call_command("sweep", "--once", stdout=io.StringIO())
    row = Heartbeat.objects.get(name=SWEEPER)
    assert row.beat_at >= before
    assert healthz()[1]["checks"][SWEEPER]["ok"] is True


@pytest.fixture
def keep_signal_handlers() -> Iterator[None]:
    """The worker installs its own SIGINT/SIGTERM handlers; give pytest its own back."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


# The worker loop closes and reopens connections as in production: no test transaction.
@pytest.mark.django_db(transaction=True)
def test_a_worker_run_records_the_worker_heartbeat(keep_signal_handlers: None) -> None:
    before = timezone.now()
    # --batch: work off what is queued (nothing) and exit, through the real worker loop.
    call_command("worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0)
    row = Heartbeat.objects.get(name=WORKER)
    assert row.beat_at >= before
    assert healthz()[1]["checks"][WORKER]["ok"] is True


def test_beats_are_throttled_and_overwrite_one_row(db: None) -> None:
    alive = Throttled(SWEEPER, every=60)
    alive()
    first = Heartbeat.objects.get(name=SWEEPER).beat_at
    alive()  # within the minute: no write
    assert Heartbeat.objects.get(name=SWEEPER).beat_at == first
    beat(SWEEPER, every=60)
    assert Heartbeat.objects.filter(name=SWEEPER).count() == 1

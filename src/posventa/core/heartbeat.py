"""Heartbeats of the background loops, and the health report /healthz serves.

    beat("sweeper", every=2.0)      # from inside the loop, once per pass
    report()                        # {"status": "ok", "checks": {...}}, for /healthz

A loop beats from inside its own pass (not from a side thread), so a heartbeat proves the
loop is turning, not merely that its process exists. A row is stale when it is older than
POSVENTA_HEALTHZ_STALE_FACTOR (default 3) times the period the loop promised, or than
POSVENTA_HEALTHZ_MAX_AGE[name] seconds when that is set.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from posventa.core.models import Heartbeat

logger = logging.getLogger(__name__)

WORKER = "worker"
SWEEPER = "sweeper"
LOOPS = (WORKER, SWEEPER)
DEFAULT_STALE_FACTOR = 3.0
# Loops that turn every second would otherwise write every second; ten is plenty for a
# monitor and keeps SQLite's single writer free.
DEFAULT_HEARTBEAT_SECONDS = 10.0


def heartbeat_seconds() -> float:
    return float(getattr(settings, "POSVENTA_HEARTBEAT_SECONDS", DEFAULT_HEARTBEAT_SECONDS))


def beat(name: str, *, every: float, at: dt.datetime | None = None) -> None:
    """Record that loop `name` is alive now and will beat again within `every` seconds.

    One statement (INSERT ... ON CONFLICT DO UPDATE) on SQLite and PostgreSQL alike, so
    several processes beating the same name never collide."""
    row = Heartbeat(name=name, beat_at=at or timezone.now(), every_s=float(every))
    Heartbeat.objects.bulk_create(
        [row], update_conflicts=True, unique_fields=["name"], update_fields=["beat_at", "every_s"]
    )


class Throttled:
    """Calls `beat` at most once per `every` seconds, for loops that turn faster than that.
    Beating is best effort: a failed write is logged and the loop goes on (the loop's own
    queries will fail too and report the database as the cause)."""

    def __init__(self, name: str, *, every: float) -> None:
        self.name = name
        self.every = every
        self.last = -float("inf")

    def __call__(self) -> None:
        if time.monotonic() - self.last < self.every:
            return
        try:
            beat(self.name, every=self.every)
        except DatabaseError:
            logger.warning("Could not record the %s heartbeat", self.name, exc_info=True)
            return
        self.last = time.monotonic()


@dataclass(frozen=True)
class LoopHealth:
    last_beat: dt.datetime | None
    age_s: float | None
    max_age_s: float | None
    ok: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "last_beat": self.last_beat.isoformat() if self.last_beat else None,
            "age_s": round(self.age_s, 1) if self.age_s is not None else None,
            "max_age_s": self.max_age_s,
            "ok": self.ok,
        }


def max_age(name: str, every_s: float) -> float:
    configured: dict[str, float] = getattr(settings, "POSVENTA_HEALTHZ_MAX_AGE", {})
    if name in configured:
        return float(configured[name])
    factor = float(getattr(settings, "POSVENTA_HEALTHZ_STALE_FACTOR", DEFAULT_STALE_FACTOR))
    return factor * every_s


def loop_health(name: str, row: Heartbeat | None, now: dt.datetime) -> LoopHealth:
    if row is None:
        return LoopHealth(None, None, None, ok=False)  # never beaten: not running
    age = (now - row.beat_at).total_seconds()
    limit = max_age(name, row.every_s)
    return LoopHealth(row.beat_at, age, limit, ok=age <= limit)


def report() -> tuple[int, dict[str, Any]]:
    """(HTTP status, body) for /healthz: one query, which also proves the database answers.

    "down" when the database does not answer (nothing else can be known then), "degraded"
    when a loop is stale or has never beaten, else "ok"; 200 only for "ok"."""
    alias = getattr(settings, "POSVENTA_HEALTHZ_DATABASE", "default")
    started = time.monotonic()
    try:
        rows = {row.name: row for row in Heartbeat.objects.using(alias).filter(name__in=LOOPS)}
    except DatabaseError as error:
        logger.warning("Health check: the database does not answer: %s", error)
        unknown = {"last_beat": None, "age_s": None, "max_age_s": None, "ok": False}
        checks: dict[str, Any] = {
            "database": {"ok": False, "error": type(error).__name__},
            WORKER: unknown,
            SWEEPER: unknown,
        }
        return 503, {"status": "down", "checks": checks}
    elapsed_ms = round((time.monotonic() - started) * 1000, 1)
    now = timezone.now()
    loops = {name: loop_health(name, rows.get(name), now) for name in LOOPS}
    checks = {"database": {"ok": True, "latency_ms": elapsed_ms}}
    checks.update({name: health.as_json() for name, health in loops.items()})
    healthy = all(health.ok for health in loops.values())
    return (200 if healthy else 503), {"status": "ok" if healthy else "degraded", "checks": checks}

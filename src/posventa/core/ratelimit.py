"""Rate limits for public endpoints: fixed windows counted in the database.

A limit has a name ("web_form_ip") and a rate ("10/10m": ten requests per ten minutes),
set in `settings.POSVENTA_RATE_LIMITS` (each overridable with an environment variable,
see settings.py); "off" turns one off. `hit(name, value)` counts one request by a client
(an IP address, an e-mail address, a token) and says whether it is over the limit, and
for how many seconds more.

Why the database and not Django's cache: the default cache lives in one process's memory,
and Posventa runs several (web processes, the worker, the sweeper; on SQLite all in one
process for the demo, on PostgreSQL on several machines). Django's database cache does
hold across processes, but it increments with a read then a write, so two processes
counting at once lose hits (django-ratelimit refuses it for that reason). Here one
statement, `INSERT … ON CONFLICT DO UPDATE … RETURNING`, counts atomically on both
SQLite (3.35+) and PostgreSQL, and costs one round trip per limit checked: cheap enough
to run before any heavy work (reading a body, checking a signature, parsing a form).

Fixed windows start at multiples of the period since the epoch; a client may burst up to
twice the rate across a window's edge, which is acceptable for flood protection and keeps
the count to one row. Spent windows are deleted by `purge_expired_counters`, one of the
sweeper's housekeeping jobs.

The callers decide what a refusal looks like (a form shown again, JSON, an empty body)
and where it is recorded; `retry_after_header` and `try_again_message` give them the
common parts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import math
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import ngettext

from posventa.core.models import RateLimitCounter

PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
OFF = {"", "0", "off", "none", "no"}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate | None:
        """ "10/10m" → Rate(10, 600); "off" (or "0") → None. Raises ValueError otherwise."""
        if text.strip().lower() in OFF:
            return None
        match = RATE_RE.match(text.lower())
        if match is None:
            raise ValueError(
                f"{text!r} is not a rate: write COUNT/PERIOD, e.g. 10/10m, 5/h, 300/m, or off."
            )
        count, multiple, unit = match.groups()
        seconds = int(multiple or 1) * PERIOD_SECONDS[unit]
        if int(count) <= 0 or seconds <= 0:
            return None
        return cls(int(count), seconds)

    def __str__(self) -> str:
        return f"{self.count} per {self.seconds} s"


@dataclass(frozen=True)
class Verdict:
    """The answer for one request: over the limit or not, and until when."""

    name: str
    limited: bool
    hits: int = 0
    rate: Rate | None = None
    retry_after: int = 0  # whole seconds until the window ends; 0 when not limited

    def describe(self) -> str:
        """For the refused-request record: which limit, how far over."""
        return f"{self.name}: {self.hits} requests, limit {self.rate}"


def rate_for(name: str) -> Rate | None:
    configured = getattr(settings, "POSVENTA_RATE_LIMITS", {}) or {}
    defaults = getattr(settings, "POSVENTA_RATE_LIMIT_DEFAULTS", {})
    return Rate.parse(str(configured.get(name, defaults.get(name, "off"))))


def client_digest(value: str) -> str:
    # Counters are keyed by digests: no e-mail address or IP sits in the table.
    return hashlib.sha256(value.strip().lower().encode("utf-8")).hexdigest()


def hit(name: str, value: str, *, now: dt.datetime | None = None) -> Verdict:
    """Count one request by `value` against the limit `name`; the verdict says whether
    this request is over it. An empty value or a limit turned off counts nothing."""
    rate = rate_for(name)
    if rate is None or not value:
        return Verdict(name, limited=False)
    now = now or timezone.now()
    epoch = now.timestamp()
    start = math.floor(epoch / rate.seconds) * rate.seconds
    window_start = dt.datetime.fromtimestamp(start, tz=dt.UTC)
    expires_at = window_start + dt.timedelta(seconds=rate.seconds)
    hits = _increment(name, client_digest(value), window_start, expires_at)
    if hits <= rate.count:
        return Verdict(name, limited=False, hits=hits, rate=rate)
    return Verdict(
        name,
        limited=True,
        hits=hits,
        rate=rate,
        retry_after=max(math.ceil(start + rate.seconds - epoch), 1),
    )


def first_limited(checks: list[tuple[str, str]]) -> Verdict | None:
    """Hit each (limit, value) in order and stop at the first over its limit: a request
    refused by one limit does not use up the next one."""
    for name, value in checks:
        verdict = hit(name, value)
        if verdict.limited:
            return verdict
    return None


def _increment(scope: str, client: str, window_start: dt.datetime, expires_at: dt.datetime) -> int:
    table = connection.ops.quote_name(RateLimitCounter._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    # The table name is ours; every value is a parameter.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (scope, client, window_start, hits, expires_at) "
            "VALUES (%s, %s, %s, 1, %s) "
            "ON CONFLICT (scope, client, window_start) "
            f"DO UPDATE SET hits = {table}.hits + 1 "
            "RETURNING hits",
            [scope, client, adapt(window_start), adapt(expires_at)],
        )
        row = cursor.fetchone()
    return int(row[0])


def purge_expired_counters() -> int:
    """Delete spent windows (a housekeeping job); returns how many."""
    deleted, _by_model = RateLimitCounter.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted


# --- who is asking --------------------------------------------------------------------------


def client_ip(request: HttpRequest) -> str:
    """The client's address. Behind `POSVENTA_PROXY_COUNT` trusted reverse proxies it is
    the one the outermost of them saw (X-Forwarded-For, counted from the right: entries to
    its left are whatever the client wrote). With no proxy, REMOTE_ADDR."""
    proxies = int(getattr(settings, "POSVENTA_PROXY_COUNT", 0) or 0)
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies and _is_ip(forwarded[-proxies]):
            return str(forwarded[-proxies])
    remote = str(request.META.get("REMOTE_ADDR", ""))
    return remote if _is_ip(remote) else ""


def _is_ip(value: str) -> bool:
    # Whatever is returned is stored in IP columns (inet on PostgreSQL): never a bad one.
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


# --- what a refusal says ------------------------------------------------------------------


def retry_after_header(response: HttpResponse, seconds: int) -> HttpResponse:
    response["Retry-After"] = str(max(int(seconds), 1))
    return response


def try_again_message(seconds: int) -> str:
    """ "Please try again in 7 minutes." in the active language."""
    if seconds < 60:
        return ngettext(
            "Please try again in %(count)d second.",
            "Please try again in %(count)d seconds.",
            seconds,
        ) % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    if minutes < 120:
        return ngettext(
            "Please try again in %(count)d minute.",
            "Please try again in %(count)d minutes.",
            minutes,
        ) % {"count": minutes}
    hours = math.ceil(seconds / 3600)
    return ngettext(
        "Please try again in %(count)d hour.",
        "Please try again in %(count)d hours.",
        hours,
    ) % {"count": hours}

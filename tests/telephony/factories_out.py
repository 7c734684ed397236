"""Calls as the phone system leaves them once they are over, for the callback, board and
report tests (telout). The ingestion paths (webhooks, CDR) have their own tests; here a
call is a row with its final facts, handed to `callbacks.calls_closed` exactly as those
paths hand it over."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from posventa.core.models import Site, User
from posventa.customers.models import Customer
from posventa.telephony.callbacks import calls_closed
from posventa.telephony.models import Call, CallDirection, CallSource, CallStatus

_ids = itertools.count(1)
CALLER = "+34600000101"
SITE_NUMBER = "+34910000000"


def make_call(
    site: Site,
    *,
    direction: str = CallDirection.INBOUND,
    status: str = CallStatus.MISSED,
    number: str = CALLER,
    started_at: dt.datetime | None = None,
    ring_seconds: int = 20,
    talk_seconds: int = 0,
    customer: Customer | None = None,
    agent: User | None = None,
    outcome: str = "",
    close: bool = True,
    **facts: Any,
) -> Call:
    """A final call (closed through `calls_closed` unless `close` is False)."""
    started_at = started_at or timezone.now() - dt.timedelta(minutes=10)
    answered = status == CallStatus.COMPLETED
    answered_at = started_at + dt.timedelta(seconds=ring_seconds) if answered else None
    ended_at = started_at + dt.timedelta(seconds=ring_seconds + talk_seconds)
    inbound = direction == CallDirection.INBOUND
    values: dict[str, Any] = {
        "organisation_id": site.organisation_id,
        "site": site,
        "source": CallSource.GENERIC,
        "external_id": f"test-{next(_ids)}",
        "direction": direction,
        "status": status,
        "caller_raw": number if inbound else SITE_NUMBER,
        "caller": number if inbound else SITE_NUMBER,
        "called_raw": SITE_NUMBER if inbound else number,
        "called": SITE_NUMBER if inbound else number,
        "customer": customer,
        "agent": agent,
        "started_at": started_at,
        "answered_at": answered_at,
        "ended_at": ended_at,
        "last_event_at": ended_at,
        "ring_seconds": ring_seconds,
        "rings": ring_seconds // 5,
        "talk_seconds": talk_seconds,
        "answered": answered,
        "abandoned": status == CallStatus.ABANDONED,
        "voicemail": status == CallStatus.VOICEMAIL,
        "outcome": outcome,
    }
    if inbound:
        values["answered_within_limit"] = answered and ring_seconds <= 15
        values["meets_info_phone"] = values["answered_within_limit"]
    values.update(facts)
    call = Call.objects.create(**values)
    if close:
        calls_closed([call])
    return call


def missed_call(site: Site, **kwargs: Any) -> Call:
    return make_call(site, status=CallStatus.MISSED, **kwargs)


def call_back(site: Site, *, connected: bool = True, **kwargs: Any) -> Call:
    status = kwargs.pop("status", CallStatus.COMPLETED if connected else CallStatus.MISSED)
    kwargs.setdefault("talk_seconds", 60 if connected else 0)
    return make_call(site, direction=CallDirection.OUTBOUND, status=status, **kwargs)

"""A connected call from the phone system keeps the caller's promise to call (telephony's
call_connected signal, sent from callbacks.calls_closed)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from posventa.core.models import User
from posventa.promises.models import Promise, PromiseStatus
from posventa.telephony.callbacks import calls_closed
from posventa.telephony.models import Call


def outbound_call(promise: Promise, agent: User, status: str) -> Call:
    at = timezone.now() + dt.timedelta(minutes=1)
    return Call.objects.create(
        organisation_id=promise.site.organisation_id,
        site=promise.site,
        source="generic",
        external_id=f"promise-{promise.pk}-{agent.pk}-{status}",
        direction="outbound",
        status=status,
        called_raw="+34600000123",
        customer=promise.customer,
        case=promise.case,
        agent=agent,
        started_at=at,
        answered_at=at if status == "completed" else None,
        ended_at=at + dt.timedelta(minutes=3),
        last_event_at=at + dt.timedelta(minutes=3),
    )


def test_the_owners_connected_call_keeps_the_promise(promise: Promise, technician: User) -> None:
    call = outbound_call(promise, technician, "completed")
    calls_closed([call])
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.KEPT and promise.kept_at == call.answered_at


def test_an_unanswered_call_or_someone_elses_keeps_nothing(
    promise: Promise, technician: User, agent: User
) -> None:
    calls_closed([outbound_call(promise, technician, "busy")])
    calls_closed([outbound_call(promise, agent, "completed")])
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.OPEN

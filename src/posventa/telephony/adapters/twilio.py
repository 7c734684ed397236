"""Twilio Voice status callbacks (the signature is checked by the webhook view).

Twilio posts form fields as a call moves: `CallStatus` queued, ringing, in-progress,
completed, busy, failed, no-answer or canceled; `CallSid`, `From`, `To`, `Direction`
(inbound, outbound-api, outbound-dial), `Timestamp` (RFC 2822) and, once completed,
`CallDuration` (seconds since it was answered).

A completed call whose in-progress callback we never got (Twilio only sends the events
the status callback subscribes to) is answered `CallDuration` seconds before it ended.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Mapping, Sequence

from django.utils.translation import gettext as _

from posventa.telephony.adapters import CallSignal, Unreadable, as_utc
from posventa.telephony.models import CallDirection, CallEventKind

RINGING_STATUSES = {"queued", "initiated", "ringing"}
ENDED_STATUSES = {"completed", "busy", "failed", "no-answer", "canceled"}


def _field(fields: Mapping[str, Sequence[str]], name: str) -> str:
    values = fields.get(name) or [""]
    return str(values[0]).strip()


def _moment(value: str, received_at: dt.datetime) -> dt.datetime:
    if value:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            moment = None
        if moment is not None and moment.tzinfo is not None:
            return as_utc(moment)
    return as_utc(received_at)


def read(fields: Mapping[str, Sequence[str]], received_at: dt.datetime) -> list[CallSignal]:
    sid = _field(fields, "CallSid")
    if not sid:
        raise Unreadable(_("CallSid: required."))
    status = _field(fields, "CallStatus")
    if status not in RINGING_STATUSES | ENDED_STATUSES | {"in-progress"}:
        raise Unreadable(_("CallStatus: %(value)r is not a call status.") % {"value": status})
    raw_direction = _field(fields, "Direction")
    direction = CallDirection.INBOUND if raw_direction == "inbound" else CallDirection.OUTBOUND
    at = _moment(_field(fields, "Timestamp"), received_at)

    def signal(
        kind: str, moment: dt.datetime, name: str, data: dict[str, str] | None = None
    ) -> CallSignal:
        return CallSignal(
            external_id=sid[:128],
            kind=kind,
            occurred_at=moment,
            direction=direction if raw_direction else "",
            caller=_field(fields, "From")[:64],
            called=_field(fields, "To")[:64],
            data=data or {},
            identity=f"twilio:{sid}:{name}",
        )

    if status in RINGING_STATUSES:
        return [signal(CallEventKind.RINGING, at, status)]
    if status == "in-progress":
        return [signal(CallEventKind.ANSWERED, at, "answered")]
    signals = []
    if status == "completed":
        # Completed means answered; CallDuration counts from the answer.
        answered = at - dt.timedelta(seconds=_duration(_field(fields, "CallDuration")))
        signals.append(signal(CallEventKind.ANSWERED, answered, "answered-by-duration"))
    signals.append(signal(CallEventKind.HUNG_UP, at, "ended", {"cause": status}))
    return signals


def _duration(value: str) -> int:
    try:
        return max(int(value), 0)
    except ValueError:
        return 0

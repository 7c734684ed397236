"""Zammad's Generic CTI API, so a PBX bridge that pushes to Zammad pushes here by URL.

The bridge posts form fields (or the same as JSON) per call event:

    event=newCall  from, to, direction=in|out, callId, user (or user[]), queue
    event=answer   callId, user, answeringNumber
    event=hangup   callId, cause=normalClearing|busy|cancel|noAnswer|congestion|notFound|…

The API carries no timestamps: an event happened when it reached us (the raw row's
`received_at`, kept, so reading it again gives the same time). A call has one event of
each kind, so a bridge retrying a post is recognised by call id and event alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from django.utils.translation import gettext as _

from posventa.telephony.adapters import CallSignal, Unreadable, as_utc
from posventa.telephony.models import CallDirection, CallEventKind

KINDS = {
    "newCall": CallEventKind.RINGING,
    "answer": CallEventKind.ANSWERED,
    "hangup": CallEventKind.HUNG_UP,
}
DIRECTIONS = {"in": CallDirection.INBOUND, "out": CallDirection.OUTBOUND}


def _first(fields: Mapping[str, Sequence[str]], *names: str) -> str:
    for name in names:
        values = fields.get(name) or []
        for value in values:
            if str(value).strip():
                return str(value).strip()
    return ""


def read(fields: Mapping[str, Sequence[str]], received_at: dt.datetime) -> list[CallSignal]:
    event = _first(fields, "event")
    if event not in KINDS:
        raise Unreadable(_("event: %(value)r is not newCall, answer or hangup.") % {"value": event})
    call_id = _first(fields, "callId")
    if not call_id:
        raise Unreadable(_("callId: required."))
    direction = _first(fields, "direction")
    if direction and direction not in DIRECTIONS:
        raise Unreadable(_("direction: %(value)r is not in or out.") % {"value": direction})
    kind = KINDS[event]
    data: dict[str, str] = {}
    queue = _first(fields, "queue")
    if queue:
        data["queue"] = queue[:128]
    if kind == CallEventKind.HUNG_UP:
        data["cause"] = _first(fields, "cause")[:64]
    if kind == CallEventKind.ANSWERED and _first(fields, "answeringNumber"):
        data["answering_number"] = _first(fields, "answeringNumber")[:64]
    # On newCall, `user` lists who it rings for; on answer it is who took the call.
    agent = _first(fields, "user", "user[]") if kind == CallEventKind.ANSWERED else ""
    return [
        CallSignal(
            external_id=call_id[:128],
            kind=kind,
            occurred_at=as_utc(received_at),
            direction=DIRECTIONS.get(direction, ""),
            caller=_first(fields, "from")[:64],
            called=_first(fields, "to")[:64],
            agent=agent[:128],
            data=data,
            identity=f"zammad:{call_id}:{event}",
        )
    ]

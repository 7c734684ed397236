"""The generic JSON webhook: what any phone system (or a small script beside it) can post.

One event, or several in a list (`[{...}, {...}]` or `{"events": [...]}`):

    {"event": "ringing" | "answered" | "hold_started" | "hold_ended" | "transferred"
              | "voicemail" | "hung_up",
     "call_id": "a1b2c3", "timestamp": "2026-12-03T09:15:02+01:00",
     "direction": "inbound" | "outbound", "from": "+34600000123", "to": "+34910000001",
     "agent": "201",
     "to_agent": "202",              transferred: who takes the call
     "voicemail_url": "https://…",   voicemail
     "cause": "no_answer"}           hung_up: why (optional; none = the caller hung up)

The timestamp must carry its offset (or "Z"): a naive time is refused, never guessed.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.utils.translation import gettext as _

from posventa.telephony.adapters import CallSignal, Unreadable, as_utc
from posventa.telephony.models import CallDirection, CallEventKind

KINDS = set(CallEventKind.values)
DIRECTIONS = set(CallDirection.values)
MAX_EVENTS = 1000


def read(body: bytes) -> list[CallSignal]:
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Unreadable(_("The body is not JSON: %(error)s") % {"error": error}) from error
    if isinstance(payload, dict) and isinstance(payload.get("events"), list):
        items = payload["events"]
    elif isinstance(payload, list):
        items = payload
    else:
        items = [payload]
    if not items:
        raise Unreadable(_("The body holds no event."))
    if len(items) > MAX_EVENTS:
        raise Unreadable(_("At most %(count)d events per request.") % {"count": MAX_EVENTS})
    return [_signal(item, position) for position, item in enumerate(items)]


def _text(item: dict[str, Any], name: str, limit: int = 128) -> str:
    value = item.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str | int):
        raise Unreadable(_("%(field)s: expected text.") % {"field": name})
    return str(value).strip()[:limit]


def _signal(item: Any, position: int) -> CallSignal:
    where = _("event %(number)d") % {"number": position + 1}
    if not isinstance(item, dict):
        raise Unreadable(_("%(where)s: expected an object.") % {"where": where})
    try:
        return _read_event(item)
    except Unreadable as error:
        raise Unreadable(f"{where}: {error}") from error


def _read_event(item: dict[str, Any]) -> CallSignal:
    kind = _text(item, "event")
    if kind not in KINDS:
        raise Unreadable(
            _("event: %(value)r is not one of %(choices)s.")
            % {"value": kind, "choices": ", ".join(sorted(KINDS))}
        )
    call_id = _text(item, "call_id")
    if not call_id:
        raise Unreadable(_("call_id: required."))
    direction = _text(item, "direction")
    if direction and direction not in DIRECTIONS:
        raise Unreadable(
            _("direction: %(value)r is not inbound or outbound.") % {"value": direction}
        )
    data: dict[str, Any] = {}
    if kind == CallEventKind.TRANSFERRED:
        data["to"] = _text(item, "to_agent")
    if kind == CallEventKind.VOICEMAIL and _text(item, "voicemail_url", 1000):
        data["url"] = _text(item, "voicemail_url", 1000)
    if kind == CallEventKind.HUNG_UP and _text(item, "cause", 64):
        data["cause"] = _text(item, "cause", 64)
    return CallSignal(
        external_id=call_id,
        kind=kind,
        occurred_at=_timestamp(item.get("timestamp")),
        direction=direction,
        caller=_text(item, "from", 64),
        called=_text(item, "to", 64),
        agent=_text(item, "agent"),
        data=data,
    )


def _timestamp(value: Any) -> dt.datetime:
    if not isinstance(value, str) or not value.strip():
        raise Unreadable(_("timestamp: required, ISO 8601 with its offset."))
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError as error:
        raise Unreadable(
            _("timestamp: %(value)r is not an ISO 8601 time.") % {"value": value}
        ) from error
    if moment.tzinfo is None:
        raise Unreadable(
            _("timestamp: %(value)r has no offset; add one (e.g. +01:00 or Z).") % {"value": value}
        )
    return as_utc(moment)

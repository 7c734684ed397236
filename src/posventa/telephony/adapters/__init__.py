"""Phone systems' formats, read into one shape: `CallSignal`, one event of one call.

Each module reads one source's request body into signals and touches no database:

    generic.read(body)                  the generic JSON webhook (one event or a list)
    zammad.read(fields, received_at)    Zammad's Generic CTI API (newCall, answer, hangup)
    twilio.read(fields, received_at)    Twilio Voice status callbacks

What cannot be read raises `Unreadable` with the reason, which the raw row keeps when it
is quarantined. The webhook views live in `telephony.webhooks`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any


class Unreadable(ValueError):
    """The body is not an event this source sends; the message says why (for people)."""


@dataclass(frozen=True)
class CallSignal:
    """One normalised event of a call, as a source reported it."""

    external_id: str
    kind: str  # CallEventKind
    occurred_at: dt.datetime  # aware
    direction: str = ""  # CallDirection, or "" when this event does not say
    caller: str = ""  # as sent
    called: str = ""
    agent: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    # The source's identity of the event; when empty, a digest of its normalised fields.
    identity: str = ""

    @property
    def dedupe_key(self) -> str:
        if self.identity:
            basis = self.identity
        else:
            basis = json.dumps(
                [self.kind, self.occurred_at.astimezone(dt.UTC).isoformat(), self.agent, self.data],
                sort_keys=True,
                default=str,
            )
        return hashlib.sha256(basis.encode("utf-8")).hexdigest()


def as_utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)

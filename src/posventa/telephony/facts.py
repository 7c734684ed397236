"""A call's facts from its events: pure functions, no database.

The facts (ring, hold, talk, abandoned, INFO-PHONE) are a function of the *set* of the
call's events: they are sorted by time (then by a fixed order of kinds and the event's own
key, for events of the same second) and read once, so events that arrive twice or out of
order give the same facts as the same events delivered once, in order
(tests/telephony/test_events_properties.py).

INFO-PHONE (DESIGN.md): an inbound call meets it only when it was answered within the
site's ring limit (rings x ring length, default 3 x 5 s) and no hold lasted longer than
the hold limit (default 30 s). Outbound calls are not measured (None).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from posventa.telephony.models import CallDirection, CallEventKind, CallStatus

K = CallEventKind
# Within one second, the order in which a call's events make sense.
KIND_ORDER: dict[str, int] = {
    K.RINGING: 0,
    K.ANSWERED: 1,
    K.HOLD_STARTED: 2,
    K.HOLD_ENDED: 3,
    K.TRANSFERRED: 4,
    K.VOICEMAIL: 5,
    K.HUNG_UP: 6,
}
# Hang-up causes that mean nobody picked up although the caller waited for us (Zammad's
# noAnswer, Twilio's no-answer and busy, Asterisk's NO ANSWER / BUSY / FAILED). Without one
# of these, an unanswered inbound call the caller hung up on is abandoned.
NO_ANSWER_CAUSES = frozenset(
    {"noanswer", "no-answer", "no_answer", "no answer", "timeout", "busy", "congestion",
     "failed", "notfound", "forwarded", "unavailable"}
)  # fmt: skip
BUSY_CAUSES = frozenset({"busy"})
FAILED_CAUSES = frozenset({"failed", "congestion", "notfound", "unavailable"})


@dataclass(frozen=True)
class Rules:
    """A site's phone rules (PhoneSettings), as plain numbers."""

    ring_seconds: int = 5
    answer_within_rings: int = 3
    hold_limit_seconds: int = 30

    @property
    def answer_limit_seconds(self) -> int:
        return self.ring_seconds * self.answer_within_rings


@dataclass(frozen=True)
class EventFact:
    """What the facts need of one stored event."""

    kind: str
    occurred_at: dt.datetime
    dedupe_key: str
    agent: str = ""
    data: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass
class Facts:
    status: str
    started_at: dt.datetime
    answered_at: dt.datetime | None
    ended_at: dt.datetime | None
    last_event_at: dt.datetime
    ring_seconds: int
    rings: int
    hold_seconds: int
    longest_hold_seconds: int
    holds_over_limit: int
    talk_seconds: int
    answered: bool
    abandoned: bool
    abandoned_after_seconds: int | None
    voicemail: bool
    voicemail_url: str
    agent_raw: str
    transfers: list[dict[str, str]]
    hangup_cause: str
    meets_info_phone: bool | None
    answered_within_limit: bool | None

    def as_fields(self) -> dict[str, Any]:
        return dict(self.__dict__)


FACT_FIELDS = tuple(Facts.__dataclass_fields__)


def ordered(events: Iterable[EventFact]) -> list[EventFact]:
    """The call's events once each, in the order they happened."""
    unique = {event.dedupe_key: event for event in events}
    return sorted(
        unique.values(),
        key=lambda event: (event.occurred_at, KIND_ORDER.get(event.kind, 9), event.dedupe_key),
    )


def _seconds(start: dt.datetime, end: dt.datetime) -> int:
    return max(round((end - start).total_seconds()), 0)


def compute_facts(
    events: Sequence[EventFact],
    *,
    direction: str,
    rules: Rules,
    timed_out: bool = False,
    started_at: dt.datetime | None = None,
) -> Facts:
    """The facts of a call with these events. `timed_out`: the stale-call timeout closed
    it (no hang-up came); a hang-up that arrives later still wins. `started_at`: when the
    call began if no event says so (a call logged by hand)."""
    timeline = ordered(events)
    if not timeline and started_at is None:
        raise ValueError("A call needs an event or a start time.")
    begin = min([event.occurred_at for event in timeline] + ([started_at] if started_at else []))
    last = max([event.occurred_at for event in timeline], default=begin)
    answered_event = next((e for e in timeline if e.kind == K.ANSWERED), None)
    hangup = next((e for e in timeline if e.kind == K.HUNG_UP), None)
    voicemail_event = next((e for e in timeline if e.kind == K.VOICEMAIL), None)
    ended_at = hangup.occurred_at if hangup else (last if timed_out else None)
    answered_at = answered_event.occurred_at if answered_event else None
    if answered_at is not None and ended_at is not None and answered_at > ended_at:
        answered_at = ended_at  # a clock skew between sources: never a negative talk time

    holds = _holds(timeline, until=ended_at or last)
    hold_total = sum(holds)
    ring_end = answered_at or (voicemail_event.occurred_at if voicemail_event else None) or ended_at
    ring_seconds = _seconds(begin, ring_end or last)
    # Every call rings at least once; a ring begun is a ring counted.
    rings = max(math.ceil(ring_seconds / max(rules.ring_seconds, 1)), 1)
    talk = _seconds(answered_at, ended_at or last) - hold_total if answered_at else 0
    cause = str((hangup.data.get("cause") if hangup else "") or "")
    status = _status(
        direction=direction,
        answered=answered_at is not None,
        ended=ended_at is not None,
        voicemail=voicemail_event is not None,
        cause=cause,
        timed_out=timed_out and hangup is None,
    )
    abandoned = status == CallStatus.ABANDONED
    inbound = direction == CallDirection.INBOUND
    final = ended_at is not None
    within = answered_at is not None and ring_seconds <= rules.answer_limit_seconds
    over_limit = sum(1 for hold in holds if hold > rules.hold_limit_seconds)
    return Facts(
        status=status,
        started_at=begin,
        answered_at=answered_at,
        ended_at=ended_at,
        last_event_at=last,
        ring_seconds=ring_seconds,
        rings=min(rings, 32767),
        hold_seconds=hold_total,
        longest_hold_seconds=max(holds, default=0),
        holds_over_limit=min(over_limit, 32767),
        talk_seconds=max(talk, 0),
        answered=answered_at is not None,
        abandoned=abandoned,
        abandoned_after_seconds=_seconds(begin, ended_at) if abandoned and ended_at else None,
        voicemail=voicemail_event is not None,
        voicemail_url=str(voicemail_event.data.get("url", "") if voicemail_event else "")[:1000],
        agent_raw=(answered_event.agent if answered_event else "")[:128],
        transfers=_transfers(timeline),
        hangup_cause=cause[:64],
        meets_info_phone=(within and over_limit == 0) if inbound and final else None,
        answered_within_limit=within if inbound and final else None,
    )


def _holds(timeline: Sequence[EventFact], *, until: dt.datetime) -> list[int]:
    """Each hold's length in seconds. A second "hold started" while on hold is the same
    hold; a "hold ended" without a start is ignored; a hold still open when the call ends
    (or at its last event) lasts until then."""
    holds: list[int] = []
    started: dt.datetime | None = None
    for event in timeline:
        if event.kind == K.HOLD_STARTED and started is None:
            started = event.occurred_at
        elif event.kind == K.HOLD_ENDED and started is not None:
            holds.append(_seconds(started, event.occurred_at))
            started = None
        elif event.kind == K.HUNG_UP:
            break
    if started is not None:
        holds.append(_seconds(started, until))
    return holds


def _transfers(timeline: Sequence[EventFact]) -> list[dict[str, str]]:
    """The chain of agents the call passed through: each hop from whoever had it."""
    chain: list[dict[str, str]] = []
    current = next((e.agent for e in timeline if e.kind == K.ANSWERED), "")
    for event in timeline:
        if event.kind != K.TRANSFERRED:
            continue
        target = str(event.data.get("to", ""))[:128]
        chain.append(
            {
                "from": str(event.data.get("from") or event.agent or current)[:128],
                "to": target,
                "at": event.occurred_at.isoformat(),
            }
        )
        current = target
    return chain


def _status(
    *, direction: str, answered: bool, ended: bool, voicemail: bool, cause: str, timed_out: bool
) -> str:
    if timed_out:
        return CallStatus.TIMED_OUT
    if not ended:
        return CallStatus.IN_PROGRESS if answered or voicemail else CallStatus.RINGING
    if answered:
        return CallStatus.COMPLETED
    if voicemail:
        return CallStatus.VOICEMAIL
    cause_key = cause.strip().lower()
    if direction == CallDirection.INBOUND:
        return CallStatus.MISSED if cause_key in NO_ANSWER_CAUSES else CallStatus.ABANDONED
    if cause_key in BUSY_CAUSES:
        return CallStatus.BUSY
    if cause_key in FAILED_CAUSES:
        return CallStatus.FAILED
    return CallStatus.MISSED


def record_facts(
    *,
    direction: str,
    start: dt.datetime,
    answer: dt.datetime | None,
    end: dt.datetime,
    cause: str,
    rules: Rules,
) -> Facts:
    """The facts of a call known only by its start, answer and end (a CDR row): what
    `compute_facts` gives for a ringing, an answer and a hang-up event at those times,
    without building them (a million-row import spends its time here; the equivalence is
    a property test, tests/telephony/test_cdr_facts.py)."""
    answered_at = min(answer, end) if answer is not None else None
    ring_seconds = _seconds(start, answered_at or end)
    rings = max(math.ceil(ring_seconds / max(rules.ring_seconds, 1)), 1)
    status = _status(
        direction=direction,
        answered=answered_at is not None,
        ended=True,
        voicemail=False,
        cause=cause,
        timed_out=False,
    )
    abandoned = status == CallStatus.ABANDONED
    inbound = direction == CallDirection.INBOUND
    within = answered_at is not None and ring_seconds <= rules.answer_limit_seconds
    return Facts(
        status=status,
        started_at=start,
        answered_at=answered_at,
        ended_at=end,
        last_event_at=max(start, end),
        ring_seconds=ring_seconds,
        rings=min(rings, 32767),
        hold_seconds=0,
        longest_hold_seconds=0,
        holds_over_limit=0,
        talk_seconds=_seconds(answered_at, end) if answered_at else 0,
        answered=answered_at is not None,
        abandoned=abandoned,
        abandoned_after_seconds=_seconds(start, end) if abandoned else None,
        voicemail=False,
        voicemail_url="",
        agent_raw="",
        transfers=[],
        hangup_cause=cause[:64],
        meets_info_phone=within if inbound else None,
        answered_within_limit=within if inbound else None,
    )

"""A CDR row's fast facts equal the facts of its ringing, answer and hang-up events."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from posventa.telephony.facts import EventFact, Rules, compute_facts, record_facts

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@given(
    ring=st.integers(0, 120),
    talk=st.one_of(st.none(), st.integers(0, 3600)),
    direction=st.sampled_from(["inbound", "outbound"]),
    cause=st.sampled_from(["answered", "no answer", "busy", "failed", "congestion"]),
    ring_seconds=st.integers(1, 10),
    rings=st.integers(1, 6),
)
def test_record_facts_are_the_facts_of_the_same_events(
    ring: int, talk: int | None, direction: str, cause: str, ring_seconds: int, rings: int
) -> None:
    rules = Rules(ring_seconds=ring_seconds, answer_within_rings=rings)
    answer = T0 + dt.timedelta(seconds=ring) if talk is not None else None
    end = (
        (answer + dt.timedelta(seconds=talk))
        if answer and talk is not None
        else T0 + dt.timedelta(seconds=ring)
    )
    events = [EventFact("ringing", T0, "r")]
    if answer is not None:
        events.append(EventFact("answered", answer, "a"))
    events.append(EventFact("hung_up", end, "h", data={"cause": cause}))
    fast = record_facts(
        direction=direction, start=T0, answer=answer, end=end, cause=cause, rules=rules
    )
    assert fast == compute_facts(events, direction=direction, rules=rules)

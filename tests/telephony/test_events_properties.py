"""Duplicate and out-of-order events give the same final facts as the same events once, in
order: for the pure computation, and end to end through the stored events of a call."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posventa.core.models import Site
from posventa.telephony.actions import calls
from posventa.telephony.adapters import CallSignal
from posventa.telephony.facts import FACT_FIELDS, EventFact, Rules, compute_facts
from posventa.telephony.models import Call, CallEventKind, CallSource

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
K = CallEventKind
MIDDLE = [K.HOLD_STARTED, K.HOLD_ENDED, K.TRANSFERRED]
_counter = itertools.count()


@st.composite
def call_events(draw: st.DrawFn) -> list[CallSignal]:
    """A plausible call: it rings, maybe is answered, maybe holds and transfers, maybe goes
    to voicemail, maybe hangs up; times in seconds, ties allowed."""
    moment = 0
    kinds: list[tuple[str, int, dict[str, str]]] = [(K.RINGING, 0, {})]
    if draw(st.booleans()):
        moment += draw(st.integers(0, 40))
        kinds.append((K.ANSWERED, moment, {}))
        for kind in draw(st.lists(st.sampled_from(MIDDLE), max_size=6)):
            moment += draw(st.integers(0, 50))
            kinds.append((kind, moment, {"to": "305"} if kind == K.TRANSFERRED else {}))
    elif draw(st.booleans()):
        moment += draw(st.integers(0, 40))
        kinds.append((K.VOICEMAIL, moment, {"url": "https://pbx.example/vm.wav"}))
    if draw(st.booleans()):
        moment += draw(st.integers(0, 300))
        cause = draw(st.sampled_from(["", "noAnswer", "busy", "normalClearing"]))
        kinds.append((K.HUNG_UP, moment, {"cause": cause} if cause else {}))
    direction = draw(st.sampled_from(["inbound", "outbound"]))
    return [
        CallSignal(
            external_id="prop",
            kind=kind,
            occurred_at=T0 + dt.timedelta(seconds=seconds),
            direction=direction,
            caller="+34600000999",
            called="+34910000001",
            agent="201" if kind == K.ANSWERED else "",
            data=data,
        )
        for kind, seconds, data in kinds
    ]


def as_facts(signals: list[CallSignal]) -> list[EventFact]:
    return [EventFact(s.kind, s.occurred_at, s.dedupe_key, s.agent, s.data) for s in signals]


@given(events=call_events(), data=st.data())
def test_the_facts_do_not_depend_on_order_or_repeats(
    events: list[CallSignal], data: st.DataObject
) -> None:
    direction = events[0].direction
    delivered = data.draw(st.permutations(events + data.draw(st.lists(st.sampled_from(events)))))
    in_order = compute_facts(as_facts(events), direction=direction, rules=Rules())
    shuffled = compute_facts(as_facts(list(delivered)), direction=direction, rules=Rules())
    assert shuffled == in_order


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=call_events(), data=st.data())
def test_a_call_stored_from_shuffled_repeated_deliveries_has_the_facts_of_one_in_order(
    madrid: Site, events: list[CallSignal], data: st.DataObject
) -> None:
    delivered = data.draw(st.permutations(events + data.draw(st.lists(st.sampled_from(events)))))
    batches = data.draw(st.integers(1, 3))
    number = next(_counter)

    def stored(signals: list[CallSignal], name: str, batch_count: int) -> Call:
        renamed = [CallSignal(**{**signal.__dict__, "external_id": name}) for signal in signals]
        size = max(len(renamed) // batch_count, 1)
        for start in range(0, len(renamed), size):
            calls.apply_signals(madrid, CallSource.GENERIC, renamed[start : start + size])
        return Call.objects.get(external_id=name)

    in_order = stored(events, f"ordered-{number}", 1)
    shuffled = stored(list(delivered), f"shuffled-{number}", batches)
    for name in (*FACT_FIELDS, "direction", "caller", "customer_id"):
        assert getattr(shuffled, name) == getattr(in_order, name), name

"""The repair order's states: each move the rules forbid is refused with its reason and the
field to fix; the allowed ones pass."""

from __future__ import annotations

import itertools

import pytest
from django.utils import translation

from posventa.workshop.order_states import MOVES, OrderFacts, OrderState, refusal

S = OrderState
READY = OrderFacts(
    approved_jobs=2,
    approved_jobs_not_done=0,
    quality_check_passed=True,
    hold_reason="parts",
    delivery_recorded=True,
    cancel_reason="The customer sold the car.",
)


def test_the_whole_flow_passes_when_every_rule_is_met() -> None:
    path = [S.ESTIMATE, S.OPEN, S.IN_PROGRESS, S.ON_HOLD, S.IN_PROGRESS, S.COMPLETED]
    path += [S.DELIVERED, S.CLOSED]
    for current, target in itertools.pairwise(path):
        assert refusal(current, target, READY) is None, (current, target)


def test_work_on_an_order_without_an_approved_job_is_refused() -> None:
    refused = refusal(S.OPEN, S.IN_PROGRESS, OrderFacts(approved_jobs=0))
    assert refused is not None and refused.field == "jobs"
    assert "approved" in refused.message


def test_delivery_before_the_quality_check_passes_is_refused() -> None:
    facts = OrderFacts(approved_jobs=1, quality_check_passed=False)
    refused = refusal(S.COMPLETED, S.DELIVERED, facts)
    assert refused is not None and refused.field == "quality_check"


def test_a_failed_quality_check_sends_the_order_back_to_work() -> None:
    assert refusal(S.COMPLETED, S.IN_PROGRESS, READY) is None


def test_completing_with_approved_jobs_left_is_refused_with_how_many() -> None:
    refused = refusal(
        S.IN_PROGRESS, S.COMPLETED, OrderFacts(approved_jobs=3, approved_jobs_not_done=2)
    )
    assert refused is not None and "2 approved jobs are not done" in refused.message


def test_a_hold_needs_its_reason() -> None:
    refused = refusal(S.OPEN, S.ON_HOLD, OrderFacts(hold_reason=""))
    assert refused is not None and refused.field == "hold_reason"


def test_closing_needs_payment_and_pick_up_recorded() -> None:
    refused = refusal(S.DELIVERED, S.CLOSED, OrderFacts(delivery_recorded=False))
    assert refused is not None and refused.field == "delivery"


def test_cancelling_needs_a_reason() -> None:
    refused = refusal(S.OPEN, S.CANCELLED, OrderFacts(cancel_reason="  "))
    assert refused is not None and refused.field == "cancel_reason"


@pytest.mark.parametrize("final", [S.DELIVERED, S.CLOSED, S.CANCELLED])
def test_a_delivered_closed_or_cancelled_order_does_not_go_back_to_work(final: OrderState) -> None:
    refused = refusal(final, S.IN_PROGRESS, READY)
    assert refused is not None and refused.field == "state"


def test_every_state_is_in_the_table() -> None:
    assert set(MOVES) == set(OrderState)
    assert all(target in OrderState for targets in MOVES.values() for target in targets)


def test_a_refusal_names_the_states_in_the_readers_language() -> None:
    with translation.override("en"):
        refused = refusal(S.CLOSED, S.OPEN, READY)
    assert refused is not None and "“Closed” to “Open”" in refused.message

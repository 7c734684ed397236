"""The states a repair order passes through, and which moves the rules allow.

Pure rules, no database: the repair-order actions gather the facts (`OrderFacts`) and ask
`refusal(current, target, facts)` before they move an order; a move the rules forbid is
refused with the reason, in the reader's language, naming the field to fix. Keeping the
rules in one table makes them easy to read against the standards they enforce:

- work starts only on an approved job (CONSULT-APPROVAL);
- an order is completed only when every approved job is done;
- delivery waits for a passed quality check by someone other than the repairing technician
  (QC-DOCUMENTED);
- an order is closed only after delivery with payment or pick-up recorded (DELIVERY-*);
- a delivered, closed or cancelled order does not move back.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext


class OrderState(models.TextChoices):
    ESTIMATE = "estimate", gettext_lazy("Estimate")
    OPEN = "open", gettext_lazy("Open")
    IN_PROGRESS = "in_progress", gettext_lazy("In progress")
    ON_HOLD = "on_hold", gettext_lazy("On hold")
    COMPLETED = "completed", gettext_lazy("Completed")
    DELIVERED = "delivered", gettext_lazy("Delivered")
    CLOSED = "closed", gettext_lazy("Closed")
    CANCELLED = "cancelled", gettext_lazy("Cancelled")


class HoldReason(models.TextChoices):
    PARTS = "parts", gettext_lazy("Waiting for parts")
    APPROVAL = "approval", gettext_lazy("Waiting for the customer's approval")
    CUSTOMER = "customer", gettext_lazy("Waiting for the customer")


S = OrderState
MOVES: dict[OrderState, frozenset[OrderState]] = {
    S.ESTIMATE: frozenset({S.OPEN, S.CANCELLED}),
    S.OPEN: frozenset({S.IN_PROGRESS, S.ON_HOLD, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.ON_HOLD, S.COMPLETED}),
    S.ON_HOLD: frozenset({S.OPEN, S.IN_PROGRESS, S.CANCELLED}),
    # A failed quality check sends the order back to work.
    S.COMPLETED: frozenset({S.IN_PROGRESS, S.DELIVERED}),
    S.DELIVERED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}
# Orders a workshop still has to act on (the board shows these).
ACTIVE_STATES = frozenset({S.ESTIMATE, S.OPEN, S.IN_PROGRESS, S.ON_HOLD, S.COMPLETED})


@dataclass(frozen=True)
class OrderFacts:
    """What the rules need to know about an order at the moment of a move."""

    approved_jobs: int = 0
    approved_jobs_not_done: int = 0
    quality_check_passed: bool = False
    hold_reason: str = ""
    delivery_recorded: bool = False  # payment and pick-up (or key drop) recorded
    cancel_reason: str = ""


@dataclass(frozen=True)
class Refusal:
    field: str
    message: str


def refusal(current: OrderState, target: OrderState, facts: OrderFacts) -> Refusal | None:
    """Why the order may not go from `current` to `target`, or None when it may."""
    if target not in MOVES[current]:
        return Refusal(
            "state",
            _("A repair order cannot go from “%(current)s” to “%(target)s”.")
            % {"current": current.label, "target": target.label},
        )
    check = _GUARDS.get(target)
    return check(facts) if check else None


def _starting_work(facts: OrderFacts) -> Refusal | None:
    if facts.approved_jobs == 0:
        return Refusal("jobs", _("No job is approved by the customer yet: work cannot start."))
    return None


def _holding(facts: OrderFacts) -> Refusal | None:
    if facts.hold_reason not in HoldReason.values:
        return Refusal("hold_reason", _("Say what the order is waiting for."))
    return None


def _completing(facts: OrderFacts) -> Refusal | None:
    left = facts.approved_jobs_not_done
    if left:
        message = ngettext(
            "%(count)d approved job is not done yet.",
            "%(count)d approved jobs are not done yet.",
            left,
        )
        return Refusal("jobs", message % {"count": left})
    return None


def _delivering(facts: OrderFacts) -> Refusal | None:
    if not facts.quality_check_passed:
        return Refusal(
            "quality_check", _("The quality check has not passed: the car cannot be delivered.")
        )
    return None


def _closing(facts: OrderFacts) -> Refusal | None:
    if not facts.delivery_recorded:
        return Refusal("delivery", _("Record the payment and how the car was picked up first."))
    return None


def _cancelling(facts: OrderFacts) -> Refusal | None:
    if not facts.cancel_reason.strip():
        return Refusal("cancel_reason", _("Say why the order is cancelled."))
    return None


_GUARDS = {
    S.IN_PROGRESS: _starting_work,
    S.ON_HOLD: _holding,
    S.COMPLETED: _completing,
    S.DELIVERED: _delivering,
    S.CLOSED: _closing,
    S.CANCELLED: _cancelling,
}

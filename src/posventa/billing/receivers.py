"""What billing does when a case below it changes."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from django.utils.translation import gettext as _

from posventa.billing.actions import lift_holds, repoint_customer, restore_holds
from posventa.cases.models import Case
from posventa.cases.signals import case_reopened, case_resolved
from posventa.core.models import User
from posventa.customers.models import Customer
from posventa.customers.signals import customer_merged
from posventa.inbox.models import Message


@receiver(case_resolved, dispatch_uid="posventa.billing.lift_holds_on_resolution")
def lift_holds_on_resolution(
    sender: Any, case: Case, actor: User | None, answer: Message, **kwargs: Any
) -> None:
    # Sent inside the resolution's transaction. `resolve_dispute` has already lifted the
    # holds with its own reason; a case resolved from the case page lifts them here, with
    # the answer the customer was given as the reason.
    reason = _("Dispute resolved with the answer given to the customer: %(answer)s") % {
        "answer": answer.body_text[:300]
    }
    lift_holds(case, actor=actor, reason=reason)


@receiver(case_reopened, dispatch_uid="posventa.billing.restore_holds_on_reopening")
def restore_holds_on_reopening(sender: Any, case: Case, actor: User | None, **kwargs: Any) -> None:
    # Sent inside the reopening's transaction: the customer says the dispute is not
    # resolved, so collections stop again until it is (seed 002).
    restore_holds(case, actor=actor)


@receiver(customer_merged, dispatch_uid="posventa.billing.repoint_customer")
def repoint_on_merge(sender: Any, survivor: Customer, duplicate: Customer, **kwargs: Any) -> None:
    # Sent inside the merge transaction: if this fails, the merge rolls back with it.
    repoint_customer(survivor, duplicate)

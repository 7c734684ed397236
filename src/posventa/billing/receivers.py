"""What billing does when a case below it changes."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from django.utils.translation import gettext as _

from posventa.billing.actions import lift_holds
from posventa.cases.models import Case
from posventa.cases.signals import case_resolved
from posventa.core.models import User
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

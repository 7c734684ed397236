"""What the promises app does when something on a case happens (signals from cases)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from posventa.cases.models import Case
from posventa.cases.signals import staff_contacted_customer
from posventa.core.models import User
from posventa.inbox.models import Message
from posventa.promises import actions


@receiver(staff_contacted_customer, dispatch_uid="posventa.promises.keep_on_contact")
def keep_on_contact(
    sender: Any,
    case: Case,
    message: Message,
    author: User,
    direction: str,
    kind: str,
    **kwargs: Any,
) -> None:
    # Inside the reply's (or call's) transaction: the promise is kept with the message.
    actions.keep_promises_by_contact(
        case, message=message, author=author, kind=kind, direction=direction
    )

"""What the promises app does when something on a case happens (signals from cases)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from posventa.cases.models import Case
from posventa.cases.signals import staff_contacted_customer
from posventa.core.models import User
from posventa.inbox.models import Direction, Message
from posventa.promises import actions
from posventa.telephony.models import Call
from posventa.telephony.signals import call_connected


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


@receiver(call_connected, dispatch_uid="posventa.promises.keep_on_connected_call")
def keep_on_connected_call(sender: Any, call: Call, **kwargs: Any) -> None:
    # The agent's own outbound call that reached the customer: kept at the moment it
    # connected (a call logged on the case through cases.log_call keeps it there too; a
    # promise already kept is not kept twice).
    if call.case is None or call.agent is None:
        return
    actions.keep_promises_by_contact(
        call.case,
        author=call.agent,
        kind="call",
        direction=Direction.OUTBOUND,
        at=call.answered_at or call.started_at,
    )

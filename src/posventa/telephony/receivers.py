"""Telephony listens to the apps below it: a call logged on a case becomes a call."""

from __future__ import annotations

from typing import Any

from posventa.inbox.models import Message, MessageKind
from posventa.telephony.actions import calls
from posventa.telephony.models import Call


def call_log_saved(sender: type[Message], instance: Message, created: bool, **kwargs: Any) -> None:
    """`cases.actions.log_call` wrote a call log: record it as a call logged by hand, in
    the same transaction (so callbacks see a connected call as kept)."""
    if created and instance.kind == MessageKind.CALL_LOG:
        calls.record_call_logged_on_case(instance)


def customers_with_calls_at(site_ids: list[int]) -> Any:
    return Call.objects.filter(site_id__in=site_ids, customer__isnull=False).values("customer_id")

"""Signals other apps listen to so that customer changes reach their rows.

`customer_merged` is sent inside the merge transaction, after the duplicate's contact points
and vehicles have moved and before the merge commits. Receivers (cases, inbox...) re-point
their own rows from `duplicate` to `survivor`; if one raises, the whole merge rolls back,
so a merge is never half-applied.

    @receiver(customer_merged)
    def repoint_cases(sender, survivor, duplicate, actor, **kwargs): ...
"""

from __future__ import annotations

from django.dispatch import Signal

# Keyword arguments: survivor (Customer), duplicate (Customer), actor (User | None).
customer_merged = Signal()

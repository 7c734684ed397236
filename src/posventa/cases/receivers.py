"""Keep cases and messages with the customer record that survives a merge."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from posventa.cases.actions import repoint_customer
from posventa.customers.models import Customer
from posventa.customers.signals import customer_merged


@receiver(customer_merged, dispatch_uid="posventa.cases.repoint_customer")
def repoint_cases_on_merge(
    sender: Any, survivor: Customer, duplicate: Customer, **kwargs: Any
) -> None:
    # Sent inside the merge transaction: if this fails, the merge rolls back with it.
    repoint_customer(survivor, duplicate)

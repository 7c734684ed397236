"""How to write to a customer: their preferred method, else whatever we have.

One answer for every app that sends a customer something outside a case reply (a part
has arrived, an estimate to approve, a follow-up survey): the preferred channel when the
customer has an address for it, else e-mail, else a text to a phone number.
"""

from __future__ import annotations

from posventa.customers.models import (
    CHANNEL_CONTACT_KIND,
    Channel,
    ContactKind,
    ContactPoint,
    Customer,
)

FALLBACKS = ((Channel.EMAIL, ContactKind.EMAIL), (Channel.SMS, ContactKind.PHONE))


def preferred_address(customer: Customer) -> tuple[str, str] | None:
    """(channel, address) to write to, or None when the customer has neither."""
    points = list(
        ContactPoint.objects.filter(customer=customer)
        .order_by("-is_primary", "pk")
        .values_list("kind", "value")
    )
    wanted = [(customer.preferred_channel, CHANNEL_CONTACT_KIND.get(customer.preferred_channel))]
    for channel, kind in [*wanted, *FALLBACKS]:
        address = next((value for point_kind, value in points if point_kind == kind), None)
        if kind is not None and address:
            # A preferred phone call still gets a text: a message cannot ring.
            return (Channel.SMS if channel == Channel.PHONE else channel), address
    return None

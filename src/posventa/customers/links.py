"""The link that takes a customer to their own page, whichever app serves that page.

The domain (an acknowledgement, a reply) wants to give the customer a link, but it must not
import the app that serves it: the portal sits above the domain. So the portal registers
its builder here when it starts (`PortalConfig.ready`), and the domain asks
`portal_url(customer)`. Without a portal installed the answer is None, and the message
simply goes without a link.

A registry rather than a dotted path in settings: the dependency stays visible in the
import graph (the portal imports this module), and a misspelt path cannot fail at the
first acknowledgement instead of at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from posventa.customers.models import Customer

CustomerLinkBuilder = Callable[["Customer"], str]

_portal_link_builder: CustomerLinkBuilder | None = None


def set_portal_link_builder(builder: CustomerLinkBuilder | None) -> CustomerLinkBuilder | None:
    """Install the builder of portal links (None removes it); returns the previous one."""
    global _portal_link_builder
    previous, _portal_link_builder = _portal_link_builder, builder
    return previous


def portal_url(customer: Customer) -> str | None:
    """The absolute address of the customer's portal page, or None without a portal."""
    if _portal_link_builder is None:
        return None
    return _portal_link_builder(customer)

"""Signed links that let a customer reach their portal page without an account.

The token is the customer's id signed with the project secret, a salt of its own and a
timestamp, so it cannot be forged or re-used for another purpose, and it expires
(`POSVENTA_PORTAL_LINK_MAX_AGE`, default 30 days, checked when it is read). The portal
views (written elsewhere) must serve `portal/<token>/`, the path `portal_url` builds.

A link sent to a customer who was later merged into another record keeps working: it
opens the surviving record.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing

from posventa.customers.models import Customer

SALT = "posventa.portal.customer-link"
DEFAULT_MAX_AGE = dt.timedelta(days=30)
PORTAL_PATH = "/portal/"
# A merge chain longer than this is a data error (or a loop); stop following it.
MAX_MERGE_HOPS = 10


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def portal_token(customer: Customer) -> str:
    return _signer().sign(str(customer.pk))


def portal_url(customer: Customer) -> str:
    return f"{settings.SITE_URL}{PORTAL_PATH}{portal_token(customer)}/"


def default_max_age() -> dt.timedelta:
    value = getattr(settings, "POSVENTA_PORTAL_LINK_MAX_AGE", DEFAULT_MAX_AGE)
    return value if isinstance(value, dt.timedelta) else dt.timedelta(seconds=int(value))


def customer_from_token(token: str, max_age: dt.timedelta | int | None = None) -> Customer | None:
    """The customer a token was issued for, or None when forged, expired or unknown."""
    try:
        value = _signer().unsign(
            token, max_age=max_age if max_age is not None else default_max_age()
        )
        customer_id = int(value)
    except (signing.BadSignature, ValueError):
        return None
    customer = Customer.objects.filter(pk=customer_id).first()
    hops = 0
    while customer is not None and customer.merged_into_id is not None and hops < MAX_MERGE_HOPS:
        customer = Customer.objects.filter(pk=customer.merged_into_id).first()
        hops += 1
    return customer

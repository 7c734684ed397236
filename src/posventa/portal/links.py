"""Signed links that let a customer reach their portal page without an account.

The token is the customer's id and link generation signed with the project secret, a salt
of its own and a timestamp, so it cannot be forged or re-used for another purpose, and it
expires (`POSVENTA_PORTAL_LINK_MAX_AGE`, default 30 days, checked when it is read). Staff
can sign a customer out everywhere (`customers.actions.revoke_portal_links`), which bumps
`Customer.portal_link_generation`: a token signed with an older generation is refused as
revoked. Tokens from before generations existed carry only the id and count as generation 0.

A link sent to a customer who was later merged into another record keeps working: it
opens the surviving record.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

from posventa.customers.models import Customer

SALT = "posventa.portal.customer-link"
PORTAL_PATH = "/portal/"
# A merge chain longer than this is a data error (or a loop); stop following it.
MAX_MERGE_HOPS = 10
GENERATION_SEP = "."


class LinkProblem(enum.Enum):
    INVALID = "invalid"  # forged, truncated, or for a customer that does not exist
    EXPIRED = "expired"
    REVOKED = "revoked"  # staff signed the customer out everywhere


@dataclass(frozen=True)
class LinkCheck:
    customer: Customer | None
    problem: LinkProblem | None = None


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def portal_token(customer: Customer) -> str:
    return _signer().sign(f"{customer.pk}{GENERATION_SEP}{customer.portal_link_generation}")


def portal_url(customer: Customer) -> str:
    return f"{settings.SITE_URL}{PORTAL_PATH}{portal_token(customer)}/"


def link_max_age() -> dt.timedelta:
    """How long a link works: `POSVENTA_PORTAL_LINK_MAX_AGE` (settings parse the env var)."""
    value = settings.POSVENTA_PORTAL_LINK_MAX_AGE
    return value if isinstance(value, dt.timedelta) else dt.timedelta(seconds=int(value))


def check_token(token: str, max_age: dt.timedelta | None = None) -> LinkCheck:
    """Who a token opens the portal for, or why it does not."""
    try:
        value = _signer().unsign(token, max_age=max_age if max_age is not None else link_max_age())
    except signing.SignatureExpired:
        return LinkCheck(None, LinkProblem.EXPIRED)
    except signing.BadSignature:
        return LinkCheck(None, LinkProblem.INVALID)
    customer_part, _sep, generation_part = value.partition(GENERATION_SEP)
    try:
        customer_id, generation = int(customer_part), int(generation_part or 0)
    except ValueError:
        return LinkCheck(None, LinkProblem.INVALID)
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        return LinkCheck(None, LinkProblem.INVALID)
    if generation != customer.portal_link_generation:
        return LinkCheck(None, LinkProblem.REVOKED)
    hops = 0
    while customer is not None and customer.merged_into_id is not None and hops < MAX_MERGE_HOPS:
        customer = Customer.objects.filter(pk=customer.merged_into_id).first()
        hops += 1
    return LinkCheck(customer, None if customer is not None else LinkProblem.INVALID)


def customer_from_token(token: str, max_age: dt.timedelta | None = None) -> Customer | None:
    """The customer a token was issued for, or None when forged, expired, revoked or
    unknown."""
    return check_token(token, max_age).customer

"""Finding customers: merge chains, timelines across merges, and staff search.

Read-only helpers; the actions that change customers live in `customers.actions`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from posventa.core.models import Organisation, Site
from posventa.customers.models import (
    PHONE_LIKE_KINDS,
    ContactKind,
    ContactPoint,
    Customer,
    Vehicle,
)
from posventa.customers.validation import (
    normalise_plate,
    phone_search_candidates,
    search_key,
)

# Merge chains are short (a duplicate of a duplicate); the bound only stops a corrupt cycle.
MAX_MERGE_DEPTH = 50
# Fewer digits than this are more likely part of a name or a plate than a phone number.
MIN_PHONE_DIGITS = 6
MIN_VIN_FRAGMENT = 6
MIN_PLATE_FRAGMENT = 3


def surviving_customer(customer: Customer) -> Customer:
    """The customer this one was (perhaps transitively) merged into, or itself."""
    current = customer
    for _step in range(MAX_MERGE_DEPTH):
        if current.merged_into_id is None:
            return current
        current = Customer.objects.select_related("organisation").get(pk=current.merged_into_id)
    raise RuntimeError(f"Merge chain of customer {customer.pk} does not end.")


def merged_family_ids(customer: Customer) -> list[int]:
    """This customer's id and those of every customer merged into it, at any depth."""
    family = [customer.pk]
    frontier = [customer.pk]
    for _step in range(MAX_MERGE_DEPTH):
        frontier = list(
            Customer.objects.filter(merged_into_id__in=frontier).values_list("pk", flat=True)
        )
        if not frontier:
            break
        family.extend(frontier)
    return family


def customer_event_filter(customer_ids: Iterable[int]) -> Q:
    """Events whose subject is one of these customers."""
    return Q(
        subject_type=ContentType.objects.get_for_model(Customer),
        subject_id__in=[str(pk) for pk in customer_ids],
    )


Scope = Organisation | QuerySet[Site] | Iterable[int]


def _organisation_ids(scope: Scope) -> list[int]:
    if isinstance(scope, Organisation):
        return [scope.pk]
    if isinstance(scope, QuerySet):
        return list(scope.values_list("organisation_id", flat=True).distinct())
    return [int(pk) for pk in scope]


def search_customers(scope: Scope, query: str) -> QuerySet[Customer]:
    """Unmerged customers of the organisations in `scope` matching `query`.

    `scope` is an organisation, a queryset of sites (for example `visible_sites(user)`)
    or organisation ids. The query matches the name (contains), an e-mail address
    (contains), a phone number (read as a national number of any of the scope's countries,
    so "612 34 56 78" finds +34612345678, or as a run of at least six digits), a number
    plate (ignoring spaces and dashes) and a VIN (whole, or its last six or more
    characters, as staff read them off a windscreen). A match on a merged customer leads
    to the customer it was merged into.
    """
    organisation_ids = _organisation_ids(scope)
    customers = Customer.objects.filter(organisation_id__in=organisation_ids)
    text = (query or "").strip()
    if not text:
        return customers.filter(merged_into__isnull=True)

    matched = customers.filter(_matching(text, organisation_ids))
    direct = matched.filter(merged_into__isnull=True).values("pk")
    via_merge = _survivor_ids(matched.filter(merged_into__isnull=False))
    return customers.filter(Q(pk__in=direct) | Q(pk__in=via_merge), merged_into__isnull=True)


def _matching(text: str, organisation_ids: list[int]) -> Q:
    """One `pk IN (subquery)` per key, OR-ed.

    Uncorrelated subqueries run once each (PostgreSQL hashes them), where correlated
    EXISTS clauses in an OR would run once per customer row; exact phone and e-mail
    lookups use the (organisation, kind, value) index.
    """
    points = ContactPoint.objects.filter(organisation_id__in=organisation_ids)
    vehicles = Vehicle.objects.filter(organisation_id__in=organisation_ids, owner__isnull=False)
    owners = vehicles.values("owner_id")
    holders = points.values("customer_id")

    condition = Q(name_key__contains=search_key(text))
    condition |= Q(pk__in=holders.filter(kind=ContactKind.EMAIL, value__contains=text.lower()))

    regions = sorted(
        set(
            Site.objects.filter(organisation_id__in=organisation_ids).values_list(
                "country", flat=True
            )
        )
    )
    phones = phone_search_candidates(text, regions)
    if phones:
        condition |= Q(pk__in=holders.filter(kind__in=PHONE_LIKE_KINDS, value__in=phones))
    digits = "".join(char for char in text if char.isdigit())
    if len(digits) >= MIN_PHONE_DIGITS and len(digits) >= len(text.replace(" ", "")) - 3:
        condition |= Q(pk__in=holders.filter(kind__in=PHONE_LIKE_KINDS, value__contains=digits))

    key = normalise_plate(text)
    if len(key) >= MIN_PLATE_FRAGMENT:
        condition |= Q(pk__in=owners.filter(plate_normalised__contains=key))
    if len(key) >= MIN_VIN_FRAGMENT:
        condition |= Q(pk__in=owners.filter(vin__endswith=key))
    return condition


def _survivor_ids(merged: QuerySet[Customer]) -> set[int]:
    """Follow merge chains upward from matched merged customers, in a few queries."""
    pending = set(merged.values_list("merged_into_id", flat=True)[:500])
    found: set[int] = set()
    for _step in range(MAX_MERGE_DEPTH):
        if not pending:
            break
        rows = Customer.objects.filter(pk__in=pending).values_list("pk", "merged_into_id")
        pending = set()
        for pk, parent in rows:
            if parent is None:
                found.add(pk)
            else:
                pending.add(parent)
    return found

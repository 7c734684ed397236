"""Global search for the agent workspace: one box for a case reference, a customer's name,
phone number, e-mail address, number plate or VIN. Returns cases and customers.

Customer matching is `customers.matching.search_customers` (phone numbers are read as
national numbers of the user's countries, plates ignore spaces and dashes, VINs match on
their last six or more characters, merged customers lead to the survivor); this module
adds the case side and keeps every query inside the sites the user may see, and the
customers inside `customers.visibility.visible_customers`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Case as When_
from django.db.models import IntegerField, Q, QuerySet, Value, When

from posventa.cases.models import ACTIVE_STATUSES, Case
from posventa.core.access import visible_sites
from posventa.core.models import User
from posventa.customers.matching import (
    MIN_PLATE_FRAGMENT,
    MIN_VIN_FRAGMENT,
    search_customers,
)
from posventa.customers.models import Customer
from posventa.customers.validation import normalise_plate
from posventa.customers.visibility import visible_customers

CASE_LIMIT = 50
CUSTOMER_LIMIT = 20
MIN_QUERY = 2
# "MAD-2026-00042", or the start of one ("MAD-2026"): three letters, a year, a number.
REFERENCE_RE = re.compile(r"^[A-Z0-9]{3}-\d{4}(-\d{1,7})?$")


@dataclass
class SearchResults:
    query: str
    cases: list[Case] = field(default_factory=list)
    customers: list[Customer] = field(default_factory=list)
    exact_case: Case | None = None
    too_short: bool = False

    @property
    def empty(self) -> bool:
        return not self.cases and not self.customers


def search_workspace(user: User, query: str) -> SearchResults:
    text = (query or "").strip()
    results = SearchResults(query=text)
    if len(text) < MIN_QUERY:
        results.too_short = bool(text)
        return results
    sites = visible_sites(user)
    visible_cases = Case.objects.filter(site__in=sites)
    reference = text.upper()
    results.exact_case = (
        visible_cases.select_related("customer", "owner", "site")
        .filter(reference=reference)
        .first()
    )
    found = search_customers(sites, text) & visible_customers(user)
    customers = list(found.order_by("display_name", "pk")[:CUSTOMER_LIMIT])
    results.customers = customers
    results.cases = list(
        _active_first(visible_cases.filter(_case_matching(reference, customers))).select_related(
            "customer", "owner", "site", "vehicle"
        )[:CASE_LIMIT]
    )
    return results


def _case_matching(reference: str, customers: list[Customer]) -> Q:
    """Cases by reference, by a matched customer, or by the vehicle they are about (a case
    keeps its vehicle after the vehicle changes hands)."""
    condition = Q(reference=reference)
    if REFERENCE_RE.match(reference):
        condition |= Q(reference__startswith=reference)
    if customers:
        condition |= Q(customer__in=[customer.pk for customer in customers])
    plate = normalise_plate(reference)
    if len(plate) >= MIN_PLATE_FRAGMENT:
        condition |= Q(vehicle__plate_normalised__contains=plate)
    if len(plate) >= MIN_VIN_FRAGMENT:
        condition |= Q(vehicle__vin__endswith=plate)
    return condition


def _active_first(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.annotate(
        closed_rank=When_(
            When(status__in=ACTIVE_STATUSES, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("closed_rank", "-opened_at", "-pk")

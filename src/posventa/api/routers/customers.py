"""Customers and their contact points."""

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Status
from ninja.pagination import paginate

from posventa.api import lookups
from posventa.api.auth import scope
from posventa.api.pagination import BoundedLimitOffset
from posventa.api.routers.common import CREATE_ERRORS, LIST_ERRORS, READ_ERRORS, WRITE_ERRORS
from posventa.api.schemas import (
    ContactPointIn,
    ContactPointOut,
    CustomerId,
    CustomerIn,
    CustomerOut,
    SearchText,
)
from posventa.customers import actions
from posventa.customers.matching import search_customers
from posventa.customers.models import ContactPoint, Customer

router = Router(tags=["customers"])


def _with_points(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    return customers.prefetch_related("contact_points")


@router.get("/customers", response={200: list[CustomerOut], **LIST_ERRORS})
@paginate(BoundedLimitOffset)
def list_customers(request: HttpRequest, q: SearchText = "") -> QuerySet[Customer]:
    """Unmerged customers of the groups in reach. `q` matches a name, e-mail address, phone
    number (national or international), number plate or VIN (whole or its end)."""
    # search_customers scopes by the groups of the sites it is given; the reach narrows
    # that to the customers the token may see.
    reach = scope(request)
    found = search_customers(reach.sites, q) & reach.customers()
    return _with_points(found).order_by("display_name", "pk")


@router.get("/customers/{customer_id}", response={200: CustomerOut, **READ_ERRORS})
def get_customer(request: HttpRequest, customer_id: CustomerId) -> Customer:
    """One customer. A merged customer is returned as it is, with `merged_into` set."""
    return get_object_or_404(_with_points(scope(request).customers()), pk=customer_id)


@router.post("/customers", response={201: CustomerOut, **CREATE_ERRORS})
def create_customer(request: HttpRequest, payload: CustomerIn) -> Status[Customer]:
    """Create a customer with contact points; every bad field is reported at once."""
    reach = scope(request)
    group, site = lookups.organisation(reach, payload.site)
    customer = actions.create_customer(
        group,
        display_name=payload.display_name,
        language=payload.language,
        preferred_channel=payload.preferred_channel,
        contact_points=[(point.kind, point.value) for point in payload.contact_points],
        region=site.country,
        actor=reach.user,
        site=site,
    )
    return Status(201, customer)


@router.post(
    "/customers/{customer_id}/contact-points", response={201: ContactPointOut, **WRITE_ERRORS}
)
def add_contact_point(
    request: HttpRequest, customer_id: CustomerId, payload: ContactPointIn
) -> Status[ContactPoint]:
    """Add an e-mail address, phone or WhatsApp number. Adding one the customer already has
    returns the existing point."""
    reach = scope(request)
    customer = get_object_or_404(reach.customers(), pk=customer_id)
    point = actions.add_contact_point(
        customer,
        payload.kind,
        payload.value,
        region=lookups.country_for(reach, customer.organisation_id),
        primary=payload.primary,
        actor=reach.user,
    )
    return Status(201, point)

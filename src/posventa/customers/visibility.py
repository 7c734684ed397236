"""Which customers a staff member may see: the one rule every customer page, search, picker
and API endpoint goes through.

A customer belongs to the group, but a site's staff have no business reading the contact
data of someone who only ever dealt with another site. So a site's staff see a customer who
has dealt with one of their sites:

- the customer record was created at the site (`Customer.first_site`), or
- anything a later app registers with `register_site_link`: cases do today (a case at the
  site, whatever its status), calls and appointments will when they exist.

Vehicles have no site: a vehicle makes its owner visible through the case (and, later, the
repair order or appointment) that brought it to a site, never by itself, since a car sold by
Göteborg is no business of Madrid's until it turns up there.

Everyone at a site of a group that shares customers (`Organisation.share_customers_across_sites`)
sees every customer of the group, and so do group-wide roles (a membership without a site)
and superusers. Anything outside the rule is a 404 where it is looked up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from posventa.core.models import Membership, Organisation, Site, User
from posventa.customers.models import Customer, Vehicle

# Given site ids, a `values(...)` queryset of the customer (or vehicle) ids linked to them.
SiteLink = Callable[[list[int]], QuerySet]  # type: ignore[type-arg]
_customer_links: dict[str, SiteLink] = {}
_vehicle_links: dict[str, SiteLink] = {}


def register_site_link(name: str, customers: SiteLink, *, vehicles: SiteLink | None = None) -> None:
    """Let an app say which customers (and vehicles) dealt with a site; call it from the
    app's `AppConfig.ready`. Each link takes site ids and returns a queryset of ids, used
    as an uncorrelated subquery: keep it on an indexed column, e.g.
    `Case.objects.filter(site_id__in=site_ids).values("customer_id")`."""
    _customer_links[name] = customers
    if vehicles is not None:
        _vehicle_links[name] = vehicles


@dataclass(frozen=True)
class Reach:
    """What a user (or an API token narrowed to some sites) reaches."""

    everything: bool = False
    # Groups whose every customer is in reach: group-wide roles, groups that share.
    groups: tuple[int, ...] = ()
    # Sites whose customers are in reach.
    sites: tuple[int, ...] = ()


def reach_of(user: User, *, only_sites: QuerySet[Site] | Iterable[int] | None = None) -> Reach:
    """The user's reach; `only_sites` (an API token's sites) replaces their memberships."""
    if not user.is_authenticated or not user.is_active:
        return Reach()
    if only_sites is not None:
        if isinstance(only_sites, QuerySet):
            rows = list(only_sites.values_list("organisation_id", "pk"))
        else:
            rows = list(
                Site.objects.filter(pk__in=list(only_sites)).values_list("organisation_id", "pk")
            )
        whole: set[int] = set()
    elif user.is_superuser:
        return Reach(everything=True)
    else:
        memberships = list(
            Membership.objects.filter(user=user).values_list("organisation_id", "site_id")
        )
        whole = {group for group, site in memberships if site is None}
        rows = [(group, site) for group, site in memberships if site is not None]
    site_groups = {group for group, _site in rows} - whole
    shared = set(
        Organisation.objects.filter(
            pk__in=sorted(site_groups), share_customers_across_sites=True
        ).values_list("pk", flat=True)
    )
    return Reach(
        groups=tuple(sorted(whole | shared)),
        sites=tuple(sorted({site for group, site in rows if group not in shared})),
    )


def visible_customers(
    user: User, *, only_sites: QuerySet[Site] | Iterable[int] | None = None
) -> QuerySet[Customer]:
    """Customers `user` may see (merged ones included: a link to one still resolves)."""
    return customers_in(reach_of(user, only_sites=only_sites))


def customers_in(reach: Reach) -> QuerySet[Customer]:
    if reach.everything:
        return Customer.objects.all()
    condition = Q(organisation_id__in=reach.groups)
    if reach.sites:
        site_ids = list(reach.sites)
        linked = Q(first_site_id__in=site_ids)
        for link in _customer_links.values():
            linked |= Q(pk__in=link(site_ids))
        # A merged record stays readable by those who see the customer it was merged into.
        condition |= linked | Q(merged_into_id__in=Customer.objects.filter(linked).values("pk"))
    if not reach.groups and not reach.sites:
        return Customer.objects.none()
    return Customer.objects.filter(condition)


def can_see_customer(user: User, customer: Customer) -> bool:
    return visible_customers(user).filter(pk=customer.pk).exists()


def visible_vehicles(
    user: User, *, only_sites: QuerySet[Site] | Iterable[int] | None = None
) -> QuerySet[Vehicle]:
    """Vehicles of the groups in reach, those whose current owner is in reach, and those
    that came to one of the sites in reach (with a case, today). A vehicle with no owner
    that never came to a site is seen by group-wide roles only."""
    return vehicles_in(reach_of(user, only_sites=only_sites))


def vehicles_in(reach: Reach) -> QuerySet[Vehicle]:
    if reach.everything:
        return Vehicle.objects.all()
    if not reach.groups and not reach.sites:
        return Vehicle.objects.none()
    condition = Q(organisation_id__in=reach.groups)
    if reach.sites:
        condition |= Q(owner__in=customers_in(Reach(sites=reach.sites)).values("pk"))
        for link in _vehicle_links.values():
            condition |= Q(pk__in=link(list(reach.sites)))
    return Vehicle.objects.filter(condition)

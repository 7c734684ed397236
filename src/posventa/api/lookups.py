"""Turning ids and slugs from a request body into objects inside the token's reach.

Anything outside the reach is reported exactly like something that does not exist, under
the name of the field that referred to it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from posventa.api.auth import Scope
from posventa.core.access import can_see_site
from posventa.core.models import Organisation, Site, Team, User
from posventa.customers.models import Customer, Vehicle


def site(scope: Scope, slug: str, *, field: str = "site") -> Site:
    found = scope.sites.select_related("organisation").filter(slug=slug).first()
    if found is None:
        raise ValidationError({field: _("Unknown site “%(slug)s”.") % {"slug": slug}})
    return found


def customer(scope: Scope, pk: int, *, field: str = "customer") -> Customer:
    found = scope.customers().filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: _("No customer #%(id)d.") % {"id": pk}})
    return found


def vehicle(scope: Scope, pk: int, *, field: str = "vehicle") -> Vehicle:
    found = scope.vehicles().filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: _("No vehicle #%(id)d.") % {"id": pk}})
    return found


def colleague(pk: int, at: Site, *, field: str) -> User:
    """An active user who works at `at`. The message never names someone who does not, so
    the API cannot be used to learn who works elsewhere."""
    found = User.objects.filter(pk=pk, is_active=True).first()
    if found is None or not can_see_site(found, at):
        raise ValidationError(
            {field: _("No colleague #%(id)d works at %(site)s.") % {"id": pk, "site": at.name}}
        )
    return found


def team(pk: int, at: Site, *, field: str = "to_team") -> Team:
    found = Team.objects.filter(pk=pk, site=at).first()
    if found is None:
        raise ValidationError(
            {field: _("No team #%(id)d at %(site)s.") % {"id": pk, "site": at.name}}
        )
    return found


def organisation(scope: Scope, site_slug: str | None) -> tuple[Organisation, Site]:
    """The group a new customer or vehicle joins, and the site whose country reads phone
    numbers: the named site, or the first reachable site when only one group is in reach."""
    if site_slug:
        chosen = site(scope, site_slug)
        return chosen.organisation, chosen
    sites = list(scope.sites.select_related("organisation").order_by("pk"))
    groups = {each.organisation_id for each in sites}
    if len(groups) != 1:
        raise ValidationError(
            {"site": _("Say which site this is for: the token reaches several groups.")}
            if groups
            else {"site": _("The token reaches no site.")}
        )
    return sites[0].organisation, sites[0]


def country_for(scope: Scope, organisation_id: int) -> str:
    """The country national phone numbers are read in for a customer of this group."""
    first = scope.sites.filter(organisation_id=organisation_id).order_by("pk").first()
    return first.country if first is not None else "ES"

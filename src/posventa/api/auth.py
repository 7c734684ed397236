"""Bearer-token authentication and the reach of a request.

Every query an endpoint makes starts from `scope(request)`: the sites the token's user may
see, narrowed to the token's sites. Customers and vehicles belong to a group (organisation),
not a site: they are reachable as `customers.visibility` says for the user, or, for a token
narrowed to some sites, for someone working at those sites.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja.security import HttpBearer

from posventa.api.actions import mark_used, token_for, token_sites
from posventa.api.models import ApiToken
from posventa.cases.models import Case
from posventa.core.models import Site, User
from posventa.customers.models import Customer, Vehicle
from posventa.customers.visibility import Reach, customers_in, reach_of, vehicles_in


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = token_for(token.strip())
        if found is not None:
            mark_used(found)
        return found


@dataclass(frozen=True)
class Scope:
    token: ApiToken
    sites: QuerySet[Site]

    @cached_property
    def reach(self) -> Reach:
        """Whose customers the token sees: its user's, or, for a token limited to some
        sites, those of someone working at exactly those sites. Read on first use only:
        case endpoints never need it."""
        if self.token.sites.exists():
            return reach_of(self.user, only_sites=self.sites)
        return reach_of(self.user)

    @property
    def user(self) -> User:
        return self.token.user

    def organisation_ids(self) -> QuerySet[Site, Any]:
        return self.sites.values("organisation_id")

    def customers(self) -> QuerySet[Customer]:
        return customers_in(self.reach)

    def vehicles(self) -> QuerySet[Vehicle]:
        return vehicles_in(self.reach)

    def cases(self) -> QuerySet[Case]:
        return Case.objects.filter(site__in=self.sites).select_related(
            "site", "owner", "previous_case"
        )


def scope(request: HttpRequest) -> Scope:
    token = getattr(request, "auth", None)
    if not isinstance(token, ApiToken):  # every route is authenticated; this is a bug guard
        raise RuntimeError("API view reached without an authenticated token.")
    return Scope(token, token_sites(token))

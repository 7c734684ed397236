"""Who may see which site. Every list and detail view filters through here.

A membership with a site covers that site; a membership without one covers the whole
organisation (group roles). Superusers see everything.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from posventa.core.models import Membership, Role, Site, User


def visible_sites(user: User) -> QuerySet[Site]:
    if not user.is_authenticated or not user.is_active:
        return Site.objects.none()
    if user.is_superuser:
        return Site.objects.all()
    memberships = Membership.objects.filter(user=user)
    return Site.objects.filter(
        Q(pk__in=memberships.filter(site__isnull=False).values("site"))
        | Q(organisation__in=memberships.filter(site__isnull=True).values("organisation"))
    ).distinct()


def can_see_site(user: User, site: Site) -> bool:
    return visible_sites(user).filter(pk=site.pk).exists()


def roles_at(user: User, site: Site) -> set[str]:
    """Roles a user holds at a site, counting group-wide roles."""
    rows = Membership.objects.filter(user=user, organisation_id=site.organisation_id).filter(
        Q(site=site) | Q(site__isnull=True)
    )
    return set(rows.values_list("role", flat=True))


def users_with_role(site: Site, *roles: str) -> QuerySet[User]:
    """Active users holding any of `roles` at the site, site roles before group roles."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__role__in=roles,
            memberships__organisation_id=site.organisation_id,
        )
        .filter(Q(memberships__site=site) | Q(memberships__site__isnull=True))
        .distinct()
        .order_by("pk")
    )


MANAGER_ROLES = (Role.SERVICE_MANAGER, Role.SITE_MANAGER, Role.ADMIN)


def viewer_timezone(user: User) -> str:
    """The timezone a person reads times in: that of the site they work at (their first
    site membership), else of the first site they can see, else UTC. Pages that show
    times not tied to one site (a customer's history) use it, with the zone shown."""
    if not user.is_authenticated:
        return "UTC"
    own = (
        Membership.objects.filter(user=user, site__isnull=False)
        .order_by("pk")
        .values_list("site__timezone", flat=True)
        .first()
    )
    if own:
        return str(own)
    seen = visible_sites(user).order_by("pk").values_list("timezone", flat=True).first()
    return str(seen) if seen else "UTC"

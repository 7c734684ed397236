"""Issuing, using and revoking API tokens. The admin, the CLI and tests call these.

issued = create_api_token(user, "DMS sync", sites=[madrid])
print(issued.plaintext)          # shown once; only its SHA-256 is stored
revoke_api_token(issued.token, actor=manager)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.api.models import ApiToken
from posventa.core.access import visible_sites
from posventa.core.events import record_event
from posventa.core.models import Site, User

TOKEN_PREFIX = "pv_"
PREFIX_LENGTH = 10
NAME_MAX_LENGTH = ApiToken._meta.get_field("name").max_length or 100
# Writing last_used_at on every request would turn every read into a write; a minute of
# precision is plenty to tell a live integration from a forgotten one.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    plaintext: str


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def create_api_token(
    user: User, name: str, *, sites: Iterable[Site] = (), actor: User | None = None
) -> IssuedToken:
    """Issue a token acting as `user`, optionally limited to `sites` (each must be one the
    user may see: a token never reaches further than its user)."""
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Give the token a name that says what uses it.")
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = _("A token name has at most %(max)d characters.") % {
            "max": NAME_MAX_LENGTH
        }
    if not user.is_active:
        errors["user"] = _("%(user)s is not an active user.") % {"user": user.get_username()}
    site_list = list(sites)
    allowed = set(visible_sites(user).values_list("pk", flat=True))
    outside = [site.slug for site in site_list if site.pk not in allowed]
    if outside:
        errors["sites"] = _("%(user)s cannot see: %(sites)s.") % {
            "user": user.get_username(),
            "sites": ", ".join(outside),
        }
    if errors:
        raise ValidationError(errors)
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=plaintext[:PREFIX_LENGTH],
            token_hash=hash_token(plaintext),
            created_at=timezone.now(),
        )
        token.sites.set(site_list)
        record_event(
            "api_token.created",
            subject=token,
            actor=actor or user,
            summary=name,
            data={
                "user": user.pk,
                "prefix": token.prefix,
                "sites": sorted(site.slug for site in site_list),
            },
        )
    return IssuedToken(token, plaintext)


def revoke_api_token(token: ApiToken, *, actor: User | None) -> ApiToken:
    """Stop a token working at once. Revoking twice keeps the first revocation time."""
    with transaction.atomic():
        now = timezone.now()
        revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=now
        )
        token.refresh_from_db(fields=["revoked_at"])
        if revoked:
            record_event(
                "api_token.revoked",
                subject=token,
                actor=actor,
                summary=token.name,
                data={"user": token.user_id, "prefix": token.prefix},
            )
    return token


def token_for(plaintext: str) -> ApiToken | None:
    """The live token with this plaintext, or None (unknown, revoked, or its user left)."""
    if not plaintext.startswith(TOKEN_PREFIX):
        return None
    return (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(plaintext), revoked_at__isnull=True, user__is_active=True)
        .first()
    )


def mark_used(token: ApiToken, *, at: dt.datetime | None = None) -> None:
    """Bookkeeping, not a state change: no timeline event (one per request would bury the
    log). A conditional update so concurrent requests write at most once a minute."""
    at = at or timezone.now()
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=at - LAST_USED_PRECISION)
    if ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=at):
        token.last_used_at = at


def token_sites(token: ApiToken) -> QuerySet[Site]:
    """The sites a request with this token may touch: the user's, narrowed by the token.

    Read at every request, so a role taken away from the user takes effect at once."""
    sites = visible_sites(token.user)
    scope = list(token.sites.values_list("pk", flat=True))
    if scope:
        sites = sites.filter(pk__in=scope)
    return sites

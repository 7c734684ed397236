"""State changes of adapter configuration and state. Adapters, the admin and commands call these.

Configuration changes write a timeline event on the site. The IMAP cursor moves silently:
each stored message already has its own ingest event, and an event per poll would bury the
site's timeline; only a UIDVALIDITY reset, which makes the poller rescan, is recorded.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.channels.models import (
    ImapMailbox,
    InboundEndpointToken,
    MailRoute,
    RefusedRequest,
    WebhookCredential,
    WebhookProvider,
)
from posventa.core.events import record_event
from posventa.core.models import Site, User

logger = logging.getLogger("posventa.channels")

# A refused request keeps this much of its body: enough to see what a misconfigured sender
# or an attacker tried, without letting anyone fill the database through a refusal.
REFUSED_BODY_LIMIT = 64 * 1024
# Headers that may carry somebody's secret even in a refused request.
REDACTED_HEADERS = {"authorization", "cookie", "proxy-authorization"}
TOKEN_PREFIX_LENGTH = 8


# --- bearer tokens of the raw e-mail endpoint ---------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_endpoint_token(
    site: Site, label: str, *, actor: User | None = None
) -> tuple[InboundEndpointToken, str]:
    """Create a token and return it with its clear text, which is never stored or shown again."""
    if not label.strip():
        raise ValidationError({"label": _("Give the token a label, e.g. the sending system.")})
    clear = "pv_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = InboundEndpointToken.objects.create(
            site=site,
            label=label.strip(),
            token_hash=hash_token(clear),
            prefix=clear[:TOKEN_PREFIX_LENGTH],
            created_by=actor,
        )
        record_event(
            "channels.token_issued",
            subject=token,
            site=site,
            actor=actor,
            summary=label,
            data={"prefix": token.prefix},
        )
    return token, clear


def revoke_endpoint_token(token: InboundEndpointToken, *, actor: User | None = None) -> None:
    with transaction.atomic():
        InboundEndpointToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        token.refresh_from_db(fields=["revoked_at"])
        record_event(
            "channels.token_revoked",
            subject=token,
            site=token.site,
            actor=actor,
            summary=token.label,
            data={"prefix": token.prefix},
        )


def authenticate_endpoint_token(site: Site, clear: str) -> InboundEndpointToken | None:
    """The site's live token matching `clear`, or None. Notes when it was last used."""
    if not clear:
        return None
    token = InboundEndpointToken.objects.filter(
        site=site, token_hash=hash_token(clear), revoked_at__isnull=True
    ).first()
    if token is not None:
        # Bookkeeping for "is this token still in use?", not a change anyone audits.
        InboundEndpointToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token


# --- webhook credentials ------------------------------------------------------------------


def set_webhook_credential(
    site: Site,
    auth_token: str,
    *,
    provider: str = WebhookProvider.TWILIO,
    account_sid: str = "",
    actor: User | None = None,
) -> WebhookCredential:
    if not auth_token.strip():
        raise ValidationError({"auth_token": _("The auth token is required.")})
    with transaction.atomic():
        credential, created = WebhookCredential.objects.update_or_create(
            site=site,
            provider=provider,
            defaults={
                "auth_token": auth_token.strip(),
                "account_sid": account_sid.strip(),
                "active": True,
            },
        )
        # The token itself never goes into the event log.
        record_event(
            "channels.webhook_credential_set",
            subject=credential,
            site=site,
            actor=actor,
            data={"provider": provider, "created": created},
        )
    return credential


def webhook_credential(
    site: Site, provider: str = WebhookProvider.TWILIO
) -> WebhookCredential | None:
    return WebhookCredential.objects.filter(site=site, provider=provider, active=True).first()


# --- SMTP routes --------------------------------------------------------------------------


def split_address(address: str) -> tuple[str, str]:
    """("local", "domain") of an address or ("", "domain") of "@domain" / "domain"."""
    address = address.strip().strip("<>").lower()
    if "@" in address:
        local, _at, domain = address.rpartition("@")
        return local, domain
    return "", address


def add_mail_route(
    site: Site, address: str, *, department: str = "", actor: User | None = None
) -> MailRoute:
    """Accept mail for `address` ("service@x.es") or a whole domain ("@x.es" or "x.es")."""
    local, domain = split_address(address)
    if not domain or "." not in domain or " " in domain:
        raise ValidationError({"address": _("'%s' is not an address or a domain.") % address})
    if MailRoute.objects.filter(domain=domain, local_part=local).exclude(site=site).exists():
        raise ValidationError(
            {"address": _("Another site already receives mail for '%s'.") % address}
        )
    with transaction.atomic():
        route, _created = MailRoute.objects.update_or_create(
            domain=domain, local_part=local, defaults={"site": site, "department": department}
        )
        record_event(
            "channels.mail_route_added",
            subject=route,
            site=site,
            actor=actor,
            summary=str(route),
            data={"domain": domain, "local_part": local},
        )
    return route


def route_for_address(address: str) -> MailRoute | None:
    """The route of an exact address if there is one, else of its domain, else None."""
    local, domain = split_address(address)
    if not local or not domain:
        return None
    routes = MailRoute.objects.filter(domain=domain, local_part__in=[local, ""]).select_related(
        "site"
    )
    # An exact address wins over the catch-all of its domain.
    return max(routes, key=lambda route: bool(route.local_part), default=None)


# --- IMAP mailboxes -----------------------------------------------------------------------


def add_imap_mailbox(
    site: Site,
    *,
    name: str,
    host: str,
    username: str,
    port: int = 993,
    use_ssl: bool = True,
    password: str = "",
    password_env: str = "",
    folder: str = "INBOX",
    move_to: str = "",
    actor: User | None = None,
) -> ImapMailbox:
    errors = {}
    if not host.strip():
        errors["host"] = _("The IMAP host is required.")
    if not username.strip():
        errors["username"] = _("The user name is required.")
    if not password and not password_env:
        errors["password"] = _("Give a password or the environment variable that holds it.")
    if not 0 < port < 65536:
        errors["port"] = _("A port is a number from 1 to 65535.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        mailbox = ImapMailbox.objects.create(
            site=site,
            name=name,
            host=host.strip(),
            port=port,
            use_ssl=use_ssl,
            username=username.strip(),
            password=password,
            password_env=password_env,
            folder=folder or "INBOX",
            move_to=move_to,
        )
        record_event(
            "channels.imap_mailbox_added",
            subject=mailbox,
            site=site,
            actor=actor,
            summary=str(mailbox),
        )
    return mailbox


def save_channel_config(
    obj: MailRoute | ImapMailbox | WebhookCredential,
    *,
    actor: User | None = None,
    changed: list[str] | None = None,
) -> None:
    """Save an edit made in the admin, with its event (the secret values never logged)."""
    with transaction.atomic():
        obj.save()
        record_event(
            "channels.config_changed",
            subject=obj,
            site=obj.site,
            actor=actor,
            summary=str(obj)[:500],
            data={"model": obj._meta.model_name, "changed": changed or []},
        )


def reset_mailbox_cursor(mailbox: ImapMailbox, uidvalidity: int) -> None:
    """Start the cursor over: first poll, or the server renumbered the folder (rescan)."""
    with transaction.atomic():
        ImapMailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=uidvalidity, last_uid=0)
        if mailbox.uidvalidity is not None:  # the first poll only learns the value
            record_event(
                "channels.imap_uidvalidity_changed",
                subject=mailbox,
                site=mailbox.site,
                actor_label="imap",
                data={"old": mailbox.uidvalidity, "new": uidvalidity},
            )
    mailbox.uidvalidity, mailbox.last_uid = uidvalidity, 0


def advance_mailbox_cursor(mailbox: ImapMailbox, uid: int, *, stored: bool) -> None:
    """Remember that every message up to `uid` has been dealt with (never moves backwards)."""
    updates: dict[str, Any] = {"last_uid": uid}
    if stored:
        updates["messages_stored"] = F("messages_stored") + 1
    ImapMailbox.objects.filter(pk=mailbox.pk, last_uid__lt=uid).update(**updates)
    mailbox.last_uid = max(mailbox.last_uid, uid)


def record_poll_result(mailbox: ImapMailbox, *, error: str = "") -> None:
    ImapMailbox.objects.filter(pk=mailbox.pk).update(
        last_polled_at=timezone.now(), last_error=error[:2000]
    )


# --- refused requests ---------------------------------------------------------------------


def record_refused_request(
    endpoint: str,
    reason: str,
    *,
    site: Site | None = None,
    detail: str = "",
    remote_addr: str | None = None,
    method: str = "",
    url: str = "",
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
    body_size: int | None = None,
) -> RefusedRequest:
    """Keep a refused request (for inspection, never processed) and log it."""
    size = len(body) if body_size is None else body_size
    kept = body[:REFUSED_BODY_LIMIT]
    clean_headers = {
        name: ("[redacted]" if name.lower() in REDACTED_HEADERS else str(value)[:1000])
        for name, value in (headers or {}).items()
    }
    with transaction.atomic():
        refused = RefusedRequest.objects.create(
            received_at=timezone.now(),
            site=site,
            endpoint=endpoint,
            reason=reason,
            detail=detail[:5000],
            remote_addr=remote_addr or None,
            method=method[:10],
            url=url[:2000],
            headers=clean_headers,
            body=kept,
            body_size=size,
            body_truncated=len(kept) < size,
        )
        record_event(
            "inbound.refused",
            subject=refused,
            site=site,
            organisation=site.organisation if site else None,
            actor_label=endpoint,
            summary=f"{endpoint}: {reason}",
            data={"reason": reason, "remote_addr": remote_addr, "size": size},
        )
    logger.warning(
        "Refused %s request #%s for site %s from %s: %s %s",
        endpoint,
        refused.pk,
        site.slug if site else "-",
        remote_addr or "-",
        reason,
        detail,
    )
    return refused

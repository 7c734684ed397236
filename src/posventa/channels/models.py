"""Adapter configuration and state. Changes go through `posventa.channels.actions`."""

from __future__ import annotations

import os

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from posventa.core.models import Site


class MailRoute(models.Model):
    """An address (or a whole domain) the SMTP listener accepts mail for, and its site.

    The SMTP listener refuses every recipient no route matches, so it never becomes an open
    relay and never stores mail nobody will read.
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="mail_routes")
    domain = models.CharField(_("domain"), max_length=253)
    local_part = models.CharField(
        _("local part"),
        max_length=64,
        blank=True,
        help_text=_("Empty = every address at the domain."),
    )
    department = models.CharField(
        _("department"),
        max_length=16,
        blank=True,
        help_text=_("Optional hint, e.g. parts for parts@."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain", "local_part"]
        constraints = [
            models.UniqueConstraint(fields=["domain", "local_part"], name="mail_route_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.local_part or '*'}@{self.domain} → {self.site}"


class ImapMailbox(models.Model):
    """A mailbox the poller reads, and how far it got.

    `uidvalidity` + `last_uid` are the cursor: a message with a UID at or below `last_uid`
    in the same UIDVALIDITY has been stored. When the server changes UIDVALIDITY (mailbox
    rebuilt), UIDs mean nothing any more and the poller rescans; ingest is idempotent on
    the Message-ID and the processed keyword marks what was stored, so nothing doubles.
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="imap_mailboxes")
    name = models.CharField(_("name"), max_length=100)
    host = models.CharField(_("host"), max_length=253)
    port = models.PositiveIntegerField(_("port"), default=993)
    use_ssl = models.BooleanField(_("TLS"), default=True)
    username = models.CharField(_("user name"), max_length=320)
    # Prefer password_env so the secret stays in the environment, not in the database.
    password = models.CharField(_("password"), max_length=500, blank=True)
    password_env = models.CharField(
        _("password environment variable"),
        max_length=100,
        blank=True,
        help_text=_("Name of an environment variable holding the password."),
    )
    folder = models.CharField(_("folder"), max_length=200, default="INBOX")
    processed_keyword = models.CharField(
        _("keyword for stored messages"), max_length=64, default="$Posventa"
    )
    move_to = models.CharField(
        _("move stored messages to"),
        max_length=200,
        blank=True,
        help_text=_("Empty = leave them in the folder, flagged as seen and with the keyword."),
    )
    active = models.BooleanField(_("active"), default=True)
    uidvalidity = models.PositiveBigIntegerField(null=True, blank=True)
    last_uid = models.PositiveBigIntegerField(default=0)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    messages_stored = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["site", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["host", "port", "username", "folder"], name="imap_mailbox_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.username}@{self.host}/{self.folder})"

    def secret(self) -> str:
        if self.password_env:
            return os.environ.get(self.password_env, "")
        return self.password


class InboundEndpointToken(models.Model):
    """A bearer token for the raw e-mail HTTP endpoint. Only its SHA-256 is stored."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="endpoint_tokens")
    label = models.CharField(_("label"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    # The first characters of the token, so people can tell tokens apart without the secret.
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["site", "-created_at"]

    def __str__(self) -> str:
        return f"{self.label} ({self.prefix}…)"


class WebhookProvider(models.TextChoices):
    TWILIO = "twilio", _("Twilio (or compatible)")
    # Phone systems (telephony): the secret signs the generic JSON webhook (HMAC-SHA256);
    # Zammad's CTI API has no signature, so its secret is the token in the URL.
    PHONE_WEBHOOK = "phone_webhook", _("Phone system (JSON webhook)")
    ZAMMAD_CTI = "zammad_cti", _("Phone system (Zammad CTI)")


class WebhookCredential(models.Model):
    """The secret a provider signs its webhooks with, per site.

    Kept in clear because checking an HMAC needs the key itself.
    """

    # Not indexed alone: an index or unique constraint below starts with it.
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="webhook_credentials", db_index=False
    )
    provider = models.CharField(
        _("provider"),
        max_length=16,
        choices=WebhookProvider.choices,
        default=WebhookProvider.TWILIO,
    )
    account_sid = models.CharField(_("account SID"), max_length=64, blank=True)
    auth_token = models.CharField(_("auth token"), max_length=128)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "provider"], name="webhook_credential_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} @ {self.site}"


class RefusedReason(models.TextChoices):
    MISSING_SIGNATURE = "missing_signature", _("No signature")
    BAD_SIGNATURE = "bad_signature", _("Signature does not match")
    NOT_CONFIGURED = "not_configured", _("Channel not configured for this site")
    MISSING_TOKEN = "missing_token", _("No token")
    BAD_TOKEN = "bad_token", _("Unknown or revoked token")
    TOO_LARGE = "too_large", _("Over the size limit")
    UNSUPPORTED_TYPE = "unsupported_type", _("Unsupported content type")
    EMPTY = "empty", _("Empty body")
    HONEYPOT = "honeypot", _("Bot trap filled in")
    MALFORMED = "malformed", _("Request could not be read")
    RATE_LIMITED = "rate_limited", _("Over the rate limit")
    TOO_FAST = "too_fast", _("Form sent faster than a person can")
    FORM_TOKEN = "form_token", _("Form timestamp missing or forged")


class RefusedRequest(models.Model):
    """A request an adapter refused: kept for inspection, never processed.

    Bodies are kept up to a limit (see `actions.REFUSED_BODY_LIMIT`); the size received is
    always recorded.
    """

    received_at = models.DateTimeField(db_index=True)
    site = models.ForeignKey(
        Site, on_delete=models.SET_NULL, null=True, blank=True, related_name="refused_requests"
    )
    endpoint = models.CharField(max_length=40)
    reason = models.CharField(max_length=32, choices=RefusedReason.choices)
    detail = models.TextField(blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    method = models.CharField(max_length=10, blank=True)
    url = models.CharField(max_length=2000, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    body = models.BinaryField(blank=True, default=b"")
    body_size = models.PositiveBigIntegerField(default=0)
    body_truncated = models.BooleanField(default=False)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.endpoint}: {self.reason} #{self.pk}"

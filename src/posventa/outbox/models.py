"""The transactional outbox: one row per outbound message, written in the caller's transaction.

A notification is delivered by a worker after the transaction that created it commits, so a
rolled-back change never reaches a customer or a manager. Workers claim a row with a
compare-and-set on (status, attempts); every try is kept as a DeliveryAttempt.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from posventa.core.models import Site


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Failed, retrying")
    DEAD = "dead", _("Dead: gave up")


# Rows a worker may claim (a SENDING row only once its lease has expired).
DELIVERABLE_STATUSES = (NotificationStatus.PENDING, NotificationStatus.RETRYING)


class Notification(models.Model):
    created_at = models.DateTimeField(_("created at"), db_index=True)
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="notifications"
    )
    # A staff member (escalations); empty for customer-side messages, which carry only the
    # address and point at the case/customer through `related`.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    to_address = models.CharField(_("to"), max_length=254)
    from_address = models.CharField(_("from"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("body"))
    html_body = models.TextField(_("HTML body"), blank=True)
    # An automatic message (acknowledgement, escalation) never satisfies a reply clock.
    automatic = models.BooleanField(_("automatic"))

    status = models.CharField(
        _("status"),
        max_length=16,
        choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
    )
    # Total tries ever made; also the compare-and-set token that stops two workers sending.
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # Tries made before the current retry ladder began. A manual "retry now" on a dead
    # letter starts a fresh ladder without rewriting the history of `attempts`.
    ladder_offset = models.PositiveIntegerField(default=0)
    # When the row is next due: the retry time, or the lease expiry while SENDING.
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=255, blank=True)

    # Not indexed alone: outbox_related starts with it.
    related_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    related_id = models.CharField(max_length=64, blank=True)
    related = GenericForeignKey("related_type", "related_id")

    # NULL (not "") when absent, so the unique constraint only binds rows that set one.
    dedupe_key = models.CharField(
        _("dedupe key"), max_length=200, null=True, blank=True, unique=True
    )

    # E-mail threading: the Message-ID is generated up front so the case can record it
    # before the mail leaves, and the customer's reply can be matched to it.
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, db_index=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=998, blank=True)
    references = models.TextField(_("References"), blank=True)
    headers = models.JSONField(_("extra headers"), default=dict, blank=True)
    # Files sent with an e-mail: [{"filename", "content_type", "content"}], content as text
    # (a calendar invitation), or base64 with "encoding": "base64" (a PDF). Kept on the row
    # so a retry sends the same bytes.
    attachments = models.JSONField(_("attachments"), default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The safety-net sweep's only query: rows still to deliver, by due time.
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_due",
                condition=Q(status__in=["pending", "retrying", "sending"]),
            ),
            models.Index(fields=["related_type", "related_id"], name="outbox_related"),
            models.Index(fields=["status", "created_at"], name="outbox_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.to_address} ({self.status})"

    @property
    def attempts_in_ladder(self) -> int:
        return self.attempts - self.ladder_offset


class AttemptOutcome(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    SENT = "sent", _("Sent")
    TEMPORARY_FAILURE = "temporary_failure", _("Temporary failure")
    PERMANENT_FAILURE = "permanent_failure", _("Permanent failure")
    # The worker vanished mid-send (crash, kill) and its lease expired.
    ABANDONED = "abandoned", _("Abandoned")


class DeliveryAttempt(models.Model):
    # Not indexed alone: an index or unique constraint below starts with it.
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="delivery_attempts", db_index=False
    )
    number = models.PositiveIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"),
        max_length=24,
        choices=AttemptOutcome.choices,
        default=AttemptOutcome.IN_PROGRESS,
    )
    error = models.TextField(_("error"), blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=255, blank=True)
    worker = models.CharField(_("worker"), max_length=100, blank=True)

    class Meta:
        ordering = ["notification", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "number"], name="outbox_attempt_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.outcome}"

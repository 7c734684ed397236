"""Inbound data stored raw first, the messages of every case, attachments, canned answers.

Nothing is lost: an adapter hands `inbox.actions.ingest` the bytes it received and they are
written to `InboundRaw` before anything tries to understand them. Processing is a separate,
idempotent step; a row that cannot be understood stays in a visible quarantine with a reason.

Raw storage: payloads up to `POSVENTA_INBOUND_INLINE_BYTES` (default 256 KiB) live in the
`raw` column; bigger ones are written to `MEDIA_ROOT/inbound/<sha[:2]>/<sha256>.raw` and
`raw_path` keeps the path relative to MEDIA_ROOT. Files are content-addressed, so writing
one twice is harmless. Use `InboundRaw.payload()` to read either.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from posventa.cases.models import Department, ReplyChannel
from posventa.core.models import Organisation, Site


class InboundChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEB_FORM = "web_form", _("Web form")
    PORTAL_CHAT = "portal_chat", _("Portal chat")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    LETTER = "letter", _("Letter")


class InboundSource(models.TextChoices):
    IMAP = "imap", _("IMAP poller")
    SMTP = "smtp", _("SMTP listener")
    HTTP = "http", _("HTTP endpoint")
    WEBHOOK = "webhook", _("Provider webhook")
    FORM = "form", _("Web form")
    PORTAL = "portal", _("Customer portal")
    STAFF = "staff", _("Entered by staff")


class InboundStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PROCESSED = "processed", _("Processed")
    QUARANTINED = "quarantined", _("Quarantined")
    # Auto-submitted traffic (out-of-office, bounces): kept, never opens a case (RFC 3834).
    IGNORED = "ignored", _("Ignored (automatic)")


class InboundRaw(models.Model):
    received_at = models.DateTimeField(db_index=True)
    channel = models.CharField(max_length=16, choices=InboundChannel.choices)
    source = models.CharField(max_length=16, choices=InboundSource.choices)
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="inbound"
    )
    raw = models.BinaryField(blank=True, default=b"")
    raw_path = models.CharField(max_length=300, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    # Not indexed: nothing looks a row up by its hash (a redelivery is found by its dedupe
    # key, then its hash compared), and a random 64-character key costs every insert.
    sha256 = models.CharField(max_length=64)
    # Message-ID for e-mail, the provider's id (MessageSid...) otherwise. Empty = unknown.
    dedupe_key = models.CharField(max_length=255, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=16, choices=InboundStatus.choices, default=InboundStatus.PENDING
    )
    reason = models.TextField(blank=True)
    warnings = models.JSONField(default=list, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    message = models.ForeignKey(
        "inbox.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="inbound_dedupe_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["received_at"],
                name="inbound_quarantine",
                condition=Q(status="quarantined"),
            ),
            # Rows left pending by a crash, oldest first (`recovery.process_pending`): a
            # handful at any time, where the received_at index holds every row ever.
            models.Index(
                fields=["received_at", "id"],
                name="inbound_pending",
                condition=Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk} ({self.status})"

    def payload(self) -> bytes:
        if self.raw_path:
            return (Path(settings.MEDIA_ROOT) / self.raw_path).read_bytes()
        return bytes(self.raw)


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class MessageChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEB_FORM = "web_form", _("Web form")
    PORTAL_CHAT = "portal_chat", _("Portal chat")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    LETTER = "letter", _("Letter")
    PHONE = "phone", _("Phone")
    INTERNAL = "internal", _("Internal")


class MessageKind(models.TextChoices):
    CUSTOMER_MESSAGE = "customer_message", _("Customer message")
    REPLY = "reply", _("Reply")
    AUTO_ACKNOWLEDGEMENT = "auto_acknowledgement", _("Automatic acknowledgement")
    # Out-of-office answers, bounces, read receipts: kept on the case, never a customer
    # message, never starts or moves a clock.
    AUTOMATIC_INBOUND = "automatic_inbound", _("Automatic message received")
    INTERNAL_NOTE = "internal_note", _("Internal note")
    CALL_LOG = "call_log", _("Call")
    LETTER = "letter", _("Letter")


class Message(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="messages"
    )
    # Not indexed alone: message_case_time starts with it.
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    direction = models.CharField(max_length=8, choices=Direction.choices)
    channel = models.CharField(max_length=16, choices=MessageChannel.choices)
    kind = models.CharField(max_length=24, choices=MessageKind.choices)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
    )
    automatic = models.BooleanField(default=False)
    is_chase = models.BooleanField(default=False)
    from_address = models.CharField(max_length=320, blank=True)
    to_address = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)  # always sanitised with nh3 before saving
    message_id = models.CharField(max_length=500, blank=True)
    in_reply_to = models.CharField(max_length=500, blank=True)
    references = models.TextField(blank=True)
    requested_reply_channel = models.CharField(
        max_length=16, choices=ReplyChannel.choices, blank=True
    )
    department_hint = models.CharField(max_length=16, choices=Department.choices, blank=True)
    # Things the UI should show next to the message, e.g. "not_requested_channel" when a
    # reply went out on another channel than the customer asked for, or "charset_fallback".
    warnings = models.JSONField(default=list, blank=True)
    notification = models.ForeignKey(
        "outbox.Notification",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    raw = models.ForeignKey(
        InboundRaw, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["organisation", "message_id"],
                name="message_thread_id",
                condition=~Q(message_id=""),
            ),
            models.Index(fields=["case", "created_at"], name="message_case_time"),
            # "Did we already acknowledge this address a moment ago?" (loop protection).
            models.Index(
                fields=["to_address", "created_at"],
                name="message_recent_ack",
                condition=Q(kind="auto_acknowledgement"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.direction} #{self.pk}"

    @property
    def is_customer_message(self) -> bool:
        return self.kind == MessageKind.CUSTOMER_MESSAGE or (
            self.kind == MessageKind.LETTER and self.direction == Direction.INBOUND
        )


def attachment_path(instance: Attachment, filename: str) -> str:
    return _by_content(instance.sha256, filename)


def attachment_storage_name(sha256: str, filename: str) -> str:
    """Where the file with this content is stored: `attachment_path` with the name made
    valid for the storage, as `FileField` makes it."""
    return _by_content(sha256, default_storage.get_valid_name(filename) or "file")


def _by_content(sha256: str, filename: str) -> str:
    return f"attachments/{sha256[:2]}/{sha256}/{filename}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    file = models.FileField(upload_to=attachment_path, max_length=400, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    # Media a provider keeps (Twilio MediaUrl): we record where it is rather than fetch it.
    url = models.URLField(max_length=1000, blank=True)
    # Over the size limit: not stored as a file, but the raw message still holds it.
    refused = models.BooleanField(default=False)
    refused_reason = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return self.filename


class CannedAnswer(models.Model):
    """A reusable answer. Placeholders: {{customer_name}}, {{reference}}, {{site_name}}."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="canned_answers"
    )
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, null=True, blank=True, related_name="canned_answers"
    )
    department = models.CharField(
        _("department"), max_length=16, choices=Department.choices, blank=True
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

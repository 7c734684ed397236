"""Cases: one case, one owner, one story (CASE-ONE-STORY).

A case gathers every message, call, note and transfer about one customer request. Its
timeline is the core event log filtered on the case; its clocks are the clocks whose subject
is the case. State changes go through `posventa.cases.actions`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from posventa.core.models import Organisation, Site, Team


class Department(models.TextChoices):
    SERVICE = "service", _("Service")
    PARTS = "parts", _("Parts")
    SALES = "sales", _("Sales")
    BILLING = "billing", _("Billing")
    COMPLAINTS = "complaints", _("Complaints")


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting on the customer")
    WAITING_THIRD_PARTY = "waiting_third_party", _("Waiting on a third party")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# Statuses in which the case still owes the customer something.
ACTIVE_STATUSES = (
    CaseStatus.NEW,
    CaseStatus.OPEN,
    CaseStatus.WAITING_CUSTOMER,
    CaseStatus.WAITING_THIRD_PARTY,
)


class Priority(models.IntegerChoices):
    LOW = 0, _("Low")
    NORMAL = 1, _("Normal")
    HIGH = 2, _("High")
    URGENT = 3, _("Urgent")


class ReplyChannel(models.TextChoices):
    """How a customer can be answered: every inbound channel plus the telephone."""

    EMAIL = "email", _("E-mail")
    WEB_FORM = "web_form", _("Web form")
    PORTAL_CHAT = "portal_chat", _("Portal chat")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    LETTER = "letter", _("Letter")
    PHONE = "phone", _("Phone")


class CaseSequence(models.Model):
    """The last number handed out for one reference prefix and year.

    Keyed on the prefix rather than the site so that two sites whose names give the same
    prefix share one counter and can never mint the same reference.
    """

    prefix = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="case_sequence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


class Case(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="cases")
    # Site, owner and team are not indexed alone: case_site_status, case_owner_status and
    # case_team_status start with them, and every write would maintain both.
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="cases", db_index=False)
    reference = models.CharField(_("reference"), max_length=32, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="cases"
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
    )
    department = models.CharField(
        _("department"), max_length=16, choices=Department.choices, default=Department.SERVICE
    )
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    # The channel the case was opened on and its threading topic (see inbox.threading).
    channel = models.CharField(_("channel"), max_length=16, choices=ReplyChannel.choices)
    topic = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=24, choices=CaseStatus.choices, default=CaseStatus.NEW
    )
    # Exactly one owner; empty means the case waits in the site's (or team's) queue.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_cases",
        db_index=False,
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        db_index=False,
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    requested_reply_channel = models.CharField(
        _("reply by"), max_length=16, choices=ReplyChannel.choices
    )
    chase_count = models.PositiveIntegerField(_("chases"), default=0)
    # When the oldest customer message not yet answered on the requested channel arrived.
    # Empty when nothing is owed; a new customer message while it is set is a chase.
    awaiting_reply_since = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    resolution_message = models.ForeignKey(
        "inbox.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    previous_case = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="follow_ups"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            # Threading: the open cases of a customer on a channel.
            models.Index(
                fields=["customer", "channel", "topic"],
                name="case_open_by_topic",
                condition=~Q(status__in=["resolved", "closed"]),
            ),
            models.Index(fields=["site", "status"], name="case_site_status"),
            models.Index(fields=["owner", "status"], name="case_owner_status"),
            # The workspace's unassigned and team queues.
            models.Index(
                fields=["site", "status"],
                name="case_unassigned",
                condition=Q(owner__isnull=True),
            ),
            models.Index(fields=["team", "status"], name="case_team_status"),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("cases:detail", args=[self.reference])

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class CaseTransfer(models.Model):
    """One handover. The note is required so the next person never asks the story again."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transfers")
    from_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    to_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    from_team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    to_team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_department = models.CharField(max_length=16, choices=Department.choices)
    to_department = models.CharField(max_length=16, choices=Department.choices)
    note = models.TextField(_("handover note"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case} @ {self.at:%Y-%m-%d %H:%M}"

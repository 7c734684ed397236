"""Complaints: a case marked as a complaint (issue 11, item 4; seed 003).

A complaint is one row beside its case, never a second case: the reference, the owner, the
timeline and the transfers stay the case's, so the customer never tells the story twice.
What the complaint adds is what seed 003 lacked: a category that is not always technical,
a severity, the customer's desired outcome in their own words, an acknowledgement carrying
the reference and the owner's name, a resolution plan, a flag when the case sits with a
department that cannot solve the category, and a closing that needs the customer.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from posventa.cases.models import Case


class Category(models.TextChoices):
    TECHNICAL = "technical", _("Technical fault")
    CLEANLINESS = "cleanliness", _("Cleanliness, mess left behind")
    STAFF_BEHAVIOUR = "staff_behaviour", _("Staff behaviour")
    BILLING = "billing", _("Billing")
    DELAYS = "delays", _("Delays")
    COMMUNICATION = "communication", _("Not informed, not called back")
    DAMAGE = "damage", _("Damage to property or vehicle")
    OTHER = "other", _("Other")


class Severity(models.IntegerChoices):
    LOW = 0, _("Low")
    NORMAL = 1, _("Normal")
    HIGH = 2, _("High")
    CRITICAL = 3, _("Critical")


class RegisteredVia(models.TextChoices):
    STAFF = "staff", _("Staff")
    PORTAL = "portal", _("Customer portal")
    API = "api", _("API")


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class AgreementSource(models.TextChoices):
    """Where the customer said they agree with how the complaint was resolved."""

    REPLY = "reply", _("The customer's reply")
    PORTAL = "portal", _("The customer's portal button")
    CALL = "call", _("A logged call")


class Complaint(models.Model):
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="complaint")
    category = models.CharField(
        _("category"), max_length=24, choices=Category.choices, default=Category.OTHER
    )
    severity = models.PositiveSmallIntegerField(
        _("severity"), choices=Severity.choices, default=Severity.NORMAL
    )
    # In the customer's own words, never rewritten by staff (seed 003: he was offered a
    # technician because nobody wrote down that he wanted the mess acknowledged).
    desired_outcome = models.TextField(_("desired outcome"), blank=True)
    description = models.TextField(_("what happened"), blank=True)
    registered_via = models.CharField(max_length=16, choices=RegisteredVia.choices)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    registered_at = models.DateTimeField(_("registered"))
    status = models.CharField(
        _("status"), max_length=16, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN
    )
    resolution_plan = models.TextField(_("resolution plan"), blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledgement = models.ForeignKey(
        "inbox.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The department the case sat in when it was found unable to solve the category;
    # empty when it is where it should be.
    misrouted_department = models.CharField(max_length=16, blank=True)
    agreed_at = models.DateTimeField(_("customer agreed"), null=True, blank=True)
    agreement_source = models.CharField(max_length=16, choices=AgreementSource.choices, blank=True)
    agreement_message = models.ForeignKey(
        "inbox.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Filled only when the complaint closed without the customer's agreement.
    close_reason = models.TextField(_("reason for closing without agreement"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-registered_at", "-id"]
        indexes = [
            models.Index(
                fields=["registered_at"],
                name="complaint_open_registered",
                condition=Q(status="open"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.reference} ({self.category})"

    @property
    def is_open(self) -> bool:
        return self.status == ComplaintStatus.OPEN

    @property
    def is_misrouted(self) -> bool:
        return bool(self.misrouted_department)


class AgreementAttempt(models.Model):
    """One time staff asked the customer whether they agree the complaint can close."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attempts")
    channel = models.CharField(max_length=16)
    note = models.TextField(blank=True)
    message = models.ForeignKey(
        "inbox.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id} @ {self.at:%Y-%m-%d %H:%M}"

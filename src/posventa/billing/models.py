"""Invoices on the customer, the dispute holds that stop collections (HOLD-DISPUTE, seed
002), and every collection action another system asked to take.

An open billing dispute is a case. A hold ties the case to the customer's whole account or
to some of its invoices; it is lifted only when the dispute (the case) is resolved, with a
reason in the event log. HOLD-DISPUTE is a guard, not a deadline: it is measured by the
actions it refused (`CollectionAttempt.refused`). State changes go through
`posventa.billing.actions`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from posventa.core.models import Organisation


class InvoiceStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    OVERDUE = "overdue", _("Overdue")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


class InvoiceSource(models.TextChoices):
    STAFF = "staff", _("Entered by staff")
    API = "api", _("API")
    CSV = "csv", _("CSV import")


class Invoice(models.Model):
    """One invoice the billing system issued to a customer, as it told us."""

    # Neither key is indexed alone: the unique (organisation, number) and the index on
    # (customer, issued_on) start with them.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="invoices", db_index=False
    )
    number = models.CharField(_("number"), max_length=64)
    # The billing system's account number, when it has one: collections systems ask by it.
    account = models.CharField(_("account"), max_length=64, blank=True)
    issued_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(
        _("status"), max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.ISSUED
    )
    source = models.CharField(max_length=8, choices=InvoiceSource.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"], name="invoice_number_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "issued_on"], name="invoice_customer"),
            models.Index(
                fields=["organisation", "account"],
                name="invoice_account",
                condition=~Q(account=""),
            ),
        ]

    def __str__(self) -> str:
        return self.number


class HoldScope(models.TextChoices):
    ACCOUNT = "account", _("Whole account")
    INVOICES = "invoices", _("Disputed invoices")


class Hold(models.Model):
    """A dispute hold: while it is active, no collection, cut-off, dunning letter or legal
    referral goes out on what it covers."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="holds"
    )
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="holds")
    scope = models.CharField(_("covers"), max_length=8, choices=HoldScope.choices)
    invoices = models.ManyToManyField(Invoice, blank=True, related_name="holds")
    reason = models.TextField(_("why"))
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    placed_at = models.DateTimeField(_("since"))
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    lift_reason = models.TextField(_("why lifted"), blank=True)

    class Meta:
        ordering = ["placed_at", "id"]
        indexes = [
            # The hold check: a customer's active holds, and nothing else, in the index.
            models.Index(
                fields=["customer"], name="hold_active_customer", condition=Q(lifted_at=None)
            ),
            models.Index(fields=["case"], name="hold_case"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.scope}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


class CollectionKind(models.TextChoices):
    COLLECTION = "collection", _("Collection")
    CUT_OFF = "cut_off", _("Cut-off")
    DUNNING_LETTER = "dunning_letter", _("Dunning letter")
    LEGAL_REFERRAL = "legal_referral", _("Legal referral")


class CollectionAttempt(models.Model):
    """An action a billing or collections system announced through the API, allowed or
    refused. Kept either way: the refused ones are HOLD-DISPUTE's figures."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    # Not indexed alone: the index on (customer, at) starts with it.
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="collection_attempts",
        db_index=False,
    )
    kind = models.CharField(_("action"), max_length=16, choices=CollectionKind.choices)
    invoices = models.ManyToManyField(Invoice, blank=True, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    system = models.CharField(_("system"), max_length=100, blank=True)
    note = models.TextField(blank=True)
    at = models.DateTimeField()
    refused = models.BooleanField(default=False)
    # The hold that refused it (the first, when several apply).
    hold = models.ForeignKey(
        Hold, on_delete=models.PROTECT, null=True, blank=True, related_name="refusals"
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "at"], name="collection_customer")]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.at:%Y-%m-%d %H:%M}"


class InvoiceImport(models.Model):
    """One CSV file of invoices, stored raw before a row is read."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=255, blank=True)
    raw = models.BinaryField()
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename or 'invoices.csv'} @ {self.created_at:%Y-%m-%d %H:%M}"


class InvoiceImportError(models.Model):
    """A row that was not imported: its line in the file, the reason, the row as it was."""

    invoice_import = models.ForeignKey(
        InvoiceImport, on_delete=models.CASCADE, related_name="errors"
    )
    line = models.PositiveIntegerField()
    field = models.CharField(max_length=32, blank=True)
    reason = models.TextField()
    raw_row = models.TextField(blank=True)

    class Meta:
        ordering = ["line", "id"]

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"

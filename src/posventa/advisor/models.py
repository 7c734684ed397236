"""What was done to a vehicle when (its service history) and each organisation's own
maintenance schedule file, kept as it was received."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from posventa.core.models import Organisation
from posventa.customers.models import Vehicle


class ServiceSource(models.TextChoices):
    IMPORTED = "imported", _("Imported")
    STAFF = "staff", _("Recorded by staff")
    REPAIR_ORDER = "repair-order", _("Repair order")


class ServiceRecord(models.Model):
    """One visit's maintenance: the item codes done on a day at a distance."""

    # Not indexed alone: the index below starts with it.
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, related_name="service_records", db_index=False
    )
    done_on = models.DateField(_("date"))
    # Unknown for some imported history; the advisor then reads it off the odometer history.
    km = models.PositiveIntegerField(_("kilometres"), null=True, blank=True)
    items = models.JSONField(_("maintenance items"), default=list)
    source = models.CharField(_("source"), max_length=20, choices=ServiceSource.choices)
    # The import row or repair order it came from: recording it again changes nothing.
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["vehicle", "done_on", "pk"]
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        indexes = [models.Index(fields=["vehicle", "done_on"], name="service_vehicle_day")]
        constraints = [
            models.UniqueConstraint(
                fields=["vehicle", "source", "reference"],
                condition=~Q(reference=""),
                name="service_reference_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.done_on:%Y-%m-%d} {', '.join(self.items)}"


class MaintenanceSchedule(models.Model):
    """A dealership's schedule file for its makes and models (schedule.py has the format).
    The newest accepted file of an organisation is the active one; older ones stay."""

    # Not indexed alone: the constraint below starts with it.
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="maintenance_schedules",
        db_index=False,
    )
    name = models.CharField(_("file name"), max_length=200)
    text = models.TextField(_("file"))
    sha256 = models.CharField(max_length=64)
    rules = models.PositiveIntegerField(_("rules"))
    active = models.BooleanField(_("active"), default=True)
    imported_at = models.DateTimeField(_("imported at"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["organisation", "-imported_at", "-pk"]
        verbose_name = _("maintenance schedule")
        verbose_name_plural = _("maintenance schedules")
        indexes = [models.Index(fields=["organisation", "active"], name="schedule_org_active")]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(active=True),
                name="schedule_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.imported_at:%Y-%m-%d})"


class ServiceImport(models.Model):
    """A service-history file from a dealer management system, kept as it was received
    before any line of it is read; with what became of each line."""

    # Not indexed alone: the index below starts with it.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="service_imports", db_index=False
    )
    name = models.CharField(_("file name"), max_length=200)
    text = models.TextField(_("file"))
    sha256 = models.CharField(max_length=64)
    received_at = models.DateTimeField(_("received at"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded = models.PositiveIntegerField(_("recorded"), default=0)
    known = models.PositiveIntegerField(_("already recorded"), default=0)
    refused = models.PositiveIntegerField(_("refused"), default=0)
    # [{"line": 7, "field": "km", "message": "..."}]: every line not recorded, and why.
    errors = models.JSONField(_("errors"), default=list)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["organisation", "-received_at", "-pk"]
        verbose_name = _("service history import")
        verbose_name_plural = _("service history imports")
        indexes = [
            models.Index(fields=["organisation", "received_at"], name="service_import_org_day")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.received_at:%Y-%m-%d})"

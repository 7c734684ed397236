"""Admin: service history and schedule files as a read-only record. They change only
through the actions (the vehicle page, the `import_schedule` command, the workshop)."""

from __future__ import annotations

from django.contrib import admin

from posventa.advisor.models import MaintenanceSchedule, ServiceImport, ServiceRecord
from posventa.core.admin import ReadOnlyAdmin


@admin.register(ServiceRecord)
class ServiceRecordAdmin(ReadOnlyAdmin):
    list_display = ("vehicle", "done_on", "km", "items", "source")
    list_filter = ("source",)
    search_fields = ("vehicle__vin", "vehicle__plate_normalised", "reference")
    raw_id_fields = ("vehicle",)


@admin.register(MaintenanceSchedule)
class MaintenanceScheduleAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "name", "rules", "active", "imported_at")
    list_filter = ("active",)


@admin.register(ServiceImport)
class ServiceImportAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "name", "received_at", "recorded", "known", "refused")

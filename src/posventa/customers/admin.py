"""Admin for support staff. Histories (consent, odometer, ownership) are read-only here:
they are appended through the actions so that every change has its timeline event."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from posventa.core.events import record_event
from posventa.customers.models import (
    ConsentRecord,
    ContactPoint,
    Customer,
    OdometerReading,
    Vehicle,
    VehicleOwnership,
)


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ContactPointInline(admin.TabularInline):  # type: ignore[type-arg]
    model = ContactPoint
    extra = 0
    fields = ["kind", "value", "is_primary"]
    can_delete = False


class ConsentInline(ReadOnlyInline):
    model = ConsentRecord
    fields = readonly_fields = ("channel", "granted", "at", "source", "actor")


class EventOnSaveAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Admin edits bypass the actions, so they at least leave a trace in the event log."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        record_event(
            f"{obj._meta.model_name}.admin_{'changed' if change else 'added'}",
            subject=obj,
            organisation=getattr(obj, "organisation", None),
            actor=request.user if request.user.is_authenticated else None,  # type: ignore[arg-type]
            data={"fields": sorted(form.changed_data)},
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # Inline contact points get the organisation of the customer they belong to.
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, ContactPoint):
                instance.organisation_id = instance.customer.organisation_id
            instance.save()
        formset.save_m2m()


@admin.register(Customer)
class CustomerAdmin(EventOnSaveAdmin):
    list_display = [
        "display_name",
        "organisation",
        "preferred_channel",
        "language",
        "needs_review",
        "merged_into",
        "created_at",
    ]
    list_filter = ["organisation", "needs_review", "preferred_channel"]
    search_fields = ["display_name", "contact_points__value"]
    readonly_fields = ["merged_into", "merged_at", "created_at"]
    inlines = [ContactPointInline, ConsentInline]


@admin.register(ContactPoint)
class ContactPointAdmin(EventOnSaveAdmin):
    list_display = ["value", "kind", "customer", "is_primary"]
    list_filter = ["kind"]
    search_fields = ["value", "customer__display_name"]
    raw_id_fields = ["customer"]
    exclude = ["organisation"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.organisation_id = obj.customer.organisation_id
        super().save_model(request, obj, form, change)


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["customer", "channel", "granted", "at", "source", "actor"]
    list_filter = ["channel", "granted"]
    search_fields = ["customer__display_name"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OwnershipInline(ReadOnlyInline):
    model = VehicleOwnership
    fields = readonly_fields = ("customer", "since", "until")


class OdometerInline(ReadOnlyInline):
    model = OdometerReading
    fields = readonly_fields = ("km", "read_at", "source", "correction", "recorded_by")


@admin.register(Vehicle)
class VehicleAdmin(EventOnSaveAdmin):
    list_display = ["vin", "plate", "make", "model", "owner", "vin_check", "organisation"]
    list_filter = ["organisation", "make"]
    search_fields = ["vin", "plate_normalised", "plate", "owner__display_name"]
    readonly_fields = ["vin_check", "owner"]
    inlines = [OwnershipInline, OdometerInline]


@admin.register(OdometerReading)
class OdometerReadingAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["vehicle", "km", "read_at", "source", "correction"]
    search_fields = ["vehicle__vin", "vehicle__plate_normalised"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

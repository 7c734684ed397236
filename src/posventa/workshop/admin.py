"""Admin for the workshop's configuration (bays, appointment types, booking policies).

Appointments and booking requests are read-only here: they change only through the booking
pages, the staff pages and the API (workshop.actions), which keep the day's lock, the
customer's messages and the clocks right. Each configuration change is recorded on the
timeline as "<model>.admin_added" / "<model>.admin_changed".
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.forms import ModelForm
from django.http import HttpRequest

from posventa.core.admin import actor_of
from posventa.core.events import record_event
from posventa.workshop.models import (
    Appointment,
    AppointmentType,
    BookingPolicy,
    BookingRequest,
    ServiceBay,
)


class RecordedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def save_model(
        self, request: HttpRequest, obj: models.Model, form: ModelForm[Any], change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        site = getattr(obj, "site", None)
        record_event(
            f"{obj._meta.model_name}.admin_{'changed' if change else 'added'}",
            subject=obj,
            site=site,
            organisation=getattr(obj, "organisation", None) or getattr(site, "organisation", None),
            actor=actor_of(request),
            summary=str(obj)[:500],
            data={"fields": form.changed_data},
        )


@admin.register(ServiceBay)
class ServiceBayAdmin(RecordedAdmin):
    list_display = ("name", "site", "active")
    list_filter = ("site", "active")


@admin.register(AppointmentType)
class AppointmentTypeAdmin(RecordedAdmin):
    list_display = ("code", "name", "site", "duration_minutes", "skill", "needs_bay", "online")
    list_filter = ("organisation", "site", "needs_bay", "online", "active")
    search_fields = ("code", "name")


@admin.register(BookingPolicy)
class BookingPolicyAdmin(RecordedAdmin):
    list_display = ("site", "online_share_percent", "daily_limit", "slot_minutes", "reminder_hours")


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    list_display = (
        "starts_at",
        "site",
        "contact_name",
        "technician",
        "bay",
        "status",
        "booked_via",
    )
    list_filter = ("site", "status", "booked_via")
    search_fields = ("contact_name", "contact_email", "contact_phone", "vehicle_text")
    date_hierarchy = "starts_at"


@admin.register(BookingRequest)
class BookingRequestAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "site", "contact_name", "source", "status", "attempts")
    list_filter = ("site", "status", "source")
    search_fields = ("contact_name", "contact_email", "contact_phone")

"""Admin for complaints, to look at: registering, acknowledging, transferring and closing go
through `complaints.actions` from the case page, the portal and the API, so that nobody can
turn a complaint away or close one without the customer here either."""

from __future__ import annotations

from django.contrib import admin

from posventa.complaints.models import AgreementAttempt, Complaint
from posventa.core.admin import ReadOnlyAdmin


class AgreementAttemptInline(admin.TabularInline):  # type: ignore[type-arg]
    model = AgreementAttempt
    extra = 0
    can_delete = False

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = [
        "case",
        "category",
        "severity",
        "status",
        "registered_at",
        "acknowledged_at",
        "agreed_at",
        "closed_at",
    ]
    list_filter = ["status", "category", "severity", "registered_via"]
    search_fields = ["case__reference", "desired_outcome", "description"]
    date_hierarchy = "registered_at"
    inlines = [AgreementAttemptInline]

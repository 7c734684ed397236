"""Admin: the catalogue read-only, site targets and ladders through the actions layer, and
clocks as a read-only record (they change only through events)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from posventa.clocks import actions
from posventa.clocks.models import Clock, ClockPause, EscalationPolicy, SiteStandard, Standard
from posventa.core.admin import ReadOnlyAdmin
from posventa.core.models import User

# The admin classes are generic only in django-stubs, not at run time.
if TYPE_CHECKING:
    ModelAdmin = admin.ModelAdmin[Any]
    TabularInline = admin.TabularInline[Any, Any]
else:
    ModelAdmin = admin.ModelAdmin
    TabularInline = admin.TabularInline


def acting_user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


@admin.register(Standard)
class StandardAdmin(ReadOnlyAdmin):
    """Written by clocks.catalogue.sync_catalogue; sites change targets via SiteStandard."""

    list_display = [
        "code",
        "category",
        "title",
        "default_target_seconds",
        "default_target_business_days",
        "calendar_kind",
        "pausable",
    ]
    list_filter = ["category", "calendar_kind", "pausable"]
    search_fields = ["code", "title", "rule"]


@admin.register(SiteStandard)
class SiteStandardAdmin(ModelAdmin):
    list_display = ["site", "standard", "target_seconds", "calendar_kind", "enabled"]
    list_filter = ["site", "enabled"]
    autocomplete_fields = ["standard"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["site", "standard"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: SiteStandard, form: Any, change: bool) -> None:
        # Through the action, so open clocks are re-planned and the change is on record.
        saved = actions.set_site_target(
            obj.site,
            obj.standard_id,
            obj.target_seconds,
            obj.calendar_kind,
            actor=acting_user(request),
            enabled=obj.enabled,
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: SiteStandard) -> None:
        actions.clear_site_target(obj.site, obj.standard_id, actor=acting_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[SiteStandard]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(ModelAdmin):
    list_display = ["site", "warn_at_ratio", "site_manager_after_seconds"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["site"] if obj is not None else []

    def save_model(
        self, request: HttpRequest, obj: EscalationPolicy, form: Any, change: bool
    ) -> None:
        saved = actions.set_escalation_policy(
            obj.site,
            warn_at_ratio=obj.warn_at_ratio,
            site_manager_after_seconds=obj.site_manager_after_seconds,
            actor=acting_user(request),
        )
        obj.pk = saved.pk


class ClockPauseInline(TabularInline):
    model = ClockPause
    extra = 0
    can_delete = False
    readonly_fields = ["started_at", "ended_at", "reason"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Clock)
class ClockAdmin(ModelAdmin):
    list_display = [
        "pk",
        "standard",
        "site",
        "label",
        "owner",
        "state",
        "started_at",
        "due_at",
        "breached_at",
        "escalation_level",
    ]
    list_filter = ["state", "standard", "site", "escalation_level"]
    search_fields = ["label", "subject_id"]
    date_hierarchy = "started_at"
    list_select_related = ["standard", "site", "owner"]
    inlines = [ClockPauseInline]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

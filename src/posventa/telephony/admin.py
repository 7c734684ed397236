"""Admin for telephony: the site's phone rules and lines (saved through actions), and
calls, raw events and CDR imports to look at. A quarantined raw event can be processed
again once the reader is fixed."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from posventa.telephony.actions import calls
from posventa.telephony.actions.settings import save_phone_config
from posventa.telephony.models import (
    Call,
    CallEventRaw,
    CdrImport,
    CdrRowError,
    PhoneLine,
    PhoneSettings,
    RawStatus,
)


class ConfigAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        save_phone_config(obj, actor=request.user, changed=list(form.changed_data))  # type: ignore[arg-type]


@admin.register(PhoneSettings)
class PhoneSettingsAdmin(ConfigAdmin):
    list_display = ["site", "ring_seconds", "answer_within_rings", "hold_limit_seconds"]


@admin.register(PhoneLine)
class PhoneLineAdmin(ConfigAdmin):
    list_display = ["number", "site", "department", "label"]
    list_filter = ["site", "department"]


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Call)
class CallAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "site", "direction", "caller_raw", "status", "meets_info_phone"]
    list_filter = ["site", "source", "status", "direction"]
    search_fields = ["caller", "caller_raw", "called", "external_id"]
    date_hierarchy = "started_at"


@admin.register(CallEventRaw)
class CallEventRawAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "site", "source", "status", "error"]
    list_filter = ["status", "source", "site"]
    actions = ["process_again"]

    @admin.action(description=gettext_lazy("Process again"))
    def process_again(self, request: HttpRequest, queryset: QuerySet[CallEventRaw]) -> None:
        done = 0
        for raw in queryset.exclude(status=RawStatus.PROCESSED).select_related("site"):
            calls.process_raw(raw)
            done += 1
        messages.info(request, _("%(count)d events processed again.") % {"count": done})


class CdrRowErrorInline(admin.TabularInline):  # type: ignore[type-arg]
    model = CdrRowError
    extra = 0
    can_delete = False
    readonly_fields = ["line_number", "reason", "raw_line"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CdrImport)
class CdrImportAdmin(ReadOnlyAdmin):
    list_display = [
        "started_at",
        "site",
        "filename",
        "rows_imported",
        "rows_already_known",
        "rows_bad",
    ]
    list_filter = ["site"]
    inlines = [CdrRowErrorInline]

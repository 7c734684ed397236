"""Read-only views of routing in the admin: rules and away periods change through the
routing page (routing.actions), which records who changed what."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from posventa.routing.models import AwayPeriod, RoutingRule


class ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RoutingRule)
class RoutingRuleAdmin(ReadOnly):
    list_display = ("site", "department", "mode", "team", "named_owner", "last_owner")
    list_filter = ("mode", "department")


@admin.register(AwayPeriod)
class AwayPeriodAdmin(ReadOnly):
    list_display = ("user", "started_at", "ended_at", "reason", "set_by", "ended_by")

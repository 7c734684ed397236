"""Admin for adapter configuration. Saves go through `channels.actions` so each is recorded."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from posventa.channels import actions
from posventa.channels.models import (
    ImapMailbox,
    InboundEndpointToken,
    MailRoute,
    RefusedRequest,
    WebhookCredential,
)


class ConfigAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        actions.save_channel_config(
            obj,
            actor=request.user,  # type: ignore[arg-type]
            changed=list(form.changed_data),
        )


@admin.register(MailRoute)
class MailRouteAdmin(ConfigAdmin):
    list_display = ["domain", "local_part", "site", "department"]
    list_filter = ["site"]


@admin.register(ImapMailbox)
class ImapMailboxAdmin(ConfigAdmin):
    list_display = [
        "name",
        "site",
        "host",
        "username",
        "folder",
        "active",
        "last_polled_at",
        "messages_stored",
        "last_error",
    ]
    list_filter = ["site", "active"]
    readonly_fields = ["uidvalidity", "last_uid", "last_polled_at", "last_error", "messages_stored"]


@admin.register(WebhookCredential)
class WebhookCredentialAdmin(ConfigAdmin):
    list_display = ["site", "provider", "account_sid", "active", "updated_at"]
    list_filter = ["provider", "active"]


@admin.register(InboundEndpointToken)
class InboundEndpointTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["label", "site", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["site"]
    fields = ["site", "label", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A token's site and label are fixed once issued; revoke and issue a new one instead.
        if obj is not None:
            return [*self.readonly_fields, "site", "label"]
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            return
        token, clear = actions.issue_endpoint_token(
            obj.site,
            obj.label,
            actor=request.user,  # type: ignore[arg-type]
        )
        obj.pk = token.pk
        messages.warning(
            request,
            _("Token issued. Copy it now, it will not be shown again: %s") % clear,
        )

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[InboundEndpointToken]) -> None:
        for token in queryset:
            actions.revoke_endpoint_token(token, actor=request.user)  # type: ignore[arg-type]


@admin.register(RefusedRequest)
class RefusedRequestAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["received_at", "endpoint", "reason", "site", "remote_addr", "body_size"]
    list_filter = ["endpoint", "reason", "site"]
    date_hierarchy = "received_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

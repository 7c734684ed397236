"""Admin: the outbox as an operator sees it, with a "retry now" for stuck or dead rows."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from posventa.core.models import User
from posventa.outbox import actions
from posventa.outbox.models import DeliveryAttempt, Notification


class DeliveryAttemptInline(admin.TabularInline[DeliveryAttempt, Notification]):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = (
        "number",
        "started_at",
        "finished_at",
        "outcome",
        "error",
        "provider_message_id",
        "worker",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = [
        "created_at",
        "channel",
        "to_address",
        "subject",
        "automatic",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "site",
    ]
    list_filter = ["status", "channel", "automatic", "site"]
    search_fields = ["to_address", "subject", "message_id", "provider_message_id", "dedupe_key"]
    date_hierarchy = "created_at"
    list_select_related = ["site"]
    inlines = [DeliveryAttemptInline]
    actions = ["retry_now"]

    # The outbox is written by actions only; here it is read and nudged, never edited.
    def get_readonly_fields(
        self, request: HttpRequest, obj: Notification | None = None
    ) -> list[str]:
        return [field.name for field in Notification._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False

    @admin.action(description=_("Retry now"))
    def retry_now(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        actor = request.user if isinstance(request.user, User) else None
        retried = sum(
            1 for notification in queryset if actions.retry_now(notification, actor=actor)
        )
        skipped = queryset.count() - retried
        self.message_user(
            request,
            ngettext(
                "%(count)d notification will be retried now.",
                "%(count)d notifications will be retried now.",
                retried,
            )
            % {"count": retried},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d notification was skipped: already sent or being sent.",
                    "%(count)d notifications were skipped: already sent or being sent.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )

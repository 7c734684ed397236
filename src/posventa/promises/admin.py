"""Admin for promises, to look at: a promise is kept only by its owner's own reply or
connected call, never by someone closing it, so nothing here edits one (`promises.actions`
creates, reassigns, renegotiates and cancels them, with a reason)."""

from __future__ import annotations

from django.contrib import admin

from posventa.core.admin import ReadOnlyAdmin
from posventa.promises.models import Promise


@admin.register(Promise)
class PromiseAdmin(ReadOnlyAdmin):
    list_display = ["what", "case", "owner", "deadline", "status", "source", "kept_at"]
    list_filter = ["status", "act", "source", "channel"]
    search_fields = ["what", "case__reference", "sentence"]
    date_hierarchy = "deadline"

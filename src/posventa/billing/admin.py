"""Admin for billing: invoices, holds, collection attempts and imports, to look at.

Every change goes through `billing.actions` (the staff pages, the API, the CSV import): a
hold is lifted only by resolving its dispute, so nothing here can place, edit or lift one.
"""

from __future__ import annotations

from django.contrib import admin

from posventa.billing.models import CollectionAttempt, Hold, Invoice, InvoiceImport
from posventa.core.admin import ReadOnlyAdmin


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["number", "customer", "issued_on", "amount", "currency", "status", "source"]
    list_filter = ["status", "source", "currency"]
    search_fields = ["number", "account", "customer__display_name"]
    date_hierarchy = "issued_on"


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdmin):
    list_display = ["case", "customer", "scope", "placed_by", "placed_at", "lifted_at"]
    list_filter = ["scope"]
    search_fields = ["case__reference", "customer__display_name", "reason"]


@admin.register(CollectionAttempt)
class CollectionAttemptAdmin(ReadOnlyAdmin):
    list_display = ["at", "customer", "kind", "system", "refused", "hold"]
    list_filter = ["kind", "refused"]
    date_hierarchy = "at"


@admin.register(InvoiceImport)
class InvoiceImportAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "filename", "imported_by", "rows", "created", "unchanged"]
    exclude = ["raw"]  # the file as received, kept for reprocessing; not for the screen

"""How an unmet transport request appears on the waiting list (clocks.subjects registry)."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse

from posventa.clocks.subjects import SubjectCard
from posventa.transport.models import UnmetTransport


def present_unmet(ids: Sequence[str]) -> dict[str, SubjectCard]:
    """One query for a page of requests, with their customers and sites."""
    numeric = [int(value) for value in ids if value.isdigit()]
    rows = UnmetTransport.objects.filter(pk__in=numeric).select_related("site", "customer")
    return {
        str(unmet.pk): SubjectCard(
            title=f"{unmet.get_kind_display()} · {unmet.day:%Y-%m-%d}",
            url=reverse("transport:board", args=[unmet.site.slug]) + f"?day={unmet.day:%Y-%m-%d}",
            customer=unmet.customer.display_name if unmet.customer else "",
            reference=unmet.booking_ref,
        )
        for unmet in rows
    }

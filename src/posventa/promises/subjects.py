"""How a promise appears on the waiting list (registered with posventa.clocks.subjects)."""

from __future__ import annotations

from collections.abc import Sequence

from posventa.clocks.subjects import SubjectCard
from posventa.promises.models import Promise


def present_promises(ids: Sequence[str]) -> dict[str, SubjectCard]:
    """One query for a page of promises, with their cases and customers."""
    numeric = [int(value) for value in ids if value.isdigit()]
    rows = (
        Promise.objects.filter(pk__in=numeric)
        .select_related("case", "customer")
        .only("pk", "what", "case__reference", "customer__display_name")
    )
    return {
        str(promise.pk): SubjectCard(
            title=promise.what,
            url=promise.get_absolute_url(),
            customer=promise.customer.display_name,
            reference=promise.case.reference,
        )
        for promise in rows
    }

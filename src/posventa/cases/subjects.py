"""How a case appears on lists of obligations (registered with posventa.clocks.subjects)."""

from __future__ import annotations

from collections.abc import Sequence

from posventa.cases.models import Case
from posventa.clocks.subjects import SubjectCard


def present_cases(ids: Sequence[str]) -> dict[str, SubjectCard]:
    """One query for a page of cases, with their customers."""
    numeric = [int(value) for value in ids if value.isdigit()]
    rows = (
        Case.objects.filter(pk__in=numeric)
        .select_related("customer")
        .only("pk", "reference", "subject", "customer__display_name")
    )
    return {
        str(case.pk): SubjectCard(
            title=case.subject or case.reference,
            url=case.get_absolute_url(),
            customer=case.customer.display_name,
            reference=case.reference,
        )
        for case in rows
    }

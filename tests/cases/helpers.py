"""Reading clocks in case tests."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType

from posventa.cases.models import Case
from posventa.clocks.models import Clock


def clock(case: Case, code: str) -> Clock:
    """The newest clock of a standard on a case."""
    return Clock.objects.filter(
        subject_type=ContentType.objects.get_for_model(Case),
        subject_id=str(case.pk),
        standard_id=code,
    ).latest("id")

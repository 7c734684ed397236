"""Reading a callback's clock and timeline in telout's tests."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType

from posventa.clocks.models import Clock
from posventa.core.models import Event
from posventa.telephony.models import Callback


def callback_clock(callback: Callback) -> Clock:
    return Clock.objects.get(
        subject_type=ContentType.objects.get_for_model(Callback),
        subject_id=str(callback.pk),
        standard_id="INFO-PHONE",
    )


def timeline_verbs(callback: Callback) -> list[str]:
    return list(
        Event.objects.filter(
            subject_type=ContentType.objects.get_for_model(Callback), subject_id=str(callback.pk)
        )
        .order_by("occurred_at", "pk")
        .values_list("verb", flat=True)
    )

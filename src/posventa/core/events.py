"""Writing to the append-only event log. Actions call `record_event`; nothing else writes it."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from posventa.core.models import Event, Organisation, Site, User


def record_event(
    verb: str,
    *,
    subject: models.Model | None = None,
    site: Site | None = None,
    organisation: Organisation | None = None,
    actor: User | None = None,
    actor_label: str = "",
    summary: str = "",
    data: dict[str, Any] | None = None,
    internal: bool = True,
    occurred_at: Any = None,
) -> Event:
    if organisation is None and site is not None:
        organisation = site.organisation
    event = Event(
        occurred_at=occurred_at or timezone.now(),
        organisation=organisation,
        site=site,
        actor=actor,
        actor_label=actor_label or ("" if actor else "system"),
        verb=verb,
        summary=summary[:500],
        data=data or {},
        internal=internal,
    )
    if subject is not None:
        event.subject_type = ContentType.objects.get_for_model(subject)
        event.subject_id = str(subject.pk)
    event.save()
    return event


def timeline(subject: models.Model) -> models.QuerySet[Event]:
    return Event.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=str(subject.pk)
    ).select_related("actor")

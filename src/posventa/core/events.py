"""Writing to the append-only event log. Actions call `record_event`; nothing else writes it.

An action that writes several events at once (a new case starts three clocks) builds them
with `build_event` and writes them in one INSERT with `record_events`. A caller that runs
many actions in one transaction (inbound processing) can wrap them in `deferred_events()`:
every event recorded inside is kept in order and written in one INSERT when the block
ends without an error, or dropped with the rolled-back work when it raises. The order of a
timeline is (occurred_at, id), and the deferred INSERT keeps the order of the calls, so a
timeline reads the same either way.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from posventa.core.bulk import insert_rows, new_row
from posventa.core.models import Event, Organisation, Site, User

_local = threading.local()


def build_event(
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
    """An unsaved event, exactly as `record_event` would write it. Its keys are set as
    such, not through the related instances: nothing reads them back from the event, and
    an inbound chunk builds thousands (`new_row` and plain keys take a fifth of the time
    `Event(organisation=..., site=...)` takes)."""
    if organisation is None and site is not None:
        organisation = site.organisation
    return new_row(
        Event,
        occurred_at=occurred_at or timezone.now(),
        organisation_id=_key(organisation),
        site_id=_key(site),
        actor_id=_key(actor),
        actor_label=actor_label or ("" if actor else "system"),
        verb=verb,
        summary=summary[:500],
        data=data or {},
        internal=internal,
        subject_type_id=None if subject is None else _content_type_id(type(subject)),
        subject_id="" if subject is None else str(subject.pk),
    )


def _key(instance: models.Model | None) -> Any:
    if instance is None:
        return None
    if instance.pk is None:
        raise ValueError(f"An event cannot point at an unsaved {instance._meta.label}.")
    return instance.pk


def _content_type_id(model: type[models.Model]) -> int:
    return ContentType.objects.get_for_model(model).pk


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
    """Write one event (or queue it, inside `deferred_events()`: its pk is then unset)."""
    event = build_event(
        verb,
        subject=subject,
        site=site,
        organisation=organisation,
        actor=actor,
        actor_label=actor_label,
        summary=summary,
        data=data,
        internal=internal,
        occurred_at=occurred_at,
    )
    record_events([event])
    return event


def record_events(events: Sequence[Event]) -> None:
    """Write built events in one INSERT, in order (or queue them, see `deferred_events`)."""
    pending: list[Event] | None = getattr(_local, "pending", None)
    if pending is not None:
        pending.extend(events)
    elif len(events) == 1:
        events[0].save()
    elif events:
        Event.objects.bulk_create(events)


@contextmanager
def deferred_events() -> Iterator[None]:
    """Queue the events recorded inside; write them in one INSERT at the end of the block.

    Use it inside the transaction of the work it records, so the events commit or roll
    back with it. An exception leaving the block drops its events. Blocks nest: an inner
    block that fails drops only its own events, so code that catches an error after a
    savepoint (and carries on) wraps that savepoint in a block of its own. Events are not
    readable (nor have a pk) until the outermost block ends.
    """
    outer: list[Event] | None = getattr(_local, "pending", None)
    mine: list[Event] = []
    _local.pending = mine
    try:
        yield
    finally:
        _local.pending = outer
    # Reached only when the block did not raise.
    if outer is not None:
        outer.extend(mine)
    else:
        # Nothing refers to an event: no need to read the new keys back, which lets one
        # prepared INSERT run for every row (a chunk of inbound mail writes thousands).
        insert_rows(mine)


def timeline(subject: models.Model) -> models.QuerySet[Event]:
    return Event.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=str(subject.pk)
    ).select_related("actor")

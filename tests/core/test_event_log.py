"""Every action writes who did what and when, and the history cannot be rewritten."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from posventa.core.events import record_event, timeline
from posventa.core.models import Event, Site, User


def test_actions_record_who_did_what(madrid: Site, agent: User) -> None:
    created = Event.objects.get(verb="site.created", subject_id=str(madrid.pk))
    assert created.site == madrid
    granted = Event.objects.filter(verb="staff.role_granted", data__user="alba")
    assert granted.exists()


def test_timeline_lists_a_subjects_events_in_order(madrid: Site, agent: User) -> None:
    record_event("site.note", subject=madrid, site=madrid, actor=agent, summary="first")
    record_event("site.note", subject=madrid, site=madrid, actor=agent, summary="second")
    summaries = [e.summary for e in timeline(madrid) if e.verb == "site.note"]
    assert summaries == ["first", "second"]


def test_an_event_cannot_be_changed(madrid: Site) -> None:
    event = record_event("site.note", subject=madrid, site=madrid, summary="original")
    event.summary = "rewritten"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        Event.objects.filter(pk=event.pk).update(summary="rewritten")


def test_an_event_cannot_be_deleted(madrid: Site) -> None:
    event = record_event("site.note", subject=madrid, site=madrid)
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        Event.objects.all().delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigger exists on PostgreSQL")
def test_the_database_refuses_raw_updates_on_postgresql(madrid: Site) -> None:
    event = record_event("site.note", subject=madrid, site=madrid)
    with (
        pytest.raises(Exception, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE core_event SET verb = 'x' WHERE id = %s", [event.pk])

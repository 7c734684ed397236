"""Hand-made clock rows for UI and report tests.

Reports must be checked against figures we can count by hand, so these rows are written
with exactly the timestamps and stored durations each test needs (the clock rules that
normally produce them are tested in tests/clocks).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from posventa.clocks.models import CalendarKind, Clock, ClockState, Standard
from posventa.core.models import Site, User

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


def standard(code: str, title: str = "", position: int = 0) -> Standard:
    row, _ = Standard.objects.get_or_create(
        code=code,
        defaults={
            "category": code.split("-")[0],
            "title": title or f"{code} title",
            "rule": f"{code} rule",
            "default_target_seconds": 3600,
            "position": position,
        },
    )
    return row


def make_clock(
    code: str,
    site: Site,
    *,
    state: str = ClockState.RUNNING,
    started_at: dt.datetime = NOW - dt.timedelta(hours=1),
    subject: models.Model | None = None,
    **fields: Any,
) -> Clock:
    subject = subject or new_subject()
    return Clock.objects.create(
        standard=standard(code),
        site=site,
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=str(subject.pk),
        state=state,
        started_at=started_at,
        target_seconds=fields.pop("target_seconds", 3600),
        calendar_kind=fields.pop("calendar_kind", CalendarKind.BUSINESS),
        **fields,
    )


def new_subject() -> User:
    """A distinct subject per clock: only one open clock per standard and subject is allowed.

    Users stand in until the case pages land; any model can be a clock's subject.
    """
    number = User.objects.filter(username__startswith="subject-").count() + 1
    return User.objects.create(username=f"subject-{number}", first_name=f"Subject {number}")


def open_email_case(
    site: Site,
    *,
    customer: str,
    subject: str,
    arrived: dt.datetime,
    owner: User | None = None,
) -> Any:
    """A case opened by a customer's e-mail through the real action: it owes INFO-COMPLETE,
    INFO-WEB and INFO-WRITTEN, three open clocks on one subject."""
    from posventa.cases import actions as cases
    from posventa.customers import actions as customers

    person = customers.create_customer(
        site.organisation, display_name=customer, region=site.country
    )
    return cases.open_case(
        site=site,
        customer=person,
        channel="email",
        subject=subject,
        owner=owner,
        opened_at=arrived,
        awaiting_reply_since=arrived,
        actor_label="inbound:email",
    )

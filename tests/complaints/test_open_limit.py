"""A complaint open longer than the site's limit (default 14 days) escalates to the service
manager; the limit is the site's COMPLAINT-OPEN target."""

from __future__ import annotations

import datetime as dt

from posventa.cases.models import Case
from posventa.clocks import actions as clocks
from posventa.clocks.models import EscalationLevel
from posventa.clocks.sweeper import sweep
from posventa.complaints import actions
from posventa.complaints.models import Complaint
from posventa.core.models import Site, User
from posventa.outbox.models import Notification
from tests.cases.helpers import clock

DAY = 86400


def told(clock_pk: int, level: int) -> set[int]:
    rows = Notification.objects.filter(dedupe_key__startswith=f"clock:{clock_pk}:level:{level}:")
    return {row.recipient_id for row in rows}  # type: ignore[misc]


def test_a_complaint_open_past_14_days_tells_the_service_manager(
    complaint: Complaint, agent: User, manager: User
) -> None:
    still_open = clock(complaint.case, "COMPLAINT-OPEN")
    assert still_open.due_at == complaint.registered_at + dt.timedelta(days=14)
    sweep(now=complaint.registered_at + dt.timedelta(days=13, hours=23))
    still_open.refresh_from_db()
    assert not still_open.is_breached and told(still_open.pk, 1) == {agent.pk}
    sweep(now=complaint.registered_at + dt.timedelta(days=14, minutes=1))
    still_open.refresh_from_db()
    assert still_open.is_breached and still_open.escalation_level >= EscalationLevel.BREACHED
    assert told(still_open.pk, EscalationLevel.BREACHED) == {manager.pk}


def test_a_site_sets_its_own_limit(
    madrid: Site, email_case: Case, agent: User, manager: User
) -> None:
    clocks.set_site_target(madrid, "COMPLAINT-OPEN", 7 * DAY, actor=manager)
    complaint = actions.register_complaint(email_case, via="staff", actor=agent)
    assert clock(complaint.case, "COMPLAINT-OPEN").due_at == complaint.registered_at + dt.timedelta(
        days=7
    )


def test_a_complaint_closed_in_time_never_escalates(complaint: Complaint, agent: User) -> None:
    actions.record_agreement(complaint, source="portal")
    actions.close_complaint(complaint, actor=agent)
    sweep(now=complaint.registered_at + dt.timedelta(days=30))
    closed = clock(complaint.case, "COMPLAINT-OPEN")
    assert not closed.is_breached and closed.delta_seconds is not None
    assert closed.delta_seconds < 0

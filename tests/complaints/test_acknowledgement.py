"""Acknowledged within 2 business days, with the reference and the owner's name."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from posventa.cases import actions as cases
from posventa.cases.models import Case
from posventa.clocks.models import ClockState
from posventa.complaints import actions
from posventa.complaints.models import Complaint
from posventa.core.models import User
from posventa.inbox.models import MessageKind
from tests.cases.helpers import clock


def test_the_acknowledgement_names_the_reference_and_the_owner_and_meets_the_clock(
    complaint: Complaint, agent: User
) -> None:
    message = actions.acknowledge_complaint(complaint, actor=agent, note="Le llamo mañana.")
    case = complaint.case
    assert case.reference in message.body_text and agent.get_full_name() in message.body_text
    assert complaint.desired_outcome in message.body_text
    assert message.kind == MessageKind.REPLY and not message.automatic
    assert clock(case, "COMPLAINT-ACK").state == ClockState.SATISFIED
    assert clock(case, "COMPLAINT-OPEN").state == ClockState.RUNNING
    complaint.refresh_from_db()
    assert complaint.acknowledgement == message and complaint.acknowledged_at is not None


def test_it_is_written_in_the_customers_language(complaint: Complaint, agent: User) -> None:
    complaint.case.customer.language = "sv"
    complaint.case.customer.save()
    message = actions.acknowledge_complaint(complaint, actor=agent)
    assert "Vi har registrerat ditt klagomål" in message.body_text


def test_whoever_acknowledges_an_unowned_complaint_owns_it(email_case: Case, agent: User) -> None:
    complaint = actions.register_complaint(email_case, via="portal", actor_label="customer")
    actions.acknowledge_complaint(complaint, actor=agent)
    email_case.refresh_from_db()
    assert email_case.owner == agent
    assert clock(email_case, "COMPLAINT-OPEN").owner == agent


def test_a_complaint_is_acknowledged_once(complaint: Complaint, agent: User) -> None:
    actions.acknowledge_complaint(complaint, actor=agent)
    with pytest.raises(ValidationError) as refused:
        actions.acknowledge_complaint(complaint, actor=agent)
    assert "complaint" in refused.value.message_dict


def test_a_customer_who_asked_for_a_call_is_acknowledged_on_a_logged_call(
    complaint: Complaint, agent: User
) -> None:
    case = complaint.case
    case.requested_reply_channel = "phone"
    case.save()
    message = actions.acknowledge_complaint(complaint, actor=agent)
    assert message.kind == MessageKind.CALL_LOG and case.reference in message.body_text


def test_an_unacknowledged_complaint_breaches_after_two_business_days(
    complaint: Complaint,
) -> None:
    ack = clock(complaint.case, "COMPLAINT-ACK")
    assert ack.calendar_kind == "business" and ack.due_at is not None
    assert ack.due_at > ack.started_at
    cases.add_internal_note(complaint.case, author=complaint.case.owner, body="Visto.")
    ack.refresh_from_db()
    assert ack.state == ClockState.RUNNING  # a note acknowledges nothing

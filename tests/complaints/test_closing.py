"""A complaint closes with the customer's agreement, or with a reason after N attempts."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.cases import actions as cases
from posventa.clocks.models import ClockState
from posventa.complaints import actions
from posventa.complaints.models import AgreementSource, Complaint, ComplaintStatus
from posventa.core.models import User
from posventa.inbox.models import Direction, Message
from tests.cases.helpers import clock


def refused_field(call: object) -> str:
    assert callable(call)
    with pytest.raises(ValidationError) as refused:
        call()
    return ",".join(sorted(refused.value.message_dict))


def test_it_cannot_close_without_the_customer(complaint: Complaint, agent: User) -> None:
    field = refused_field(lambda: actions.close_complaint(complaint, actor=agent))
    assert field == "agreement"
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.OPEN


def test_nor_can_its_case_be_resolved_while_the_complaint_is_open(
    complaint: Complaint, agent: User
) -> None:
    answer = cases.reply(complaint.case, author=agent, body="Hemos limpiado el portal.")
    field = refused_field(lambda: cases.resolve_case(complaint.case, actor=agent, answer=answer))
    assert field == "status"
    complaint.case.refresh_from_db()
    assert complaint.case.is_active


def test_the_customers_own_reply_records_the_agreement_and_then_it_closes(
    complaint: Complaint, agent: User
) -> None:
    reply = Message.objects.filter(case=complaint.case, direction=Direction.INBOUND).first()
    actions.record_agreement(complaint, source="reply", message=reply, actor=agent)
    actions.close_complaint(complaint, actor=agent)
    assert complaint.status == ComplaintStatus.CLOSED and complaint.close_reason == ""
    assert clock(complaint.case, "COMPLAINT-OPEN").state == ClockState.SATISFIED
    assert clock(complaint.case, "COMPLAINT-ACK").state == ClockState.CANCELLED
    answer = cases.reply(complaint.case, author=agent, body="Gracias.")
    cases.resolve_case(complaint.case, actor=agent, answer=answer)


def test_our_own_message_is_no_agreement(complaint: Complaint, agent: User) -> None:
    ours = cases.reply(complaint.case, author=agent, body="¿Está de acuerdo?")
    field = refused_field(
        lambda: actions.record_agreement(complaint, source="reply", message=ours, actor=agent)
    )
    assert field == "message"


def test_a_logged_call_records_the_agreement(complaint: Complaint, agent: User) -> None:
    call = cases.log_call(complaint.case, author=agent, summary="Está de acuerdo con la limpieza.")
    actions.record_agreement(complaint, source="call", message=call, actor=agent)
    assert complaint.agreement_source == AgreementSource.CALL


def test_the_portal_button_records_the_agreement(complaint: Complaint) -> None:
    actions.record_agreement(complaint, source="portal", actor_label="customer")
    assert complaint.agreement_source == AgreementSource.PORTAL and complaint.agreed_at


def test_a_reason_closes_it_only_after_the_configured_attempts(
    settings: SettingsWrapper, complaint: Complaint, agent: User
) -> None:
    settings.POSVENTA_COMPLAINT_AGREEMENT_ATTEMPTS = 2
    reason = "No contesta desde hace tres semanas."
    actions.record_agreement_attempt(complaint, actor=agent, channel="phone", note="Sin respuesta")
    field = refused_field(lambda: actions.close_complaint(complaint, actor=agent, reason=reason))
    assert field == "reason"
    actions.record_agreement_attempt(complaint, actor=agent, channel="email")
    actions.close_complaint(complaint, actor=agent, reason=reason)
    assert complaint.status == ComplaintStatus.CLOSED and complaint.close_reason == reason
    assert complaint.agreed_at is None


def test_a_closed_complaint_registered_again_opens_again(complaint: Complaint, agent: User) -> None:
    actions.record_agreement(complaint, source="portal")
    actions.close_complaint(complaint, actor=agent)
    again = actions.register_complaint(complaint.case, via="portal")
    assert again.pk == complaint.pk and again.is_open and again.agreed_at is None
    assert clock(complaint.case, "COMPLAINT-OPEN").state == ClockState.RUNNING

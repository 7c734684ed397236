"""Waiting on the customer pauses the reply clocks; waiting on a third party does not."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from posventa.cases import actions
from posventa.cases.models import Case, CaseStatus
from posventa.core.models import Site, User
from tests.cases.helpers import clock
from tests.inbox.factories import receive_email


def test_waiting_on_the_customer_pauses_info_web_and_resumes(email_case: Case, agent: User) -> None:
    actions.set_case_status(email_case, CaseStatus.WAITING_CUSTOMER, actor=agent)
    paused = clock(email_case, "INFO-WEB")
    assert paused.state == "paused" and paused.due_at is None
    assert paused.pauses.get().ended_at is None
    actions.set_case_status(email_case, CaseStatus.OPEN, actor=agent)
    resumed = clock(email_case, "INFO-WEB")
    assert resumed.state == "running" and resumed.due_at is not None
    assert resumed.pauses.get().ended_at is not None


def test_the_customers_answer_ends_the_wait(madrid: Site, email_case: Case, agent: User) -> None:
    actions.set_case_status(email_case, CaseStatus.WAITING_CUSTOMER, actor=agent)
    receive_email(madrid, subject="Re: Revisión de los 30.000 km")
    email_case.refresh_from_db()
    assert email_case.status == CaseStatus.OPEN
    assert clock(email_case, "INFO-WEB").state == "running"
    assert clock(email_case, "INFO-COMPLETE").state == "running"


def test_waiting_on_a_third_party_keeps_the_customer_clocks_running(
    email_case: Case, agent: User
) -> None:
    actions.set_case_status(email_case, CaseStatus.WAITING_THIRD_PARTY, actor=agent)
    for code in ("INFO-WEB", "INFO-WRITTEN", "INFO-COMPLETE"):
        assert clock(email_case, code).state == "running"


def test_resolved_is_not_a_status_staff_can_just_set(email_case: Case, agent: User) -> None:
    with pytest.raises(ValidationError) as error:
        actions.set_case_status(email_case, CaseStatus.RESOLVED, actor=agent)
    assert "status" in error.value.message_dict

"""A customer who asked to be called is answered by a call, logged by a person."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from posventa.cases import actions
from posventa.cases.models import Case
from posventa.core.models import Site, User
from posventa.inbox.actions import ingest
from posventa.inbox.models import MessageKind
from tests.cases.helpers import clock
from tests.inbox.factories import case_of, form_body


def phone_request(site: Site) -> Case:
    return case_of(
        ingest(
            "web_form",
            form_body(preferred_channel="phone", phone="+34 612 99 88 77"),
            source="form",
            site=site,
        )
    )


def test_a_logged_call_satisfies_a_phone_request(madrid: Site, agent: User) -> None:
    case = phone_request(madrid)
    message = actions.log_call(case, author=agent, summary="Cita el martes a las 9.")
    assert message.kind == MessageKind.CALL_LOG and message.channel == "phone"
    assert clock(case, "INFO-WEB").state == "satisfied"
    assert clock(case, "INFO-WRITTEN").state == "satisfied"


def test_an_e_mail_does_not_answer_a_request_to_be_called(madrid: Site, agent: User) -> None:
    case = phone_request(madrid)
    message = actions.reply(
        case, author=agent, body="Le escribo en vez de llamar.", channel="email"
    )
    assert actions.NOT_REQUESTED_CHANNEL in message.warnings
    assert clock(case, "INFO-WEB").state == "running"


def test_a_call_does_not_answer_an_e_mail_inquiry(email_case: Case, agent: User) -> None:
    actions.log_call(email_case, author=agent, summary="Le llamé; no contestó.")
    assert clock(email_case, "INFO-WEB").state == "running"


def test_a_call_needs_a_summary(email_case: Case, agent: User) -> None:
    with pytest.raises(ValidationError) as error:
        actions.log_call(email_case, author=agent, summary="")
    assert "summary" in error.value.message_dict

"""Calls logged by hand, the case page's call log as a call, and from a call: open a case
or attach it to one."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from posventa.cases import actions as case_actions
from posventa.cases.models import Case
from posventa.core.events import timeline
from posventa.core.models import Site, User
from posventa.telephony.actions import calls
from posventa.telephony.models import Call, CallSource, CallStatus
from tests.telephony.conftest import event, post_events


def test_a_call_logged_on_the_case_page_is_a_connected_call(email_case: Case, agent: User) -> None:
    message = case_actions.log_call(email_case, author=agent, summary="Cita el martes a las 9.")
    call = Call.objects.get(source=CallSource.MANUAL)
    assert call.external_id == f"message:{message.pk}" and call.outcome == "connected"
    assert call.status == CallStatus.COMPLETED and call.case == email_case
    assert call.direction == "outbound" and call.logged_by == agent
    assert timeline(email_case).filter(verb="call.made").exists()


def test_a_call_logged_by_hand_with_no_answer_is_a_failed_attempt(
    madrid: Site, agent: User
) -> None:
    call = calls.log_call_by_hand(
        madrid, actor=agent, number="600 000 140", direction="outbound", outcome="no_answer"
    )
    assert call.status == CallStatus.MISSED and call.called == "+34600000140"
    assert call.meets_info_phone is None and not call.answered


def test_logging_a_connected_call_on_a_case_writes_the_case_call_log_once(
    madrid: Site, agent: User, email_case: Case
) -> None:
    call = calls.log_call_by_hand(
        madrid,
        actor=agent,
        number="600 000 141",
        direction="outbound",
        outcome="connected",
        summary="Confirmada la cita.",
        talk_seconds=180,
        case=email_case,
    )
    assert Call.objects.count() == 1 and call.talk_seconds == 180
    assert email_case.messages.filter(kind="call_log").count() == 1


def test_a_call_logged_by_hand_names_each_bad_field(madrid: Site, agent: User) -> None:
    with pytest.raises(ValidationError) as error:
        calls.log_call_by_hand(
            madrid, actor=agent, number="", direction="sideways", outcome="maybe"
        )
    assert set(error.value.message_dict) == {"direction", "outcome", "number"}


def test_staff_open_a_case_from_a_call(client: Client, phone_site: Site, agent: User) -> None:
    post_events(client, [event("ringing", 0), event("hung_up", 30)])
    call = Call.objects.get()
    client.force_login(agent)
    response = client.post(f"/calls/{call.pk}/open-case/", {"subject": "Quiere cita"})
    case = Case.objects.get()
    assert response.status_code == 302 and case.reference in response["Location"]
    call.refresh_from_db()
    assert call.case == case and case.customer == call.customer and case.channel == "phone"
    assert timeline(case).filter(verb="call.attached").exists()


def test_staff_attach_a_call_to_a_case_by_its_reference(
    client: Client, phone_site: Site, agent: User, email_case: Case
) -> None:
    post_events(client, [event("ringing", 0), event("answered", 3), event("hung_up", 30)])
    call = Call.objects.get()
    client.force_login(agent)
    assert client.post(f"/calls/{call.pk}/attach/", {"reference": "NOPE-1"}).status_code == 400
    response = client.post(f"/calls/{call.pk}/attach/", {"reference": email_case.reference})
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.case == email_case


def test_the_call_pages_open_for_the_sites_staff_only(
    client: Client, phone_site: Site, agent: User, outsider: User
) -> None:
    post_events(
        client, [event("ringing", 0), event("answered", 20, agent="201"), event("hung_up", 30)]
    )
    call = Call.objects.get()
    client.force_login(agent)
    page = client.get(f"/calls/{call.pk}/").content.decode()
    assert "201" in page and "Not met" in page and "CET" in page
    assert client.get("/calls/").status_code == 200
    assert client.get("/calls/log/").status_code == 200
    client.force_login(outsider)
    assert client.get(f"/calls/{call.pk}/").status_code == 404
    assert str(call.caller_raw) not in client.get("/calls/").content.decode()


def test_the_log_form_records_a_call(client: Client, madrid: Site, agent: User) -> None:
    client.force_login(agent)
    response = client.post(
        "/calls/log/",
        {
            "site": madrid.pk,
            "number": "600 000 150",
            "direction": "outbound",
            "outcome": "voicemail_left",
            "summary": "Dejé mensaje.",
        },
    )
    assert response.status_code == 302
    assert Call.objects.get().status == CallStatus.VOICEMAIL

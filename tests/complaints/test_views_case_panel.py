"""The complaint card on the staff case page: any case can be marked, and every form goes
through the actions. Outsiders get 404, anonymous visitors the login."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from posventa.cases.models import Case
from posventa.complaints.models import Complaint, ComplaintStatus
from posventa.core.models import User
from posventa.inbox.models import Direction, Message

NAMES = ["register", "acknowledge", "plan", "attempt", "agreement", "close"]


def test_a_member_marks_a_case_a_complaint_from_its_page(email_case: Case, agent: User) -> None:
    client = Client()
    client.force_login(agent)
    page = client.get(email_case.get_absolute_url()).content.decode()
    assert "Mark as a complaint" in page
    response = client.post(
        reverse("complaints:register", args=[email_case.reference]),
        {"category": "staff_behaviour", "severity": "2", "desired_outcome": "Una disculpa."},
        follow=True,
    )
    assert response.status_code == 200
    complaint = Complaint.objects.get(case=email_case)
    assert complaint.category == "staff_behaviour" and complaint.registered_by == agent
    html = response.content.decode()
    assert "This department cannot solve this category" in html
    assert "Send the acknowledgement" in html


def test_nothing_the_form_sends_stops_a_registration(email_case: Case, agent: User) -> None:
    client = Client()
    client.force_login(agent)
    client.post(
        reverse("complaints:register", args=[email_case.reference]),
        {"category": "?" * 300, "severity": "enorme"},
    )
    assert Complaint.objects.get(case=email_case).category == "other"


def test_the_forms_acknowledge_agree_and_close(complaint: Complaint, agent: User) -> None:
    client = Client()
    client.force_login(agent)
    reference = complaint.case.reference

    def post(name: str, data: dict[str, object]) -> str:
        response = client.post(reverse(f"complaints:{name}", args=[reference]), data, follow=True)
        assert response.status_code == 200
        return str(response.content.decode())

    refused = client.post(reverse("complaints:close", args=[reference]), {"reason": ""})
    assert refused.status_code == 400
    assert "The customer has not agreed yet" in refused.content.decode()
    post("acknowledge", {"note": "Le llamo hoy."})
    post("plan", {"plan": "Limpieza del portal."})
    post("attempt", {"channel": "phone", "note": "No contesta."})
    theirs = Message.objects.filter(case=complaint.case, direction=Direction.INBOUND).first()
    assert theirs is not None
    post("agreement", {"message": theirs.pk})
    post("close", {})
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED
    assert complaint.resolution_plan == "Limpieza del portal." and complaint.acknowledged_at


@pytest.mark.parametrize("name", NAMES)
def test_an_outsider_gets_404(complaint: Complaint, outsider: User, name: str) -> None:
    client = Client()
    client.force_login(outsider)
    response = client.post(reverse(f"complaints:{name}", args=[complaint.case.reference]), {})
    assert response.status_code == 404


@pytest.mark.parametrize("name", NAMES)
def test_an_anonymous_visitor_is_sent_to_log_in(complaint: Complaint, name: str) -> None:
    response = Client().post(reverse(f"complaints:{name}", args=[complaint.case.reference]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_refused_form_comes_back_open_with_what_was_typed(
    complaint: Complaint, agent: User
) -> None:
    client = Client()
    client.force_login(agent)
    typed = "Llamé dos veces y no contesta."
    response = client.post(
        reverse("complaints:attempt", args=[complaint.case.reference]),
        {"channel": "pigeon", "note": typed},
    )
    assert response.status_code == 400
    html = response.content.decode()
    opened = html[html.index('<details class="more" open>') :]
    opened = opened[: opened.index("</details>")]
    assert reverse("complaints:attempt", args=[complaint.case.reference]) in opened
    assert typed in opened and "has-error" in opened
    assert complaint.attempts.count() == 0

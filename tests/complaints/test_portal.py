"""The customer registers a complaint in their portal and says when they agree."""

from __future__ import annotations

from django.test import Client

from posventa.cases.models import Case
from posventa.complaints.models import AgreementSource, Complaint, RegisteredVia
from posventa.core.models import Site
from posventa.portal.links import portal_token
from tests.inbox.factories import case_of, receive_email


def page(case: Case) -> str:
    """The case page, in Spanish: the customer wrote in Spanish."""
    return f"/portal/{portal_token(case.customer)}/cases/{case.reference}/"


def test_the_customer_registers_a_complaint_from_the_case_page(email_case: Case) -> None:
    client = Client()
    assert "Presentar una reclamación sobre esto" in client.get(page(email_case)).content.decode()
    response = client.post(
        page(email_case) + "complaint/",
        {"category": "cleanliness", "desired_outcome": "Que limpien el portal."},
        follow=True,
    )
    assert response.status_code == 200
    complaint = Complaint.objects.get(case=email_case)
    assert complaint.registered_via == RegisteredVia.PORTAL and complaint.registered_by is None
    assert complaint.desired_outcome == "Que limpien el portal."
    html = response.content.decode()
    assert "Su reclamación está registrada" in html and email_case.reference in html


def test_a_form_it_cannot_read_still_registers_the_complaint(email_case: Case) -> None:
    response = Client().post(page(email_case) + "complaint/", {"category": "x" * 500})
    assert response.status_code == 302
    assert Complaint.objects.get(case=email_case).category == "other"


def test_the_agreement_button_records_the_customers_agreement(complaint: Complaint) -> None:
    client = Client()
    html = client.get(page(complaint.case)).content.decode()
    assert "Estoy conforme: mi reclamación está resuelta" in html
    client.post(page(complaint.case) + "complaint/agree/")
    complaint.refresh_from_db()
    assert complaint.agreement_source == AgreementSource.PORTAL and complaint.is_open


def test_another_customers_link_cannot_touch_the_complaint(
    complaint: Complaint, madrid: Site
) -> None:
    stranger = case_of(receive_email(madrid, from_="Pau Inventat <pau@example.org>")).customer
    path = f"/portal/{portal_token(stranger)}/cases/{complaint.case.reference}/complaint/"
    assert Client().post(path + "agree/").status_code == 404
    assert Client().post(path, {"category": "billing"}).status_code == 404
    complaint.refresh_from_db()
    assert complaint.agreed_at is None and complaint.category == "cleanliness"

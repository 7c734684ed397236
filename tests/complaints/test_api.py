"""The complaints API: registering never refuses, errors name the field, and a token of
another site reaches nothing."""

from __future__ import annotations

from posventa.cases.models import Case
from posventa.complaints.models import Complaint
from posventa.core.models import Site, User
from posventa.customers.actions import create_customer
from tests.api.conftest import TokenFactory


def test_an_unknown_category_registers_with_a_warning(
    email_case: Case, agent: User, api_as: TokenFactory
) -> None:
    response = api_as(agent).post(
        "/api/complaints",
        {"case": email_case.reference, "category": "el instalador", "severity": 9},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["category"], body["severity"]) == ("other", 1)
    assert len(body["warnings"]) == 2 and body["registered_via"] == "api"


def test_a_complaint_for_a_customer_opens_its_case(
    madrid: Site, agent: User, api_as: TokenFactory
) -> None:
    customer = create_customer(madrid.organisation, display_name="Nuria Inventada", site=madrid)
    response = api_as(agent).post(
        "/api/complaints",
        {"site": "madrid", "customer": customer.pk, "channel": "phone", "category": "delays"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["department"] == "complaints"
    assert Complaint.objects.get().case.customer == customer


def test_without_a_case_or_a_customer_the_field_is_named(
    agent: User, api_as: TokenFactory, madrid: Site
) -> None:
    response = api_as(agent).post("/api/complaints", {"site": "madrid"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "customer"
    response = api_as(agent).post("/api/complaints", {"case": "MAD-2026-99999"})
    assert response.json()["errors"][0]["field"] == "case"


def test_an_agreement_needs_the_customers_own_message(
    complaint: Complaint, agent: User, api_as: TokenFactory
) -> None:
    ours = complaint.case.messages.filter(direction="outbound").first()
    response = api_as(agent).post(
        f"/api/complaints/{complaint.case.reference}/agreement",
        {"source": "reply", "message": ours.pk if ours else 999},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "message"


def test_plan_attempts_and_a_reason_close_it(
    complaint: Complaint, agent: User, api_as: TokenFactory
) -> None:
    api = api_as(agent)
    path = f"/api/complaints/{complaint.case.reference}"
    assert api.post(f"{path}/plan", {"plan": "Limpieza del portal el lunes."}).status_code == 200
    for channel in ("phone", "email", "sms"):
        assert api.post(f"{path}/attempts", {"channel": channel}).status_code == 200
    closed = api.post(f"{path}/close", {"reason": "No responde tras tres intentos."})
    assert closed.status_code == 200, closed.content
    body = closed.json()
    assert body["status"] == "closed" and body["attempts"] == 3 and body["agreed_at"] is None
    assert api.get("/api/complaints", status="closed").json()["count"] == 1


def test_another_sites_token_reaches_no_complaint(
    complaint: Complaint, outsider: User, api_as: TokenFactory
) -> None:
    api = api_as(outsider)
    assert api.get(f"/api/complaints/{complaint.case.reference}").status_code == 404
    assert api.get("/api/complaints").json()["count"] == 0
    refused = api.post("/api/complaints", {"case": complaint.case.reference})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "case"

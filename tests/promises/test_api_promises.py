"""The promises API: make, list, reassign, cancel; errors name the field."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from posventa.cases.models import Case
from posventa.core.models import Site, Team, User
from posventa.promises.models import Promise, PromiseStatus
from tests.api.conftest import ApiClient, TokenFactory


def soon(days: int = 3) -> str:
    return (timezone.now() + dt.timedelta(days=days)).isoformat()


def test_a_promise_is_made_listed_reassigned_and_cancelled(
    api_as: TokenFactory, email_case: Case, agent: User, technician: User, workshop: Team
) -> None:
    api: ApiClient = api_as(agent)
    made = api.post(
        f"/api/cases/{email_case.reference}/promises",
        {"what": "Le llamará un técnico", "act": "call", "deadline": soon(),
         "owner": technician.pk, "channel": "phone"},
    )  # fmt: skip
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["owner"]["id"] == technician.pk and body["status"] == "open"
    listed = api.get("/api/promises", case=email_case.reference, status="open")
    assert [item["id"] for item in listed.json()["items"]] == [body["id"]]
    moved = api.post(f"/api/promises/{body['id']}/reassign", {"owner_team": workshop.pk})
    assert moved.status_code == 200 and moved.json()["owner_label"] == "Taller"
    refused = api.post(f"/api/promises/{body['id']}/cancel", {"reason": " "})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "reason"
    cancelled = api.post(f"/api/promises/{body['id']}/cancel", {"reason": "Came in person"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert Promise.objects.get().status == PromiseStatus.CANCELLED


def test_a_past_deadline_is_refused_naming_the_field(
    api_as: TokenFactory, email_case: Case, agent: User
) -> None:
    answer = api_as(agent).post(
        f"/api/cases/{email_case.reference}/promises",
        {"what": "We will call", "act": "call", "deadline": "2020-01-07T12:00:00+01:00"},
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "deadline"


def test_no_deadline_means_the_sites_default(
    api_as: TokenFactory, email_case: Case, agent: User
) -> None:
    answer = api_as(agent).post(
        f"/api/cases/{email_case.reference}/promises", {"what": "We will check", "act": "check"}
    )
    assert answer.status_code == 201
    assert answer.json()["owner"]["id"] == agent.pk


def test_another_sites_token_sees_no_promise_and_reaches_none(
    api_as: TokenFactory, promise: Promise, outsider: User, goteborg: Site
) -> None:
    api = api_as(outsider)
    assert api.get("/api/promises").json()["items"] == []
    assert api.post(f"/api/promises/{promise.pk}/cancel", {"reason": "x"}).status_code == 404
    answer = api.post(f"/api/cases/{promise.case.reference}/promises", {"what": "x", "act": "call"})
    assert answer.status_code == 404

"""One error shape for request validation (pydantic) and for the actions' ValidationError,
and no input the schema allows (or any other) ever gets a 500 or an undocumented status."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from posventa.cases.models import Case, CaseStatus
from posventa.core.models import Site, User
from posventa.customers import actions as customer_actions
from posventa.customers.models import Customer
from tests.api.conftest import ApiClient, TokenFactory


def test_a_missing_body_field_is_named(api_as: TokenFactory, agent: User) -> None:
    response = api_as(agent).post("/api/vehicles", {"plate": "1234 BCD"})
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "vin"
    assert error["message"]


def test_a_wrongly_typed_query_parameter_is_named(api_as: TokenFactory, agent: User) -> None:
    response = api_as(agent).get("/api/customers", limit="lots")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["limit"]


def test_a_nested_field_is_named_with_its_path(api_as: TokenFactory, agent: User) -> None:
    response = api_as(agent).post(
        "/api/customers",
        {"display_name": "Ana Gil", "contact_points": [{"kind": "email"}]},
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["contact_points.0.value"]
    assert not Customer.objects.exists()


def test_a_body_that_is_not_json_gets_the_same_shape(api_as: TokenFactory, agent: User) -> None:
    client = api_as(agent)
    response = client.client.post(
        "/api/customers", "{not json", content_type="application/json", headers=client.headers
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"errors"}
    assert body["errors"][0]["message"]


def test_every_error_has_only_field_and_message(
    api_as: TokenFactory, agent: User, customer: Customer
) -> None:
    response = api_as(agent).post(
        "/api/customers",
        {"display_name": "", "preferred_channel": "fax", "language": "not a language!"},
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {e["field"] for e in errors} == {"display_name", "preferred_channel", "language"}
    assert all(set(error) == {"field", "message"} for error in errors)
    assert json.dumps(errors)  # plain JSON, no lazy translation objects


# --- issue 9: every answer is documented JSON, never a 500 --------------------------------


def _raw_client(api_as: TokenFactory, user: User) -> ApiClient:
    client = api_as(user)
    # A server error must show up as the response a client would get, not as an exception.
    client.client.raise_request_exception = False
    return client


@pytest.mark.parametrize("path", ["/api/cases", "/api/customers"])
@pytest.mark.parametrize(
    ("name", "value"),
    [("limit", 10**20), ("limit", 501), ("limit", 0), ("offset", 10**20), ("offset", -1)],
)
def test_an_out_of_range_page_is_a_422_naming_it(
    api_as: TokenFactory, agent: User, path: str, name: str, value: int
) -> None:
    response = _raw_client(api_as, agent).get(path, **{name: value})
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/json")
    assert [e["field"] for e in response.json()["errors"]] == [name]


@pytest.mark.parametrize("path", ["/api/cases", "/api/customers"])
def test_the_largest_page_the_schema_allows_is_answered(
    api_as: TokenFactory, agent: User, path: str, spec_limits: dict[str, int]
) -> None:
    response = api_as(agent).get(path, limit=spec_limits["limit"], offset=spec_limits["offset"])
    assert response.status_code == 200
    assert response.json()["items"] == []


@pytest.fixture
def spec_limits(db: None) -> dict[str, int]:
    """The page bounds as the served schema states them."""
    spec = Client().get("/api/openapi.json").json()
    found = {p["name"]: p["schema"] for p in spec["paths"]["/api/cases"]["get"]["parameters"]}
    return {"limit": found["limit"]["maximum"], "offset": found["offset"]["maximum"]}


@pytest.mark.parametrize("body", ["\x00", "\x00{}", "[1,", '{"display_name": '])
def test_a_body_that_does_not_parse_is_a_documented_400(
    api_as: TokenFactory, agent: User, body: str
) -> None:
    client = _raw_client(api_as, agent)
    response = client.client.post(
        "/api/customers", body, content_type="application/json", headers=client.headers
    )
    assert response.status_code == 400
    assert set(response.json()) == {"errors"}
    spec = client.client.get("/api/openapi.json").json()
    documented = spec["paths"]["/api/customers"]["post"]["responses"]
    assert "400" in documented


def test_a_nul_character_inside_text_is_refused_naming_the_field(
    api_as: TokenFactory, agent: User, madrid: Site
) -> None:
    response = _raw_client(api_as, agent).post(
        "/api/customers", {"display_name": "Ana\x00Gil", "site": "madrid"}
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["display_name"]
    assert not Customer.objects.exists()


def test_a_nul_character_in_a_query_is_refused_naming_the_parameter(
    api_as: TokenFactory, agent: User
) -> None:
    response = _raw_client(api_as, agent).get("/api/cases", owner="me\x00")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["owner"]
    response = _raw_client(api_as, agent).get("/api/customers", q="ana\x00")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["q"]


@pytest.mark.parametrize("name", ["status", "site", "owner", "department"])
def test_an_empty_filter_is_no_filter(
    api_as: TokenFactory, agent: User, madrid_case: Case, name: str
) -> None:
    response = api_as(agent).get("/api/cases", **{name: ""})
    assert response.status_code == 200
    assert [c["reference"] for c in response.json()["items"]] == [madrid_case.reference]


def test_an_empty_optional_site_in_a_body_means_none_given(
    api_as: TokenFactory, agent: User, madrid: Site
) -> None:
    response = api_as(agent, sites=[madrid]).post(
        "/api/customers", {"display_name": "Ana Gil", "site": ""}
    )
    assert response.status_code == 201


def test_an_empty_required_text_is_refused_by_the_action_with_its_message(
    api_as: TokenFactory, agent: User, madrid_case: Case
) -> None:
    """The schema says `pattern` (something other than blanks); the action says why."""
    response = api_as(agent).post(f"/api/cases/{madrid_case.reference}/replies", {"body": " "})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "body", "message": "The reply is empty."}]


@pytest.mark.parametrize("value", ["N", "lost", "OPEN"])
def test_an_unknown_status_filter_is_a_422_listing_the_statuses(
    api_as: TokenFactory, agent: User, value: str
) -> None:
    response = _raw_client(api_as, agent).get("/api/cases", status=value)
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "status"
    assert "waiting_customer" in error["message"]


def test_the_schema_lists_the_statuses_a_filter_accepts(db: None) -> None:
    spec = Client().get("/api/openapi.json").json()
    params = {p["name"]: p["schema"] for p in spec["paths"]["/api/cases"]["get"]["parameters"]}
    assert set(params["status"]["enum"]) - {None} == set(CaseStatus.values)


@pytest.mark.parametrize("status", [s for s in CaseStatus.values if s != "new"])
def test_every_status_the_schema_allows_filters(
    api_as: TokenFactory, agent: User, madrid_case: Case, status: str
) -> None:
    response = api_as(agent).get("/api/cases", status=status)
    assert response.status_code == 200
    assert response.json()["items"] == []


def test_an_unpaired_surrogate_is_refused_naming_the_field(
    api_as: TokenFactory, agent: User
) -> None:
    client = _raw_client(api_as, agent)
    response = client.client.post(
        "/api/customers",
        '{"display_name": "Ana \\ud800"}',
        content_type="application/json",
        headers=client.headers,
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["display_name"]


@pytest.mark.parametrize("read_at", ["0001-01-01T00:30:00+01:00", "2026-03-01T09:30:00"])
def test_an_unstorable_or_naive_reading_time_is_refused_naming_it(
    api_as: TokenFactory, agent: User, customer: Customer, read_at: str
) -> None:
    vehicle = customer_actions.register_vehicle(
        customer.organisation, vin="WVWZZZ1KZAW000003", owner=customer
    )
    response = _raw_client(api_as, agent).post(
        f"/api/vehicles/{vehicle.pk}/odometer", {"km": 10, "read_at": read_at}
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["read_at"]


@pytest.mark.parametrize("path", ["/api/customers/{}", "/api/vehicles/{}"])
def test_an_id_beyond_64_bits_is_a_422_naming_it(
    api_as: TokenFactory, agent: User, path: str
) -> None:
    response = _raw_client(api_as, agent).get(path.format(2**63))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] in {"customer_id", "vehicle_id"}

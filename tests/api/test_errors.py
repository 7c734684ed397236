"""One error shape for request validation (pydantic) and for the actions' ValidationError."""

from __future__ import annotations

import json

from posventa.core.models import User
from posventa.customers.models import Customer
from tests.api.conftest import TokenFactory


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

"""The OpenAPI document is tested, zulip-style: it is a valid OpenAPI 3 document, every
route the URLconf serves is in it and every path in it is served, every operation needs a
token and documents its errors, and real responses match the documented schemas."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from posventa.cases.models import Case
from posventa.core.models import User
from posventa.customers import actions as customer_actions
from posventa.customers.models import Customer
from tests.api.conftest import TokenFactory

# Served by ninja beside the API, not API operations themselves. "/api" is ninja's root
# placeholder (a 404 that names the docs URL), kept so it can reverse operation paths.
NOT_OPERATIONS = {"/api", "/api/openapi.json", "/api/docs"}
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def spec(db: None) -> dict[str, Any]:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def served_api_paths() -> set[str]:
    """Every path the URLconf serves under /api/, in OpenAPI notation ("{reference}")."""
    found: set[str] = set()

    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif route.startswith("api/"):
                found.add("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route).rstrip("/"))

    walk(get_resolver().url_patterns, "")
    return found


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_it_is_a_valid_openapi_3_document(spec: dict[str, Any]) -> None:
    validate(spec)  # raises with the first problem found
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "Posventa API"


def test_every_served_route_is_documented_and_every_documented_path_served(
    spec: dict[str, Any],
) -> None:
    documented = {path.rstrip("/") for path in spec["paths"]}
    served = served_api_paths() - NOT_OPERATIONS
    assert served, "no API routes found in the URLconf"
    assert served - documented == set(), "routes missing from the OpenAPI document"
    assert documented - served == set(), "documented paths that nothing serves"


def test_the_implemented_operations_are_all_there(spec: dict[str, Any]) -> None:
    found = {(method.upper(), path) for path, method, _op in operations(spec)}
    assert found == {
        ("GET", "/api/customers"),
        ("POST", "/api/customers"),
        ("GET", "/api/customers/{customer_id}"),
        ("POST", "/api/customers/{customer_id}/contact-points"),
        ("GET", "/api/customers/{customer_id}/vehicles"),
        ("POST", "/api/vehicles"),
        ("GET", "/api/vehicles/{vehicle_id}"),
        ("POST", "/api/vehicles/{vehicle_id}/odometer"),
        ("GET", "/api/cases"),
        ("POST", "/api/cases"),
        ("GET", "/api/cases/{reference}"),
        ("POST", "/api/cases/{reference}/transfer"),
        ("POST", "/api/cases/{reference}/status"),
        ("GET", "/api/cases/{reference}/messages"),
        ("POST", "/api/cases/{reference}/replies"),
        ("GET", "/api/calls"),
        ("GET", "/api/calls/{call_id}"),
        ("POST", "/api/cdr-imports"),
        ("GET", "/api/cdr-imports/{import_id}"),
        ("GET", "/api/reports/phone"),
        ("GET", "/api/billing/invoices"),
        ("POST", "/api/billing/invoices"),
        ("POST", "/api/billing/invoices/import"),
        ("GET", "/api/billing/holds"),
        ("POST", "/api/billing/holds"),
        ("GET", "/api/billing/hold-check"),
        ("POST", "/api/billing/collection-actions"),
        ("POST", "/api/billing/disputes/{reference}/resolve"),
        ("GET", "/api/billing/cases/{reference}/dossier.pdf"),
        ("GET", "/api/billing/cases/{reference}/dossier.zip"),
        ("POST", "/api/complaints"),
        ("GET", "/api/complaints"),
        ("GET", "/api/complaints/{reference}"),
        ("POST", "/api/complaints/{reference}/acknowledgement"),
        ("POST", "/api/complaints/{reference}/plan"),
        ("POST", "/api/complaints/{reference}/attempts"),
        ("POST", "/api/complaints/{reference}/agreement"),
        ("POST", "/api/complaints/{reference}/close"),
        ("GET", "/api/promises"),
        ("POST", "/api/cases/{reference}/promises"),
        ("POST", "/api/promises/{promise_id}/reassign"),
        ("POST", "/api/promises/{promise_id}/cancel"),
        ("GET", "/api/transport/{site_slug}/availability"),
        ("GET", "/api/transport/{site_slug}/reservations"),
        ("POST", "/api/transport/{site_slug}/reservations"),
        ("POST", "/api/transport/reservations/{reservation_id}/release"),
        ("GET", "/api/transport/{site_slug}/unmet"),
        ("GET", "/api/sites/{slug}/slots"),
        ("POST", "/api/appointments"),
        ("GET", "/api/appointments"),
        ("GET", "/api/appointments/{appointment_id}"),
        ("POST", "/api/appointments/{appointment_id}/reschedule"),
        ("POST", "/api/appointments/{appointment_id}/cancel"),
        ("POST", "/api/appointments/{appointment_id}/no-show"),
    }


def test_every_operation_is_described_secured_and_documents_its_errors(
    spec: dict[str, Any],
) -> None:
    operation_ids = []
    for path, method, operation in operations(spec):
        where = f"{method.upper()} {path}"
        operation_ids.append(operation["operationId"])
        assert operation.get("description", "").strip(), where
        assert operation["security"] == [{"BearerToken": []}], where
        responses = operation["responses"]
        assert {"401", "422"} <= set(responses), where
        if "{" in path:
            assert "404" in responses, where
        error_ref = responses["401"]["content"]["application/json"]["schema"]["$ref"]
        assert error_ref == "#/components/schemas/ErrorsOut", where
    assert len(operation_ids) == len(set(operation_ids))
    assert spec["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"


def test_every_documented_operation_exists_and_wants_a_token(
    spec: dict[str, Any], madrid_case: Case
) -> None:
    """Called without a token, each one answers 401 (not 404 or 405): the route and method
    exist, and none of them is open."""
    client = Client()
    for path, method, _operation in operations(spec):
        url = re.sub(r"\{\w+\}", "1", path).replace("/cases/1", f"/cases/{madrid_case.reference}")
        response = getattr(client, method)(url, content_type="application/json")
        assert response.status_code == 401, f"{method.upper()} {path}: {response.status_code}"


def test_the_docs_page_works_offline(db: None) -> None:
    response = Client().get("/api/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "cdn" not in page.lower()
    assets = re.findall(r'(?:src|href)="/static/([^"]+)"', page)
    assert "ninja/swagger-ui-bundle.js" in assets
    for asset in assets:
        assert finders.find(asset), f"{asset} is not served locally"


def response_schema(spec: dict[str, Any], path: str, method: str, status: int) -> Any:
    schema = spec["paths"][path][method]["responses"][str(status)]["content"]["application/json"][
        "schema"
    ]
    # Validate against the whole document so that "#/components/..." references resolve.
    return {**schema, "components": spec["components"]}


def assert_matches(spec: dict[str, Any], path: str, method: str, response: Any) -> None:
    schema = response_schema(spec, path, method, response.status_code)
    errors = sorted(Draft202012Validator(schema).iter_errors(response.json()), key=str)
    assert not errors, f"{method.upper()} {path} → {response.status_code}: {errors[0]}"


def test_real_responses_match_the_documented_schemas(
    spec: dict[str, Any],
    api_as: TokenFactory,
    agent: User,
    manager: User,
    madrid_case: Case,
    customer: Customer,
) -> None:
    vehicle = customer_actions.register_vehicle(
        customer.organisation, vin="WVWZZZ1KZAW000001", owner=customer
    )
    client = api_as(agent)
    ref = madrid_case.reference
    calls = [
        ("/api/customers", "get", client.get("/api/customers")),
        ("/api/customers/{customer_id}", "get", client.get(f"/api/customers/{customer.pk}")),
        (
            "/api/customers",
            "post",
            client.post("/api/customers", {"display_name": "Ana Gil", "language": "es"}),
        ),
        (
            "/api/customers/{customer_id}/contact-points",
            "post",
            client.post(
                f"/api/customers/{customer.pk}/contact-points",
                {"kind": "email", "value": "ana@example.org"},
            ),
        ),
        (
            "/api/customers/{customer_id}/vehicles",
            "get",
            client.get(f"/api/customers/{customer.pk}/vehicles"),
        ),
        ("/api/vehicles/{vehicle_id}", "get", client.get(f"/api/vehicles/{vehicle.pk}")),
        (
            "/api/vehicles/{vehicle_id}/odometer",
            "post",
            client.post(f"/api/vehicles/{vehicle.pk}/odometer", {"km": 1200}),
        ),
        ("/api/vehicles", "post", client.post("/api/vehicles", {"vin": "1M8GDM9AXKP042788"})),
        ("/api/cases", "get", client.get("/api/cases")),
        ("/api/cases/{reference}", "get", client.get(f"/api/cases/{ref}")),
        ("/api/cases/{reference}/messages", "get", client.get(f"/api/cases/{ref}/messages")),
        (
            "/api/cases/{reference}/replies",
            "post",
            client.post(f"/api/cases/{ref}/replies", {"body": "Hola, ya lo miramos."}),
        ),
        (
            "/api/cases/{reference}/status",
            "post",
            client.post(f"/api/cases/{ref}/status", {"status": "waiting_third_party"}),
        ),
        (
            "/api/cases/{reference}/transfer",
            "post",
            client.post(f"/api/cases/{ref}/transfer", {"to_owner": manager.pk, "note": "Yours"}),
        ),
        (
            "/api/cases",
            "post",
            client.post(
                "/api/cases", {"site": "madrid", "customer": customer.pk, "channel": "phone"}
            ),
        ),
        # Errors are documented too.
        ("/api/cases/{reference}", "get", client.get("/api/cases/NOPE-2020-00001")),
        ("/api/cases/{reference}/transfer", "post", client.post(f"/api/cases/{ref}/transfer", {})),
        ("/api/cases", "get", api_as(agent).get("/api/cases", status="lost")),
    ]
    for path, method, response in calls:
        assert response.status_code < 500, path
        assert_matches(spec, path, method, response)
    assert [r.status_code for _p, _m, r in calls[-3:]] == [404, 422, 422]

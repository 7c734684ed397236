"""The API keeps every promise its OpenAPI document makes, checked by schemathesis.

Schemathesis reads the served schema (/api/openapi.json), generates requests from it
(valid ones, boundary values of every stated constraint, and invalid ones) and sends them
to the real WSGI application with a real token scoped to one site. Every answer must be a
documented status with a documented JSON body: no server error, ever.

Bounded and deterministic (derandomized hypothesis, fixed example counts) so the suite stays
quick and never flakes; SCHEMATHESIS_EXAMPLES=500 for a deeper hunt.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, transaction
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from posventa.cases.models import Case
from posventa.core.models import Site, User
from posventa.customers import actions as customer_actions
from posventa.customers.models import Customer, Vehicle
from tests.api.conftest import TokenFactory

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "20"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
bounded = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(autouse=True)
def keep_the_test_connection() -> Iterator[None]:
    """Django closes a connection that is not in autocommit at the end of each request, and
    the test's transaction is not: like django.test.Client, keep it open meanwhile."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(api_as: TokenFactory, agent: User, madrid: Site) -> str:
    client = api_as(agent, sites=[madrid])
    return str(client.headers["Authorization"])


@pytest.fixture
def real_objects(madrid_case: Case, madrid: Site) -> dict[str, Any]:
    """Ids that exist and are in reach, so generated requests get past the lookups too."""
    customer: Customer = madrid_case.customer
    vehicle: Vehicle = customer_actions.register_vehicle(
        madrid.organisation, vin="WVWZZZ1KZAW000002", owner=customer
    )
    return {
        "reference": madrid_case.reference,
        "customer_id": customer.pk,
        "vehicle_id": vehicle.pk,
    }


# The WSGI handler runs each request on the test's thread, so it sees the test's transaction.
# Producing the schema reads no table, so loading it at import needs no database.
def call_and_check(case: Any, token: str) -> None:
    """One request in its own savepoint, as a real request runs in its own transaction.

    The actions' `atomic()` opens no savepoint of its own, so a refused change marks the
    enclosing transaction for rollback; here the savepoint takes that rollback, as the end
    of the transaction would in production. A success that left the transaction broken
    would lose its writes: that is a defect.
    """
    with transaction.atomic():
        response = case.call_and_validate(headers={"Authorization": token}, checks=CHECKS)
        broken = connection.needs_rollback
    assert not (broken and response.status_code < 400), case.as_curl_command()


schema = schemathesis.openapi.from_wsgi("/api/openapi.json", WSGIHandler())


@schema.parametrize()
@bounded
def test_no_request_the_schema_allows_gets_an_undocumented_answer(case: Any, token: str) -> None:
    call_and_check(case, token)


@schema.parametrize()
@bounded
def test_requests_on_real_objects_get_documented_answers(
    case: Any, token: str, real_objects: dict[str, Any]
) -> None:
    if case.path_parameters:
        for name in case.path_parameters:
            if name in real_objects:
                case.path_parameters[name] = real_objects[name]
    call_and_check(case, token)

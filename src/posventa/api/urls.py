"""The REST API at /api/: OpenAPI schema at /api/openapi.json, docs at /api/docs.

The docs page serves Swagger UI from django-ninja's own static files ("ninja" is in
INSTALLED_APPS), so it works on a machine with no internet access.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path
from ninja import NinjaAPI, Swagger
from ninja.operation import Operation

from posventa.api.auth import BearerToken
from posventa.api.errors import install_error_handlers
from posventa.api.routers import (
    appointments,
    billing,
    calls,
    cases,
    complaints,
    customers,
    promises,
    reports,
    transport,
    vehicles,
)


class PosventaAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        # "list_cases" rather than "posventa_api_routers_cases_list_cases": client
        # generators turn it into method names. View names are unique across routers.
        return operation.view_func.__name__


api = PosventaAPI(
    title="Posventa API",
    version="1",
    description=(
        "After-sales cases, customers, vehicles and calls. Authenticate with "
        "`Authorization: Bearer <token>` (create one with `posventa create_api_token`). "
        "Every request reaches only the sites of the token's user, narrowed to the token's "
        "sites; anything else answers 404. Errors always have the shape "
        '`{"errors": [{"field": "...", "message": "..."}]}`.'
    ),
    auth=BearerToken(),
    urls_namespace="api",
    docs=Swagger(),
)
install_error_handlers(api)
api.add_router("", customers.router)
api.add_router("", vehicles.router)
api.add_router("", cases.router)
api.add_router("", calls.router)
api.add_router("", reports.router)
api.add_router("", billing.router)
api.add_router("", complaints.router)
api.add_router("", promises.router)
api.add_router("", transport.router)
api.add_router("", appointments.router)

urlpatterns: list[URLPattern | URLResolver] = [path("", api.urls)]

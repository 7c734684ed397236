"""Every routed URL, tried by people who must not get in (issue 9).

The URLs come from the resolver, so a page added tomorrow is walked the day it is added: a
pattern whose arguments this module cannot fill fails the test, naming the argument to add
to `VALUES`. Each URL is tried

- as an anonymous visitor (GET and POST),
- as staff of the other site of the same group (GET and POST, with Madrid's objects),
- as a customer holding another customer's portal link (portal pages),
- through the API with a token scoped to the other site,

and any answer that hands over what it should not fails: a 200 where only the public pages
may answer 200, a list that shows Madrid's customer to Gothenburg, or a POST that changes
anything in the database.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.api.actions import create_api_token
from posventa.cases.models import Case
from posventa.core.actions import add_competitor, grant_role
from posventa.core.models import Event, Role, Site, User
from posventa.customers import actions as customer_actions
from posventa.customers.models import Customer, Vehicle
from posventa.inbox.actions import ingest
from posventa.inbox.models import Attachment, InboundRaw, InboundStatus, Message
from posventa.portal.links import portal_token
from posventa.promises.actions import make_promise
from posventa.promises.models import Promise
from posventa.telephony.models import Call, CdrImport
from posventa.transport import actions as transport_actions
from posventa.transport.models import Reservation, UnmetTransport
from posventa.workshop.actions.orders import open_repair_order
from posventa.workshop.models import Appointment, BookingRequest, RepairOrder
from tests.inbox.factories import case_of, email_bytes

# Pages anyone may open: the login, the public intake of a site, the portal's "send me a
# link", the language switch, the API's schema and docs, and the health check.
PUBLIC = {
    "home",  # redirects to the login
    "login",
    "logout",
    "set_language",
    "core:set_language",
    "adapters:web_form",
    "adapters:web_form_received",
    "adapters:web_form_thanks",
    "portal:new_link",
    "api:openapi-json",
    "api:openapi-view",
    "api:api-root",
    "healthz",
    "admin:login",
    "admin:logout",
    "core:healthz",
    "core:site_page",
    # The public booking pages (workshop): the form, and pages opened by signed links.
    "workshop_public:book",
    "workshop_public:kept",
    "workshop_public:booked",
    "workshop_public:reschedule",
    "workshop_public:cancel",
    "workshop_public:offer",
}

# What a successful attack must never receive: a page, a redirect into the product or a
# created object. A redirect is fine only when it sends the visitor to a login.
LOGIN_PATHS = ("/login/", "/admin/login/")
FORGED_TOKEN = "1:1vQXyz:3bJtQm0kRr7d2pYc9h1sZq8WmNoAaBbCcDdEeFfGg"
REFUSALS = {400, 401, 403, 404, 405, 409, 410, 422, 429}


@dataclass(frozen=True)
class Route:
    name: str
    arguments: tuple[str, ...]

    @property
    def namespace(self) -> str:
        return self.name.rpartition(":")[0]


def walk(
    patterns: list[Any] | None = None, namespace: str = "", inherited: tuple[str, ...] = ()
) -> Iterator[Route]:
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        arguments = inherited + _arguments(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if entry.namespace else namespace
            yield from walk(entry.url_patterns, inner.strip(":"), arguments)
        elif isinstance(entry, URLPattern) and entry.name:
            yield Route(f"{namespace}:{entry.name}".strip(":"), arguments)


def _arguments(pattern: Any) -> tuple[str, ...]:
    if isinstance(pattern, RegexPattern):
        return tuple(re.compile(str(pattern._regex)).groupindex)
    return tuple(pattern.converters)


ROUTES = sorted(set(walk()), key=lambda route: route.name)
SITE_ROUTES = [route for route in ROUTES if not route.name.startswith(("admin:", "api:"))]
ADMIN_ROUTES = [route for route in ROUTES if route.name.startswith("admin:")]
API_ROUTES = [route for route in ROUTES if route.name.startswith("api:")]


@dataclass
class World:
    """Madrid's data (the victim) and Gothenburg's people (the intruders)."""

    madrid: Site
    case: Case
    customer: Customer
    vehicle: Vehicle
    attachment: Attachment
    quarantined: InboundRaw
    intruder: User
    intruder_customer: Customer

    @property
    def secrets(self) -> list[str]:
        """Text of Madrid's that must not appear on a page Gothenburg can open."""
        return [self.case.reference, "victima.secreta@example.net", "Visitación Ejemplar"]


@pytest.fixture
def world(
    madrid: Site, goteborg: Site, outsider: User, settings: SettingsWrapper, tmp_path: Path
) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    raw = ingest(
        "email",
        email_bytes(
            from_="Visitación Ejemplar <victima.secreta@example.net>",
            subject="Factura del taller",
            attachments=[("factura.pdf", "application/pdf", b"%PDF-1.4 secreto")],
        ),
        source="imap",
        site=madrid,
    )
    case = case_of(raw)
    customer = case.customer
    vehicle = customer_actions.register_vehicle(
        madrid.organisation, vin="VF1RFB00X56789012", plate="1234KLM", owner=customer
    )
    quarantined = ingest(
        "email", b"Subject: sin remitente\r\n\r\nhola\r\n", source="imap", site=madrid
    )
    assert quarantined.status == InboundStatus.QUARANTINED
    intruder_case = case_of(
        ingest(
            "email",
            email_bytes(from_="Intrusa <intrusa@example.org>", subject="Hej"),
            source="imap",
            site=goteborg,
        )
    )
    return World(
        madrid=madrid,
        case=case,
        customer=customer,
        vehicle=vehicle,
        attachment=Attachment.objects.get(message__case=case),
        quarantined=quarantined,
        intruder=outsider,
        intruder_customer=intruder_case.customer,
    )


def _primary_key(value: Callable[[World], Model]) -> Callable[[World], str]:
    return lambda world: str(value(world).pk)


def _madrid_call(world: World) -> Call:
    """A call to Madrid from its customer (made once, on first use)."""
    call, _created = Call.objects.get_or_create(
        site=world.madrid,
        source="generic",
        external_id="security-walk",
        defaults={
            "organisation_id": world.madrid.organisation_id,
            "direction": "inbound",
            "caller_raw": "+34600000199",
            "customer": world.customer,
            "started_at": world.case.opened_at,
            "last_event_at": world.case.opened_at,
        },
    )
    return call


def _madrid_cdr_import(world: World) -> CdrImport:
    found = CdrImport.objects.filter(site=world.madrid).first()
    return found or CdrImport.objects.create(
        site=world.madrid, filename="Master.csv", sha256="0" * 64, started_at=world.case.opened_at
    )


def _madrid_appointment(world: World) -> Appointment:
    """An appointment of Madrid's customer, with its technician (made once, on first use)."""
    found = Appointment.objects.filter(site=world.madrid).first()
    if found is not None:
        return found
    technician = User.objects.create_user(username="madrid-technician", password="x-123-y-456")
    grant_role(technician, world.madrid.organisation, Role.TECHNICIAN, world.madrid)
    start = world.case.opened_at + dt.timedelta(days=7)
    return Appointment.objects.create(
        site=world.madrid,
        customer=world.customer,
        technician=technician,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        booked_via="staff",
        contact_name="Visitación Ejemplar",
        contact_email="victima.secreta@example.net",
        preferred_method="email",
        language="es",
    )


def _madrid_booking_request(world: World) -> BookingRequest:
    found = BookingRequest.objects.filter(site=world.madrid).first()
    return found or BookingRequest.objects.create(
        site=world.madrid,
        source="no_slot",
        contact_name="Visitación Ejemplar",
        contact_email="victima.secreta@example.net",
        preferred_method="email",
        language="es",
        created_at=world.case.opened_at,
    )


def _madrid_repair_order(world: World) -> RepairOrder:
    """A repair order of Madrid's car, opened the first time a URL needs one."""
    found = RepairOrder.objects.filter(site=world.madrid).first()
    if found is not None:
        return found
    advisor = User.objects.create_user(username="madrid-advisor", password="x-123-y-456")
    grant_role(advisor, world.madrid.organisation, Role.SERVICE_ADVISOR, world.madrid)
    return open_repair_order(
        world.madrid,
        customer=world.customer,
        vehicle=world.vehicle,
        concerns=["Ruido al frenar"],
        advisor=advisor,
        odometer_in=30_000,
    )


def _madrid_promise(world: World) -> Promise:
    """A promise on Madrid's case, made the first time a URL needs one."""
    found = Promise.objects.filter(case=world.case).first()
    if found is not None:
        return found
    colleague = User.objects.create_user(username="madrid-promiser", password="x-123-y-456")
    grant_role(colleague, world.madrid.organisation, Role.AGENT, world.madrid)
    return make_promise(
        world.case,
        what="Le llamaremos mañana",
        act="call",
        deadline=timezone.now() + dt.timedelta(days=3),
        actor=colleague,
    )


def _madrid_loaner(world: World) -> Reservation:
    """A loaner reservation of Madrid's customer, handed over (made once, on first use)."""
    found = Reservation.objects.filter(site=world.madrid).first()
    if found is not None:
        return found
    option = transport_actions.create_option(
        world.madrid, kind="loaner", name="Cortesía", daily_total=1
    )
    car = transport_actions.add_loaner(world.madrid, plate="9999ZZZ", model="X", odometer_km=1)
    outcome = transport_actions.reserve(
        world.madrid, option, timezone.localdate() + dt.timedelta(days=2), online=False,
        customer=world.customer,
    )  # fmt: skip
    assert outcome.reservation is not None
    transport_actions.hand_over_loaner(outcome.reservation, car, odometer_km=1, fuel_eighths=8)
    # A second request the single loaner cannot meet: Madrid's unmet request.
    transport_actions.reserve(
        world.madrid, option, outcome.reservation.day, online=False, customer=world.customer
    )
    return outcome.reservation


def _madrid_unmet(world: World) -> Model:
    _madrid_loaner(world)
    return UnmetTransport.objects.get(site=world.madrid)


def _madrid_competitor(world: World) -> Model:
    found = world.madrid.competitors.first()
    return found or add_competitor(world.madrid, name="Taller Vecino", intervals=[])


# Argument name -> how to fill it with Madrid's objects. Keyed "namespace:argument" where one
# name means different things in different apps, else by the argument alone.
VALUES: dict[str, Callable[[World], str]] = {
    "customers:pk": _primary_key(lambda w: w.customer),
    "billing:pk": _primary_key(lambda w: w.customer),
    "inbox:pk": _primary_key(lambda w: w.quarantined),
    "cases:pk": _primary_key(lambda w: w.case),
    "cases:attachment_id": _primary_key(lambda w: w.attachment),
    "portal:attachment_id": _primary_key(lambda w: w.attachment),
    "attachments:pk": _primary_key(lambda w: w.attachment),
    "reference": lambda w: w.case.reference,
    # The waiting list's page for a subject: Madrid's case, by content type and id.
    "clocks:type_id": lambda w: str(ContentType.objects.get_for_model(Case).pk),
    "clocks:subject_id": _primary_key(lambda w: w.case),
    "site_slug": lambda w: w.madrid.slug,
    "slug": lambda w: w.madrid.slug,
    # In the portal, the intruder's own link: she must not reach Madrid's case with it.
    "portal:token": lambda w: portal_token(w.intruder_customer),
    # A thanks page with a token nobody issued.
    "adapters:token": lambda w: "forged:token",
    "customer_id": _primary_key(lambda w: w.customer),
    "vehicle_id": _primary_key(lambda w: w.vehicle),
    # Admin: the victim customer's row, in the core app list.
    "admin:object_id": _primary_key(lambda w: w.customer),
    "admin:id": _primary_key(lambda w: w.intruder),
    "admin:app_label": lambda w: "customers",
    "admin:content_type_id": lambda w: "1",
    # Telephony: a call of Madrid's, its CDR import, and a Zammad token nobody issued.
    "telephony:pk": _primary_key(_madrid_call),
    "call_id": _primary_key(_madrid_call),
    "import_id": _primary_key(_madrid_cdr_import),
    "phone_in:token": lambda w: "forged-zammad-token",
    "promises:pk": _primary_key(_madrid_promise),
    "api:promise_id": _primary_key(_madrid_promise),
    "reservation_id": _primary_key(_madrid_loaner),
    "transport:trip_id": _primary_key(lambda w: _madrid_loaner(w).trip),
    "transport:unmet_id": _primary_key(_madrid_unmet),
    "core:competitor_id": _primary_key(_madrid_competitor),
    # Routing: Madrid's service rule, and the intruder marking himself away through Madrid.
    "routing:department": lambda w: "service",
    "routing:user_id": _primary_key(lambda w: w.intruder),
    "clocks:level": lambda w: "2",  # the breach step of Madrid's escalation ladder
    "workshop:pk": _primary_key(_madrid_appointment),
    "workshop:request_id": _primary_key(_madrid_booking_request),
    "api:appointment_id": _primary_key(_madrid_appointment),
    "repair_orders:pk": _primary_key(_madrid_repair_order),
}


def url_of(route: Route, world: World, **overrides: str) -> str:
    kwargs = {}
    for argument in route.arguments:
        if argument in overrides:
            kwargs[argument] = overrides[argument]
            continue
        fill = VALUES.get(f"{route.namespace}:{argument}") or VALUES.get(argument)
        if fill is None:
            fill = VALUES.get(f"{route.namespace.partition(':')[0]}:{argument}")
        if fill is None:
            pytest.fail(
                f"{route.name}: no value for the URL argument {argument!r}; add one to VALUES "
                "so this page is walked by the security test"
            )
        kwargs[argument] = fill(world)
    return reverse(route.name, kwargs=kwargs)


def footprint() -> tuple[int, ...]:
    """What a refused POST must leave exactly as it was. Recording the refusal itself (an
    `inbound.refused` event, a rate-limit record) is what a refusal should do."""
    return (
        Event.objects.exclude(verb__endswith=".refused").exclude(verb__endswith=".limited").count(),
        Message.objects.count(),
        Case.objects.count(),
        Customer.objects.count(),
        InboundRaw.objects.count(),
    )


def refusal_problem(route: Route, method: str, response: Any) -> str | None:
    """Why this answer hands over too much, or None when it is a proper refusal."""
    status = response.status_code
    if status in (301, 302):
        if response["Location"].startswith(LOGIN_PATHS):
            return None
        return f"{method} {route.name} redirected to {response['Location']}"
    if status not in REFUSALS:
        return f"{method} {route.name} answered {status}"
    return None


def leaks(route: Route, response: Any, world: World) -> str | None:
    shown = [secret for secret in world.secrets if secret in response.content.decode()]
    return f"{route.name} shows Madrid's {shown}" if shown else None


def server_errors(route: Route, *responses: Any) -> str | None:
    # 503 is a deliberate answer (the health check of a product whose worker is down).
    statuses = [response.status_code for response in responses]
    failed = any(code >= 500 and code != 503 for code in statuses)
    return f"{route.name} answered {statuses}" if failed else None


def check_all(routes: list[Route], check: Callable[[Route], list[str | None]]) -> None:
    """Walk every route before failing, so one run lists every hole at once."""
    problems = [problem for route in routes for problem in check(route) if problem]
    assert problems == [], "\n".join(problems)


# The tests build Madrid once and walk every route in one test per kind of intruder:
# a parametrised test per route rebuilt the world 230 times.


def test_an_anonymous_visitor_gets_nothing_but_the_public_pages(
    client: Client, world: World
) -> None:
    def check(route: Route) -> list[str | None]:
        # A portal link that was never issued: signed with a key nobody has.
        url = url_of(route, world, token=FORGED_TOKEN)
        before = footprint()
        get, post = client.get(url), client.post(url, {})
        if route.name in PUBLIC:
            return [server_errors(route, get, post)]
        changed = footprint() != before
        return [
            refusal_problem(route, "GET", get),
            refusal_problem(route, "POST", post),
            f"POST {route.name} changed the database" if changed else None,
        ]

    check_all(SITE_ROUTES, check)


def test_staff_of_the_other_site_never_reach_madrids_data(client: Client, world: World) -> None:
    client.force_login(world.intruder)

    def check(route: Route) -> list[str | None]:
        if route.name in PUBLIC or route.namespace == "portal":
            return []  # the portal ignores staff logins; its own test follows
        url = url_of(route, world)
        before = footprint()
        get, post = client.get(url), client.post(url, {})
        problems = [server_errors(route, get, post)]
        if get.status_code == 200 and not route.arguments:
            # A page of her own (a list, her queue): open, but without Madrid's data.
            problems.append(leaks(route, get, world))
        else:
            problems.append(refusal_problem(route, "GET", get))
        if route.arguments:
            problems.append(refusal_problem(route, "POST", post))
            if footprint() != before:
                problems.append(f"POST {route.name} changed Madrid's data")
        return problems

    check_all(SITE_ROUTES, check)


def test_another_customers_portal_link_opens_none_of_madrids_cases(
    client: Client, world: World
) -> None:
    def check(route: Route) -> list[str | None]:
        response = client.get(url_of(route, world))
        problems = [leaks(route, response, world), server_errors(route, response)]
        if set(route.arguments) - {"token"}:
            problems.append(refusal_problem(route, "GET", response))
        return problems

    check_all([route for route in SITE_ROUTES if route.namespace == "portal"], check)


def test_the_admin_is_closed_to_staff_without_admin_rights(client: Client, world: World) -> None:
    def check(route: Route) -> list[str | None]:
        if route.name in PUBLIC:
            return []
        url = url_of(route, world)
        anonymous = client.get(url)
        client.force_login(world.intruder)
        staff = client.get(url)
        client.logout()
        return [refusal_problem(route, "GET", anonymous), refusal_problem(route, "GET", staff)]

    check_all(ADMIN_ROUTES, check)


def test_the_api_gives_the_other_sites_token_nothing_of_madrid(
    client: Client, world: World
) -> None:
    token = create_api_token(world.intruder, "intruder", sites=[]).plaintext
    headers = {"Authorization": f"Bearer {token}"}

    def check(route: Route) -> list[str | None]:
        url = url_of(route, world)
        if route.name in PUBLIC:
            return [server_errors(route, client.get(url))]
        before = footprint()
        anonymous = [client.get(url), client.post(url, "{}", content_type="application/json")]
        get = client.get(url, headers=headers)
        post = client.post(url, "{}", content_type="application/json", headers=headers)
        # 405 for the method a path does not serve; the one it serves demands a token.
        statuses = sorted(response.status_code for response in anonymous)
        problems = [
            server_errors(route, get, post),
            leaks(route, get, world),
            None
            if statuses in ([401, 401], [401, 405])
            else f"{route.name}: {statuses} without a token",
        ]
        if route.arguments:
            for method, response in (("GET", get), ("POST", post)):
                if response.status_code not in REFUSALS:
                    problems.append(f"{method} {route.name} answered {response.status_code}")
        if footprint() != before:
            problems.append(f"POST {route.name} changed Madrid's data")
        return problems

    check_all(API_ROUTES, check)


def test_the_walk_covers_every_part_of_the_product() -> None:
    """A guard against the walk silently losing its routes (a resolver change, a typo)."""
    names = {route.name for route in ROUTES}
    assert {"cases:detail", "customers:detail", "portal:case", "api:get_case"} <= names
    assert len(SITE_ROUTES) >= 30 and len(ADMIN_ROUTES) >= 50

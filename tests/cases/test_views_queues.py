"""Queues: my cases, my teams, unassigned and all, most urgent clock first, keyset pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.cases import actions
from posventa.cases.models import Case, CaseStatus
from posventa.cases.views import PAGE_SIZE
from posventa.clocks.models import CalendarKind
from posventa.core.models import Site, Team, User
from posventa.customers import actions as customer_actions
from posventa.customers.models import Customer
from tests.cases.helpers import clock
from tests.ui.helpers import make_clock

H = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@pytest.fixture
def customer(madrid: Site) -> Customer:
    return customer_actions.create_customer(
        madrid.organisation,
        display_name="Iker Albéniz",
        language="es",
        contact_points=[("email", "iker.albeniz@example.net")],
    )


def open_case(site: Site, customer: Customer, subject: str, **kwargs: Any) -> Case:
    return actions.open_case(
        site=site, customer=customer, channel="email", subject=subject, **kwargs
    )


def references(response: Any) -> list[str]:
    return [row.case.reference for row in response.context["page"].rows]


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def test_it_requires_login(client: Client) -> None:
    response = client.get(reverse("cases:my"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_my_cases_lists_only_my_open_cases(
    client: Client, agent: User, manager: User, madrid: Site, customer: Customer
) -> None:
    mine = open_case(madrid, customer, "Ruido en la dirección", owner=agent)
    open_case(madrid, customer, "Cita para ITV", owner=manager)
    open_case(madrid, customer, "Sin dueño")
    resolved = open_case(madrid, customer, "Ya contestado", owner=agent)
    answer = actions.log_call(resolved, author=agent, summary="Le dije que sí.")
    actions.resolve_case(resolved, actor=agent, answer=answer)

    response = login(client, agent).get(reverse("cases:my"))

    assert response.status_code == 200
    assert references(response) == [mine.reference]
    html = response.content.decode()
    assert "Ruido en la dirección" in html and "Iker Albéniz" in html


def test_the_team_queue_holds_the_cases_of_my_teams(
    client: Client, agent: User, manager: User, madrid: Site, customer: Customer
) -> None:
    reception = Team.objects.create(site=madrid, name="Recepción", department="service")
    reception.members.add(agent)
    parts = Team.objects.create(site=madrid, name="Recambios", department="parts")
    ours = open_case(madrid, customer, "Para recepción", team=reception)
    colleague = open_case(madrid, customer, "De un compañero", team=reception, owner=manager)
    open_case(madrid, customer, "Para recambios", team=parts)

    response = login(client, agent).get(reverse("cases:team"))

    assert sorted(references(response)) == sorted([ours.reference, colleague.reference])


def test_the_unassigned_queue_holds_open_cases_without_owner(
    client: Client, agent: User, madrid: Site, customer: Customer
) -> None:
    waiting = open_case(madrid, customer, "Nadie lo tiene")
    open_case(madrid, customer, "Ya asignado", owner=agent)

    response = login(client, agent).get(reverse("cases:unassigned"))

    assert references(response) == [waiting.reference]


def test_all_cases_is_for_managers_only(
    client: Client, agent: User, manager: User, madrid: Site, customer: Customer
) -> None:
    first = open_case(madrid, customer, "Uno", owner=agent)
    second = open_case(madrid, customer, "Dos")

    assert login(client, agent).get(reverse("cases:all")).status_code == 403
    response = login(client, manager).get(reverse("cases:all"))

    assert sorted(references(response)) == sorted([first.reference, second.reference])
    assert 'href="/cases/all/"' in response.content.decode()


def test_an_outsider_never_sees_another_sites_cases(
    client: Client,
    outsider: User,
    madrid: Site,
    goteborg: Site,
    customer: Customer,
) -> None:
    open_case(madrid, customer, "Secreto de Madrid")
    swede = customer_actions.create_customer(goteborg.organisation, display_name="Stina Berg")
    own = open_case(goteborg, swede, "Fråga om service")
    client = login(client, outsider)

    assert references(client.get(reverse("cases:unassigned"))) == [own.reference]
    assert "Secreto de Madrid" not in client.get(reverse("cases:unassigned")).content.decode()
    madrid_case = Case.objects.get(site=madrid)
    assert client.get(reverse("cases:detail", args=[madrid_case.reference])).status_code == 404


def test_it_sorts_by_the_earliest_running_clock_breached_first_waiting_last(
    client: Client, agent: User, madrid: Site, customer: Customer
) -> None:
    now = timezone.now()
    calm = open_case(madrid, customer, "Sin prisa", owner=agent, opened_at=now - H)
    late = open_case(madrid, customer, "Fuera de plazo", owner=agent, opened_at=now - 40 * DAY)
    soon = open_case(madrid, customer, "Web urgente", owner=agent, opened_at=now - H)
    # A 24/7 reply clock due in ten minutes beats the calm case's days-long INFO-COMPLETE.
    make_clock(
        "INFO-WEB",
        madrid,
        subject=soon,
        started_at=now - H,
        due_at=now + dt.timedelta(minutes=10),
        calendar_kind=CalendarKind.ALWAYS,
    )
    waiting = open_case(madrid, customer, "Esperando al cliente", owner=agent, opened_at=now - H)
    actions.set_case_status(waiting, CaseStatus.WAITING_CUSTOMER, actor=agent)

    response = login(client, agent).get(reverse("cases:my"))

    assert references(response) == [
        late.reference,
        soon.reference,
        calm.reference,
        waiting.reference,
    ]
    rows = response.context["page"].rows
    assert rows[0].urgency == "breached" and rows[0].seconds_left < 0
    assert rows[1].clock.standard_id == "INFO-WEB"
    assert rows[3].paused and rows[3].seconds_left is None
    html = response.content.decode()
    assert '<span class="time-left breached">\u2212' in html
    assert "Paused" in html


@pytest.mark.parametrize("small_queue_limit", [2000, 3], ids=["by-case", "by-deadline-index"])
def test_keyset_pages_walk_forward_and_back_without_gaps_or_repeats(
    client: Client,
    agent: User,
    madrid: Site,
    customer: Customer,
    settings: SettingsWrapper,
    small_queue_limit: int,
) -> None:
    # Both query shapes (few candidates: by case; many: along the deadline index) must
    # give the same order.
    settings.POSVENTA_SMALL_QUEUE = small_queue_limit
    now = timezone.now()
    created = [
        open_case(madrid, customer, f"Caso {n}", owner=agent, opened_at=now - n * H)
        for n in range(PAGE_SIZE + 4)
    ]
    waiting = created[-1]
    actions.set_case_status(waiting, CaseStatus.WAITING_CUSTOMER, actor=agent)
    client = login(client, agent)

    first = client.get(reverse("cases:my"))
    page = first.context["page"]
    second = client.get(reverse("cases:my"), {"after": page.next_cursor})
    back = client.get(reverse("cases:my"), {"before": second.context["page"].previous_cursor})

    assert len(references(first)) == PAGE_SIZE and page.has_next and not page.has_previous
    assert len(references(second)) == 4 and not second.context["page"].has_next
    everything = references(first) + references(second)
    assert sorted(everything) == sorted(case.reference for case in created)
    assert everything[-1] == waiting.reference  # no running deadline: after the others

    # Each case's only running clock is INFO-COMPLETE; equal deadlines (cases opened while
    # the site was closed all fall due at the same business instant) go by clock id.
    def deadline(case: Case) -> tuple[dt.datetime, int]:
        info_complete = clock(case, "INFO-COMPLETE")
        assert info_complete.due_at is not None
        return info_complete.due_at, info_complete.pk

    expected = [case.reference for case in sorted(created[:-1], key=deadline)]
    expected.append(waiting.reference)
    assert everything == expected
    assert references(back) == references(first)
    assert "?after=" in first.content.decode()
    assert "?before=" in second.content.decode()


def test_it_shows_the_first_page_for_a_cursor_it_did_not_make(
    client: Client, agent: User, madrid: Site, customer: Customer
) -> None:
    case = open_case(madrid, customer, "Único", owner=agent)

    response = login(client, agent).get(reverse("cases:my"), {"after": "x.<script>"})

    assert response.status_code == 200
    assert references(response) == [case.reference]


def test_a_page_costs_the_same_number_of_queries_for_few_and_many_cases(
    client: Client, agent: User, madrid: Site, customer: Customer
) -> None:
    client = login(client, agent)
    for n in range(3):
        open_case(madrid, customer, f"Primero {n}", owner=agent)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("cases:my"))
    for n in range(30):
        open_case(madrid, customer, f"Después {n}", owner=agent)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("cases:my"))

    assert len(references(response)) == 33
    assert len(many.captured_queries) == len(few.captured_queries)
    assert not any(
        "COUNT(*)" in q["sql"] and "LIMIT" not in q["sql"]
        for q in many.captured_queries
        if "cases_case" in q["sql"]
    )


def test_htmx_refresh_returns_only_the_table(
    client: Client, agent: User, madrid: Site, customer: Customer
) -> None:
    open_case(madrid, customer, "Refresco", owner=agent)

    response = login(client, agent).get(reverse("cases:my"), headers={"HX-Request": "true"})
    html = response.content.decode()

    assert "Refresco" in html
    assert "<html" not in html
    assert 'hx-trigger="every 30s"' in html

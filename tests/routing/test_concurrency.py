"""Two inbound cases routed at the same instant take two different turns (PostgreSQL: the
rule row is locked, so the round-robin pointer is read after the other routing wrote it)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from posventa.cases import actions as cases
from posventa.cases.models import Case
from posventa.core.models import Event, Site, Team, User
from posventa.customers import actions as customers
from posventa.routing import actions
from posventa.routing.models import RoutingMode, RoutingRule
from tests.routing.conftest import MONDAY_10


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_routings_never_give_two_cases_the_same_turn(
    madrid: Site, manager: User, service_team: Team
) -> None:
    actions.set_routing_rule(madrid, "service", mode=RoutingMode.ROUND_ROBIN, actor=manager)
    customer = customers.create_customer(madrid.organisation, display_name="Marta Gil")
    unrouted = []
    for _ in range(3):
        case = cases.build_case(site=madrid, customer=customer, channel="phone")
        case.reference = cases.next_reference(madrid, case.opened_at)
        case.save(force_insert=True)
        unrouted.append(case)
    # Each case twice: the second routing of a case must find it owned and do nothing.
    work = [*unrouted, *unrouted]
    barrier = threading.Barrier(len(work))
    errors: list[BaseException] = []

    def route(case: Case) -> None:
        try:
            barrier.wait()
            actions.route_case(Case.objects.select_related("site").get(pk=case.pk), at=MONDAY_10)
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=route, args=(case,)) for case in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    owners = sorted(
        Case.objects.filter(pk__in=[c.pk for c in unrouted]).values_list(
            "owner__username", flat=True
        )
    )
    assert owners == ["irene", "jorge", "lidia"]
    assert Event.objects.filter(verb="case.routed_round_robin").count() == 3
    assert RoutingRule.objects.get().last_owner is not None

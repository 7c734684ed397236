"""Round robin, fewest open cases and a named owner, among the agents on duty."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from posventa.cases import actions as cases
from posventa.cases.models import Case
from posventa.core import actions as core_actions
from posventa.core.models import Event, Site, Team, User
from posventa.customers import actions as customers
from posventa.customers.models import Customer
from posventa.routing import actions
from posventa.routing.models import RoutingMode, RoutingRule
from tests.routing.conftest import MONDAY, MONDAY_10, local


@pytest.fixture
def customer(madrid: Site) -> Customer:
    return customers.create_customer(madrid.organisation, display_name="Nuria Prado")


def new_case(site: Site, customer: Customer, department: str = "service") -> Case:
    """A case as a walk-in opens it: before any rule applies (no owner)."""
    case = cases.build_case(site=site, customer=customer, channel="phone", department=department)
    case.reference = cases.next_reference(site, case.opened_at)
    case.save(force_insert=True)
    return case


def test_round_robin_takes_the_agents_on_duty_in_turn(
    madrid: Site, customer: Customer, manager: User, service_team: Team
) -> None:
    actions.set_routing_rule(madrid, "service", mode=RoutingMode.ROUND_ROBIN, actor=manager)
    owners = [actions.route_case(new_case(madrid, customer), at=MONDAY_10).owner for _ in range(4)]
    names = [owner.username for owner in owners if owner]
    assert names == ["irene", "jorge", "lidia", "irene"]


def test_round_robin_skips_who_is_off_duty_and_who_is_away(
    madrid: Site, customer: Customer, manager: User, irene: User, jorge: User, lidia: User
) -> None:
    actions.set_routing_rule(madrid, "service", mode=RoutingMode.ROUND_ROBIN, actor=manager)
    # Irene works afternoons only on Mondays; Jorge is on leave; Lidia is marked away.
    core_actions.set_working_hours(irene, madrid, [(0, dt.time(15), dt.time(19))])
    core_actions.record_absence(jorge, local(MONDAY, 8), local(MONDAY, 12), "Médico")
    actions.mark_away(lidia, actor=lidia, reason="Formación")
    result = actions.route_case(new_case(madrid, customer), at=MONDAY_10)
    assert result is not None and result.owner is None
    assert (result.candidates, result.on_duty) == (2, 0)
    # In the afternoon Irene is on duty (and Jorge back): the turn goes round them.
    afternoon = local(MONDAY, 16)
    owners = [actions.route_case(new_case(madrid, customer), at=afternoon).owner for _ in range(3)]
    assert [owner.username for owner in owners if owner] == ["irene", "jorge", "irene"]


def test_fewest_open_cases_goes_to_the_least_loaded_agent(
    madrid: Site, customer: Customer, manager: User, irene: User, jorge: User, lidia: User
) -> None:
    actions.set_routing_rule(madrid, "service", mode=RoutingMode.FEWEST_OPEN, actor=manager)
    for owner in (irene, irene, jorge):
        cases.assign_case(new_case(madrid, customer), owner, actor=manager)
    first = actions.route_case(new_case(madrid, customer), at=MONDAY_10)
    second = actions.route_case(new_case(madrid, customer), at=MONDAY_10)
    assert first is not None and first.owner == lidia
    # Lidia and Jorge now hold one each: the tie goes to the first of them.
    assert second is not None and second.owner == jorge


def test_a_named_owner_gets_every_case_unless_away(
    madrid: Site, customer: Customer, manager: User, lidia: User
) -> None:
    actions.set_routing_rule(
        madrid, "billing", mode=RoutingMode.NAMED_OWNER, named_owner=lidia, actor=manager
    )
    case = new_case(madrid, customer, "billing")
    routed = actions.route_case(case, at=MONDAY_10)
    assert routed is not None and routed.owner == lidia
    case.refresh_from_db()
    assert case.owner == lidia and case.status == "open"
    actions.mark_away(lidia, actor=manager)
    assert actions.route_case(new_case(madrid, customer, "billing"), at=MONDAY_10).owner is None


def test_each_department_follows_its_own_rule_and_one_without_a_rule_is_left_alone(
    madrid: Site, customer: Customer, manager: User, lidia: User, service_team: Team
) -> None:
    actions.set_routing_rule(
        madrid, "parts", mode=RoutingMode.NAMED_OWNER, named_owner=lidia, actor=manager
    )
    assert actions.route_case(new_case(madrid, customer, "sales"), at=MONDAY_10) is None
    assert actions.route_case(new_case(madrid, customer, "parts"), at=MONDAY_10).owner == lidia


def test_routing_twice_changes_nothing(
    madrid: Site, customer: Customer, manager: User, service_team: Team
) -> None:
    actions.set_routing_rule(madrid, "service", mode=RoutingMode.ROUND_ROBIN, actor=manager)
    case = new_case(madrid, customer)
    first = actions.route_case(case, at=MONDAY_10)
    assert first is not None and first.owner is not None
    assert actions.route_case(case, at=MONDAY_10) is None
    assert Event.objects.filter(verb="case.routed_round_robin").count() == 1
    assert RoutingRule.objects.get().last_owner == first.owner


def test_the_case_timeline_says_why_it_went_to_whom(
    madrid: Site, customer: Customer, manager: User, service_team: Team
) -> None:
    actions.set_routing_rule(madrid, "service", mode=RoutingMode.FEWEST_OPEN, actor=manager)
    case = new_case(madrid, customer)
    actions.route_case(case, at=MONDAY_10)
    event = Event.objects.get(verb="case.routed_fewest_open", subject_id=str(case.pk))
    assert event.summary == str(case.owner) and event.actor_label == "routing"
    assert event.data == {
        "mode": "fewest_open",
        "owner": case.owner_id,
        "candidates": 3,
        "on_duty": 3,
    }


def test_a_rule_refuses_a_team_or_owner_of_another_site(
    madrid: Site, goteborg: Site, manager: User, outsider: User
) -> None:
    foreign = Team.objects.create(site=goteborg, name="Verkstad", department="service")
    with pytest.raises(ValidationError) as error:
        actions.set_routing_rule(
            madrid, "service", mode=RoutingMode.ROUND_ROBIN, team=foreign, actor=manager
        )
    assert "team" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        actions.set_routing_rule(
            madrid, "service", mode=RoutingMode.NAMED_OWNER, named_owner=outsider, actor=manager
        )
    assert "named_owner" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        actions.set_routing_rule(madrid, "service", mode=RoutingMode.NAMED_OWNER, actor=manager)
    assert "named_owner" in error.value.message_dict
    assert not RoutingRule.objects.exists()

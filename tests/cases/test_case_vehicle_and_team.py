"""A case says which vehicle it is about and which team's queue it sits in; each change is
on the timeline, and a vehicle or team from elsewhere is refused with the field named."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from posventa.cases import actions as cases
from posventa.cases.models import Case
from posventa.core import actions as core_actions
from posventa.core.models import Event, Site, Team, User
from posventa.customers.actions import create_customer, register_vehicle
from posventa.customers.models import Vehicle


@pytest.fixture
def own_vehicle(email_case: Case) -> Vehicle:
    return register_vehicle(
        email_case.organisation,
        vin="VF1RJA00567234518",
        plate="7305 MFZ",
        make="Renault",
        model="Captur",
        owner=email_case.customer,
    )


def verbs(case: Case) -> list[str]:
    return list(
        Event.objects.filter(subject_id=str(case.pk)).order_by("pk").values_list("verb", flat=True)
    )


def test_linking_the_customer_s_vehicle_puts_it_on_the_case_and_the_timeline(
    email_case: Case, own_vehicle: Vehicle, agent: User
) -> None:
    cases.link_vehicle(email_case, own_vehicle, actor=agent)
    email_case.refresh_from_db()
    assert email_case.vehicle == own_vehicle
    event = Event.objects.get(subject_id=str(email_case.pk), verb="case.vehicle_linked")
    assert event.actor == agent and event.summary == "7305 MFZ Renault Captur"


def test_linking_the_same_vehicle_again_records_nothing(
    email_case: Case, own_vehicle: Vehicle, agent: User
) -> None:
    cases.link_vehicle(email_case, own_vehicle, actor=agent)
    cases.link_vehicle(email_case, own_vehicle, actor=agent)
    assert verbs(email_case).count("case.vehicle_linked") == 1


def test_another_customer_s_vehicle_is_refused(email_case: Case, agent: User) -> None:
    stranger = create_customer(email_case.organisation, display_name="Otilia Cebrián")
    theirs = register_vehicle(email_case.organisation, vin="WVWZZZAWZMU045127", owner=stranger)
    with pytest.raises(ValidationError) as refused:
        cases.link_vehicle(email_case, theirs, actor=agent)
    assert "vehicle" in refused.value.message_dict
    email_case.refresh_from_db()
    assert email_case.vehicle is None


def test_a_vehicle_of_another_dealer_group_is_refused(email_case: Case, agent: User) -> None:
    other_group = core_actions.create_organisation("Talleres Inventados", "inventados")
    elsewhere = register_vehicle(other_group, vin="VR3UPHNKSLT112390")
    with pytest.raises(ValidationError) as refused:
        cases.link_vehicle(email_case, elsewhere, actor=agent)
    assert "vehicle" in refused.value.message_dict


def test_a_team_takes_the_case_into_its_queue_and_the_owner_stays(
    email_case: Case, madrid: Site, agent: User
) -> None:
    cases.assign_case(email_case, agent, actor=agent)
    reception = Team.objects.create(site=madrid, name="Recepción", department="service")
    cases.set_case_team(email_case, reception, actor=agent)
    email_case.refresh_from_db()
    assert email_case.team == reception and email_case.owner == agent
    assert "case.team_changed" in verbs(email_case)


def test_a_team_of_another_site_is_refused(email_case: Case, goteborg: Site, agent: User) -> None:
    elsewhere = Team.objects.create(site=goteborg, name="Verkstad", department="service")
    with pytest.raises(ValidationError) as refused:
        cases.set_case_team(email_case, elsewhere, actor=agent)
    assert "team" in refused.value.message_dict

"""The demo group's customers, vehicles and cases (`posventa.demo.cases`)."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from posventa.cases.models import Case, CaseStatus, CaseTransfer
from posventa.clocks.models import Clock, ClockState
from posventa.core.models import Event
from posventa.customers.models import Customer, Vehicle
from posventa.demo.loader import DEMO_PASSWORD, DemoWorld, load_demo
from posventa.inbox.models import InboundRaw, InboundStatus, Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> DemoWorld:
    loaded = load_demo()
    assert loaded is not None
    return loaded


def _case_clocks(world: DemoWorld):  # type: ignore[no-untyped-def]
    return Clock.objects.filter(
        subject_type=ContentType.objects.get_for_model(Case), site__in=world.sites.values()
    )


def test_both_sites_have_customers_vehicles_and_cases(world: DemoWorld) -> None:
    organisation = world.organisation
    assert Customer.objects.filter(organisation=organisation).count() >= 12
    assert Vehicle.objects.filter(organisation=organisation).count() >= 10
    for site in world.sites.values():
        site_cases = Case.objects.filter(site=site)
        assert site_cases.count() >= 8
        # Every case's customer is one of the demo's invented ones.
        assert not site_cases.exclude(customer__organisation=organisation).exists()
    assert not Vehicle.objects.filter(organisation=organisation, owner__isnull=True).exists()
    # Everything came in cleanly but the one broken web form per site (test_demo_story).
    unprocessed = InboundRaw.objects.exclude(status=InboundStatus.PROCESSED)
    assert set(unprocessed.values_list("status", flat=True)) == {InboundStatus.QUARANTINED}
    assert unprocessed.count() == len(world.sites)


def test_cases_are_in_several_states(world: DemoWorld) -> None:
    for site in world.sites.values():
        statuses = set(Case.objects.filter(site=site).values_list("status", flat=True))
        assert len(statuses) >= 4
        assert {
            CaseStatus.NEW,
            CaseStatus.OPEN,
            CaseStatus.WAITING_CUSTOMER,
            CaseStatus.RESOLVED,
            CaseStatus.CLOSED,
        } <= statuses
        assert Case.objects.filter(site=site, chase_count__gte=1).exists()
        assert CaseTransfer.objects.filter(case__site=site).exclude(note="").exists()
        assert Message.objects.filter(case__site=site, channel="sms").count() >= 3


def test_case_clocks_run_pause_and_breach(world: DemoWorld) -> None:
    clocks = _case_clocks(world)
    running_web = clocks.filter(standard_id="INFO-WEB", state=ClockState.RUNNING)
    assert running_web.filter(due_at__gt=world.now).exists()
    assert running_web.filter(due_at__lte=world.now).count() >= 2  # one breached chase per site
    assert clocks.filter(state=ClockState.PAUSED).exists()
    waiting = Case.objects.filter(status=CaseStatus.WAITING_CUSTOMER)
    assert waiting.exists()
    for case in waiting:
        assert not clocks.filter(subject_id=case.pk, state=ClockState.RUNNING).exists()


def test_every_case_has_a_timeline(world: DemoWorld) -> None:
    case_type = ContentType.objects.get_for_model(Case)
    for case in Case.objects.all():
        verbs = set(
            Event.objects.filter(subject_type=case_type, subject_id=str(case.pk)).values_list(
                "verb", flat=True
            )
        )
        assert "case.opened" in verbs, case.reference


def test_loading_twice_does_not_duplicate(world: DemoWorld) -> None:
    counts = (
        Customer.objects.count(),
        Vehicle.objects.count(),
        Case.objects.count(),
        Message.objects.count(),
    )
    assert load_demo() is None
    assert (
        Customer.objects.count(),
        Vehicle.objects.count(),
        Case.objects.count(),
        Message.objects.count(),
    ) == counts


def test_the_waiting_list_shows_case_clocks(world: DemoWorld, client: Client) -> None:
    assert client.login(username="demo-manager", password=DEMO_PASSWORD)

    response = client.get(reverse("clocks:waiting"))

    assert response.status_code == 200
    case_type = ContentType.objects.get_for_model(Case)
    assert any(row.clock.subject_type_id == case_type.pk for row in response.context["rows"])
    breached_chase = Case.objects.filter(chase_count__gte=1).first()
    assert breached_chase is not None
    assert breached_chase.reference in response.content.decode()

"""The demo dealer group: built once, two countries, every role, clocks in every state."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import authenticate
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from posventa.clocks.models import Clock, ClockState
from posventa.core.models import Certification, Event, Membership, Organisation, Role, Team, User
from posventa.demo.loader import (
    DEMO_LOGINS,
    DEMO_ORGANISATION_SLUG,
    DEMO_PASSWORD,
    DemoWorld,
    load_demo,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> DemoWorld:
    loaded = load_demo()
    assert loaded is not None
    return loaded


def test_it_loads_once_and_then_does_nothing(world: DemoWorld) -> None:
    counts = (User.objects.count(), Clock.objects.count(), Event.objects.count())

    assert load_demo() is None
    assert (User.objects.count(), Clock.objects.count(), Event.objects.count()) == counts
    assert Organisation.objects.filter(slug=DEMO_ORGANISATION_SLUG).count() == 1


def test_it_has_two_sites_in_two_countries_with_their_own_hours(world: DemoWorld) -> None:
    madrid, goteborg = world.sites["madrid"], world.sites["goteborg"]

    assert (madrid.timezone, madrid.country, madrid.subdivision) == ("Europe/Madrid", "ES", "MD")
    assert (goteborg.timezone, goteborg.country) == ("Europe/Stockholm", "SE")
    monday = [(i.start, i.end) for i in madrid.opening_intervals.filter(weekday=0)]
    assert monday == [(dt.time(8, 30), dt.time(13, 30)), (dt.time(15), dt.time(19))]
    assert [(i.start, i.end) for i in madrid.opening_intervals.filter(weekday=5)] == [
        (dt.time(9), dt.time(13))
    ]
    assert [(i.weekday, i.start, i.end) for i in goteborg.opening_intervals.all()] == [
        (day, dt.time(7), dt.time(18)) for day in range(5)
    ]


def test_every_site_has_someone_in_every_role_and_a_group_admin(world: DemoWorld) -> None:
    site_roles = set(Role) - {Role.ADMIN}
    for site in world.sites.values():
        held = set(Membership.objects.filter(site=site).values_list("role", flat=True))
        assert held == site_roles
    assert Membership.objects.filter(site__isnull=True, role=Role.ADMIN).exists()


def test_technicians_are_certified_and_teams_exist(world: DemoWorld) -> None:
    technicians = User.objects.filter(memberships__role=Role.TECHNICIAN)
    assert technicians.count() == 4
    for technician in technicians:
        assert Certification.objects.filter(user=technician).count() >= 2
    assert Team.objects.filter(site__in=world.sites.values()).count() == 6
    reception = Team.objects.get(site=world.sites["madrid"], name="Service reception")
    # The site's agent and service advisor, and the group's service manager.
    assert set(reception.members.values_list("username", flat=True)) == {
        "demo-madrid",
        "madrid-asesor",
        "demo-manager",
    }


def test_it_has_clocks_in_every_state(world: DemoWorld) -> None:
    now = world.now
    clocks = Clock.objects.filter(site__in=world.sites.values())

    running = clocks.filter(state=ClockState.RUNNING)
    assert running.filter(due_at__lte=now).count() >= 4  # breached
    assert running.filter(warn_at__lte=now, due_at__gt=now).count() >= 2  # warned
    assert running.filter(warn_at__gt=now).count() >= 4  # on time
    assert clocks.filter(state=ClockState.PAUSED).count() >= 2
    assert clocks.filter(state=ClockState.SATISFIED, breached_at__isnull=True).count() >= 20
    assert clocks.filter(state=ClockState.SATISFIED, breached_at__isnull=False).count() >= 3
    assert clocks.filter(state=ClockState.CANCELLED).count() >= 2
    assert not clocks.filter(started_at__gt=timezone.now()).exists()


def test_closed_clocks_store_their_business_duration(world: DemoWorld) -> None:
    satisfied = Clock.objects.filter(state=ClockState.SATISFIED)
    assert satisfied.exists()
    assert not satisfied.filter(business_seconds__isnull=True).exists()


def test_every_demo_login_works_with_the_demo_password(world: DemoWorld) -> None:
    for login in DEMO_LOGINS:
        assert authenticate(username=login.username, password=DEMO_PASSWORD) is not None


def test_the_demo_manager_sees_both_sites_with_a_breach_on_top(
    world: DemoWorld, client: Client
) -> None:
    assert client.login(username="demo-manager", password=DEMO_PASSWORD)

    waiting = client.get(reverse("clocks:waiting"))
    compliance = client.get(reverse("reports:compliance"))

    assert waiting.context["rows"][0].urgency == "breached"
    assert {row.clock.site_id for row in waiting.context["rows"]} == {
        site.pk for site in world.sites.values()
    }
    sites_in_report = {row.site_name for item in compliance.context["report"] for row in item.sites}
    assert sites_in_report == {site.name for site in world.sites.values()}
    assert compliance.context["overall"].met > 0
    assert compliance.context["overall"].breached > 0


def test_site_agents_see_only_their_site_in_their_language(
    world: DemoWorld, client: Client
) -> None:
    assert client.login(username="demo-goteborg", password=DEMO_PASSWORD)

    response = client.get(reverse("clocks:waiting"))

    assert {row.clock.site_id for row in response.context["rows"]} == {world.sites["goteborg"].pk}
    assert '<html lang="sv">' in response.content.decode()

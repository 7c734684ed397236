"""The demo tells a story a visitor can follow: the chased case shows what the customer
first asked, cases are about the customer's car and sit in a team's queue, every page has
something on it, and every person in it is invented."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from posventa.cases.models import Case
from posventa.core.models import User
from posventa.customers import links as customer_links
from posventa.customers.models import Customer
from posventa.demo.loader import DEMO_PASSWORD, DemoWorld, load_demo
from posventa.inbox.models import Direction, InboundRaw, InboundStatus, MessageKind

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
# shared/ sits beside the clone (CI) or beside the folder of the worktrees.
SEED_FOLDERS = [ROOT.parent / "shared" / "seeds", ROOT.parent.parent / "shared" / "seeds"]
FIRST_QUESTIONS = {"madrid-norte": "195/55 R16 para el Polo", "goteborg-hisingen": "205/55 R16"}
PAGES = [
    "clocks:waiting",
    "cases:my",
    "cases:team",
    "cases:unassigned",
    "customers:list",
    "inbox:quarantine",
    "reports:compliance",
]
EMPTY = 'class="empty"'


@pytest.fixture
def world() -> DemoWorld:
    loaded = load_demo()
    assert loaded is not None
    return loaded


def test_a_chased_case_carries_the_customer_s_first_message(world: DemoWorld) -> None:
    for site in world.sites.values():
        chased = Case.objects.get(site=site, chase_count__gte=1)
        inbound = list(
            chased.messages.filter(
                direction=Direction.INBOUND, kind=MessageKind.CUSTOMER_MESSAGE
            ).order_by("created_at")
        )
        assert len(inbound) == 2, chased.reference
        first, chase = inbound
        assert FIRST_QUESTIONS[site.slug] in first.body_text
        assert (world.now - first.created_at).days == 2
        assert chase.is_chase and chase.created_at >= world.now
        assert chased.awaiting_reply_since == first.created_at


def test_every_demo_case_is_about_its_customer_s_vehicle(world: DemoWorld) -> None:
    cases = Case.objects.filter(site__in=world.sites.values()).select_related("vehicle")
    assert cases.exists()
    for case in cases:
        assert case.vehicle is not None, case.reference
        assert case.vehicle.owner_id == case.customer_id


def test_every_demo_case_sits_in_a_team_of_its_site(world: DemoWorld) -> None:
    for case in Case.objects.filter(site__in=world.sites.values()).select_related("team"):
        assert case.team is not None and case.team.site_id == case.site_id, case.reference


@pytest.mark.parametrize("username", ["demo-madrid", "demo-goteborg", "demo-manager"])
def test_every_page_has_something_to_show(world: DemoWorld, client: Client, username: str) -> None:
    assert client.login(username=username, password=DEMO_PASSWORD)
    pages = [*PAGES, "cases:all"] if username == "demo-manager" else PAGES
    for name in pages:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert EMPTY not in response.content.decode(), f"{name} is empty for {username}"
    case = Case.objects.filter(site__in=world.sites.values()).order_by("pk").first()
    assert case is not None
    user = User.objects.get(username=username)
    if username != "demo-manager":
        case = Case.objects.filter(site__memberships__user=user).order_by("pk").first()
        assert case is not None
    detail = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert case.vehicle is not None and case.vehicle.plate in detail


def test_a_demo_customer_s_portal_page_shows_their_cases(world: DemoWorld, client: Client) -> None:
    customer = Customer.objects.filter(cases__isnull=False).order_by("pk").first()
    assert customer is not None
    url = customer_links.portal_url(customer)
    assert url is not None
    page = client.get(urlsplit(url).path)
    assert page.status_code == 200 and EMPTY not in page.content.decode()


def test_the_quarantine_holds_one_broken_submission_per_site_with_its_reason(
    world: DemoWorld,
) -> None:
    for site in world.sites.values():
        kept = InboundRaw.objects.get(site=site, status=InboundStatus.QUARANTINED)
        assert kept.channel == "web_form" and "JSON" in kept.reason and kept.raw


def demo_people(world: DemoWorld) -> set[str]:
    names = {f"{user.first_name} {user.last_name}" for user in User.objects.all()}
    names |= set(Customer.objects.values_list("display_name", flat=True))
    return {name.strip() for name in names if name.strip()}


def test_nobody_in_the_demo_shares_a_name_with_a_person_in_the_seed_posts(
    world: DemoWorld,
) -> None:
    folder = next((path for path in SEED_FOLDERS if path.is_dir()), None)
    if folder is None:
        pytest.skip("the seed posts (shared/seeds) are not beside this checkout")
    seeds = " ".join(path.read_text(errors="replace") for path in folder.glob("*.txt")).lower()
    shared = sorted(
        part
        for name in demo_people(world)
        for part in re.split(r"[\s-]+", name)
        if len(part) > 2 and re.search(rf"\b{re.escape(part.lower())}\b", seeds)
    )
    assert shared == [], "these demo names appear in the seed posts: invent others"

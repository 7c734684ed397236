"""The waiting list's filters: site, standard, owner (a person), team; in the query string
and remembered in the session, so coming back to the home page keeps them."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from posventa.core.models import Site, Team, User
from tests.ui.helpers import make_clock

H = dt.timedelta(hours=1)


def ids(response) -> list[int]:  # type: ignore[no-untyped-def]
    return [row.clock.pk for row in response.context["rows"]]


def test_chosen_filters_come_back_on_a_bare_visit(
    client: Client, agent: User, madrid: Site
) -> None:
    web = make_clock("INFO-WEB", madrid, due_at=timezone.now() + H)
    make_clock("INFO-WRITTEN", madrid, due_at=timezone.now() + H)
    client.force_login(agent)
    url = reverse("clocks:waiting")

    client.get(url, {"standard": "INFO-WEB"})
    back = client.get(url)
    followed = client.get(back["Location"])

    assert back.status_code == 302 and back["Location"] == f"{url}?standard=INFO-WEB"
    assert ids(followed) == [web.pk]
    assert followed.context["form"]["standard"].value() == "INFO-WEB"


def test_clearing_forgets_the_filters(client: Client, agent: User, madrid: Site) -> None:
    make_clock("INFO-WEB", madrid, due_at=timezone.now() + H)
    make_clock("INFO-WRITTEN", madrid, due_at=timezone.now() + H)
    client.force_login(agent)
    url = reverse("clocks:waiting")
    client.get(url, {"standard": "INFO-WEB"})

    cleared = client.get(url, {"reset": "1"})
    bare = client.get(url)

    assert len(cleared.context["rows"]) == 2
    assert bare.status_code == 200 and len(bare.context["rows"]) == 2


def test_a_team_filter_keeps_the_clocks_its_members_own(
    client: Client, agent: User, manager: User, madrid: Site
) -> None:
    team = Team.objects.create(site=madrid, name="Recepción", department="service")
    team.members.add(agent)
    theirs = make_clock("INFO-WEB", madrid, owner=agent, due_at=timezone.now() + H)
    make_clock("INFO-WEB", madrid, owner=manager, due_at=timezone.now() + H)
    make_clock("INFO-WEB", madrid, due_at=timezone.now() + H)
    client.force_login(manager)

    response = client.get(reverse("clocks:waiting"), {"team": team.pk})

    assert ids(response) == [theirs.pk]


def test_an_owner_filter_picks_one_person_or_nobody(
    client: Client, agent: User, manager: User, madrid: Site
) -> None:
    theirs = make_clock("INFO-WEB", madrid, owner=agent, due_at=timezone.now() + H)
    nobodys = make_clock("INFO-WEB", madrid, due_at=timezone.now() + 2 * H)
    client.force_login(manager)
    url = reverse("clocks:waiting")

    assert ids(client.get(url, {"owner": agent.pk})) == [theirs.pk]
    assert ids(client.get(url, {"owner": "none"})) == [nobodys.pk]


def test_a_person_from_a_site_one_cannot_see_is_refused_by_name(
    client: Client, agent: User, outsider: User, madrid: Site
) -> None:
    make_clock("INFO-WEB", madrid, owner=agent, due_at=timezone.now() + H)
    client.force_login(agent)

    response = client.get(reverse("clocks:waiting"), {"owner": outsider.pk})

    assert "owner" in response.context["form"].errors
    assert len(response.context["rows"]) == 1


def test_a_group_user_is_offered_the_people_of_the_chosen_site(
    client: Client, group_admin: User, agent: User, outsider: User, madrid: Site, goteborg: Site
) -> None:
    client.force_login(group_admin)
    url = reverse("clocks:waiting")

    everywhere = dict(client.get(url).context["form"].fields["owner"].choices)
    at_goteborg = dict(
        client.get(url, {"site": goteborg.pk}).context["form"].fields["owner"].choices
    )

    assert str(agent.pk) not in everywhere
    assert str(outsider.pk) in at_goteborg and str(agent.pk) not in at_goteborg


def test_another_sites_team_is_refused(
    client: Client, agent: User, goteborg: Site, madrid: Site
) -> None:
    team = Team.objects.create(site=goteborg, name="Verkstad")
    client.force_login(agent)

    response = client.get(reverse("clocks:waiting"), {"team": team.pk})

    assert "team" in response.context["form"].errors

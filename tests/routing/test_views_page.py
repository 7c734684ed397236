"""The routing page: managers set rules and the unowned limit, people mark themselves away,
bad input is refused on the field with what was typed kept, and other sites get 404."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from posventa.core.models import Site, Team, User
from posventa.routing.models import AwayPeriod, RoutingRule


def page_url(site: Site) -> str:
    return reverse("routing:page", args=[site.slug])


def test_a_manager_sets_a_departments_rule(
    client: Client, madrid: Site, manager: User, service_team: Team
) -> None:
    client.force_login(manager)
    response = client.post(
        reverse("routing:set_rule", args=[madrid.slug, "service"]),
        {"service-mode": "round_robin", "service-team": service_team.pk},
    )
    assert response.status_code == 302
    rule = RoutingRule.objects.get(site=madrid, department="service")
    assert rule.mode == "round_robin" and rule.team == service_team
    page = client.get(page_url(madrid))
    assert page.status_code == 200 and "Recepción de taller" in page.content.decode()


def test_a_named_owner_rule_without_an_owner_is_refused_on_the_field(
    client: Client, madrid: Site, manager: User
) -> None:
    client.force_login(manager)
    response = client.post(
        reverse("routing:set_rule", args=[madrid.slug, "billing"]), {"billing-mode": "named_owner"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Name the person who owns these cases." in body
    assert 'value="named_owner" selected' in body
    assert not RoutingRule.objects.exists()


def test_choosing_no_routing_removes_the_rule(client: Client, madrid: Site, manager: User) -> None:
    client.force_login(manager)
    url = reverse("routing:set_rule", args=[madrid.slug, "sales"])
    client.post(url, {"sales-mode": "fewest_open"})
    assert RoutingRule.objects.filter(department="sales").exists()
    client.post(url, {"sales-mode": ""})
    assert not RoutingRule.objects.filter(department="sales").exists()


def test_an_agent_reads_the_page_but_cannot_change_the_rules(
    client: Client, madrid: Site, agent: User
) -> None:
    client.force_login(agent)
    assert client.get(page_url(madrid)).status_code == 200
    response = client.post(
        reverse("routing:set_rule", args=[madrid.slug, "service"]), {"service-mode": "round_robin"}
    )
    assert response.status_code == 403 and not RoutingRule.objects.exists()


def test_the_unowned_limit_is_kept_and_a_bad_value_is_refused(
    client: Client, madrid: Site, manager: User
) -> None:
    client.force_login(manager)
    url = reverse("routing:set_limit", args=[madrid.slug])
    bad = client.post(url, {"unowned_minutes": "0"})
    assert bad.status_code == 400 and 'value="0"' in bad.content.decode()
    assert client.post(url, {"unowned_minutes": "20"}).status_code == 302
    assert 'value="20"' in client.get(page_url(madrid)).content.decode()


def test_an_agent_marks_themselves_away_and_the_page_shows_it(
    client: Client, madrid: Site, agent: User, manager: User
) -> None:
    client.force_login(agent)
    url = reverse("routing:away", args=[madrid.slug, agent.pk])
    assert client.post(url, {"reason": "Curso de formación"}).status_code == 302
    assert AwayPeriod.objects.get(user=agent, ended_at=None).reason == "Curso de formación"
    body = client.get(page_url(madrid)).content.decode()
    assert "data-away" in body and "Curso de formación" in body
    # An agent cannot mark a colleague away.
    assert client.post(reverse("routing:away", args=[madrid.slug, manager.pk])).status_code == 403
    client.post(url, {"back": "1"})
    assert not AwayPeriod.objects.filter(user=agent, ended_at=None).exists()


@pytest.mark.parametrize("name", ["page", "set_limit"])
def test_an_outsider_gets_404(client: Client, madrid: Site, outsider: User, name: str) -> None:
    client.force_login(outsider)
    url = reverse(f"routing:{name}", args=[madrid.slug])
    response = client.get(url) if name == "page" else client.post(url, {"unowned_minutes": "9"})
    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_login(client: Client, madrid: Site) -> None:
    response = client.get(page_url(madrid))
    assert response.status_code == 302 and "/login/" in response["Location"]

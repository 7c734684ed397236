"""The waiting list grouped by owner: the person holding the longest-waiting customer
first, with their open, overdue and paused counts, under the waiting list's filters."""

from __future__ import annotations

from collections.abc import Callable

from django.db import models
from django.test import Client
from django.urls import reverse

from posventa.clocks import actions
from posventa.core.models import Site, User
from tests.clocks.conftest import madrid_at


def start(site: Site, subject: models.Model, owner: User | None, day: int, hour: int) -> None:
    actions.start_clock(
        "INFO-WEB", subject=subject, site=site, owner=owner, started_at=madrid_at(day, hour)
    )


def test_owners_are_listed_by_their_longest_waiting_customer(
    client: Client,
    madrid: Site,
    new_subject: Callable[[Site], models.Model],
    agent: User,
    manager: User,
) -> None:
    start(madrid, new_subject(madrid), manager, 3, 9)
    start(madrid, new_subject(madrid), agent, 2, 9)  # the oldest
    start(madrid, new_subject(madrid), agent, 3, 10)
    start(madrid, new_subject(madrid), None, 2, 11)
    client.force_login(manager)
    response = client.get(reverse("clocks:by_owner"))
    assert response.status_code == 200
    groups = response.context["grouped"].groups
    assert [(g.owner, g.open) for g in groups] == [(agent, 2), (None, 1), (manager, 1)]
    # Everything started in March 2026 is long overdue now.
    assert [g.overdue for g in groups] == [2, 1, 1]


def test_the_waiting_list_filters_apply_to_the_groups(
    client: Client,
    madrid: Site,
    new_subject: Callable[[Site], models.Model],
    agent: User,
    manager: User,
) -> None:
    start(madrid, new_subject(madrid), agent, 2, 9)
    start(madrid, new_subject(madrid), None, 2, 10)
    client.force_login(manager)
    response = client.get(reverse("clocks:by_owner"), {"owner": "none"})
    assert [g.owner for g in response.context["grouped"].groups] == [None]


def test_an_outsider_sees_no_group_of_another_site(
    client: Client,
    madrid: Site,
    new_subject: Callable[[Site], models.Model],
    agent: User,
    outsider: User,
) -> None:
    start(madrid, new_subject(madrid), agent, 2, 9)
    client.force_login(outsider)
    response = client.get(reverse("clocks:by_owner"))
    assert response.status_code == 200 and response.context["grouped"].groups == []

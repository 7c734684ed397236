"""PROMISE-KEPT reaches the compliance figures per site and per person like every standard:
a promise is a clock (issue 11, item 6)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from posventa.clocks import actions
from posventa.clocks.models import Clock
from posventa.core.models import Site, Team, User
from posventa.reports.metrics import compliance_by_person, compliance_by_standard


def test_kept_and_broken_promises_are_counted_per_site_and_person(
    madrid: Site, agent: User, manager: User
) -> None:
    now = timezone.now()
    kept = actions.start_clock(
        "PROMISE-KEPT",
        subject=Team.objects.create(site=madrid, name="Promise 1"),
        site=madrid,
        owner=agent,
        started_at=now - dt.timedelta(hours=2),
        deadline=now + dt.timedelta(hours=1),
    )
    actions.satisfy_clock(kept, at=now - dt.timedelta(hours=1))
    actions.start_clock(
        "PROMISE-KEPT",
        subject=Team.objects.create(site=madrid, name="Promise 2"),
        site=madrid,
        owner=manager,
        started_at=now - dt.timedelta(hours=3),
        deadline=now - dt.timedelta(hours=1),
    )
    today = timezone.localdate()
    clocks = Clock.objects.filter(standard_id="PROMISE-KEPT")
    (by_site,) = compliance_by_standard([madrid], today, today, now=now, clocks=clocks)
    assert (by_site.total.met, by_site.total.breached) == (1, 1)
    (by_person,) = compliance_by_person([madrid], clocks, now=now)
    figures = {row.key: (row.figures.met, row.figures.breached) for row in by_person.sites}
    assert figures == {agent.pk: (1, 0), manager.pk: (0, 1)}

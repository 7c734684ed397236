"""What the routing page shows: each department's rule, and the site's people with whether
they are on duty and whether they are away (read side, a handful of queries)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count

from posventa.cases.forms import staff_of
from posventa.cases.models import ACTIVE_STATUSES, Case, Department
from posventa.clocks.catalogue import effective_policy
from posventa.core.models import Site, User
from posventa.routing.actions import CASE_OWNER, on_duty_ids
from posventa.routing.models import AwayPeriod, RoutingRule


@dataclass(frozen=True)
class Person:
    user: User
    on_duty: bool
    away: AwayPeriod | None
    open_cases: int


def rules_by_department(site: Site) -> dict[str, RoutingRule]:
    rows = RoutingRule.objects.filter(site=site).select_related("team", "named_owner")
    return {rule.department: rule for rule in rows}


def departments() -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in Department.choices]


def people(site: Site, at: dt.datetime) -> list[Person]:
    users = list(staff_of(site).order_by("first_name", "username"))
    ids = [user.pk for user in users]
    duty = set(on_duty_ids(site, ids, at))
    away = {
        period.user_id: period
        for period in AwayPeriod.objects.filter(user_id__in=ids, ended_at=None).select_related(
            "set_by"
        )
    }
    counts = dict(
        Case.objects.filter(owner_id__in=ids, status__in=ACTIVE_STATUSES)
        .values_list("owner_id")
        .annotate(open=Count("pk"))
        .values_list("owner_id", "open")
    )
    return [
        Person(user, user.pk in duty, away.get(user.pk), counts.get(user.pk, 0)) for user in users
    ]


def unowned_minutes(site: Site) -> int:
    target = effective_policy(site, CASE_OWNER).target_seconds or 15 * 60
    return max(target // 60, 1)

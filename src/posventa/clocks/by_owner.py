"""The waiting list grouped by owner (issue 11, item 3): who holds the customers who have
waited longest. Read side only; it takes the waiting list's own filtered clocks
(`waiting.matching_clocks`), so every filter there applies here too.

One GROUP BY over the open clocks that pass the filters, ordered by each owner's oldest
open obligation: the person at the top holds the customer who has waited longest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Min, Q, QuerySet

from posventa.clocks.models import OPEN_STATES, Clock, ClockState
from posventa.core.models import User

# Owners shown; the rest are counted in `OwnerGroups.more`.
GROUP_LIMIT = 50


@dataclass(frozen=True)
class OwnerGroup:
    owner: User | None  # None: nobody owns these yet
    open: int
    overdue: int
    paused: int
    waiting_since: dt.datetime  # the oldest open obligation's start
    next_due: dt.datetime | None


@dataclass(frozen=True)
class OwnerGroups:
    groups: list[OwnerGroup]
    more: int  # owners beyond GROUP_LIMIT


def group_by_owner(clocks: QuerySet[Clock], now: dt.datetime) -> OwnerGroups:
    rows = list(
        clocks.filter(state__in=OPEN_STATES)
        .values("owner_id")
        .annotate(
            open=Count("pk"),
            overdue=Count(
                "pk", filter=Q(state=ClockState.RUNNING, due_at__isnull=False, due_at__lte=now)
            ),
            paused=Count("pk", filter=Q(state=ClockState.PAUSED)),
            waiting_since=Min("started_at"),
            next_due=Min("due_at", filter=Q(state=ClockState.RUNNING)),
        )
        .order_by("waiting_since", "owner_id")
    )
    shown = rows[:GROUP_LIMIT]
    people = User.objects.in_bulk([row["owner_id"] for row in shown if row["owner_id"]])
    groups = [
        OwnerGroup(
            owner=people.get(row["owner_id"]) if row["owner_id"] else None,
            open=row["open"],
            overdue=row["overdue"],
            paused=row["paused"],
            waiting_since=row["waiting_since"],
            next_due=row["next_due"],
        )
        for row in shown
    ]
    return OwnerGroups(groups, max(len(rows) - GROUP_LIMIT, 0))

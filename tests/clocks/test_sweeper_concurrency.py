"""Four sweeper processes at once on PostgreSQL: 10 000 due clocks, every escalation step
taken exactly once (FOR UPDATE SKIP LOCKED splits the work; the compare-and-set backs it).

The sweepers are real `python -m django sweep --once` processes, each with its own
connection, as they would run on separate machines.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from posventa.clocks import actions
from posventa.clocks.models import Clock
from posventa.clocks.sweeper import due_clocks
from posventa.core.models import Event, Site, Team, User
from posventa.outbox.models import Notification

CLOCKS = 10_000
# This many clocks are past their deadline too: warning and breach in one claim.
OVERDUE = 500
SWEEPERS = 4
DAY = 24 * 3600
REPO = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.slow,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]


def make_due_clocks(site: Site, owner: User) -> dict[int, tuple[int, ...]]:
    """Clocks bulk-copied from two started through the action. 24/7 promises a day long:
    started 0.8 days ago they owe a warning (at 0.75); started 1.1 days ago, a breach too.
    Returns the levels each clock owes."""
    now = timezone.now()
    teams = Team.objects.bulk_create(
        Team(site=site, name=f"Subject {number}") for number in range(CLOCKS)
    )
    owed: dict[int, tuple[int, ...]] = {}
    team_type = ContentType.objects.get_for_model(Team)
    for first, last, age, levels in (
        (0, OVERDUE, 1.1, (1, 2)),
        (OVERDUE, CLOCKS, 0.8, (1,)),
    ):
        template = actions.start_clock(
            "PROMISE-KEPT",
            subject=teams[first],
            site=site,
            owner=owner,
            started_at=now - dt.timedelta(days=age),
            target_seconds=DAY,
            label="bulk",
        )
        copies = Clock.objects.bulk_create(
            (
                Clock(
                    standard_id=template.standard_id,
                    site=site,
                    subject_type=team_type,
                    subject_id=str(team.pk),
                    owner=owner,
                    label=f"bulk {team.pk}",
                    started_at=template.started_at,
                    target_seconds=template.target_seconds,
                    calendar_kind=template.calendar_kind,
                    target_overridden=True,
                    warn_at=template.warn_at,
                    due_at=template.due_at,
                    next_action_at=template.next_action_at,
                )
                for team in teams[first + 1 : last]
            ),
            batch_size=2_000,
        )
        for clock in [template, *copies]:
            owed[clock.pk] = levels
    return owed


def database_url() -> str:
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or "127.0.0.1"
    return (
        f"postgres://{settings['USER']}{password}@{host}:{settings['PORT'] or 5432}/"
        f"{settings['NAME']}"
    )


@pytest.mark.django_db(transaction=True)
def test_four_sweepers_take_each_step_of_10000_clocks_exactly_once(
    madrid: Site, agent: User, manager: User
) -> None:
    owed = make_due_clocks(madrid, agent)
    assert due_clocks(timezone.now()).count() == CLOCKS
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "posventa.settings",
        "POSVENTA_LOG": "WARNING",
    }

    started = time.monotonic()
    sweepers = [
        subprocess.Popen(
            [sys.executable, "-m", "django", "sweep", "--once", "--batch", "100"],
            env=env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(SWEEPERS)
    ]
    outputs = [process.communicate(timeout=300)[0] for process in sweepers]
    elapsed = time.monotonic() - started

    assert [process.returncode for process in sweepers] == [0] * SWEEPERS, outputs
    claimed_by = [int(output.rsplit(" on ", 1)[1].split()[0]) for output in outputs]
    assert sum(claimed_by) == CLOCKS  # each clock won by exactly one sweeper
    assert sum(1 for count in claimed_by if count) >= 2, "the sweepers should share the work"
    assert due_clocks(timezone.now()).count() == 0

    events = Counter(
        Event.objects.filter(
            verb__in=["clock.warned", "clock.breached", "clock.escalated"]
        ).values_list("data__clock", "data__level")
    )
    expected = {(pk, level) for pk, levels in owed.items() for level in levels}
    assert set(events) == expected
    assert set(events.values()) == {1}

    notifications = (
        Notification.objects.filter(dedupe_key__startswith="clock:")
        .values("dedupe_key")
        .annotate(n=Count("pk"))
    )
    assert notifications.count() == len(expected)
    assert {row["n"] for row in notifications} == {1}
    assert Notification.objects.filter(recipient=agent).count() == CLOCKS
    assert Notification.objects.filter(recipient=manager).count() == OVERDUE
    assert Clock.objects.filter(breached_at__isnull=False).count() == OVERDUE
    print(
        f"\n{SWEEPERS} sweepers took {len(expected)} steps in {elapsed:.1f} s "
        f"(claims per sweeper: {claimed_by})"
    )

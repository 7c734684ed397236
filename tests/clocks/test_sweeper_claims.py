"""Claims are compare-and-set: two sweepers that read the same due clocks and then take
turns claiming them never escalate one step twice. Also: the `sweep` command."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Model

from posventa.clocks import actions
from posventa.clocks.models import Clock
from posventa.clocks.sweeper import (
    SweepContext,
    advance_claims,
    claim_candidates,
    due_clocks,
    plan_claims,
    run_forever,
)
from posventa.core.models import Event, Site, User
from posventa.outbox.models import Notification
from tests.clocks.conftest import madrid_at

START, DUE = madrid_at(2, 9), madrid_at(2, 10)
ESCALATION_VERBS = ["clock.warned", "clock.breached", "clock.escalated"]


def start_many(site: Site, new_subject: object, owner: User, count: int) -> list[Clock]:
    return [
        actions.start_clock(
            "INFO-WEB",
            subject=new_subject(site),
            site=site,  # type: ignore[operator]
            owner=owner,
            started_at=START,
        )
        for _ in range(count)
    ]


def steps_per_clock_and_level() -> Counter[tuple[int, int]]:
    rows = Event.objects.filter(verb__in=ESCALATION_VERBS).values_list("data__clock", "data__level")
    return Counter(rows)


def test_two_interleaved_sweepers_never_escalate_twice(
    madrid: Site, new_subject: object, agent: User, manager: User
) -> None:
    clocks = start_many(madrid, new_subject, agent, 6)
    # Both sweepers read the same candidates before either claims anything...
    seen_by_a = list(due_clocks(DUE).select_related("owner"))
    seen_by_b = list(due_clocks(DUE).select_related("owner"))
    assert len(seen_by_a) == len(seen_by_b) == 6
    # ...then take turns, clock by clock, A first on even rows and B first on odd rows.
    won_by = {"a": 0, "b": 0}
    for index, (a, b) in enumerate(zip(seen_by_a, seen_by_b, strict=True)):
        order = [("a", a), ("b", b)] if index % 2 == 0 else [("b", b), ("a", a)]
        for name, candidate in order:
            won_by[name] += len(claim_candidates([candidate], DUE))
    assert won_by == {"a": 3, "b": 3}
    steps = steps_per_clock_and_level()
    assert steps == Counter({(clock.pk, level): 1 for clock in clocks for level in (1, 2)})
    assert Notification.objects.filter(dedupe_key__startswith="clock:").count() == 12


def test_a_stale_candidate_loses_even_after_the_clock_moved_on(
    madrid: Site, subject: Model, agent: User
) -> None:
    clock = actions.start_clock(
        "INFO-WEB", subject=subject, site=madrid, owner=agent, started_at=START
    )
    stale = list(due_clocks(madrid_at(2, 9, 50)))
    assert len(claim_candidates(list(due_clocks(madrid_at(2, 9, 50))), madrid_at(2, 9, 50))) == 1
    # The stale copy still says "level 0, next action 09:45": the compare-and-set refuses it.
    assert claim_candidates(stale, DUE) == []
    clock.refresh_from_db()
    assert clock.escalation_level == 1
    assert steps_per_clock_and_level() == Counter({(clock.pk, 1): 1})


def test_a_batch_compare_and_set_wins_only_the_rows_that_did_not_move(
    madrid: Site, new_subject: object, agent: User
) -> None:
    # On PostgreSQL this is one UPDATE ... FROM unnest(arrays) for the whole batch.
    first, second, third = start_many(madrid, new_subject, agent, 3)
    stale = list(due_clocks(DUE).select_related("owner"))
    claim_candidates([Clock.objects.select_related("owner").get(pk=second.pk)], DUE)
    plans = plan_claims(stale, DUE, SweepContext.for_clocks(stale))
    assert advance_claims(plans, DUE) == {first.pk, third.pk}
    for clock in (first, second, third):
        clock.refresh_from_db()
        assert (clock.escalation_level, clock.breached_at) == (2, DUE)


@pytest.mark.skipif(
    connection.vendor != "sqlite"
    or "memory" in str(connection.settings_dict["TEST"]["NAME"] or "memory"),
    reason="needs a file-based SQLite test database (POSVENTA_SQLITE_TEST_NAME)",
)
@pytest.mark.django_db(transaction=True)
def test_two_sweeper_threads_on_sqlite_never_escalate_twice(
    madrid: Site, new_subject: object, agent: User
) -> None:
    clocks = start_many(madrid, new_subject, agent, 40)
    errors: list[BaseException] = []

    def sweeper() -> None:
        try:
            while claim_candidates(list(due_clocks(DUE).select_related("owner")[:7]), DUE):
                pass
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert steps_per_clock_and_level() == Counter(
        {(clock.pk, level): 1 for clock in clocks for level in (1, 2)}
    )


def test_the_sweep_command_runs_once(madrid: Site, subject: Model, agent: User) -> None:
    actions.start_clock("PROMISE-KEPT", subject=subject, site=madrid, owner=agent, target_seconds=0)
    out = io.StringIO()
    call_command("sweep", "--once", "--batch", "5", stdout=out)
    assert "Escalated 2 steps on 1 clocks." in out.getvalue()
    assert Event.objects.filter(verb="clock.breached").count() == 1


def test_the_sweep_command_refuses_a_batch_below_one(db: None) -> None:
    with pytest.raises(SystemExit):
        call_command("sweep", "--once", "--batch", "0", stderr=io.StringIO())


class StopAfterOneSweep(threading.Event):
    """Asks the loop to stop the first time it waits between sweeps."""

    def wait(self, timeout: float | None = None) -> bool:
        self.set()
        return True


# Outside a test transaction, like the real loop (which closes stale connections).
@pytest.mark.django_db(transaction=True)
def test_the_loop_sweeps_until_asked_to_stop(madrid: Site, subject: Model, agent: User) -> None:
    actions.start_clock("PROMISE-KEPT", subject=subject, site=madrid, owner=agent, target_seconds=0)
    stop = StopAfterOneSweep()
    run_forever(stop, interval=0.01, batch_size=10)
    assert stop.is_set()
    assert Event.objects.filter(verb="clock.breached").count() == 1


@pytest.mark.slow
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a second process needs a database it can see"
)
@pytest.mark.django_db(transaction=True)
def test_the_sweep_command_exits_cleanly_on_sigterm(db: None) -> None:
    env = {**os.environ, "DATABASE_URL": _url_of_test_database()}
    process = subprocess.Popen(
        [sys.executable, "-m", "django", "sweep", "--interval", "0.2"],
        env={**env, "DJANGO_SETTINGS_MODULE": "posventa.settings"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert process.stdout is not None
        assert "Sweeping every" in process.stdout.readline()
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert "stopping" in output


def _url_of_test_database() -> str:
    settings = connection.settings_dict
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or 5432
    return f"postgres://{settings['USER']}@{host}:{port}/{settings['NAME']}"

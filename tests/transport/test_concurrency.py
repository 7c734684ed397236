"""Bookings racing for the last loaner from several processes: exactly as many win as there
are cars; every loser gets an unmet request (with its clock), none gets an error.

SQLite runs one write transaction at a time, so the race exists only on PostgreSQL, where
`reserve` locks the option's row (SELECT ... FOR UPDATE) while it counts.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from posventa.transport.models import Reservation, UnmetTransport
from tests.transport.conftest import Desk

REPO = Path(__file__).resolve().parents[2]
PROCESSES = 6

# Each process waits for the same instant, then books one loaner for the same day.
BOOK = """
import datetime as dt, sys, time
import django
django.setup()
from posventa.transport import actions
from posventa.transport.models import TransportOption
option = TransportOption.objects.select_related("site").get(pk=int(sys.argv[1]))
day = dt.date.fromisoformat(sys.argv[2])
start = float(sys.argv[3])
time.sleep(max(start - time.time(), 0))
outcome = actions.reserve(option.site, option, day, online=False, booking_ref=sys.argv[4])
print("reserved" if outcome.reserved else "unmet")
"""


def database_url() -> str:
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or "127.0.0.1"
    return (
        f"postgres://{settings['USER']}{password}@{host}:{settings['PORT'] or 5432}/"
        f"{settings['NAME']}"
    )


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_six_processes_racing_for_two_loaners_take_exactly_two(desk: Desk) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "posventa.settings",
        "POSVENTA_LOG": "WARNING",
    }
    # Every process is started (and has loaded Django) before the shared instant.
    start = time.time() + 8
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                BOOK,
                str(desk.loaner.pk),
                desk.tomorrow.isoformat(),
                str(start),
                f"APT-{number}",
            ],
            env=env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for number in range(PROCESSES)
    ]
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    assert [process.returncode for process in processes] == [0] * PROCESSES, outputs
    results = sorted(output.strip().splitlines()[-1] for output in outputs)
    # Three a day for staff and online together, but only two cars: two win.
    assert results == ["reserved"] * 2 + ["unmet"] * (PROCESSES - 2), outputs
    assert Reservation.objects.filter(option=desk.loaner, day=desk.tomorrow).count() == 2
    assert UnmetTransport.objects.filter(option=desk.loaner).count() == PROCESSES - 2

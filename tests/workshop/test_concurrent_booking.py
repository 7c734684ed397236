"""Six processes book the last free time of a day at once, on PostgreSQL: exactly one gets
it, the other five are refused naming `starts_at`, and the day holds one appointment.

Each booker is a real Python process with its own connection (as two web servers would be),
started first and then released together, so they really contend for the day's lock.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from posventa.core.models import Site
from posventa.workshop.models import Appointment, AppointmentType, ServiceBay
from tests.workshop.conftest import open_weekday

REPO = Path(__file__).resolve().parents[2]
BOOKERS = 6
BOOKER = """
import json, os, sys, time
import django
django.setup()
from django.core.exceptions import ValidationError
from django.db import connection
from posventa.core.models import Site
from posventa.workshop.actions import appointments
from posventa.workshop.actions._common import Contact
site = Site.objects.get(slug=sys.argv[1])
types = appointments.resolve_types(site, ["oil-service"], online=True)
start = __import__("datetime").datetime.fromisoformat(sys.argv[2])
number = sys.argv[4]
connection.ensure_connection()
print("ready", flush=True)
while not os.path.exists(sys.argv[3]):
    time.sleep(0.002)
try:
    made = appointments.book_appointment(
        site,
        wish=appointments.Wish(types=types, starts_at=start),
        contact=Contact(name=f"Booker {number}", email=f"booker{number}@example.net"),
        via="online",
    )
    print(json.dumps({"booked": made.pk}), flush=True)
except ValidationError as error:
    print(json.dumps({"refused": error.message_dict}), flush=True)
"""

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]


def database_url() -> str:
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or 5432
    return f"postgres://{settings['USER']}{password}@{host}:{port}/{settings['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_six_processes_racing_for_the_last_slot_book_it_exactly_once(
    workshop: Site, types: dict[str, AppointmentType], tmp_path: Path
) -> None:
    # One bay left: the last free time of the day for a job that needs a bay.
    ServiceBay.objects.filter(site=workshop).exclude(
        pk=ServiceBay.objects.filter(site=workshop).first().pk
    ).delete()  # type: ignore[union-attr]
    start = open_weekday(workshop, 9)
    go = tmp_path / "go"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "posventa.settings",
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)]),
        "POSVENTA_LOG": "WARNING",
    }
    bookers = [
        subprocess.Popen(
            [sys.executable, "-c", BOOKER, workshop.slug, start.isoformat(), str(go), str(n)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(BOOKERS)
    ]
    for booker in bookers:
        assert booker.stdout is not None
        assert booker.stdout.readline().strip() == "ready", (
            booker.stderr.read() if booker.stderr else ""
        )
    go.touch()
    results = []
    deadline = time.monotonic() + 120
    for booker in bookers:
        out, err = booker.communicate(timeout=max(deadline - time.monotonic(), 1))
        assert booker.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))

    booked = [result for result in results if "booked" in result]
    refused = [result["refused"] for result in results if "refused" in result]
    assert len(booked) == 1
    assert len(refused) == BOOKERS - 1
    assert all("no longer free" in refusal["starts_at"][0] for refusal in refused)
    assert Appointment.objects.filter(starts_at=start).count() == 1

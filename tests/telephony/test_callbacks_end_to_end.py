"""Callbacks from the real entry points: a missed call posted to the webhook opens one, a
call logged by hand keeps it, and a CDR import applies old history and recent calls as
the callbacks module documents (old missed calls open nothing; a missed call followed in
the file by our call back that connected leaves nothing open)."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.core.models import Site, User
from posventa.telephony.actions import calls, cdr_import
from posventa.telephony.models import (
    Callback,
    CallbackStatus,
    CallDirection,
    CallOutcome,
)
from tests.telephony.cdr_files import cdr_line
from tests.telephony.conftest import CALLER, event, post_events
from tests.telephony.helpers_out import callback_clock

pytestmark = pytest.mark.django_db
MADRID = zoneinfo.ZoneInfo("Europe/Madrid")


@pytest.fixture(autouse=True)
def data_dir(settings: SettingsWrapper, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    return Path(settings.DATA_DIR)


def at(minutes_ago: float) -> str:
    return (timezone.now() - dt.timedelta(minutes=minutes_ago)).isoformat()


def test_a_missed_call_posted_to_the_webhook_opens_a_callback_kept_by_a_call_logged_by_hand(
    client: Client, phone_site: Site, agent: User
) -> None:
    post_events(
        client, [event("ringing", 0, timestamp=at(20)), event("hung_up", 0, timestamp=at(19))]
    )
    callback = Callback.objects.get()
    assert callback.status == CallbackStatus.OPEN and callback.number == CALLER
    assert callback_clock(callback).state == "running"

    calls.log_call_by_hand(
        phone_site,
        actor=agent,
        number="600 000 123",
        direction=CallDirection.OUTBOUND,
        outcome=CallOutcome.CONNECTED,
    )
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.CALLED_BACK
    assert callback_clock(callback).state == "satisfied"


def test_a_voicemail_posted_to_the_webhook_is_kept_with_the_callback(
    client: Client, phone_site: Site
) -> None:
    post_events(
        client,
        [
            event("ringing", 0, timestamp=at(10)),
            event(
                "voicemail", 0, timestamp=at(9), voicemail_url="https://pbx.example.com/vm/7.wav"
            ),
            event("hung_up", 0, timestamp=at(8)),
        ],
    )
    callback = Callback.objects.get()
    assert callback.voicemail_url == "https://pbx.example.com/vm/7.wav"


def test_a_cdr_of_old_history_opens_no_callbacks(phone_site: Site) -> None:
    old = dt.datetime(2026, 10, 6, 10, 0)
    text = "".join(
        cdr_line(src=f"6000002{n:02d}", start=old + dt.timedelta(minutes=n), talk=None,
                 uniqueid=f"old.{n}") + "\n"
        for n in range(5)
    )  # fmt: skip
    record = cdr_import.import_cdr(phone_site, io.BytesIO(text.encode()), filename="Master.csv")
    assert record.rows_imported == 5
    assert not Callback.objects.exists()


def test_a_recent_missed_call_and_our_connected_call_back_in_one_cdr_leave_nothing_open(
    phone_site: Site,
) -> None:
    missed_at = (timezone.now() - dt.timedelta(minutes=50)).astimezone(MADRID).replace(tzinfo=None)
    lines = [
        cdr_line(src="600000140", start=missed_at, talk=None, uniqueid="r.1"),
        cdr_line(src="600000141", start=missed_at, talk=None, uniqueid="r.2"),
        cdr_line(src="201", dst="600000140", dcontext="from-internal",
                 start=missed_at + dt.timedelta(minutes=20), uniqueid="r.3"),
    ]  # fmt: skip
    text = "\n".join(lines) + "\n"
    cdr_import.import_cdr(phone_site, io.BytesIO(text.encode()), filename="Master.csv")
    statuses = dict(Callback.objects.values_list("number", "status"))
    assert statuses == {
        "+34600000140": CallbackStatus.CALLED_BACK,
        "+34600000141": CallbackStatus.OPEN,
    }

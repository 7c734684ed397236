"""The phone board in real headless Chromium: a manager logs in, reads today's figures,
the callbacks to make (oldest first, each with a tel: call button) and the heat map, and
sees a new missed call appear when the board refreshes itself."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from posventa.core.models import Site, User
from posventa.telephony.models import CallStatus
from tests.telephony.factories_out import make_call, missed_call
from tests.ui.test_browser_waiting import CHROMIUM, browser, page  # noqa: F401 (fixtures)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not at /usr/bin/chromium"),
]


def test_a_manager_reads_the_phone_board(
    page: Any,  # noqa: F811
    live_server: Any,
    manager: User,
    madrid: Site,
) -> None:
    now = timezone.now()
    make_call(madrid, status=CallStatus.COMPLETED, ring_seconds=8, started_at=now)
    make_call(madrid, status=CallStatus.COMPLETED, ring_seconds=12, started_at=now)
    missed_call(madrid, number="+34600000702", started_at=now - dt.timedelta(minutes=5))
    missed_call(madrid, number="+34600000701", started_at=now - dt.timedelta(minutes=40))

    page.goto(f"{live_server.url}/phone/{madrid.slug}/")
    page.fill("input[name=username]", "mateo")
    page.fill("input[name=password]", "test-password-123")
    page.click("form[action='/login/'] button[type=submit]")
    page.wait_for_selector("#board-live")

    assert page.inner_text("[data-figure=offered] .value") == "4"
    assert page.inner_text("[data-figure=service-level] .value") == "50 %"
    assert page.inner_text("[data-figure=speed-of-answer] .value") == "10 s"
    rows = page.locator("#board-callbacks tbody tr")
    assert rows.count() == 2
    assert "+34600000701" in rows.nth(0).inner_text()  # the oldest first
    button = rows.nth(0).locator("a.call-button")
    assert button.get_attribute("href") == "tel:+34600000701"
    assert rows.nth(0).locator(".obligation .time-left").count() == 1
    missed = page.eval_on_selector_all(
        "#board-heat-map td", "cells => cells.reduce((n, c) => n + Number(c.dataset.missed), 0)"
    )
    assert missed == 2

    # The board polls itself; ask for the next poll now instead of waiting 15 s.
    missed_call(madrid, number="+34600000703")
    page.evaluate("htmx.ajax('GET', location.pathname, {target: '#board-live', swap: 'outerHTML'})")
    page.wait_for_function("document.querySelectorAll('#board-callbacks tbody tr').length === 3")
    assert "3 callbacks to make" in page.inner_text("#board-live h2")

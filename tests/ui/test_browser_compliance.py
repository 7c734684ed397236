"""The compliance drill-down in real headless Chromium: click a figure, see the clocks
behind it, as many as the figure said."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from posventa.clocks.models import ClockState
from posventa.core.models import Site, User
from tests.ui.helpers import make_clock
from tests.ui.test_browser_waiting import CHROMIUM, browser, page  # noqa: F401 (fixtures)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not at /usr/bin/chromium"),
]
IN_JUNE = dt.datetime(2025, 6, 10, 9, 0, tzinfo=dt.UTC)


def test_a_figure_opens_the_clocks_behind_it(
    page: Any,  # noqa: F811
    live_server: Any,
    agent: User,
    madrid: Site,
) -> None:
    for business, late in ((900, False), (1500, False), (5400, True), (7200, True), (8000, True)):
        make_clock(
            "INFO-WEB",
            madrid,
            state=ClockState.SATISFIED,
            started_at=IN_JUNE,
            satisfied_at=IN_JUNE + dt.timedelta(hours=3),
            breached_at=IN_JUNE + dt.timedelta(hours=1) if late else None,
            business_seconds=business,
            delta_seconds=business - 3600,
            label=f"Consulta {business}",
        )
    page.goto(f"{live_server.url}/compliance/?start=2025-06-01&end=2025-06-30")
    page.fill("input[name=username]", "alba")
    page.fill("input[name=password]", "test-password-123")
    page.click("form[action='/login/'] button[type=submit]")
    page.wait_for_selector("table#by-site")

    figure = page.locator("#by-site a.figure[data-outcome='breached']").first
    shown = int(figure.inner_text())
    figure.click()
    page.wait_for_selector("table.drill-down")

    rows = page.locator("table.drill-down tbody tr")
    assert shown == 3
    assert rows.count() == shown
    assert all("Consulta" in rows.nth(i).inner_text() for i in range(shown))
    page.go_back()
    page.wait_for_selector(".trend svg[role='img']")
    assert page.locator(".trend svg title").first.text_content() == "% met per week"

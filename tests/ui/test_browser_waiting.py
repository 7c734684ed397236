"""Real headless Chromium: log in through the form and find the breach at the top.

Also saves screenshots of the waiting list and the compliance page (set
POSVENTA_SCREENSHOT_DIR to keep them) so a person can look at the UI.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from posventa.core.models import Site, User
from posventa.demo.loader import DEMO_PASSWORD, load_demo
from tests.ui.helpers import make_clock

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run
# inside one unless told that this (test-only) use is fine.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"
    ),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


def log_in(page: Any, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/waiting/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_selector("table.waiting")


def test_it_logs_in_and_shows_the_breached_clock_first(
    page: Any, live_server: Any, agent: User, madrid: Site
) -> None:
    now = timezone.now()
    make_clock("INFO-WEB", madrid, due_at=now + dt.timedelta(hours=2), label="Plenty of time")
    make_clock(
        "INFO-WRITTEN",
        madrid,
        due_at=now - dt.timedelta(minutes=80),
        breached_at=now - dt.timedelta(minutes=80),
        label="Letter we forgot",
    )

    log_in(page, live_server.url, "alba", "test-password-123")

    first_row = page.locator("table.waiting tbody tr").first
    assert "Letter we forgot" in first_row.inner_text()
    late = first_row.locator(".time-left.breached")
    assert late.inner_text().startswith("\u22121 h 2")
    assert late.evaluate("el => getComputedStyle(el).color") == "rgb(198, 40, 40)"


def test_the_list_refreshes_itself_with_htmx(
    page: Any, live_server: Any, agent: User, madrid: Site
) -> None:
    make_clock("INFO-WEB", madrid, due_at=timezone.now() + dt.timedelta(hours=2), label="First row")
    log_in(page, live_server.url, "alba", "test-password-123")
    make_clock(
        "INFO-WRITTEN",
        madrid,
        due_at=timezone.now() + dt.timedelta(hours=1),
        label="Arrived while watching",
    )

    # Fire the same request the 30-second poll sends, instead of waiting 30 seconds.
    page.evaluate(
        "htmx.ajax('GET', location.pathname + location.search, "
        "{target: '#waiting-table', swap: 'outerHTML'})"
    )
    page.wait_for_selector("text=Arrived while watching")

    assert page.locator("table.waiting tbody tr").count() == 2


def test_screenshots_of_the_demo(page: Any, live_server: Any, db: None, tmp_path: Path) -> None:
    load_demo()
    folder = Path(os.environ.get("POSVENTA_SCREENSHOT_DIR", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)

    page.goto(f"{live_server.url}/login/")
    page.screenshot(path=str(folder / "login.png"))
    log_in(page, live_server.url, "demo-manager", DEMO_PASSWORD)
    page.screenshot(path=str(folder / "waiting.png"), full_page=True)
    page.click("nav >> text=Compliance")
    page.wait_for_selector("table.compliance")
    page.screenshot(path=str(folder / "compliance.png"), full_page=True)
    page.select_option("#nav-language", "sv")
    page.wait_for_selector("text=Efterlevnad")
    page.screenshot(path=str(folder / "compliance-sv.png"), full_page=True)

    assert (folder / "waiting.png").stat().st_size > 10_000
    assert page.locator("table.compliance tbody tr").count() >= 7

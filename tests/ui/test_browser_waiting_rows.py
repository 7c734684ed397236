"""What a person sees on "Waiting on us" in real headless Chromium: one row per case with
its customer and subject, the most urgent first, times with their zone, filters that
survive a reload and a later visit, and a page that fits a 390 px phone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from posventa.core.models import Site, User
from tests.ui.helpers import make_clock, open_email_case
from tests.ui.test_browser_waiting import CHROMIUM, browser, page  # noqa: F401 (fixtures)

PASSWORD = "test-password-123"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not at /usr/bin/chromium"),
]
H = dt.timedelta(hours=1)


def log_in(tab: Any, url: str, username: str) -> None:
    tab.goto(url)
    tab.fill("input[name=username]", username)
    tab.fill("input[name=password]", PASSWORD)
    tab.click("form[action='/login/'] button[type=submit]")
    tab.wait_for_selector("#waiting-table")


@pytest.fixture
def two_cases_and_a_promise(madrid: Site, agent: User) -> None:
    now = timezone.now()
    open_email_case(madrid, customer="Nerea Ortega", subject="Ruido al frenar", arrived=now - H)
    open_email_case(madrid, customer="Iker Soler", subject="Cita para la ITV", arrived=now)
    make_clock(
        "PROMISE-KEPT",
        madrid,
        due_at=now - 10 * dt.timedelta(minutes=1),
        breached_at=now - 10 * dt.timedelta(minutes=1),
        label="Llamar con el diagnóstico",
    )


def test_one_row_per_case_with_customer_subject_and_zone_most_urgent_first(
    page: Any,  # noqa: F811
    live_server: Any,
    agent: User,
    two_cases_and_a_promise: None,
) -> None:
    log_in(page, f"{live_server.url}/waiting/", "alba")

    rows = page.locator("table.waiting tbody tr")
    texts = [rows.nth(i).inner_text() for i in range(rows.count())]

    assert len(texts) == 3  # two cases of three clocks each, and a promise
    assert "Llamar con el diagnóstico" in texts[0]  # already late
    assert "Ruido al frenar" in texts[1] and "Nerea Ortega" in texts[1]
    assert "Cita para la ITV" in texts[2] and "Iker Soler" in texts[2]
    for text in texts[1:]:
        assert text.count("INFO-") == 3  # the lead and its two neighbours, once each
    due = rows.nth(1).locator("td.due time").inner_text()
    assert due.endswith(("CET", "CEST"))
    assert page.locator(".updated").inner_text().endswith(("CET", "CEST"))
    rows.nth(1).locator("a.subject-link").click()
    page.wait_for_load_state()
    assert "/cases/" in page.url


def test_filters_survive_a_reload_and_coming_back(
    page: Any,  # noqa: F811
    live_server: Any,
    agent: User,
    two_cases_and_a_promise: None,
) -> None:
    log_in(page, f"{live_server.url}/waiting/", "alba")

    with page.expect_response(lambda response: "standard=PROMISE-KEPT" in response.url):
        page.select_option("#id_standard", "PROMISE-KEPT")
    page.wait_for_function("document.querySelectorAll('table.waiting tbody tr').length === 1")
    page.reload()
    after_reload = page.locator("table.waiting tbody tr").count()
    page.goto(f"{live_server.url}/compliance/")
    page.goto(f"{live_server.url}/waiting/")

    assert after_reload == 1
    assert "standard=PROMISE-KEPT" in page.url
    assert page.locator("#id_standard").input_value() == "PROMISE-KEPT"
    assert page.locator("table.waiting tbody tr").count() == 1


def test_the_list_fits_a_390_pixel_phone(
    browser: Any,  # noqa: F811
    live_server: Any,
    agent: User,
    two_cases_and_a_promise: None,
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    tab = context.new_page()
    try:
        log_in(tab, f"{live_server.url}/waiting/", "alba")
        # The page's own content; the shared top bar belongs to base.html (see the report).
        wide = tab.evaluate(
            "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right"
            " > document.documentElement.clientWidth + 1).map(e => e.tagName + '.' + e.className"
            " + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 12)"
        )
        assert wide == []
        assert tab.locator("table.waiting tbody tr").first.is_visible()
    finally:
        context.close()

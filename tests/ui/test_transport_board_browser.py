"""The transport desk on a phone (390 px) in real Chromium: the day fits the width, a return
with a lower odometer is refused on its field with the typed values kept, and the
corrected return is recorded."""

from __future__ import annotations

from typing import Any

import pytest

from posventa.demo.loader import DEMO_PASSWORD, load_demo
from posventa.transport.models import LoanerTrip
from tests.ui.test_browser_waiting import CHROMIUM, browser  # noqa: F401 (fixture)
from tests.ui.test_staff_layout import logged_in_tab

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not at /usr/bin/chromium"),
]


def test_a_loaner_return_is_recorded_on_a_phone(
    browser: Any,  # noqa: F811
    live_server: Any,
    db: None,
) -> None:
    world = load_demo()
    assert world is not None
    trip = LoanerTrip.objects.get(reservation__site=world.sites["madrid"], in_at__isnull=True)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    tab = context.new_page()
    tab.goto(f"{live_server.url}/login/")
    tab.fill("input[name=username]", "demo-madrid")
    tab.fill("input[name=password]", DEMO_PASSWORD)
    tab.click("form[action='/login/'] button[type=submit]")
    tab.wait_for_load_state()
    tab.goto(f"{live_server.url}/transport/sites/{world.sites['madrid'].slug}/")
    width = tab.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width

    lower = trip.out_odometer_km - 5
    row = tab.locator(f"tr[data-trip='{trip.pk}']")
    row.locator(f"input[name='in{trip.pk}-odometer_km']").fill(str(lower))
    row.locator(f"input[name='in{trip.pk}-fuel_eighths']").fill("4")
    row.locator("button[type=submit]").click()
    tab.wait_for_load_state()
    row = tab.locator(f"tr[data-trip='{trip.pk}']")
    assert "Menor que al salir el coche" in row.inner_text()  # demo-madrid reads Spanish
    assert row.locator(f"input[name='in{trip.pk}-odometer_km']").input_value() == str(lower)
    assert row.locator(f"input[name='in{trip.pk}-fuel_eighths']").input_value() == "4"

    row.locator(f"input[name='in{trip.pk}-odometer_km']").fill(str(trip.out_odometer_km + 42))
    row.locator("button[type=submit]").click()
    tab.wait_for_load_state()
    trip.refresh_from_db()
    assert trip.in_odometer_km == trip.out_odometer_km + 42 and trip.in_fuel_eighths == 4
    assert "ha vuelto" in tab.locator(".messages").inner_text()
    context.close()


@pytest.mark.parametrize("language", ["en", "es", "sv"])
def test_the_hours_comparison_fits_a_phone(
    browser: Any,  # noqa: F811
    live_server: Any,
    db: None,
    language: str,
) -> None:
    world = load_demo()
    assert world is not None
    tab = logged_in_tab(browser, live_server.url, 390, language)
    response = tab.goto(f"{live_server.url}/hours/{world.sites['goteborg'].slug}/")
    assert response is not None and response.status == 200
    width = tab.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width
    assert tab.locator("[data-place=competitor]").count() == 2
    tab.context.close()

"""Every staff page in real Chromium: nothing scrolls sideways at 390 px, and at 1366 px
the nav bar is one line, in English, Spanish and Swedish.

The pages are read from the URL resolver (every staff GET page without arguments), plus
one case page and one customer page from the demo, so a new page is checked without
anyone adding it here.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from posventa.cases.models import Case
from posventa.core.models import User
from posventa.customers.models import Customer
from posventa.demo.loader import DEMO_PASSWORD, load_demo
from tests.ui.test_browser_waiting import CHROMIUM, browser  # noqa: F401 (fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not at /usr/bin/chromium"),
]
STAFF_NAMESPACES = {"cases", "customers", "clocks", "reports", "inbox", "workshop"}


def staff_pages_without_arguments() -> list[str]:
    """Reversed URLs of every named staff page that needs no argument."""
    urls: list[str] = []

    def walk(patterns: list[Any], namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, entry.namespace or namespace)
            elif (
                isinstance(entry, URLPattern)
                and namespace in STAFF_NAMESPACES
                and entry.name
                and not entry.pattern.converters
            ):
                urls.append(reverse(f"{namespace}:{entry.name}"))

    walk(get_resolver().url_patterns, "")
    return sorted(set(urls))


def every_staff_page() -> list[str]:
    case = Case.objects.order_by("pk").first()
    customer = Customer.objects.order_by("pk").first()
    assert case is not None and customer is not None
    return [
        *staff_pages_without_arguments(),
        reverse("cases:detail", args=[case.reference]),
        reverse("customers:detail", args=[customer.pk]),
    ]


def logged_in_tab(browser: Any, base_url: str, width: int, language: str) -> Any:  # noqa: F811
    User.objects.filter(username="demo-manager").update(language=language)
    context = browser.new_context(viewport={"width": width, "height": 900})
    tab = context.new_page()
    tab.goto(f"{base_url}/login/")
    tab.fill("input[name=username]", "demo-manager")
    tab.fill("input[name=password]", DEMO_PASSWORD)
    tab.click("form[action='/login/'] button[type=submit]")
    tab.wait_for_load_state()
    return tab


def test_the_resolver_finds_the_staff_pages(db: None) -> None:
    pages = staff_pages_without_arguments()
    assert reverse("clocks:waiting") in pages and reverse("customers:list") in pages
    assert reverse("inbox:quarantine") in pages and reverse("reports:compliance") in pages


@pytest.mark.parametrize("language", ["en", "es", "sv"])
def test_no_staff_page_scrolls_sideways_on_a_phone(
    browser: Any,  # noqa: F811
    live_server: Any,
    db: None,
    language: str,
) -> None:
    load_demo()
    tab = logged_in_tab(browser, live_server.url, 390, language)
    wide = {}
    for path in every_staff_page():
        response = tab.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        width = tab.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if width[0] > width[1]:
            wide[path] = width
        # The menu is folded away behind its toggle.
        assert not tab.locator(".nav-links").is_visible(), path
    assert wide == {}
    tab.click("label.nav-toggle-label")
    assert tab.locator(".nav-links").is_visible()
    tab.context.close()


@pytest.mark.parametrize("language", ["en", "es", "sv"])
def test_the_nav_bar_is_one_line_on_a_laptop(
    browser: Any,  # noqa: F811
    live_server: Any,
    db: None,
    language: str,
) -> None:
    load_demo()
    tab = logged_in_tab(browser, live_server.url, 1366, language)
    for path in every_staff_page():
        tab.goto(f"{live_server.url}{path}")
        tops = tab.eval_on_selector_all(".nav-links a", "links => links.map(a => a.offsetTop)")
        assert len(tops) >= 5 and len(set(tops)) == 1, (path, tops)
        bar = tab.eval_on_selector(".topbar-inner", "el => el.getBoundingClientRect().height")
        assert bar < 70, (path, bar)
    tab.context.close()

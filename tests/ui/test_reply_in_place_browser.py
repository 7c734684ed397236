"""In real Chromium: an empty reply is refused inside the composer, at the case URL, with
what the agent typed kept and the reply box focused (not a reload at the top of a page
under another URL with the error below the fold)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from posventa.core.models import Site, User
from tests.ui.test_browser_waiting import CHROMIUM, browser, page  # noqa: F401 (fixtures)
from tests.ui.test_workspace_browser import log_in, lucia_case

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not at /usr/bin/chromium"),
]


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def test_an_empty_reply_is_refused_in_the_composer_at_the_case_url(
    page: Any,  # noqa: F811
    live_server: Any,
    madrid: Site,
    agent: User,
) -> None:
    case = lucia_case(madrid, agent)
    case_url = f"{live_server.url}{reverse('cases:detail', args=[case.reference])}"
    log_in(page, case_url, agent.username)
    page.fill("#reply_subject", "Sobre la revisión de los 30.000 km")

    page.click("#reply button[type=submit]")
    error = page.wait_for_selector("#reply #reply_body_errors")

    assert page.url == case_url
    assert "The reply is empty." in error.inner_text()
    assert page.input_value("#reply_subject") == "Sobre la revisión de los 30.000 km"
    assert page.evaluate("document.activeElement.id") == "reply_body"
    # The error is on screen, not below the fold.
    box = error.bounding_box()
    assert box is not None and 0 <= box["y"] <= page.viewport_size["height"]
    # The composer swapped in still warns about a channel the customer did not ask for.
    other = page.eval_on_selector(
        "#reply_channel",
        "s => [...s.options].map(o => o.value).find(v => v !== s.dataset.requested)",
    )
    page.select_option("#reply_channel", other)
    assert page.locator("#channel-warning").is_visible()

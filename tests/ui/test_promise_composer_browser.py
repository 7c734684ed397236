"""In real Chromium: typing a promise in the composer proposes it (htmx, as one types), and
sending the reply with the proposal confirmed records the promise with the reply."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from posventa.core.models import Site, User
from posventa.inbox.models import Message, MessageKind
from posventa.promises.models import Promise, PromiseSource
from tests.ui.test_browser_waiting import CHROMIUM, browser, page  # noqa: F401 (fixtures)
from tests.ui.test_workspace_browser import log_in, lucia_case

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not at /usr/bin/chromium"),
]


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_composer_proposes_a_promise_and_sends_it_with_the_reply(
    page: Any,  # noqa: F811
    live_server: Any,
    madrid: Site,
    agent: User,
) -> None:
    case = lucia_case(madrid, agent)
    case_url = f"{live_server.url}{reverse('cases:detail', args=[case.reference])}"
    log_in(page, case_url, agent.username)

    page.click("#reply_body")
    page.keyboard.type("Hola Lucía. Le llamaremos mañana con el presupuesto.")
    proposal = page.wait_for_selector("fieldset.promise-proposal", timeout=10_000)
    assert "Le llamaremos mañana" in proposal.inner_text()
    assert page.input_value("#promise-0-deadline")  # read on the site's calendar
    assert page.input_value("#promise-0-act") == "call"

    page.fill("#promise-0-what", "Llamar con el presupuesto de frenos")
    page.click("#reply button[type=submit]")
    page.wait_for_selector("#promises [data-promise]")

    promise = Promise.objects.get(case=case)
    assert promise.what == "Llamar con el presupuesto de frenos"
    assert promise.source == PromiseSource.COMPOSER and promise.owner == agent
    assert promise.made_in == Message.objects.get(case=case, kind=MessageKind.REPLY)


def test_a_dismissed_proposal_sends_the_reply_alone(
    page: Any,  # noqa: F811
    live_server: Any,
    madrid: Site,
    agent: User,
) -> None:
    case = lucia_case(madrid, agent)
    case_url = f"{live_server.url}{reverse('cases:detail', args=[case.reference])}"
    log_in(page, case_url, agent.username)
    page.click("#reply_body")
    page.keyboard.type("We'll call you back this afternoon.")
    page.wait_for_selector("fieldset.promise-proposal", timeout=10_000)
    page.check("input[name='promise-0-decision'][value='dismiss']")
    page.click("#reply button[type=submit]")
    page.wait_for_selector("#promises")
    page.wait_for_function("() => !document.querySelector('fieldset.promise-proposal')")
    assert Message.objects.filter(case=case, kind=MessageKind.REPLY).exists()
    assert not Promise.objects.filter(case=case).exists()

"""The agent workspace in real headless Chromium: the journeys an agent makes every day.

Log in, open "my cases", open a case, reply on the channel the customer asked for (INFO-WEB
shows satisfied); hand a case over with a note (the new owner reads the whole story);
find a case by number plate. Screenshots of the queue and the case page are saved to
POSVENTA_SCREENSHOT_DIR when set (otherwise to the test's temporary directory).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from posventa.cases import actions
from posventa.cases.models import Case, CaseStatus, Priority
from posventa.clocks.models import CalendarKind
from posventa.core.models import Site, User
from posventa.customers import actions as customer_actions
from posventa.inbox.actions import ingest
from posventa.inbox.models import InboundStatus
from tests.inbox.factories import case_of, email_bytes, receive_email
from tests.ui.helpers import make_clock
from tests.ui.test_browser_waiting import CHROMIUM, browser, page  # noqa: F401 (fixtures)

PASSWORD = "test-password-123"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not at /usr/bin/chromium"),
]
MIN = dt.timedelta(minutes=1)
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def screenshot_path(tmp_path: Path, name: str) -> Path:
    folder = Path(os.environ.get("POSVENTA_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def log_in(tab: Any, url: str, username: str) -> None:
    """Open `url`; the login form comes first and brings the user back to it."""
    tab.goto(url)
    tab.fill("input[name=username]", username)
    tab.fill("input[name=password]", PASSWORD)
    tab.click("form[action='/login/'] button[type=submit]")
    tab.wait_for_load_state()


def lucia_case(madrid: Site, agent: User) -> Case:
    """A customer's web question by e-mail, owned by the agent, with one chase."""
    case = case_of(
        receive_email(
            madrid,
            subject="Revisión de los 30.000 km",
            body="Hola, ¿solo hace falta cambiar el líquido de frenos o toca la revisión grande?",
        )
    )
    actions.assign_case(case, agent, actor=agent)
    message_id = case.messages.get(kind="customer_message").message_id
    receive_email(
        madrid,
        subject="Re: Revisión de los 30.000 km",
        body="¿Alguien me puede contestar, por favor?",
        in_reply_to=message_id,
        references=message_id,
    )
    case.refresh_from_db()
    return case


def workload(madrid: Site, agent: User) -> tuple[Case, Case]:
    """A realistic morning for the agent: breached, warned, on time, waiting, chased.

    Returns the chased e-mail case and the breached one."""
    now = timezone.now()
    org = madrid.organisation

    def person(name: str, email: str, language: str = "es") -> Any:
        return customer_actions.create_customer(
            org, display_name=name, language=language, contact_points=[("email", email)]
        )

    late = actions.open_case(
        site=madrid,
        customer=person("Jordi Vidal", "jordi.vidal@example.org"),
        channel="email",
        subject="Ruido en la suspensión delantera (tercera visita)",
        owner=agent,
        priority=Priority.HIGH,
        opened_at=now - 9 * DAY,
        department="complaints",
    )
    web = actions.open_case(
        site=madrid,
        customer=person("Marta Quintana", "marta.q@example.org"),
        channel="web_form",
        requested_reply_channel="email",
        subject="¿Tenéis pastillas de freno para un Clio IV?",
        owner=agent,
        department="parts",
    )
    make_clock(
        "INFO-WEB",
        madrid,
        subject=web,
        started_at=now - 35 * MIN,
        due_at=now + 25 * MIN,
        warn_at=now - 5 * MIN,
        calendar_kind=CalendarKind.ALWAYS,
        owner=agent,
        label=web.reference,
    )
    promise = actions.open_case(
        site=madrid,
        customer=person("Tomás Herrero", "tomas.herrero@example.org"),
        channel="phone",
        subject="Garantía: no arranca tras la reparación",
        owner=agent,
        priority=Priority.URGENT,
    )
    make_clock(
        "PROMISE-KEPT",
        madrid,
        subject=promise,
        started_at=now - 10 * MIN,
        due_at=now + 110 * MIN,
        calendar_kind=CalendarKind.ALWAYS,
        owner=agent,
        label=promise.reference,
    )
    waiting = actions.open_case(
        site=madrid,
        customer=person("Nerea Olaizola", "nerea.o@example.org"),
        channel="email",
        subject="Presupuesto enviado: cambio de embrague",
        owner=agent,
    )
    actions.set_case_status(waiting, CaseStatus.WAITING_CUSTOMER, actor=agent)
    return lucia_case(madrid, agent), late


def test_an_agent_replies_on_the_requested_channel_and_info_web_is_satisfied(
    page: Any,  # noqa: F811
    live_server: Any,
    agent: User,
    madrid: Site,
    tmp_path: Path,
) -> None:
    case, late = workload(madrid, agent)

    log_in(page, f"{live_server.url}/cases/", "alba")
    page.wait_for_selector("table.queue")
    rows = page.locator("table.queue tbody tr")
    assert rows.count() == 5
    assert rows.first.get_attribute("class") == "row-breached"
    assert rows.first.get_attribute("data-case") == late.reference
    assert page.locator(f"tr[data-case='{case.reference}'] .chases").inner_text() == "1"
    page.screenshot(path=str(screenshot_path(tmp_path, "workspace-queue.png")), full_page=True)

    page.click(f"a:text('{case.reference}')")
    page.wait_for_selector("#composer-heading")
    assert page.input_value("#reply_channel") == "email"
    warning = page.locator("#channel-warning")
    assert warning.is_hidden()
    page.select_option("#reply_channel", "sms")
    assert warning.is_visible()
    assert "(INFO-WEB)" in warning.inner_text()
    page.select_option("#reply_channel", "email")
    assert warning.is_hidden()

    page.fill(
        "#reply_body",
        "Hola Lucía: a los 30.000 km solo toca el líquido de frenos. "
        "La revisión grande es a los 60.000 km. Un saludo.",
    )
    page.click("button:text('Send reply')")
    page.wait_for_selector(".messages li.success")

    info_web = page.locator("li[data-standard='INFO-WEB']")
    assert info_web.get_attribute("data-state") == "satisfied"
    assert info_web.locator("[data-clock-state]").inner_text() == "Met"
    page.click("summary:text('Add an internal note')")
    page.fill("#note_body", "Le interesa también presupuesto de neumáticos.")
    page.click("button:text('Add note')")
    page.wait_for_selector("li.internal_note")
    page.screenshot(path=str(screenshot_path(tmp_path, "workspace-case.png")), full_page=True)
    assert "a los 30.000 km solo toca el líquido de frenos" in page.locator("#story").inner_text()


def test_a_transfer_needs_a_note_and_the_new_owner_reads_the_whole_story(
    page: Any,  # noqa: F811
    browser: Any,  # noqa: F811
    live_server: Any,
    agent: User,
    manager: User,
    madrid: Site,
) -> None:
    case = lucia_case(madrid, agent)

    log_in(page, f"{live_server.url}/cases/{case.reference}/", "alba")
    page.click("summary:text('Transfer')")
    page.select_option("#transfer_to_owner", str(manager.pk))
    page.click("button:text('Transfer with this note')")
    page.wait_for_selector("#transfer .errorlist")
    assert "A handover note is required." in page.locator("#transfer").inner_text()
    page.fill("#transfer_note", "Pregunta técnica: la revisión de 30.000 km. Ya ha insistido.")
    page.click("button:text('Transfer with this note')")
    page.wait_for_selector(".messages li.success")

    other = browser.new_context(viewport={"width": 1360, "height": 900})
    try:
        manager_page = other.new_page()
        log_in(manager_page, f"{live_server.url}/cases/", "mateo")
        manager_page.click(f"a:text('{case.reference}')")
        story = manager_page.locator("#story").inner_text()
    finally:
        other.close()
    assert "¿solo hace falta cambiar el líquido de frenos" in story
    assert "¿Alguien me puede contestar, por favor?" in story
    assert "Pregunta técnica: la revisión de 30.000 km. Ya ha insistido." in story


def test_an_agent_finds_a_case_by_number_plate(
    page: Any,  # noqa: F811
    live_server: Any,
    agent: User,
    madrid: Site,
    tmp_path: Path,
) -> None:
    owner = customer_actions.create_customer(madrid.organisation, display_name="Iñaki Garmendia")
    vehicle = customer_actions.register_vehicle(
        madrid.organisation,
        vin="VF1RFB00X57123456",
        plate="4821 KLM",
        make="Renault",
        model="Clio",
        owner=owner,
    )
    case = actions.open_case(
        site=madrid,
        customer=owner,
        channel="email",
        subject="Luz de motor encendida",
        vehicle=vehicle,
    )
    # Another customer's case, which must not match.
    receive_email(madrid, subject="Otra cosa")

    log_in(page, f"{live_server.url}/cases/", "alba")
    page.fill("#workspace-search", "4821klm")
    page.press("#workspace-search", "Enter")
    page.wait_for_selector("#case-results")

    case_rows = page.locator("#case-results-table tbody tr")
    assert case_rows.count() == 1
    assert case_rows.first.get_attribute("data-case") == case.reference
    assert "Iñaki Garmendia" in page.locator("#customer-results-table").inner_text()
    page.screenshot(path=str(screenshot_path(tmp_path, "workspace-search.png")), full_page=True)
    page.click(f"a:text('{case.reference}')")
    page.wait_for_selector("#case-title")
    assert page.locator("#case-title").inner_text() == "Luz de motor encendida"


def test_a_manager_retries_a_quarantined_message_in_place(
    page: Any,  # noqa: F811
    live_server: Any,
    manager: User,
    madrid: Site,
    tmp_path: Path,
) -> None:
    ingest(
        "email",
        email_bytes(message_id="<twice@example.net>", body="Primera"),
        source="imap",
        site=madrid,
    )
    collided = ingest(
        "email",
        email_bytes(message_id="<twice@example.net>", body="Segunda"),
        source="imap",
        site=madrid,
    )
    broken = ingest(
        "email", b"Subject: Sin remitente\r\n\r\n<b>Hola</b>", source="smtp", site=madrid
    )
    assert collided.status == broken.status == InboundStatus.QUARANTINED

    log_in(page, f"{live_server.url}/inbox/quarantine/", "mateo")
    page.wait_for_selector("table.quarantine")
    assert "<b>Hola</b>" in page.locator(f"#raw-{broken.pk} .raw-preview").inner_text()
    page.screenshot(path=str(screenshot_path(tmp_path, "workspace-quarantine.png")), full_page=True)
    page.click(f"#raw-{collided.pk} button:text('Retry')")
    page.wait_for_selector(f"#raw-{collided.pk} .outcome.ok")

    collided.refresh_from_db()
    assert collided.status == InboundStatus.PROCESSED and collided.message is not None
    outcome = page.locator(f"#raw-{collided.pk} .outcome").inner_text()
    assert f"Processed: filed on case {collided.message.case.reference}." in outcome
    # Swapped in place: the other row is still there, untouched.
    assert page.locator(f"#raw-{broken.pk} button:text('Retry')").count() == 1

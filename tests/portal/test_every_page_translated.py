"""Every portal page, in Spanish and Swedish, has no English left in it.

The page is rendered for a customer who reads English, then for the same customer reading
Spanish and Swedish. A visible text that comes out the same in both and is made of words
is a string nobody translated, unless it is data (a name, a subject, what someone wrote,
a reference). The URL patterns come from the resolver, so a new portal page (booking,
approval...) fails here until it is added to PAGES and translated.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from posventa.cases import actions as case_actions
from posventa.cases.models import Case, CaseStatus
from posventa.core.models import Site, User
from posventa.customers import actions as customer_actions
from posventa.customers.models import Customer
from posventa.inbox.models import Message
from posventa.portal.links import portal_token
from posventa.promises import actions as promise_actions
from posventa.promises.models import Promise
from tests.portal.conftest import CARMEN, email_case

WORD = re.compile(r"[^\W\d_]{2,}")
# Texts that are the same in every language on purpose.
SAME_EVERYWHERE = {"Posventa", "English", "Español", "Svenska", "📎", "←"}


class VisibleText(HTMLParser):
    """Text nodes a person reads (not scripts or styles), and the page title."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._hidden += 1
        for name, value in attrs:
            if name in {"placeholder", "aria-label", "title", "alt"} and value:
                self.texts.append(value.strip())

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        # "Case opened · You · 3 Dec": each part on its own, so a translated date next to
        # an English label does not hide the label.
        for part in data.split("·"):
            text = " ".join(part.split())
            if text:
                self.texts.append(text)


def visible_texts(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.texts


@pytest.fixture
def story(madrid: Site, agent: User) -> dict[str, Any]:
    """Carmen with a case in every state the portal words differently."""
    open_case = email_case(madrid, f"Carmen Rius <{CARMEN}>", "Ruido en la dirección")
    customer = open_case.customer
    case_actions.assign_case(open_case, agent, actor=agent)
    waiting = email_case(madrid, f"Carmen Rius <{CARMEN}>", "Presupuesto de frenos")
    case_actions.set_case_status(waiting, CaseStatus.WAITING_CUSTOMER, actor=agent)
    closed = email_case(madrid, f"Carmen Rius <{CARMEN}>", "Cambio de aceite")
    answer = case_actions.reply(closed, author=agent, body="Listo, puede recogerlo.")
    case_actions.resolve_case(closed, actor=agent, answer=answer)
    case_actions.close_case(closed, actor=agent)
    # An open promise, so the portal's "what we promised you" is read in every language.
    promise_actions.make_promise(
        open_case,
        what="Le llamaremos con el presupuesto",
        act="call",
        deadline=timezone.now() + dt.timedelta(days=3),
        actor=agent,
    )
    return {"customer": customer, "case": open_case, "cases": [open_case, waiting, closed]}


def data_strings(customer: Customer, site: Site, cases: list[Case]) -> set[str]:
    """What the page shows as it is stored: never a translation problem."""
    values = {customer.display_name, site.name, site.timezone}
    for case in cases:
        values |= {case.reference, case.subject}
        values |= set(Promise.objects.filter(case=case).values_list("what", flat=True))
        for message in Message.objects.filter(case=case):
            values |= {
                " ".join(message.body_text.split()),
                message.author.first_name if message.author else "",
            }
    return {value for value in values if value}


def untranslated(english: str, other: str, data: set[str]) -> list[str]:
    seen_in_english = set(visible_texts(english))
    return [
        text
        for text in visible_texts(other)
        if text in seen_in_english
        and WORD.search(text)
        and text not in SAME_EVERYWHERE
        and text not in data
        and not any(text in value or value in text for value in data if len(value) > 3)
    ]


def portal_patterns() -> list[URLPattern]:
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "portal":
            return [pattern for pattern in entry.url_patterns if isinstance(pattern, URLPattern)]
    raise AssertionError("No portal URLs")


Request = Callable[[Client, dict[str, Any]], Any]


def get(path: Callable[[dict[str, Any]], str]) -> Request:
    return lambda client, story: client.get(path(story))


def language_switch(client: Client, story: dict[str, Any]) -> Any:
    token = portal_token(story["customer"])
    language = story["language"]
    return client.post(f"/portal/{token}/language/", {"language": language}, follow=True)


def token(story: dict[str, Any]) -> str:
    return portal_token(story["customer"])


# How to reach each portal page; a pattern missing here fails the test.
PAGES: dict[str, Request] = {
    "new_link": get(lambda story: "/portal/new-link/"),
    "home": get(lambda story: f"/portal/{token(story)}/"),
    "case": get(lambda story: f"/portal/{token(story)}/cases/{story['case'].reference}/"),
    "language": language_switch,
    # The case page after the customer registers a complaint, and after they agree.
    "complaint": lambda client, story: client.post(
        f"/portal/{token(story)}/cases/{story['case'].reference}/complaint/",
        {"category": "cleanliness", "desired_outcome": "Una disculpa."},
        follow=True,
    ),
    "complaint_agree": lambda client, story: client.post(
        f"/portal/{token(story)}/cases/{story['case'].reference}/complaint/agree/", follow=True
    ),
}
# Pages that are not HTML: checked for their access elsewhere (test_attachment_access).
NOT_PAGES = {"attachment"}


def test_every_portal_url_is_covered() -> None:
    names = {pattern.name for pattern in portal_patterns()}
    assert names - set(PAGES) - NOT_PAGES == set(), "add the new portal page to PAGES"


def rendered(name: str, story: dict[str, Any], language: str) -> str:
    customer = story["customer"]
    customer_actions.set_preferences(customer, language=language)
    story["customer"] = Customer.objects.get(pk=customer.pk)
    story["language"] = language
    client = Client(headers={"Accept-Language": language})
    response = PAGES[name](client, story)
    assert response.status_code == 200, (name, response.status_code)
    return response.content.decode()


@pytest.mark.parametrize("language", ["es", "sv"])
@pytest.mark.parametrize("name", sorted(PAGES))
def test_no_english_is_left_on_the_page(
    story: dict[str, Any], madrid: Site, name: str, language: str
) -> None:
    english = rendered(name, story, "en")
    other = rendered(name, story, language)
    assert f'lang="{language}"' in other
    data = data_strings(story["customer"], madrid, story["cases"])
    assert untranslated(english, other, data) == []


@pytest.mark.parametrize("language", ["es", "sv"])
def test_the_invalid_link_page_is_translated_too(story: dict[str, Any], language: str) -> None:
    english = Client(headers={"Accept-Language": "en"}).get("/portal/forged/").content.decode()
    other = Client(headers={"Accept-Language": language}).get("/portal/forged/")
    assert other.status_code == 403
    assert untranslated(english, other.content.decode(), set()) == []


def test_the_check_catches_a_string_left_in_english() -> None:
    english = "<p>Closed</p><p>Carmen Rius</p>"
    assert untranslated(english, "<p>Closed</p><p>Carmen Rius</p>", {"Carmen Rius"}) == ["Closed"]

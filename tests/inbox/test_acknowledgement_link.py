"""The acknowledgement's HTML part links the portal with a short label; the plain part
keeps the address. Both are in the customer's language, or their site's."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from django.test import Client

from posventa.core.models import Site
from posventa.inbox.actions import ingest
from posventa.inbox.models import MessageKind
from posventa.outbox.models import Notification
from tests.inbox.factories import case_of, email_bytes


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href") or ""

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self.links.append((self._href, data))
            self._href = None


def acknowledgement(site: Site, sender: str) -> tuple[str, Notification]:
    raw = ingest("email", email_bytes(from_=sender, subject="Revisión"), source="imap", site=site)
    case = case_of(raw)
    ack = case.messages.get(kind=MessageKind.AUTO_ACKNOWLEDGEMENT)
    assert ack.notification is not None
    return case.reference, ack.notification


def test_the_html_part_links_the_portal_with_a_short_label(madrid: Site) -> None:
    reference, notification = acknowledgement(madrid, "Pilar Soto <pilar.soto@example.es>")
    portal = re.search(r"https?://\S+/portal/\S+/", notification.body)
    assert portal is not None  # the plain part keeps the address
    parser = Links()
    parser.feed(notification.html_body)
    assert parser.links == [(portal.group(0), f"Siga su caso {reference}")]
    assert portal.group(0) not in notification.html_body.replace(f'href="{portal.group(0)}"', "")
    assert 'lang="es"' in notification.html_body


def test_the_link_in_the_acknowledgement_opens_the_portal(madrid: Site) -> None:
    reference, notification = acknowledgement(madrid, "Pilar Soto <pilar.soto@example.es>")
    portal = re.search(r"/portal/\S+/", notification.body)
    assert portal is not None
    page = Client().get(portal.group(0))
    assert page.status_code == 200
    assert reference in page.content.decode()


def test_a_customer_of_the_swedish_site_gets_it_in_swedish(goteborg: Site) -> None:
    reference, notification = acknowledgement(goteborg, "Elin Berg <elin.berg@example.se>")
    parser = Links()
    parser.feed(notification.html_body)
    assert parser.links[0][1] == f"Följ ditt ärende {reference}"

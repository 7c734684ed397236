"""The case and customer pages speak words, not codes: automatic actors by name, event
verbs by label, no status preselected on a new case, the site page in the acknowledgement."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from posventa.cases.models import Case, CaseStatus
from posventa.core.models import User
from posventa.inbox.models import MessageKind


def page(client: Client, user: User, name: str, *args: object) -> str:
    client.force_login(user)
    return client.get(reverse(name, args=args)).content.decode()


def test_the_story_names_automatic_actors_in_words(
    client: Client, email_case: Case, agent: User
) -> None:
    html = page(client, agent, "cases:detail", email_case.reference)
    assert "Received by e-mail" in html and "Posventa (automatic)" in html
    assert "inbound:email" not in html and "· system" not in html


@pytest.mark.parametrize(
    ("language", "words"),
    [("es", "Recibido por correo electrónico"), ("sv", "Mottaget via e-post")],
)
def test_the_story_names_actors_in_the_readers_language(
    client: Client, email_case: Case, agent: User, language: str, words: str
) -> None:
    User.objects.filter(pk=agent.pk).update(language=language)
    assert words in page(client, agent, "cases:detail", email_case.reference)


def test_a_new_case_has_no_status_preselected(
    client: Client, email_case: Case, agent: User
) -> None:
    assert email_case.status == CaseStatus.NEW
    html = page(client, agent, "cases:detail", email_case.reference)
    select = re.search(r'<select name="status".*?</select>', html, re.S)
    assert select is not None
    assert re.search(r'<option value="" selected>', select.group(0))
    assert not re.search(r'<option value="open" selected>', select.group(0))


def test_the_customer_timeline_shows_event_labels_not_verbs(
    client: Client, email_case: Case, agent: User
) -> None:
    html = page(client, agent, "customers:detail", email_case.customer.pk)
    assert "Customer created" in html
    assert ">customer.created<" not in html and "<code>customer." not in html


def test_the_acknowledgement_links_the_sites_public_page(email_case: Case) -> None:
    ack = email_case.messages.get(kind=MessageKind.AUTO_ACKNOWLEDGEMENT)
    with translation.override("en"):
        assert reverse("core:site_page", args=[email_case.site.slug]) in ack.body_text

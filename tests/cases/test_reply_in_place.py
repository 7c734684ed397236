"""A refused reply is shown where the agent is looking: in the composer, with what they
typed, at the case URL (htmx swaps the composer; without JavaScript an anchor brings the
page back to it). A sent reply loads the case page afresh."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from posventa.cases import actions
from posventa.cases.models import Case
from posventa.core.models import User

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/"}


@pytest.fixture
def owned_case(email_case: Case, agent: User) -> Case:
    actions.assign_case(email_case, agent, actor=agent)
    return email_case


def composer_of(html: str) -> str:
    match = re.search(
        r'<section class="card" aria-labelledby="composer-heading" id="reply".*?</section>',
        html,
        re.S,
    )
    assert match is not None
    return match.group(0)


def test_the_composer_posts_through_htmx_into_itself_with_an_anchor_fallback(
    client: Client, owned_case: Case, agent: User
) -> None:
    client.force_login(agent)
    composer = composer_of(
        client.get(reverse("cases:detail", args=[owned_case.reference])).content.decode()
    )
    reply_url = reverse("cases:reply", args=[owned_case.reference])
    assert f'action="{reply_url}#reply"' in composer
    assert f'hx-post="{reply_url}"' in composer
    assert 'hx-target="#reply"' in composer and 'hx-select="#reply"' in composer


def test_an_empty_reply_comes_back_in_the_composer_with_the_subject_kept(
    client: Client, owned_case: Case, agent: User
) -> None:
    client.force_login(agent)
    response = client.post(
        reverse("cases:reply", args=[owned_case.reference]),
        {"channel": "email", "body": "  ", "subject": "Sobre su revisión"},
        **HTMX,
    )

    assert response.status_code == 400
    composer = composer_of(response.content.decode())
    assert "The reply is empty." in composer
    assert 'value="Sobre su revisión"' in composer
    assert 'aria-invalid="true"' in composer and "autofocus" in composer


def test_a_sent_reply_through_htmx_reloads_the_case_page(
    client: Client, owned_case: Case, agent: User
) -> None:
    client.force_login(agent)
    response = client.post(
        reverse("cases:reply", args=[owned_case.reference]),
        {"channel": "email", "body": "Solo el líquido de frenos."},
        **HTMX,
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("cases:detail", args=[owned_case.reference])

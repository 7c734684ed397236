"""The case page: the composer proposes promises as the sender types, confirmed ones are
made with the reply, and the promises panel makes, reassigns, renegotiates and cancels."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from posventa.cases.models import Case
from posventa.core.models import Team, User
from posventa.inbox.models import Message, MessageKind
from posventa.promises.models import Promise, PromiseSource, PromiseStatus
from tests.promises.conftest import in_days

HX = {"HTTP_HX_REQUEST": "true"}


def local(at: dt.datetime) -> str:
    return at.astimezone(ZoneInfo("Europe/Madrid")).strftime("%Y-%m-%dT%H:%M")


def test_the_case_page_lists_the_cases_promises(
    client: Client, promise: Promise, agent: User
) -> None:
    client.force_login(agent)
    page = client.get(promise.case.get_absolute_url())
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="promises"' in text and promise.what in text
    assert reverse("promises:cancel", args=[promise.pk]) in text


def test_the_composer_proposes_the_promise_it_reads_with_its_deadline_and_owner(
    client: Client, email_case: Case, agent: User, workshop: Team
) -> None:
    client.force_login(agent)
    answer = client.post(
        reverse("promises:propose", args=[email_case.reference]),
        {"body": "Gracias por escribir. Un técnico se pondrá en contacto con usted mañana."},
        **HX,
    )
    text = answer.content.decode()
    assert answer.status_code == 200
    assert 'name="promise-count" value="1"' in text
    assert f'value="team:{workshop.pk}" selected' in text, "a technician: the service team"
    assert 'name="promise-0-deadline" value="20' in text


def test_text_without_a_promise_proposes_nothing(
    client: Client, email_case: Case, agent: User
) -> None:
    client.force_login(agent)
    answer = client.post(
        reverse("promises:propose", args=[email_case.reference]),
        {"body": "We called you yesterday. Thank you!"},
        **HX,
    )
    assert 'name="promise-count" value="0"' in answer.content.decode()


def _reply_with_proposal(case: Case, deadline: str, decision: str = "confirm") -> dict[str, str]:
    return {
        "channel": "email",
        "body": "We'll call you back this afternoon.",
        "promise-count": "1",
        "promise-0-decision": decision,
        "promise-0-sentence": "We'll call you back this afternoon.",
        "promise-0-what": "Call back about the brake fluid",
        "promise-0-act": "call",
        "promise-0-owner": "",
        "promise-0-deadline": deadline,
        "promise-0-channel": "phone",
    }


def test_a_confirmed_proposal_is_made_with_the_reply(
    client: Client, email_case: Case, agent: User
) -> None:
    client.force_login(agent)
    data = _reply_with_proposal(email_case, local(in_days()))
    data["promise-0-owner"] = f"user:{agent.pk}"
    answer = client.post(reverse("cases:reply", args=[email_case.reference]), data)
    assert answer.status_code == 302
    made = Promise.objects.get(case=email_case)
    reply = Message.objects.get(case=email_case, kind=MessageKind.REPLY)
    assert made.made_in == reply and made.source == PromiseSource.COMPOSER
    assert made.status == PromiseStatus.OPEN, "the reply that makes it does not keep it"


def test_a_dismissed_proposal_never_blocks_sending(
    client: Client, email_case: Case, agent: User
) -> None:
    client.force_login(agent)
    data = _reply_with_proposal(email_case, "", decision="dismiss")
    answer = client.post(reverse("cases:reply", args=[email_case.reference]), data)
    assert answer.status_code == 302
    assert Message.objects.filter(case=email_case, kind=MessageKind.REPLY).exists()
    assert not Promise.objects.exists()


def test_a_confirmed_proposal_due_in_the_past_sends_nothing_and_says_why(
    client: Client, email_case: Case, agent: User
) -> None:
    client.force_login(agent)
    data = _reply_with_proposal(email_case, "2020-01-07T12:00")
    data["promise-0-owner"] = f"user:{agent.pk}"
    answer = client.post(reverse("cases:reply", args=[email_case.reference]), data)
    assert answer.status_code == 400
    text = answer.content.decode()
    assert "Promise 1" in text and "past" in text
    assert "We&#x27;ll call you back this afternoon." in text, "the typed reply is kept"
    assert not Message.objects.filter(case=email_case, kind=MessageKind.REPLY).exists()
    assert not Promise.objects.exists()


def test_the_panel_refuses_a_past_deadline_on_the_field(
    client: Client, email_case: Case, agent: User
) -> None:
    client.force_login(agent)
    answer = client.post(
        reverse("promises:create", args=[email_case.reference]),
        {
            "what": "We will call",
            "act": "call",
            "owner": f"user:{agent.pk}",
            "deadline": "2020-01-07T12:00",
            "channel": "phone",
        },
    )
    assert answer.status_code == 400
    form = answer.context["promise_form"]
    assert "past" in form.errors["deadline"][0]


def test_the_panel_makes_reassigns_renegotiates_and_cancels(
    client: Client, email_case: Case, agent: User, technician: User
) -> None:
    client.force_login(agent)
    made = client.post(
        reverse("promises:create", args=[email_case.reference]),
        {
            "what": "The technician will call",
            "act": "call",
            "owner": f"user:{technician.pk}",
            "deadline": local(in_days()),
            "channel": "phone",
        },
    )
    assert made.status_code == 302
    promise = Promise.objects.get(case=email_case)
    assert promise.owner == technician
    moved = client.post(
        reverse("promises:reassign", args=[promise.pk]), {"owner": f"user:{agent.pk}"}
    )
    assert moved.status_code == 302
    renegotiated = client.post(
        reverse("promises:renegotiate", args=[promise.pk]),
        {"deadline": local(in_days(5)), "message": "The part comes on Friday."},
    )
    assert renegotiated.status_code == 302
    refused = client.post(reverse("promises:cancel", args=[promise.pk]), {"reason": ""})
    assert refused.status_code == 400
    cancelled = client.post(
        reverse("promises:cancel", args=[promise.pk]), {"reason": "Solved at the counter"}
    )
    assert cancelled.status_code == 302
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.CANCELLED and promise.renegotiations == 1


@pytest.mark.parametrize("name", ["reassign", "cancel", "renegotiate"])
def test_an_outsider_gets_404(client: Client, promise: Promise, outsider: User, name: str) -> None:
    client.force_login(outsider)
    assert client.post(reverse(f"promises:{name}", args=[promise.pk]), {}).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login(client: Client, promise: Promise) -> None:
    answer = client.post(reverse("promises:cancel", args=[promise.pk]), {"reason": "x"})
    assert answer.status_code == 302 and "/login/" in answer["Location"]

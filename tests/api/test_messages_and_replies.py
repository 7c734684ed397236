"""A case's messages, and replies that do (or do not) satisfy INFO-WEB."""

from __future__ import annotations

from posventa.cases import actions as case_actions
from posventa.cases.models import Case
from posventa.clocks.models import ClockState
from posventa.core.models import User
from posventa.inbox.models import Message, MessageKind
from tests.api.conftest import TokenFactory, clock_of


def test_it_lists_messages_with_direction_channel_and_automatic(
    api_as: TokenFactory, agent: User, madrid_case: Case
) -> None:
    case_actions.add_internal_note(madrid_case, author=agent, body="Customer sounds worried.")
    rows = api_as(agent).get(f"/api/cases/{madrid_case.reference}/messages").json()
    summary = [(row["direction"], row["channel"], row["kind"], row["automatic"]) for row in rows]
    assert summary == [
        ("inbound", "email", "customer_message", False),
        ("outbound", "email", "auto_acknowledgement", True),
        ("outbound", "internal", "internal_note", False),
    ]
    assert rows[0]["from_address"] == "nuria.vidal@example.net"
    assert rows[1]["delivery_status"] == "pending"
    assert rows[2]["author"]["username"] == "alba"


def test_a_reply_on_the_requested_channel_satisfies_info_web(
    api_as: TokenFactory, agent: User, madrid_case: Case
) -> None:
    response = api_as(agent).post(
        f"/api/cases/{madrid_case.reference}/replies",
        {"body": "Buenos días: el ruido son las pastillas; ¿le va bien el martes?"},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["satisfied_info_web"] is True
    assert body["message"]["kind"] == "reply"
    assert body["message"]["automatic"] is False
    assert body["message"]["to_address"] == "nuria.vidal@example.net"
    assert body["message"]["author"]["id"] == agent.pk
    assert clock_of(madrid_case, "INFO-WEB").state == ClockState.SATISFIED


def test_a_second_reply_satisfies_nothing_more(
    api_as: TokenFactory, agent: User, madrid_case: Case
) -> None:
    client = api_as(agent)
    path = f"/api/cases/{madrid_case.reference}/replies"
    client.post(path, {"body": "Primera respuesta."})
    second = client.post(path, {"body": "Y una cosa más."}).json()
    assert second["satisfied_info_web"] is False


def test_a_reply_on_another_channel_does_not_satisfy_info_web(
    api_as: TokenFactory, agent: User, madrid_case: Case
) -> None:
    response = api_as(agent).post(
        f"/api/cases/{madrid_case.reference}/replies",
        {"body": "Le contestamos en el portal.", "channel": "portal_chat"},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["satisfied_info_web"] is False
    assert body["message"]["warnings"] == ["not_requested_channel"]
    assert clock_of(madrid_case, "INFO-WEB").state == ClockState.RUNNING


def test_an_empty_reply_names_the_body_and_sends_nothing(
    api_as: TokenFactory, agent: User, madrid_case: Case
) -> None:
    response = api_as(agent).post(f"/api/cases/{madrid_case.reference}/replies", {"body": " "})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"
    assert not Message.objects.filter(case=madrid_case, kind=MessageKind.REPLY).exists()

"""What the customer sees of a case: plain-word status, the owner's first name, the
messages in and out, public events; never internal notes, call notes or clock escalations."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils.html import escape

from posventa.cases import actions as case_actions
from posventa.cases.models import Case
from posventa.clocks.sweeper import sweep
from posventa.core.models import Event, User
from posventa.customers.models import Customer
from tests.portal.conftest import case_path, portal_path


def test_it_shows_the_status_in_plain_words_and_the_owners_first_name_only(
    client: Client, carmen: Customer, carmen_case: Case, agent: User, manager: User
) -> None:
    agent.last_name = "Quintanilla"
    agent.save(update_fields=["last_name"])
    case_actions.assign_case(carmen_case, agent, actor=manager)
    case_actions.set_case_status(carmen_case, "waiting_third_party", actor=agent)
    for path in (portal_path(carmen), case_path(carmen, carmen_case)):
        page = client.get(path).content.decode()
        assert "Waiting for someone else (a supplier or the manufacturer)" in page
        assert "Alba" in page
        assert "Quintanilla" not in page
        assert "alba@example.com" not in page
        assert "waiting_third_party" not in page


def test_it_shows_the_messages_in_and_out(
    client: Client, carmen: Customer, carmen_case: Case, agent: User
) -> None:
    case_actions.reply(
        carmen_case, author=agent, body="Es la rótula; la cambiamos el jueves.", channel="email"
    )
    acknowledgement = carmen_case.messages.get(kind="auto_acknowledgement")
    page = client.get(case_path(carmen, carmen_case)).content.decode()
    assert "Hola" in page  # what Carmen wrote
    assert escape(acknowledgement.body_text) in page
    assert "Automatic message" in page
    assert "Es la rótula; la cambiamos el jueves." in page
    assert page.index("Hola") < page.index("Es la rótula")


def test_internal_notes_call_notes_and_transfers_are_never_shown(
    client: Client, carmen: Customer, carmen_case: Case, agent: User, manager: User
) -> None:
    case_actions.add_internal_note(carmen_case, author=agent, body="NOTA-INTERNA cliente difícil")
    case_actions.log_call(carmen_case, author=agent, summary="LLAMADA-INTERNA muy enfadada")
    case_actions.transfer_case(
        carmen_case, to_owner=manager, note="TRASPASO-INTERNO revisa la garantía", actor=agent
    )
    page = client.get(case_path(carmen, carmen_case)).content.decode()
    for secret in ("NOTA-INTERNA", "LLAMADA-INTERNA", "TRASPASO-INTERNO"):
        assert secret not in page
    assert "Mateo" in page  # the new owner, by first name


def test_clock_escalations_are_never_shown(
    client: Client, carmen: Customer, carmen_case: Case
) -> None:
    sweep(now=carmen_case.opened_at + dt.timedelta(days=30))
    escalations = Event.objects.filter(
        subject_id=str(carmen_case.pk), verb__startswith="clock."
    ).exclude(verb="clock.started")
    assert escalations.exists()
    page = client.get(case_path(carmen, carmen_case)).content.decode()
    for word in ("INFO-WEB", "INFO-COMPLETE", "Deadline missed", "breach", "Escalat", "warned"):
        assert word not in page


def test_a_resolution_and_a_reopening_are_part_of_the_story(
    client: Client, carmen: Customer, carmen_case: Case, agent: User
) -> None:
    answer = case_actions.reply(carmen_case, author=agent, body="Arreglado: era la rótula.")
    case_actions.resolve_case(carmen_case, actor=agent, answer=answer)
    page = client.get(case_path(carmen, carmen_case)).content.decode()
    assert "Answered: reply here if something is still open" in page
    case_actions.reopen_case(carmen_case, actor=agent, reason="Sigue sonando")
    page = client.get(case_path(carmen, carmen_case)).content.decode()
    assert "Reopened" in page


def test_it_speaks_the_customers_language(
    client: Client, carmen: Customer, carmen_case: Case
) -> None:
    carmen.language = "es"
    carmen.save(update_fields=["language"])
    page = client.get(case_path(carmen, carmen_case)).content.decode()
    assert '<html lang="es">' in page

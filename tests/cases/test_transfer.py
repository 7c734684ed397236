"""One case, one owner, one story: transfers carry a handover note and the clocks."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from posventa.cases import actions
from posventa.cases.models import Case, CaseTransfer
from posventa.core.events import timeline
from posventa.core.models import Team, User
from tests.cases.helpers import clock


def test_a_transfer_requires_a_note(email_case: Case, agent: User, manager: User) -> None:
    for note in ("", "   "):
        with pytest.raises(ValidationError) as error:
            actions.transfer_case(email_case, to_owner=manager, note=note, actor=agent)
        assert "note" in error.value.message_dict
    assert not CaseTransfer.objects.exists()


def test_a_transfer_keeps_one_timeline_and_moves_the_clocks(
    email_case: Case, agent: User, manager: User
) -> None:
    actions.assign_case(email_case, agent, actor=agent)
    actions.add_internal_note(email_case, author=agent, body="El cliente prefiere mañanas.")
    transfer = actions.transfer_case(
        email_case,
        to_owner=manager,
        to_department="complaints",
        note="Es una queja, no una consulta técnica.",
        actor=agent,
    )
    email_case.refresh_from_db()
    assert email_case.owner == manager and email_case.department == "complaints"
    assert transfer.from_owner == agent and transfer.from_department == "service"
    verbs = [event.verb for event in timeline(email_case)]
    # The new owner reads the whole story: everything before the transfer is still there.
    assert (
        verbs.index("case.opened")
        < verbs.index("case.note_added")
        < verbs.index("case.transferred")
    )
    for code in ("INFO-WEB", "INFO-WRITTEN", "INFO-COMPLETE"):
        assert clock(email_case, code).owner == manager


def test_a_transfer_to_a_team_puts_the_case_in_its_queue(email_case: Case, agent: User) -> None:
    team = Team.objects.create(site=email_case.site, name="Recambios", department="parts")
    actions.assign_case(email_case, agent, actor=agent)
    actions.transfer_case(email_case, to_team=team, note="Pregunta de recambios.", actor=agent)
    email_case.refresh_from_db()
    assert email_case.owner is None and email_case.team == team
    assert clock(email_case, "INFO-WEB").owner is None


def test_a_transfer_must_say_where_to(email_case: Case, agent: User) -> None:
    with pytest.raises(ValidationError) as error:
        actions.transfer_case(email_case, note="¿A quién?", actor=agent)
    assert "to_owner" in error.value.message_dict


def test_a_case_cannot_go_to_someone_from_another_site(
    email_case: Case, agent: User, outsider: User
) -> None:
    with pytest.raises(ValidationError) as error:
        actions.transfer_case(email_case, to_owner=outsider, note="Para Göteborg.", actor=agent)
    assert "to_owner" in error.value.message_dict


def test_assigning_moves_the_clocks_to_the_owner(email_case: Case, agent: User) -> None:
    actions.assign_case(email_case, agent, actor=agent)
    assert clock(email_case, "INFO-WEB").owner == agent
    assert Case.objects.get(pk=email_case.pk).status == "open"

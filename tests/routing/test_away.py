"""Marking someone away: by themselves or their lead, recorded, and out of routing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from posventa.core.models import Event, User
from posventa.routing import actions
from posventa.routing.models import AwayPeriod


def test_an_agent_marks_themselves_away_and_back_and_both_are_recorded(lidia: User) -> None:
    period = actions.mark_away(lidia, actor=lidia, reason="Formación de producto")
    assert actions.away_user_ids([lidia.pk]) == {lidia.pk}
    # Marking again keeps the same period.
    assert actions.mark_away(lidia, actor=lidia) == period
    ended = actions.mark_back(lidia, actor=lidia)
    assert ended is not None and ended.ended_by == lidia and ended.ended_at is not None
    assert actions.away_user_ids([lidia.pk]) == set()
    verbs = list(Event.objects.filter(subject_id=str(lidia.pk)).values_list("verb", flat=True))
    assert verbs.count("staff.away_set") == 1 and verbs.count("staff.away_ended") == 1
    assert actions.mark_back(lidia, actor=lidia) is None


def test_a_lead_marks_their_people_away_but_a_colleague_cannot(
    lidia: User, jorge: User, team_lead: User
) -> None:
    period = actions.mark_away(lidia, actor=team_lead)
    assert period.set_by == team_lead
    with pytest.raises(ValidationError) as error:
        actions.mark_away(jorge, actor=lidia)
    assert "user" in error.value.message_dict
    assert not AwayPeriod.objects.filter(user=jorge).exists()


def test_a_lead_of_another_site_cannot_mark_someone_away(lidia: User, outsider: User) -> None:
    with pytest.raises(ValidationError):
        actions.mark_away(lidia, actor=outsider)

"""Escalation ladders set per site and standard: who each step tells and by which channel,
the fallback to the built-in step, and the preview of the next breach."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from posventa.clocks import actions, ladders
from posventa.clocks.actions import StepSpec
from posventa.clocks.models import EscalationLevel, EscalationStep
from posventa.clocks.sweeper import sweep
from posventa.core.models import Event, Site, User
from posventa.outbox.models import Notification
from tests.clocks.conftest import madrid_at

START, WARN, DUE = madrid_at(2, 9), madrid_at(2, 9, 45), madrid_at(2, 10)


def start(site: Site, subject: Model, owner: User | None = None, code: str = "INFO-WEB") -> None:
    actions.start_clock(code, subject=subject, site=site, owner=owner, started_at=START)


def told(level: int) -> dict[str, str]:
    rows = Notification.objects.filter(dedupe_key__contains=f":level:{level}:")
    return {row.recipient.username: row.channel for row in rows}  # type: ignore[union-attr]


def test_a_breach_tells_who_the_site_chose_by_the_channel_it_chose(
    madrid: Site, subject: Model, agent: User, manager: User, site_manager: User
) -> None:
    site_manager.phone = "+34600111222"
    site_manager.save()
    actions.set_ladder_steps(
        madrid,
        "INFO-WEB",
        EscalationLevel.BREACHED,
        [StepSpec("owner"), StepSpec("site_manager", channel="sms")],
        actor=manager,
    )
    start(madrid, subject, owner=agent)
    sweep(DUE)
    assert told(EscalationLevel.BREACHED) == {"alba": "email", "sara": "sms"}
    # The warning keeps the built-in step: the owner.
    assert told(EscalationLevel.WARNED) == {"alba": "email"}
    assert Event.objects.filter(verb="site.escalation_policy_changed").exists()


def test_a_standards_own_ladder_wins_over_the_one_for_every_standard(
    madrid: Site, subject: Model, agent: User, manager: User, site_manager: User
) -> None:
    actions.set_ladder_steps(
        madrid, None, EscalationLevel.WARNED, [StepSpec("site_manager")], actor=manager
    )
    actions.set_ladder_steps(
        madrid,
        "INFO-WEB",
        EscalationLevel.WARNED,
        [StepSpec("person", person=manager)],
        actor=manager,
    )
    start(madrid, subject, owner=agent)
    sweep(WARN)
    assert told(EscalationLevel.WARNED) == {"mateo": "email"}


def test_a_step_that_finds_nobody_falls_back_to_the_built_in_one(
    madrid: Site, subject: Model, manager: User
) -> None:
    actions.set_ladder_steps(madrid, None, EscalationLevel.BREACHED, [StepSpec("owner")])
    start(madrid, subject, owner=None)
    sweep(DUE)
    assert told(EscalationLevel.BREACHED) == {"mateo": "email"}


def test_no_steps_puts_the_rung_back_to_the_built_in_one(madrid: Site, manager: User) -> None:
    actions.set_ladder_steps(madrid, None, EscalationLevel.WARNED, [StepSpec("site_manager")])
    actions.set_ladder_steps(madrid, None, EscalationLevel.WARNED, [])
    assert not EscalationStep.objects.exists()


def test_a_named_person_of_another_site_is_refused(madrid: Site, outsider: User) -> None:
    with pytest.raises(ValidationError) as error:
        actions.set_ladder_steps(
            madrid, "INFO-WEB", EscalationLevel.BREACHED, [StepSpec("person", person=outsider)]
        )
    assert "person" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        actions.set_ladder_steps(madrid, "INFO-WEB", 7, [StepSpec("owner")])
    assert "level" in error.value.message_dict


def test_the_preview_names_the_next_clock_and_who_each_step_would_tell(
    madrid: Site, subject: Model, agent: User, manager: User, site_manager: User
) -> None:
    actions.set_ladder_steps(
        madrid, "INFO-WEB", EscalationLevel.BREACHED, [StepSpec("owner"), StepSpec("site_manager")]
    )
    start(madrid, subject, owner=agent)
    preview = ladders.preview(madrid, "INFO-WEB")
    assert preview.clock is not None and preview.clock.owner == agent
    by_level = {rung.level: rung for rung in preview.rungs}
    assert [r.user for r in by_level[EscalationLevel.WARNED].recipients] == [agent]
    assert not by_level[EscalationLevel.WARNED].configured
    assert [r.user for r in by_level[EscalationLevel.BREACHED].recipients] == [agent, site_manager]
    assert [r.user for r in by_level[EscalationLevel.SITE_MANAGER].recipients] == [site_manager]


def test_a_manager_sets_a_step_on_the_ladder_page_and_sees_the_preview(
    client: Client, madrid: Site, subject: Model, agent: User, manager: User
) -> None:
    start(madrid, subject, owner=agent)
    client.force_login(manager)
    url = reverse("clocks:set_rung", args=[madrid.slug, 2]) + "?standard=INFO-WEB"
    response = client.post(url, {"level2-recipients": ["owner"], "level2-channel": "email"})
    assert response.status_code == 302
    page = client.get(reverse("clocks:ladder", args=[madrid.slug]) + "?standard=INFO-WEB")
    body = page.content.decode()
    assert page.status_code == 200 and "data-preview" in body and "Alba" in body


def test_a_bad_step_is_shown_again_on_its_field(
    client: Client, madrid: Site, manager: User
) -> None:
    client.force_login(manager)
    url = reverse("clocks:set_rung", args=[madrid.slug, 3])
    response = client.post(url, {"level3-recipients": ["person"], "level3-channel": "email"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Name a person who works at this site." in body
    assert re.search(r'value="person"[^>]*checked', body)


def test_an_agent_reads_the_ladder_but_cannot_change_it(
    client: Client, madrid: Site, agent: User
) -> None:
    client.force_login(agent)
    assert client.get(reverse("clocks:ladder", args=[madrid.slug])).status_code == 200
    url = reverse("clocks:set_rung", args=[madrid.slug, 1])
    assert client.post(url, {"level1-recipients": ["owner"]}).status_code == 403


def test_an_outsider_gets_404(client: Client, madrid: Site, outsider: User) -> None:
    client.force_login(outsider)
    assert client.get(reverse("clocks:ladder", args=[madrid.slug])).status_code == 404

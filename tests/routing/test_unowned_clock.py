"""A case routing cannot place starts CASE-OWNER, which escalates like every clock and is
met as soon as the case has an owner; inbound cases are routed as they arrive."""

from __future__ import annotations

import datetime as dt

from posventa.cases import actions as cases
from posventa.cases.models import Case
from posventa.clocks.models import Clock, ClockState, EscalationLevel
from posventa.clocks.sweeper import sweep
from posventa.core.models import Event, Site, Team, User
from posventa.inbox.batch import InboundItem, ingest_many
from posventa.outbox.models import Notification
from posventa.routing import actions
from posventa.routing.models import RoutingMode
from tests.inbox.factories import case_of, email_bytes, receive_email


def email_case(site: Site, subject: str = "Ruido en el freno delantero") -> Case:
    return case_of(receive_email(site, subject=subject, body="Chirría al frenar en frío."))


def owner_clock(case: Case) -> Clock | None:
    return Clock.objects.filter(subject_id=str(case.pk), standard_id="CASE-OWNER").first()


def test_an_inbound_case_gets_the_named_owner_as_it_arrives(
    madrid: Site, manager: User, lidia: User
) -> None:
    actions.set_routing_rule(
        madrid, "service", mode=RoutingMode.NAMED_OWNER, named_owner=lidia, actor=manager
    )
    case = email_case(madrid)
    assert case.owner == lidia
    # Its reply clocks follow the owner, and no unowned clock was needed.
    assert set(Clock.objects.filter(subject_id=str(case.pk)).values_list("owner", flat=True)) == {
        lidia.pk
    }
    assert owner_clock(case) is None
    assert Event.objects.filter(verb="case.routed_named_owner", subject_id=str(case.pk)).exists()


def test_without_a_rule_an_inbound_case_waits_in_the_queue_as_before(madrid: Site) -> None:
    case = email_case(madrid)
    assert case.owner is None and owner_clock(case) is None


def test_nobody_to_take_it_starts_the_unowned_clock_which_escalates_to_the_leads(
    madrid: Site, manager: User, team_lead: User, service_team: Team
) -> None:
    actions.set_routing_rule(madrid, "service", mode=RoutingMode.ROUND_ROBIN, actor=manager)
    for member in service_team.members.all():
        actions.mark_away(member, actor=team_lead, reason="Reunión")
    case = email_case(madrid)
    clock = owner_clock(case)
    assert case.owner is None and clock is not None
    assert clock.state == ClockState.RUNNING and clock.target_seconds == 15 * 60
    assert clock.started_at == case.opened_at
    assert Event.objects.filter(verb="case.routing_found_nobody", subject_id=str(case.pk)).exists()
    # Fifteen business minutes later, still unowned: breached, and the leads hear.
    assert clock.due_at is not None
    sweep(clock.due_at + dt.timedelta(seconds=1))
    clock.refresh_from_db()
    assert clock.escalation_level >= EscalationLevel.BREACHED and clock.breached_at == clock.due_at
    told = set(
        Notification.objects.filter(subject__contains="CASE-OWNER").values_list(
            "recipient", flat=True
        )
    )
    assert {team_lead.pk, manager.pk} <= told


def test_taking_the_case_meets_the_unowned_clock(
    madrid: Site, manager: User, agent: User, lidia: User
) -> None:
    actions.set_routing_rule(madrid, "service", mode=RoutingMode.ROUND_ROBIN, actor=manager)
    actions.mark_away(lidia, actor=lidia)
    case = email_case(madrid)
    cases.assign_case(case, agent, actor=agent)
    clock = owner_clock(case)
    assert clock is not None and clock.state == ClockState.SATISFIED and clock.owner == agent


def test_the_site_sets_how_long_an_unrouted_case_may_wait(
    madrid: Site, manager: User, lidia: User
) -> None:
    actions.set_unowned_limit(madrid, 5, actor=manager)
    actions.set_routing_rule(
        madrid, "service", mode=RoutingMode.NAMED_OWNER, named_owner=lidia, actor=manager
    )
    actions.mark_away(lidia, actor=lidia)
    clock = owner_clock(email_case(madrid))
    assert clock is not None and clock.target_seconds == 5 * 60


def test_a_case_put_back_in_the_queue_is_routed_again(
    madrid: Site, manager: User, lidia: User, jorge: User
) -> None:
    actions.set_routing_rule(
        madrid, "service", mode=RoutingMode.NAMED_OWNER, named_owner=lidia, actor=manager
    )
    case = email_case(madrid)
    cases.assign_case(case, jorge, actor=manager)
    cases.assign_case(case, None, actor=manager)
    assert case.owner == lidia


def test_a_batch_of_inbound_mail_is_routed_in_turn(
    madrid: Site, manager: User, service_team: Team
) -> None:
    """`inbox.batch.ingest_many` (IMAP polls, backlogs) announces its new cases too. A
    named owner, so the result does not depend on who is on duty at the hour the test runs."""
    from_ = "Cliente {n} <cliente{n}@example.net>"
    actions.set_routing_rule(
        madrid,
        "service",
        mode=RoutingMode.NAMED_OWNER,
        actor=manager,
        named_owner=service_team.members.get(username="irene"),
    )
    items = [
        InboundItem(
            "email",
            email_bytes(
                from_=from_.format(n=n), subject=f"Consulta {n}", message_id=f"<r{n}@example.net>"
            ),
            source="imap",
            site=madrid,
        )
        for n in range(3)
    ]
    ingest_many(items)
    owners = set(Case.objects.filter(site=madrid).values_list("owner__username", flat=True))
    assert owners == {"irene"}
    assert Event.objects.filter(verb="case.routed_named_owner").count() == 3

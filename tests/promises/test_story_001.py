"""Story 001 end to end: "a technician will get back to you", said twice, and nobody did.

Here the reception's reply carries the promise; the composer proposes it, owned by the
workshop, with a deadline read on the site's calendar; the API lists it; the customer sees
it in the portal; and when nobody calls, the clock warns the team leads and escalates at
the deadline, before the customer has to chase. Only the technician's own call keeps it.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from posventa.cases import actions as cases
from posventa.cases.models import Case
from posventa.clocks.models import Clock, ClockState
from posventa.clocks.sweeper import sweep
from posventa.core.models import Event, Team, User
from posventa.inbox.actions import ingest
from posventa.outbox.models import Notification
from posventa.portal.links import portal_token
from posventa.promises import composer
from posventa.promises.models import Promise, PromiseStatus
from tests.inbox.factories import email_bytes
from tests.promises.conftest import TokenFactory

QUESTION = "¿Solo cambio de líquido de frenos o la revisión de los 30.000 km?"
REPLY = "Gracias por escribirnos. Un técnico se pondrá en contacto con usted mañana."


def test_the_promise_escalates_before_the_customer_chases_and_the_portal_shows_it(
    client: Client,
    api_as: TokenFactory,
    agent: User,
    technician: User,
    manager: User,
    workshop: Team,
) -> None:
    raw = ingest(
        "email",
        email_bytes(from_="Nora Ejemplo <nora.ejemplo@example.net>", subject="Líquido de frenos",
                    body=QUESTION),
        source="imap",
        site=workshop.site,
    )  # fmt: skip
    assert raw.message is not None
    case: Case = raw.message.case
    workshop.lead = manager
    workshop.save()

    # The reception answers; the composer proposes the promise in the reply, as typed.
    client.force_login(agent)
    (proposal,) = composer.propose(case, agent, REPLY)
    assert proposal.owner == f"team:{workshop.pk}"
    answer = client.post(
        reverse("cases:reply", args=[case.reference]),
        {
            "channel": "email",
            "body": REPLY,
            "promise-count": "1",
            **{
                f"promise-0-{name}": getattr(proposal, name)
                for name in ("decision", "sentence", "what", "act", "owner", "deadline", "channel")
            },
        },
    )
    assert answer.status_code == 302
    promise = Promise.objects.get(case=case)
    assert promise.owner_team == workshop and promise.status == PromiseStatus.OPEN

    # Billing or a supervisor asks the API: the promise is there, owned by the workshop.
    listed = api_as(manager).get("/api/promises", status="open", case=case.reference).json()
    assert [item["owner_label"] for item in listed["items"]] == [workshop.name]

    # The customer sees who will contact her and by when, in Spanish.
    portal = client.get(reverse("portal:home", args=[portal_token(case.customer)]))
    page = portal.content.decode()
    assert f"{workshop.name} se pondrá en contacto con usted" in page
    assert "Lo que le hemos prometido" in page

    # Nobody calls. Time moves to just past the deadline: the sweeper escalates.
    clock = Clock.objects.get(
        subject_type=ContentType.objects.get_for_model(Promise), subject_id=str(promise.pk)
    )
    assert clock.owner is None, "a team's promise: the leads are warned"
    breach_at = promise.deadline + dt.timedelta(minutes=1)
    sweep(now=breach_at)
    clock.refresh_from_db()
    assert clock.breached_at is not None
    assert Notification.objects.filter(recipient=manager).exists()
    breached = Event.objects.filter(verb="clock.breached", subject_id=str(promise.pk)).get()

    # Two days later the customer writes again: by then the breach was already known.
    chase_at = promise.deadline + dt.timedelta(days=2)
    assert breached.occurred_at < chase_at
    # The reception's own follow-up does not keep the workshop's promise...
    cases.reply(case, author=agent, body="Le paso su consulta de nuevo al taller.")
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.OPEN
    # ...the technician's own call does, late, and the breach stays in the record.
    cases.log_call(case, author=technician, summary="Solo líquido de frenos; revisión en 2027.")
    promise.refresh_from_db()
    clock.refresh_from_db()
    assert promise.status == PromiseStatus.KEPT
    assert clock.state == ClockState.SATISFIED and clock.breached_at is not None
    # And the portal no longer lists it as open.
    portal = client.get(reverse("portal:home", args=[portal_token(case.customer)]))
    assert "Lo que le hemos prometido" not in portal.content.decode()


def test_the_waiting_list_shows_a_promise_with_its_customer_and_case(
    client: Client, promise: Promise, manager: User
) -> None:
    client.force_login(manager)
    page = client.get(reverse("clocks:waiting")).content.decode()
    assert promise.what in page
    assert promise.case.reference in page
    assert promise.get_absolute_url() in page

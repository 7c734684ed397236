"""Seed 003 as a scenario, through the API and the clocks with time moved forward.

A customer complains by e-mail about the mess an installer left (not a technical fault).
In the seed the complaint was never registered, he was passed from department to
department and told the story again each time, and offered a technician. Here the
complaint is registered on his case, acknowledged with its reference and owner, flagged
when it lands in a department that cannot solve it, keeps one reference and one owner at
a time through two transfers, escalates to the service manager when it stays open, and
cannot close until the customer agrees.

Names and addresses are invented.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from posventa.cases import actions as cases
from posventa.cases.models import Case, CaseTransfer
from posventa.clocks.models import ClockState
from posventa.clocks.sweeper import sweep
from posventa.core.models import Site, User
from posventa.inbox.models import Direction, Message
from posventa.outbox.models import Notification
from tests.api.conftest import TokenFactory
from tests.cases.helpers import clock
from tests.inbox.factories import case_of, receive_email

MESS = (
    "El instalador manchó las paredes del portal y de mi casa, dejó trozos de cable, cajas "
    "y bolsas, y tuve que ayudarle a pasar el cable. No es un problema técnico."
)
WISH = "Que reconozcan lo que pasó y limpien el portal. No quiero otro técnico."


def test_story_003_one_reference_one_owner_two_transfers_and_the_customer_decides(
    madrid: Site, agent: User, manager: User, technician: User, api_as: TokenFactory
) -> None:
    case = case_of(receive_email(madrid, subject="Queja por la instalación", body=MESS))
    reference = case.reference
    api = api_as(agent)

    # Registered, whoever receives it: the API takes it with the customer's own words.
    created = api.post(
        "/api/complaints",
        {"case": reference, "category": "cleanliness", "severity": "high", "desired_outcome": WISH},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["reference"] == reference and body["category"] == "cleanliness"
    assert body["desired_outcome"] == WISH and body["misrouted_department"] == ""
    registered_at = dt.datetime.fromisoformat(body["registered_at"])

    # Acknowledged with the reference and the owner's name (the agent takes it).
    acknowledged = api.post(f"/api/complaints/{reference}/acknowledgement", {"note": ""})
    assert acknowledged.status_code == 200, acknowledged.content
    assert acknowledged.json()["owner_name"] == agent.get_full_name()
    ack = Message.objects.get(pk=clock_ack_message(case))
    assert reference in ack.body_text and agent.get_full_name() in ack.body_text
    assert clock(case, "COMPLAINT-ACK").state == ClockState.SATISFIED

    # First transfer: to the technician in sales, who cannot solve a mess. Flagged.
    moved = api.post(
        f"/api/cases/{reference}/transfer",
        {"to_owner": technician.pk, "to_department": "sales", "note": "Lo mira ventas."},
    )
    assert moved.status_code == 200, moved.content
    flagged = api.get(f"/api/complaints/{reference}").json()
    assert flagged["misrouted_department"] == "sales" and flagged["owner"] == technician.pk
    assert [
        c["reference"] for c in api.get("/api/complaints", misrouted="true").json()["items"]
    ] == [reference]

    # Second transfer: to the service manager in the complaints department. Unflagged.
    moved = api.post(
        f"/api/cases/{reference}/transfer",
        {
            "to_owner": manager.pk,
            "to_department": "complaints",
            "note": "Queja de limpieza, no técnica. No volver a pedirle la historia.",
        },
    )
    assert moved.status_code == 200, moved.content
    now = api.get(f"/api/complaints/{reference}").json()
    assert now["misrouted_department"] == "" and now["owner"] == manager.pk
    assert now["reference"] == reference

    # One case, one reference, one owner at a time, and every clock follows the owner.
    assert Case.objects.filter(customer=case.customer).count() == 1
    assert CaseTransfer.objects.filter(case=case).count() == 2
    assert clock(case, "COMPLAINT-OPEN").owner == manager

    # It cannot close without the customer, by the API or by resolving the case.
    refused = api.post(f"/api/complaints/{reference}/close", {"reason": ""})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "agreement"
    refused = api.post(f"/api/complaints/{reference}/close", {"reason": "Ya está."})
    assert refused.json()["errors"][0]["field"] == "reason"
    case.refresh_from_db()
    answer = cases.reply(case, author=manager, body="Hemos limpiado el portal.")
    with pytest.raises(ValidationError) as not_yet:
        cases.resolve_case(case, actor=manager, answer=answer)
    assert "status" in not_yet.value.message_dict

    # Time moves forward: still open after 14 days, the service manager is told.
    sweep(now=registered_at + dt.timedelta(days=14, hours=1))
    overdue = clock(case, "COMPLAINT-OPEN")
    assert overdue.is_breached and overdue.state == ClockState.RUNNING
    told = Notification.objects.filter(dedupe_key__startswith=f"clock:{overdue.pk}:level:2:")
    assert manager.pk in {row.recipient_id for row in told}

    # The customer replies that he agrees; that reply is the agreement, and then it closes.
    receive_email(
        madrid,
        subject=f"Re: Queja por la instalación [{reference}]",
        body="De acuerdo, el portal está limpio. Gracias.",
    )
    agrees = Message.objects.filter(case=case, direction=Direction.INBOUND).latest("id")
    agreed = api.post(
        f"/api/complaints/{reference}/agreement", {"source": "reply", "message": agrees.pk}
    )
    assert agreed.status_code == 200, agreed.content
    closed = api.post(f"/api/complaints/{reference}/close", {})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    case.refresh_from_db()
    cases.resolve_case(case, actor=manager, answer=answer)
    assert Case.objects.filter(customer=case.customer).count() == 1


def clock_ack_message(case: Case) -> int:
    return int(case.complaint.acknowledgement_id)  # type: ignore[arg-type]

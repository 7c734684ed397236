"""Seed 002, end to end over real HTTP: collections cut the lines, sent dunning letters and
threatened legal action every week while a documented dispute about invoices that said
zero was open. Here the cut-off is refused while the dispute is open (every week, as the
clocks move forward and escalate the dispute), and allowed once it is resolved.

Runs against a live server (pytest-django `live_server`) with a real bearer token, through
the API only; the sweeper is run with time moved forward.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from typing import Any

from django.utils import timezone

from posventa.api.actions import create_api_token
from posventa.billing.models import CollectionAttempt
from posventa.cases.models import Case
from posventa.clocks.models import Clock
from posventa.clocks.sweeper import sweep
from posventa.core.events import timeline
from posventa.core.models import Site, User
from posventa.customers.models import Customer
from posventa.outbox.models import Notification


class Api:
    def __init__(self, base: str, user: User) -> None:
        self.base = f"{base}/api"
        self.token = create_api_token(user, "story-002").plaintext

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.base}{path}",
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")


def test_the_cut_off_is_refused_while_the_dispute_is_open_and_allowed_after(
    live_server: Any, madrid: Site, customer: Customer, agent: User, manager: User
) -> None:
    care = Api(live_server.url, agent)  # customer care: owns the dispute
    collections = Api(live_server.url, manager)  # the collections system's token

    # The promotion: two phones replaced free of charge, invoiced at zero, one account.
    for number in ("T-0001", "T-0002"):
        status, _ = care.call(
            "POST",
            "/billing/invoices",
            {
                "customer": customer.pk,
                "number": number,
                "date": "2026-10-05",
                "amount": "0.00",
                "currency": "EUR",
                "account": "LINEAS-77",
            },
        )
        assert status == 201

    # The customer documents the complaint; care opens the dispute and holds the account.
    status, case_body = care.call(
        "POST",
        "/cases",
        {
            "site": "madrid",
            "customer": customer.pk,
            "channel": "letter",
            "subject": "Cobro de terminales de promoción con factura a cero",
            "department": "billing",
            "requested_reply_channel": "email",
            "owner": agent.pk,
        },
    )
    assert status == 201, case_body
    reference = case_body["reference"]
    status, hold = care.call(
        "POST",
        "/billing/holds",
        {"case": reference, "reason": "Facturas T-0001 y T-0002 a coste cero (promoción)"},
    )
    assert status == 201, hold

    # Collections asks before acting, and is told.
    status, check = collections.call("GET", "/billing/hold-check?account=LINEAS-77")
    assert (status, check["status"], check["holds"][0]["case"]) == (200, "held", reference)
    assert check["holds"][0]["owner"] == str(agent)

    # Week after week it tries anyway: cut-off, dunning letter, legal referral. Refused.
    start = timezone.now()
    for week, kind in enumerate(["cut_off", "dunning_letter", "cut_off", "legal_referral"]):
        sweep(start + dt.timedelta(weeks=week))
        status, refused = collections.call(
            "POST",
            "/billing/collection-actions",
            {"kind": kind, "account": "LINEAS-77", "system": "Cobranzas"},
        )
        assert status == 409, refused
        assert refused["errors"][0]["field"] == "hold"
        assert reference in refused["errors"][0]["message"]

    case = Case.objects.get(reference=reference)
    refusals = timeline(case).filter(verb="collection.refused")
    assert refusals.count() == 4
    told = Notification.objects.filter(recipient=agent, dedupe_key__startswith="collection-")
    assert told.count() == 4 and all(reference in each.subject for each in told)
    # The dispute itself was not forgotten meanwhile: its clock escalated.
    assert Clock.objects.filter(subject_id=str(case.pk), breached_at__isnull=False).exists()

    # Care answers the customer and resolves the dispute: the debt is cancelled.
    status, reply = care.call(
        "POST",
        f"/cases/{reference}/replies",
        {"body": "Anulamos el cobro de los terminales y rehabilitamos sus líneas."},
    )
    assert status == 201, reply
    status, resolved = care.call(
        "POST",
        f"/billing/disputes/{reference}/resolve",
        {"answer": reply["message"]["id"], "reason": "Promoción aplicada: deuda anulada"},
    )
    assert status == 200, resolved
    assert resolved["lifted"][0]["lift_reason"] == "Promoción aplicada: deuda anulada"

    status, check = collections.call("GET", "/billing/hold-check?account=LINEAS-77")
    assert check == {"status": "clear", "holds": []}
    status, allowed = collections.call(
        "POST",
        "/billing/collection-actions",
        {"kind": "cut_off", "account": "LINEAS-77", "system": "Cobranzas"},
    )
    assert status == 201 and allowed["refused"] is False
    assert list(CollectionAttempt.objects.order_by("at").values_list("refused", flat=True)) == [
        True,
        True,
        True,
        True,
        False,
    ]

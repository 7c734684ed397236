"""The hold check billing and collections systems call before they act."""

from __future__ import annotations

from posventa.billing import actions
from posventa.billing.models import Invoice
from posventa.cases.models import Case
from posventa.core.models import User
from posventa.customers.models import Customer
from tests.billing.conftest import TokenFactory


def test_a_held_account_answers_held_with_the_case_owner_and_since(
    api_as: TokenFactory, agent: User, dispute: Case, invoices: list[Invoice]
) -> None:
    hold = actions.place_hold(dispute, actor=agent, reason="Coste cero")
    client = api_as(agent)
    for query in (
        {"customer": dispute.customer_id},
        {"account": "ACC-5001"},
        {"invoice": "F-2026-0150"},
    ):
        body = client.get("/api/billing/hold-check", **query).json()
        assert body["status"] == "held", query
        (found,) = body["holds"]
        assert found["case"] == dispute.reference
        assert found["owner"] == str(agent)
        assert found["since"].startswith(hold.placed_at.isoformat()[:19])


def test_an_invoice_hold_leaves_other_invoices_clear(
    api_as: TokenFactory, agent: User, dispute: Case, invoices: list[Invoice]
) -> None:
    actions.place_hold(dispute, actor=agent, reason="Coste cero", invoices=invoices[:1])
    client = api_as(agent)
    assert client.get("/api/billing/hold-check", invoice="F-2026-0101").json()["status"] == "held"
    assert client.get("/api/billing/hold-check", invoice="F-2026-0150").json()["status"] == "clear"


def test_an_unknown_account_answers_clear_not_an_error(
    api_as: TokenFactory, agent: User, customer: Customer
) -> None:
    client = api_as(agent)
    for query in ({"account": "NOPE-1"}, {"customer": 10**12}, {"invoice": "F-none"}):
        response = client.get("/api/billing/hold-check", **query)
        assert response.status_code == 200, query
        assert response.json() == {"status": "clear", "holds": []}


def test_asking_about_nothing_names_the_field(api_as: TokenFactory, agent: User) -> None:
    response = api_as(agent).get("/api/billing/hold-check")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "customer"


def test_a_token_of_another_site_does_not_learn_of_the_hold(
    api_as: TokenFactory, agent: User, outsider: User, dispute: Case
) -> None:
    actions.place_hold(dispute, actor=agent, reason="Coste cero")
    body = api_as(outsider).get("/api/billing/hold-check", customer=dispute.customer_id).json()
    assert body == {"status": "clear", "holds": []}

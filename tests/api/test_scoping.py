"""Every request reaches the sites of the token's user, narrowed to the token's sites.
Anything else is a 404, never a 403, so nobody learns that it exists."""

from __future__ import annotations

from posventa.cases.models import Case
from posventa.core import actions as core_actions
from posventa.core.models import Role, Site, User
from posventa.customers import actions as customer_actions
from posventa.customers.models import Customer
from tests.api.conftest import TokenFactory
from tests.conftest import make_user


def test_a_token_scoped_to_madrid_cannot_read_a_goteborg_case(
    api_as: TokenFactory, group_admin: User, madrid: Site, madrid_case: Case, goteborg_case: Case
) -> None:
    client = api_as(group_admin, sites=[madrid])
    response = client.get(f"/api/cases/{goteborg_case.reference}")
    assert response.status_code == 404
    assert response.json() == {"errors": [{"field": None, "message": "Not found."}]}
    listed = client.get("/api/cases").json()
    assert [case["reference"] for case in listed["items"]] == [madrid_case.reference]


def test_an_unscoped_token_reaches_every_site_of_its_user(
    api_as: TokenFactory, group_admin: User, madrid_case: Case, goteborg_case: Case
) -> None:
    client = api_as(group_admin)
    assert client.get(f"/api/cases/{goteborg_case.reference}").status_code == 200
    assert client.get("/api/cases").json()["count"] == 2


def test_an_outsiders_token_gets_404_for_a_madrid_case(
    api_as: TokenFactory, outsider: User, madrid_case: Case
) -> None:
    client = api_as(outsider)
    reference = madrid_case.reference
    assert client.get(f"/api/cases/{reference}").status_code == 404
    assert client.get(f"/api/cases/{reference}/messages").status_code == 404
    transfer = client.post(f"/api/cases/{reference}/transfer", {"note": "mine now"})
    assert transfer.status_code == 404
    reply = client.post(f"/api/cases/{reference}/replies", {"body": "Hej!"})
    assert reply.status_code == 404
    assert madrid_case.messages.filter(direction="outbound", automatic=False).count() == 0


def test_a_token_loses_a_site_when_its_user_loses_the_role(
    api_as: TokenFactory, madrid: Site, madrid_case: Case
) -> None:
    temp = make_user("tomas")
    membership = core_actions.grant_role(temp, madrid.organisation, Role.AGENT, madrid)
    client = api_as(temp)
    assert client.get(f"/api/cases/{madrid_case.reference}").status_code == 200
    membership.delete()  # core has no "revoke role" action yet; the row is what counts
    assert client.get(f"/api/cases/{madrid_case.reference}").status_code == 404


def test_customers_of_another_group_are_not_found(
    api_as: TokenFactory, agent: User, customer: Customer
) -> None:
    other_group = core_actions.create_organisation("Otro Grupo", "otro")
    core_actions.create_site(
        other_group, name="Otro Taller", slug="otro", timezone="Europe/Madrid", country="ES"
    )
    stranger = customer_actions.create_customer(other_group, display_name="Inés Castell")
    client = api_as(agent)
    assert client.get(f"/api/customers/{stranger.pk}").status_code == 404
    assert client.get(f"/api/customers/{stranger.pk}/vehicles").status_code == 404
    found = client.get("/api/customers", q="Castell").json()
    assert [row["id"] for row in found["items"]] == [customer.pk]


def test_a_case_cannot_be_opened_at_a_site_out_of_reach(
    api_as: TokenFactory, agent: User, customer: Customer
) -> None:
    response = api_as(agent).post(
        "/api/cases", {"site": "goteborg", "customer": customer.pk, "channel": "phone"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "site"
    assert not Case.objects.exists()

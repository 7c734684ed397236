"""The billing pages: invoices entered by staff and imported, a hold placed from the dispute
page, the dossier downloaded; outsiders get 404 and visitors the login."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from posventa.billing.models import Hold, Invoice
from posventa.cases.models import Case
from posventa.core.models import User
from posventa.customers.models import Customer

PAGES = ["billing:invoices", "billing:dispute", "billing:dossier_pdf"]


def url(name: str, dispute: Case) -> str:
    if name == "billing:invoices":
        return reverse(name, args=[dispute.customer_id])
    return reverse(name, args=[dispute.reference])


@pytest.mark.parametrize("name", PAGES)
def test_staff_of_the_site_open_it_outsiders_get_404_visitors_the_login(
    client: Client, dispute: Case, agent: User, outsider: User, name: str
) -> None:
    assert client.get(url(name, dispute)).status_code == 302
    client.force_login(outsider)
    assert client.get(url(name, dispute)).status_code == 404
    client.force_login(agent)
    assert client.get(url(name, dispute)).status_code == 200


def test_staff_enter_an_invoice_and_a_bad_one_keeps_what_they_typed(
    client: Client, customer: Customer, agent: User
) -> None:
    client.force_login(agent)
    target = reverse("billing:add_invoice", args=[customer.pk])
    good = {"number": "F-77", "issued_on": "2026-10-01", "amount": "0", "currency": "EUR"}
    response = client.post(target, {**good, "status": "issued"})
    assert response.status_code == 302
    assert Invoice.objects.get().number == "F-77"
    bad = client.post(target, {**good, "number": "F-78", "currency": "E", "status": "issued"})
    assert bad.status_code == 400
    assert "ISO 4217" in bad.content.decode() and 'value="F-78"' in bad.content.decode()


def test_a_csv_imported_from_the_page_lists_each_bad_row(
    client: Client, customer: Customer, agent: User
) -> None:
    client.force_login(agent)
    data = (
        "number,date,amount,currency,customer\n"
        f"F-1,2026-10-01,0,EUR,{customer.pk}\n"
        f"F-2,yesterday,0,EUR,{customer.pk}\n"
    ).encode()
    response = client.post(
        reverse("billing:import_invoices", args=[customer.pk]),
        {"file": SimpleUploadedFile("f.csv", data, content_type="text/csv")},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Line 3" in page and "YYYY-MM-DD" in page
    assert list(Invoice.objects.values_list("number", flat=True)) == ["F-1"]


def test_a_hold_is_placed_from_the_dispute_page(
    client: Client, dispute: Case, agent: User, invoices: list[Invoice]
) -> None:
    client.force_login(agent)
    target = reverse("billing:place_hold", args=[dispute.reference])
    assert client.post(target, {"reason": " "}).status_code == 400
    response = client.post(target, {"reason": "Coste cero", "invoices": [invoices[0].pk]})
    assert response.status_code == 302
    hold = Hold.objects.get()
    assert list(hold.invoices.all()) == [invoices[0]] and hold.placed_by == agent
    page = client.get(reverse("billing:dispute", args=[dispute.reference])).content.decode()
    assert "Coste cero" in page and "F-2026-0101" in page


def test_the_case_page_links_to_its_dispute(client: Client, dispute: Case, agent: User) -> None:
    client.force_login(agent)
    page = client.get(reverse("cases:detail", args=[dispute.reference])).content.decode()
    assert reverse("billing:dispute", args=[dispute.reference]) in page

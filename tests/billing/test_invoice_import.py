"""CSV import: the file is kept raw, good rows are recorded, each bad row is reported with
its line and reason."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from posventa.api.actions import create_api_token
from posventa.billing import actions
from posventa.billing.models import Invoice, InvoiceImport
from posventa.core.models import User
from posventa.customers.models import Customer


def csv_for(customer: Customer) -> bytes:
    c = customer.pk
    return (
        "number,date,amount,currency,customer,status\n"
        f"F-10,2026-09-01,0.00,EUR,{c},issued\n"
        f"F-11,01/09/2026,12.00,EUR,{c},issued\n"
        f'F-12,2026-09-03,"1.234,50",EUR,{c},overdue\n'
        f"F-13,2026-09-04,5,EURO,{c},\n"
        "F-14,2026-09-05,5,EUR,999999,\n"
        f"F-15,2026-09-06,5,EUR,{c},lost\n"
    ).encode()


def test_good_rows_go_in_and_every_bad_row_is_reported(customer: Customer, agent: User) -> None:
    result = actions.import_invoices(
        customer.organisation, csv_for(customer), filename="octubre.csv", actor=agent
    )
    assert sorted(Invoice.objects.values_list("number", flat=True)) == ["F-10", "F-12"]
    assert [(e.line, e.field) for e in result.errors] == [
        (3, "date"),
        (5, "currency"),
        (6, "customer"),
        (7, "status"),
    ]
    assert result.errors[0].raw_row.startswith("F-11,")
    stored = InvoiceImport.objects.get()
    assert bytes(stored.raw) == csv_for(customer) and stored.created == 2


def test_importing_the_same_file_twice_records_nothing_new(customer: Customer) -> None:
    actions.import_invoices(customer.organisation, csv_for(customer), actor=None)
    again = actions.import_invoices(customer.organisation, csv_for(customer), actor=None)
    assert (again.created, again.unchanged) == (0, 2)
    assert Invoice.objects.count() == 2


def test_semicolons_and_a_byte_order_mark_are_read(customer: Customer) -> None:
    data = f"\ufeffnumber;date;amount;currency;customer\nF-20;2026-09-01;7,5;SEK;{customer.pk}\n"
    result = actions.import_invoices(customer.organisation, data.encode(), actor=None)
    assert result.created == 1 and not result.errors
    assert str(Invoice.objects.get().amount) == "7.50"


def test_a_file_without_the_columns_or_not_utf8_is_reported_not_dropped(
    customer: Customer,
) -> None:
    missing = actions.import_invoices(customer.organisation, b"number,amount\nF,1\n", actor=None)
    assert [(e.line, "date" in e.reason) for e in missing.errors] == [(1, True)]
    latin = actions.import_invoices(
        customer.organisation, "número\n\xf1".encode("latin-1"), actor=None
    )
    assert latin.errors[0].line == 1 and "UTF-8" in latin.errors[0].reason
    assert InvoiceImport.objects.count() == 2


def test_the_api_upload_answers_with_lines_and_reasons(customer: Customer, agent: User) -> None:
    token = create_api_token(agent, "billing").plaintext
    upload = SimpleUploadedFile("octubre.csv", csv_for(customer), content_type="text/csv")
    response = Client().post(
        "/api/billing/invoices/import",
        {"file": upload},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["created"] == 2
    assert [(e["line"], e["field"]) for e in body["errors"]] == [
        (3, "date"),
        (5, "currency"),
        (6, "customer"),
        (7, "status"),
    ]

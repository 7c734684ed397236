"""The service record handed over at delivery: one PDF with the work, parts, costs, the
declined jobs, the inspection by colour, the odometer and the next service, in the
customer's language."""

from __future__ import annotations

from decimal import Decimal as D

import weasyprint  # type: ignore[import-untyped]

from posventa.workshop.delivery_document import (
    DeclinedJob,
    DoneJob,
    InspectionResult,
    ServiceTransaction,
    delivery_html,
    render_delivery_pdf,
)
from posventa.workshop.estimates import Job, Line, LineKind

VAT = D("0.21")
BRAKES = Job(
    "brakes",
    "Ruido al frenar",
    (
        Line(LineKind.LABOUR, "Mano de obra frenos", D("1.2"), D("62.50"), VAT),
        Line(LineKind.PART, "Pastillas delanteras", D("1"), D("48.90"), VAT),
    ),
    primary=True,
)
FLUID = Job(
    "fluid",
    "Cambio de líquido de frenos",
    (Line(LineKind.PART, "Líquido DOT 4", D("1"), D("12.35"), VAT),),
)
WIPERS = Job("wipers", "Escobillas", (Line(LineKind.PART, "Escobillas", D("1"), D("24"), VAT),))


def transaction(language: str = "es") -> ServiceTransaction:
    return ServiceTransaction(
        reference="OR-2026-0042",
        site_name="Taller Ejemplo Norte",
        site_contact="Calle Inventada 1 · +34 600 000 000",
        customer_name="Lucía Prueba",
        vehicle="1234-XYZ Ejemplo Compacto",
        vin="VF1AAAAA555123456",
        odometer_in=30_112,
        odometer_out=30_118,
        received_at="2026-12-14 08:10 Europe/Madrid",
        delivered_at="2026-12-14 17:30 Europe/Madrid",
        currency="EUR",
        language=language,
        jobs=(
            DoneJob(FLUID, "Cada 2 años", "Sustituido", "Técnico Uno"),
            DoneJob(BRAKES, "Pastillas al límite", "Sustituidas", "Técnico Dos"),
        ),
        declined=(DeclinedJob(WIPERS, "Lo hará más adelante"),),
        inspection=(
            InspectionResult("Neumático delantero izquierdo", "yellow", "3 mm"),
            InspectionResult("Pastillas delanteras", "green", "11 mm", "Nuevas"),
            InspectionResult("Batería", "red", "", "Arranque débil"),
        ),
        next_service=("Aceite y filtro: a los 45.000 km o en 2027-12",),
    )


def test_the_record_lists_everything_the_customer_is_told() -> None:
    html = delivery_html(transaction())
    for text in (
        "OR-2026-0042",
        "Ruido al frenar",
        "Pastillas al límite",
        "Técnico Dos",
        "Lo hará más adelante",
        "30112 km",
        "30118 km",
        "Arranque débil",
        "Aceite y filtro",
        "2026-12-14 17:30 Europe/Madrid",
    ):
        assert text in html, text
    # The primary concern first, whatever order the jobs came in.
    assert html.index("Ruido al frenar") < html.index("Cambio de líquido de frenos")


def test_the_totals_are_the_sum_of_the_lines_the_customer_reads() -> None:
    html = delivery_html(transaction("en"))
    net = D("75.00") + D("48.90") + D("12.35")
    tax = D("15.75") + D("10.27") + D("2.59")
    assert f"{net} EUR" in html and f"{net + tax} EUR" in html
    # The declined job is not in the total.
    assert f"{net + tax + D('29.04')} EUR" not in html


def test_amounts_are_written_the_way_the_customers_language_writes_them() -> None:
    assert "164,86 EUR" in delivery_html(transaction("es"))
    assert "164,86 EUR" in delivery_html(transaction("sv"))


def test_the_inspection_is_read_by_colour() -> None:
    html = delivery_html(transaction("en"))
    assert "Needs attention soon" in html and "Needs attention now" in html and "Good" in html


def test_the_record_is_a_pdf_of_at_least_one_page() -> None:
    pdf = render_delivery_pdf(transaction())
    assert pdf.startswith(b"%PDF-")
    document = weasyprint.HTML(string=delivery_html(transaction())).render()
    assert len(document.pages) >= 1


def test_the_tax_reads_as_a_percentage() -> None:
    assert "Tax 21 %" in delivery_html(transaction("en"))

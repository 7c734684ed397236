"""The service transaction handed over at delivery, as one PDF (DELIVERY-EXPLAIN, -NEXT).

It lists the work done (concern, cause, correction, the technician), parts and labour with
their costs and taxes, the jobs the customer declined, the inspection results by colour,
the odometer in and out, and the next service due. It is rendered by WeasyPrint from
`workshop/delivery.html` in the customer's language, from plain values the delivery
action gathers (`ServiceTransaction`), so rendering reads nothing and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import weasyprint  # type: ignore[import-untyped]
from django.template.loader import render_to_string
from django.utils import formats, translation

from posventa.workshop.estimates import Estimate, Job


@dataclass(frozen=True)
class DoneJob:
    job: Job
    cause: str
    correction: str
    technician: str


@dataclass(frozen=True)
class DeclinedJob:
    job: Job
    reason: str


@dataclass(frozen=True)
class InspectionResult:
    item: str
    status: str  # "green", "yellow" or "red"
    measurement: str = ""  # "4 mm", "2.1 mm", as read
    note: str = ""


@dataclass(frozen=True)
class ServiceTransaction:
    reference: str
    site_name: str
    site_contact: str  # address and phone, one line
    customer_name: str
    vehicle: str  # plate, make and model
    vin: str
    odometer_in: int
    odometer_out: int
    received_at: str  # local time with its zone, as the customer reads it
    delivered_at: str
    currency: str
    language: str
    jobs: tuple[DoneJob, ...]
    declined: tuple[DeclinedJob, ...] = ()
    inspection: tuple[InspectionResult, ...] = ()
    next_service: tuple[str, ...] = ()  # the advisor's reasons, one line each

    @property
    def estimate(self) -> Estimate:
        return Estimate(tuple(done.job for done in self.jobs), self.currency)


def delivery_html(transaction: ServiceTransaction) -> str:
    estimate = transaction.estimate
    with translation.override(transaction.language):
        return render_to_string(
            "workshop/delivery.html",
            {
                "t": transaction,
                "jobs": sorted(transaction.jobs, key=lambda done: not done.job.primary),
                "net": sum((job.net for job in estimate.jobs), 0),
                "taxes": [
                    (f"{formats.number_format((rate * 100).normalize())} %", amount)
                    for rate, amount in sorted(estimate.tax_by_rate().items())
                ],
                "total": estimate.total(),
                "LANGUAGE_CODE": transaction.language,
            },
        )


def render_delivery_pdf(transaction: ServiceTransaction) -> bytes:
    pdf: bytes = weasyprint.HTML(string=delivery_html(transaction)).write_pdf()
    return pdf

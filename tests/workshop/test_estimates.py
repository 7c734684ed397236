"""Estimate totals are what the customer reads, to the cent; a new version says per job what
changed and whether work must stop until the customer approves it again."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal as D

from posventa.workshop.estimates import Estimate, Job, Line, LineKind, changes

VAT = D("0.21")
MONDAY = dt.datetime(2026, 12, 14, 17, tzinfo=dt.UTC)


def labour(hours: str, rate: str = "62.50") -> Line:
    return Line(LineKind.LABOUR, "Labour", D(hours), D(rate), VAT)


def part(name: str, price: str, quantity: str = "1", eta: dt.date | None = None) -> Line:
    return Line(LineKind.PART, name, D(quantity), D(price), VAT, part_eta=eta)


BRAKES = Job("brakes", "Ruido al frenar", (labour("1.2"), part("Pastillas", "48.90")), primary=True)
FLUID = Job("fluid", "Líquido de frenos", (labour("0.5"), part("DOT 4", "12.35")))
ESTIMATE = Estimate((FLUID, BRAKES), "EUR", completion=MONDAY)


def test_each_line_rounds_to_the_cent_and_the_totals_add_up() -> None:
    line = part("Tornillo", "0.333", quantity="3")
    assert (line.net, line.tax, line.gross) == (D("1.00"), D("0.21"), D("1.21"))
    assert BRAKES.net == D("75.00") + D("48.90")
    assert ESTIMATE.total() == BRAKES.total + FLUID.total
    assert ESTIMATE.total(["fluid"]) == FLUID.total
    assert sum(ESTIMATE.tax_by_rate().values()) == BRAKES.tax + FLUID.tax


def test_a_discount_comes_off_before_tax() -> None:
    line = replace(labour("1"), discount=D("12.50"))
    assert (line.net, line.tax) == (D("50.00"), D("10.50"))


def test_the_primary_concern_is_presented_first() -> None:
    assert [job.key for job in ESTIMATE.ordered_jobs()] == ["brakes", "fluid"]


def test_an_unchanged_version_is_no_variation() -> None:
    variation = changes(ESTIMATE, replace(ESTIMATE))
    assert not variation.is_variation and not variation.needs_approval


def test_a_dearer_job_stops_until_the_customer_approves_it() -> None:
    dearer = replace(
        BRAKES, lines=(labour("1.2"), part("Pastillas", "48.90"), part("Discos", "95.00"))
    )
    variation = changes(ESTIMATE, replace(ESTIMATE, jobs=(FLUID, dearer)))
    [change] = variation.jobs
    assert change.key == "brakes" and change.cost_grew and change.work_changed
    assert change.needs_approval and variation.needs_approval


def test_a_cheaper_job_is_a_variation_to_tell_but_needs_no_new_approval() -> None:
    cheaper = replace(BRAKES, lines=(labour("1.0"), part("Pastillas", "48.90")))
    variation = changes(ESTIMATE, replace(ESTIMATE, jobs=(FLUID, cheaper)))
    assert variation.is_variation and not variation.needs_approval


def test_a_part_arriving_later_is_a_variation_that_needs_approval() -> None:
    on_order = replace(
        FLUID, lines=(labour("0.5"), part("DOT 4", "12.35", eta=dt.date(2026, 12, 18)))
    )
    approved = replace(
        ESTIMATE,
        jobs=(
            replace(
                FLUID, lines=(labour("0.5"), part("DOT 4", "12.35", eta=dt.date(2026, 12, 15)))
            ),
            BRAKES,
        ),
    )
    variation = changes(approved, replace(ESTIMATE, jobs=(on_order, BRAKES)))
    [change] = variation.jobs
    assert change.parts_later and change.needs_approval and not change.cost_grew


def test_a_later_completion_time_needs_approval() -> None:
    later = replace(ESTIMATE, completion=MONDAY + dt.timedelta(days=1))
    variation = changes(ESTIMATE, later)
    assert variation.later and variation.needs_approval and variation.jobs == ()


def test_an_added_job_needs_approval_and_a_removed_one_does_not() -> None:
    wipers = Job("wipers", "Escobillas", (part("Escobillas", "24.00"),))
    variation = changes(ESTIMATE, replace(ESTIMATE, jobs=(BRAKES, wipers)))
    by_key = {change.key: change for change in variation.jobs}
    assert by_key["wipers"].added and by_key["wipers"].needs_approval
    assert by_key["fluid"].removed and not by_key["fluid"].needs_approval

"""Estimate arithmetic and what changed between two versions (CONSULT-APPROVAL, -VARIATION).

Pure, no database: the estimate actions build `Estimate` values from their rows, ask for
totals to show and store, and compare a new version with the one the customer approved.
Money is `Decimal`, rounded half up to the cent per line (as an invoice prints it), tax
per line (labour and parts may differ), so that the customer's total is the sum of what
they read.

A variation is any change to a job's work, cost, parts availability or completion time;
where the cost or the time grows, the customer must approve again before work on that job
goes on. `changes(approved, proposed)` says, per job, what changed and whether it needs
that new approval.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy

CENT = Decimal("0.01")


class LineKind(models.TextChoices):
    LABOUR = "labour", gettext_lazy("Labour")
    PART = "part", gettext_lazy("Part")
    FEE = "fee", gettext_lazy("Fee")  # environmental fee, shop supplies...


@dataclass(frozen=True)
class Line:
    kind: LineKind
    description: str
    quantity: Decimal  # hours for labour, units for parts
    unit_price: Decimal
    tax_rate: Decimal  # 0.21 for 21 %
    discount: Decimal = Decimal(0)  # an amount off this line, before tax
    part_eta: dt.date | None = None  # a special-order part's expected arrival

    @property
    def net(self) -> Decimal:
        return _cents(self.quantity * self.unit_price - self.discount)

    @property
    def tax(self) -> Decimal:
        return _cents(self.net * self.tax_rate)

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax


@dataclass(frozen=True)
class Job:
    key: str  # stable across versions (the job's id)
    concern: str
    lines: tuple[Line, ...] = ()
    hours: Decimal = Decimal(0)  # flat-rate hours the job takes
    primary: bool = False  # the customer's primary concern, presented first

    @property
    def net(self) -> Decimal:
        return sum((line.net for line in self.lines), Decimal(0))

    @property
    def tax(self) -> Decimal:
        return sum((line.tax for line in self.lines), Decimal(0))

    @property
    def total(self) -> Decimal:
        return self.net + self.tax

    @property
    def latest_part_eta(self) -> dt.date | None:
        etas = [line.part_eta for line in self.lines if line.part_eta]
        return max(etas) if etas else None

    def work(self) -> tuple[tuple[str, str, Decimal], ...]:
        """What is done and fitted, without prices: a change here is a change of work."""
        return tuple(sorted((line.kind, line.description, line.quantity) for line in self.lines))


@dataclass(frozen=True)
class Estimate:
    jobs: tuple[Job, ...]
    currency: str
    completion: dt.datetime | None = None  # the promised completion time

    def ordered_jobs(self) -> list[Job]:
        """The primary concern first, then the others as they were written up."""
        return sorted(self.jobs, key=lambda job: not job.primary)

    def total(self, keys: Sequence[str] | None = None) -> Decimal:
        """The total of the given jobs (all when None), e.g. of the approved ones."""
        return sum((job.total for job in self.jobs if keys is None or job.key in keys), Decimal(0))

    def tax_by_rate(self) -> dict[Decimal, Decimal]:
        taxes: dict[Decimal, Decimal] = {}
        for line in (line for job in self.jobs for line in job.lines):
            taxes[line.tax_rate] = taxes.get(line.tax_rate, Decimal(0)) + line.tax
        return taxes


@dataclass(frozen=True)
class JobChange:
    key: str
    added: bool = False
    removed: bool = False
    work_changed: bool = False
    cost_before: Decimal = Decimal(0)
    cost_after: Decimal = Decimal(0)
    eta_before: dt.date | None = None
    eta_after: dt.date | None = None

    @property
    def cost_grew(self) -> bool:
        return self.cost_after > self.cost_before

    @property
    def parts_later(self) -> bool:
        if self.eta_after is None:
            return False
        return self.eta_before is None or self.eta_after > self.eta_before

    @property
    def needs_approval(self) -> bool:
        """Work on this job stops until the customer approves the new version."""
        return self.added or self.cost_grew or self.parts_later


@dataclass(frozen=True)
class Variation:
    jobs: tuple[JobChange, ...]
    completion_before: dt.datetime | None
    completion_after: dt.datetime | None

    @property
    def later(self) -> bool:
        before, after = self.completion_before, self.completion_after
        return after is not None and (before is None or after > before)

    @property
    def is_variation(self) -> bool:
        return bool(self.jobs) or self.completion_before != self.completion_after

    @property
    def needs_approval(self) -> bool:
        return self.later or any(change.needs_approval for change in self.jobs)


def changes(approved: Estimate, proposed: Estimate) -> Variation:
    """What `proposed` changes against the version the customer `approved`."""
    before = {job.key: job for job in approved.jobs}
    after = {job.key: job for job in proposed.jobs}
    found: list[JobChange] = []
    for key in [*before, *(k for k in after if k not in before)]:
        change = _job_change(key, before.get(key), after.get(key))
        if change is not None:
            found.append(change)
    return Variation(tuple(found), approved.completion, proposed.completion)


def _job_change(key: str, old: Job | None, new: Job | None) -> JobChange | None:
    if old is None and new is not None:
        return JobChange(key, added=True, cost_after=new.total, eta_after=new.latest_part_eta)
    if new is None and old is not None:
        return JobChange(key, removed=True, cost_before=old.total, eta_before=old.latest_part_eta)
    assert old is not None and new is not None
    change = JobChange(
        key,
        work_changed=old.work() != new.work(),
        cost_before=old.total,
        cost_after=new.total,
        eta_before=old.latest_part_eta,
        eta_after=new.latest_part_eta,
    )
    unchanged = (
        not change.work_changed
        and change.cost_before == change.cost_after
        and change.eta_before == change.eta_after
    )
    return None if unchanged else change


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)

"""The workshop board: every open repair order of a site, its state, who holds it, and its
time to the promised time (the latest first to go wrong at the top).

Reads only; three queries whatever the number of orders (orders with their customer,
vehicle and advisor; job counts; who is clocked on now), so the board stays fast with a
site's few hundred open orders.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, F, Q

from posventa.core.formatting import format_duration
from posventa.core.models import Site
from posventa.workshop.models import Decision, RepairOrder, TimeEntry
from posventa.workshop.order_states import ACTIVE_STATES, HoldReason, OrderState


@dataclass(frozen=True)
class BoardRow:
    order_id: int
    reference: str
    state: str
    state_label: str
    waiting_for: str
    customer: str
    vehicle: str
    holder: str  # the technicians clocked on now, else the advisor
    working: bool  # someone is clocked on
    promised_at: dt.datetime | None
    time_left: dt.timedelta | None
    time_left_text: str  # "2 h 10 min", "-35 min" when late
    late: bool
    jobs_approved: int
    jobs_done: int
    jobs_waiting: int  # waiting for the customer's decision
    comeback: bool


def board(site: Site, now: dt.datetime) -> list[BoardRow]:
    orders = list(
        RepairOrder.objects.filter(site=site, state__in=ACTIVE_STATES)
        .select_related("site", "customer", "vehicle", "advisor")
        .only(
            "number",
            "state",
            "hold_reason",
            "promised_at",
            "opened_at",
            "comeback_of_id",
            "site__slug",
            "customer__display_name",
            "vehicle__plate",
            "vehicle__vin",
            "vehicle__make",
            "vehicle__model",
            "advisor__username",
            "advisor__first_name",
            "advisor__last_name",
        )
        .order_by(F("promised_at").asc(nulls_last=True), "opened_at", "pk")
    )
    ids = [order.pk for order in orders]
    counts = _job_counts(ids)
    holders = _clocked_on(ids)
    return [
        _row(order, counts.get(order.pk, (0, 0, 0)), holders.get(order.pk, []), now)
        for order in orders
    ]


def _job_counts(order_ids: list[int]) -> dict[int, tuple[int, int, int]]:
    rows = (
        RepairOrder.objects.filter(pk__in=order_ids)
        .annotate(
            approved=Count("jobs", filter=Q(jobs__decision=Decision.APPROVED)),
            done=Count(
                "jobs", filter=Q(jobs__decision=Decision.APPROVED, jobs__done_at__isnull=False)
            ),
            waiting=Count("jobs", filter=Q(jobs__decision=Decision.PENDING)),
        )
        .values_list("pk", "approved", "done", "waiting")
    )
    return {pk: (approved, done, waiting) for pk, approved, done, waiting in rows}


def _clocked_on(order_ids: list[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = defaultdict(list)
    entries = (
        TimeEntry.objects.filter(job__order_id__in=order_ids, ended_at__isnull=True)
        .select_related("technician")
        .only(
            "job__order_id",
            "technician__username",
            "technician__first_name",
            "technician__last_name",
        )
        .annotate(order_id=F("job__order_id"))
    )
    for entry in entries:
        names[entry.order_id].append(
            entry.technician.get_full_name() or entry.technician.get_username()
        )  # type: ignore[attr-defined]
    return names


def _row(
    order: RepairOrder, counts: tuple[int, int, int], working: list[str], now: dt.datetime
) -> BoardRow:
    approved, done, waiting = counts
    left = order.promised_at - now if order.promised_at else None
    advisor = order.advisor.get_full_name() or order.advisor.get_username()
    return BoardRow(
        order_id=order.pk,
        reference=order.reference,
        state=order.state,
        state_label=str(OrderState(order.state).label),
        waiting_for=str(HoldReason(order.hold_reason).label) if order.hold_reason else "",
        customer=order.customer.display_name,
        vehicle=str(order.vehicle),
        holder=", ".join(working) or advisor,
        working=bool(working),
        promised_at=order.promised_at,
        time_left=left,
        time_left_text=format_duration(left.total_seconds()) if left is not None else "",
        late=left is not None and left < dt.timedelta(0) and order.state != OrderState.COMPLETED,
        jobs_approved=approved,
        jobs_done=done,
        jobs_waiting=waiting,
        comeback=order.comeback_of_id is not None,
    )

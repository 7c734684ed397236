"""INFO-PHONE figures over calls and callbacks, read from the facts stored on each row.

The phone board (today at one site) and the compliance report (a period, per site,
department and agent, in `posventa.reports.phone`) count the same way, here:

* offered: inbound calls that are over (any final status).
* service level: answered within the ring limit / offered. A call that rang out, was
  abandoned or went to voicemail counts as offered and not answered in time.
* average speed of answer: mean ringing seconds of the answered inbound calls.
* abandonment rate: calls the caller hung up before an answer / offered.
* hold breaches: holds longer than the site's hold limit (one call may have several).
* callbacks: opened, kept (called back, customer called and was answered, written
  message after the last attempt), late (the INFO-PHONE clock breached: permanent, so a
  callback kept late stays late), and the on-time rate = kept on time / (kept on time +
  late), as every other standard counts % met. Open callbacks not yet late are undecided.

Every figure is computed in the database with one aggregate per query; nothing replays
events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    CharField,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Cast, Coalesce

from posventa.clocks.models import Clock, ClockState
from posventa.core.models import User
from posventa.telephony.models import (
    FINAL_STATUSES,
    Call,
    Callback,
    CallbackStatus,
    CallDirection,
)

KEPT_STATUSES = (
    CallbackStatus.CALLED_BACK,
    CallbackStatus.CUSTOMER_CALLED,
    CallbackStatus.MESSAGE_SENT,
)


@dataclass(frozen=True)
class CallFigures:
    offered: int = 0
    answered: int = 0
    answered_in_time: int = 0
    abandoned: int = 0
    unanswered: int = 0
    ring_seconds_answered: int = 0
    hold_breaches: int = 0

    @property
    def service_level(self) -> float | None:
        """% answered within the ring limit; None with no call offered (0 % would accuse)."""
        return 100.0 * self.answered_in_time / self.offered if self.offered else None

    @property
    def average_speed_of_answer(self) -> float | None:
        return self.ring_seconds_answered / self.answered if self.answered else None

    @property
    def abandonment_rate(self) -> float | None:
        return 100.0 * self.abandoned / self.offered if self.offered else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "offered": self.offered,
            "answered": self.answered,
            "answered_within_limit": self.answered_in_time,
            "abandoned": self.abandoned,
            "unanswered": self.unanswered,
            "service_level_percent": _round(self.service_level),
            "average_speed_of_answer_seconds": _round(self.average_speed_of_answer),
            "abandonment_rate_percent": _round(self.abandonment_rate),
            "hold_breaches": self.hold_breaches,
        }


@dataclass(frozen=True)
class CallbackFigures:
    opened: int = 0
    kept_on_time: int = 0
    late: int = 0
    open: int = 0
    called_back: int = 0
    customer_called: int = 0
    message_sent: int = 0

    @property
    def decided(self) -> int:
        return self.kept_on_time + self.late

    @property
    def on_time_rate(self) -> float | None:
        return 100.0 * self.kept_on_time / self.decided if self.decided else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "opened": self.opened,
            "kept_on_time": self.kept_on_time,
            "late": self.late,
            "open": self.open,
            "called_back": self.called_back,
            "customer_called": self.customer_called,
            "message_sent": self.message_sent,
            "on_time_rate_percent": _round(self.on_time_rate),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def offered_calls(calls: QuerySet[Call]) -> QuerySet[Call]:
    return calls.filter(direction=CallDirection.INBOUND, status__in=FINAL_STATUSES)


# Named apart from the model's fields: an annotation called "answered" would shadow the
# column in the filters beside it.
CALL_AGGREGATES: dict[str, Any] = {
    "n_offered": Count("pk"),
    "n_answered": Count("pk", filter=Q(answered=True)),
    "n_answered_in_time": Count("pk", filter=Q(answered_within_limit=True)),
    "n_abandoned": Count("pk", filter=Q(abandoned=True)),
    "n_unanswered": Count("pk", filter=Q(answered=False)),
    "n_ring_seconds_answered": Coalesce(Sum("ring_seconds", filter=Q(answered=True)), 0),
    "n_hold_breaches": Coalesce(Sum("holds_over_limit"), 0),
}


def _figures(row: dict[str, Any]) -> CallFigures:
    return CallFigures(**{name.removeprefix("n_"): row[name] for name in CALL_AGGREGATES})


def call_figures(calls: QuerySet[Call]) -> CallFigures:
    """The figures of `calls` (narrowed to offered inbound calls here), in one query."""
    return _figures(offered_calls(calls).aggregate(**CALL_AGGREGATES))


def call_figures_by(calls: QuerySet[Call], *fields: str) -> dict[tuple[Any, ...], CallFigures]:
    """The figures per value of `fields` (site_id, department, agent_id...), one query."""
    rows = offered_calls(calls).order_by().values(*fields).annotate(**CALL_AGGREGATES)
    return {tuple(row[name] for name in fields): _figures(row) for row in rows}


def late_clock_condition(now: dt.datetime) -> Q:
    """A breached INFO-PHONE clock, as the compliance report decides it (reports.metrics):
    stamped breached, satisfied past its target, or running past its deadline."""
    return (
        Q(breached_at__isnull=False)
        | Q(state=ClockState.SATISFIED, delta_seconds__gt=0)
        | Q(state=ClockState.RUNNING, due_at__lte=now)
    )


def with_lateness(callbacks: QuerySet[Callback], now: dt.datetime) -> QuerySet[Callback]:
    late = Clock.objects.filter(
        late_clock_condition(now),
        standard_id="INFO-PHONE",
        subject_type=ContentType.objects.get_for_model(Callback),
        subject_id=Cast(OuterRef("pk"), CharField()),
    )
    return callbacks.annotate(late=Exists(late))


def _callback_aggregates() -> dict[str, Any]:
    kept = Q(status__in=KEPT_STATUSES)
    return {
        "n_opened": Count("pk"),
        "n_kept_on_time": Count("pk", filter=kept & Q(late=False)),
        "n_late": Count("pk", filter=Q(late=True) & ~Q(status=CallbackStatus.CANCELLED)),
        "n_open": Count("pk", filter=Q(status=CallbackStatus.OPEN, late=False)),
        "n_called_back": Count("pk", filter=Q(status=CallbackStatus.CALLED_BACK)),
        "n_customer_called": Count("pk", filter=Q(status=CallbackStatus.CUSTOMER_CALLED)),
        "n_message_sent": Count("pk", filter=Q(status=CallbackStatus.MESSAGE_SENT)),
    }


def _callback_figures(row: dict[str, Any]) -> CallbackFigures:
    return CallbackFigures(
        **{name.removeprefix("n_"): value for name, value in row.items() if name.startswith("n_")}
    )


def callback_figures(callbacks: QuerySet[Callback], now: dt.datetime) -> CallbackFigures:
    return _callback_figures(with_lateness(callbacks, now).aggregate(**_callback_aggregates()))


def callback_figures_by(
    callbacks: QuerySet[Callback], now: dt.datetime, *fields: str
) -> dict[tuple[Any, ...], CallbackFigures]:
    rows = (
        with_lateness(callbacks, now).order_by().values(*fields).annotate(**_callback_aggregates())
    )
    return {tuple(row[name] for name in fields): _callback_figures(row) for row in rows}


def agent_names(agent_ids: Iterable[Any]) -> dict[Any, str]:
    """Display names of the answering agents, one query."""
    ids = [pk for pk in agent_ids if pk is not None]
    users = User.objects.filter(pk__in=ids)
    return {user.pk: (user.get_full_name() or user.get_username()) for user in users}

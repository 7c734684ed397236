"""What the call actions share: the site's rules, the call's own numbers, its customer and
its case, and what happens when a call becomes final."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils.translation import gettext_lazy

from posventa.cases.models import ACTIVE_STATUSES, Case
from posventa.core.events import build_event, record_events
from posventa.core.models import Site
from posventa.customers.models import PHONE_LIKE_KINDS, ContactPoint, Customer
from posventa.telephony import callbacks
from posventa.telephony.facts import Rules
from posventa.telephony.lookups import rows_in, table
from posventa.telephony.models import (
    Call,
    CallDirection,
    CallStatus,
    PhoneLine,
    PhoneSettings,
)

if TYPE_CHECKING:  # django-stubs is a development dependency only
    from django_stubs_ext import StrOrPromise

# The timeline verb of a call that became final, by what happened.
CALL_VERBS = {
    "inbound": "call.received",
    "inbound_unanswered": "call.missed",
    "outbound": "call.made",
}
UNANSWERED_INBOUND = {
    CallStatus.MISSED,
    CallStatus.ABANDONED,
    CallStatus.VOICEMAIL,
    CallStatus.TIMED_OUT,
}
STATUS_WORDS: dict[str, StrOrPromise] = {
    CallStatus.COMPLETED: gettext_lazy("answered"),
    CallStatus.MISSED: gettext_lazy("missed"),
    CallStatus.ABANDONED: gettext_lazy("abandoned"),
    CallStatus.VOICEMAIL: gettext_lazy("voicemail"),
}


def atomic() -> transaction.Atomic:
    """One transaction, or part of the caller's without a savepoint (as cases.actions)."""
    return transaction.atomic(savepoint=False)


def rules_for(site: Site) -> Rules:
    """The site's phone rules, or the defaults when it has no PhoneSettings row."""
    # Plain SQL: read on every webhook request, where building the ORM query costs more
    # than running it.
    table = connection.ops.quote_name(PhoneSettings._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ring_seconds, answer_within_rings, hold_limit_seconds FROM {table} "
            "WHERE site_id = %s",
            [site.pk],
        )
        row = cursor.fetchone()
    return Rules(*row) if row else Rules()


def stale_minutes(site: Site) -> int:
    row = PhoneSettings.objects.filter(site=site).only("stale_call_minutes").first()
    return (
        row.stale_call_minutes
        if row
        else PhoneSettings._meta.get_field("stale_call_minutes").get_default()
    )


def customer_number(call: Call) -> str:
    """The customer's side of the call: who called us, or whom we called (E.164 or "")."""
    return call.called if call.direction == CallDirection.OUTBOUND else call.caller


def our_number(call: Call) -> str:
    return call.caller if call.direction == CallDirection.OUTBOUND else call.called


def line_departments(site: Site) -> dict[str, str]:
    """The site's lines: number -> department (a site has a handful)."""
    return dict(PhoneLine.objects.filter(site=site).values_list("number", "department"))


def phone_points(organisation_id: int, numbers: Iterable[str]) -> dict[str, dict[int, set[str]]]:
    """number -> {unmerged customer with it as a phone-like point: the kinds}, for many
    numbers in one query (plain SQL, see `telephony.lookups`)."""
    found: dict[str, dict[int, set[str]]] = {}
    rows = rows_in(
        f"SELECT p.value, p.customer_id, p.kind FROM {table(ContactPoint)} p "
        f"JOIN {table(Customer)} c ON c.id = p.customer_id "
        "WHERE p.organisation_id = %s AND p.kind IN (%s, %s) AND c.merged_into_id IS NULL "
        "AND p.value IN ({marks})",
        [organisation_id, *PHONE_LIKE_KINDS],
        numbers,
    )
    for value, customer_id, kind in rows:
        found.setdefault(value, {}).setdefault(customer_id, set()).add(kind)
    return found


def sole_owners(points: dict[str, dict[int, set[str]]]) -> dict[str, int | None]:
    """number -> the one customer with it, or None when several share it (a person must
    say which): what `known_customer` answers, for many numbers."""
    return {
        value: next(iter(customers)) if len(customers) == 1 else None
        for value, customers in points.items()
    }


def open_cases_by_customer(site_id: int, customer_ids: Iterable[int]) -> dict[int, int]:
    """customer -> their latest open case at the site (the latest opened), for
    many customers in one query."""
    latest: dict[int, tuple[Any, int]] = {}
    statuses = ", ".join(["%s"] * len(ACTIVE_STATUSES))
    # opened_at compares within one backend: a datetime, or SQLite's sortable text.
    rows = rows_in(
        f"SELECT customer_id, opened_at, id FROM {table(Case)} WHERE site_id = %s "
        f"AND status IN ({statuses}) AND customer_id IN ({{marks}})",
        [site_id, *ACTIVE_STATUSES],
        customer_ids,
    )
    for customer_id, opened_at, pk in rows:
        if customer_id not in latest or (opened_at, pk) > latest[customer_id]:
            latest[customer_id] = (opened_at, pk)
    return {customer_id: pk for customer_id, (_at, pk) in latest.items()}


def known_customer(site: Site, number: str) -> Customer | None:
    """The one unmerged customer of the site's group with this number, else None (none,
    or several sharing it: a person must say which)."""
    if not number:
        return None
    ids = set(
        ContactPoint.objects.filter(
            organisation_id=site.organisation_id,
            kind__in=PHONE_LIKE_KINDS,
            value=number,
            customer__merged_into__isnull=True,
        ).values_list("customer_id", flat=True)[:2]
    )
    if len(ids) != 1:
        return None
    return Customer.objects.get(pk=ids.pop())


def call_verb(call: Call) -> str:
    if call.direction == CallDirection.OUTBOUND:
        return CALL_VERBS["outbound"]
    if call.status in UNANSWERED_INBOUND:
        return CALL_VERBS["inbound_unanswered"]
    return CALL_VERBS["inbound"]


def call_summary(call: Call) -> str:
    number = call.caller_raw if call.direction == CallDirection.INBOUND else call.called_raw
    word = STATUS_WORDS.get(call.status) or call.get_status_display()
    return f"{number} · {word}"


def timeline_event_data(call: Call) -> dict[str, object]:
    return {
        "call": call.pk,
        "status": call.status,
        "direction": call.direction,
        "number": customer_number(call)
        or (call.called_raw if call.direction == CallDirection.OUTBOUND else call.caller_raw),
        "ring_seconds": call.ring_seconds,
        "talk_seconds": call.talk_seconds,
        "meets_info_phone": call.meets_info_phone,
    }


def calls_became_final(calls: Sequence[Call], *, first_time: Sequence[Call] = ()) -> None:
    """What every path does when calls are final, inside its transaction: the calls seen
    final for the first time go on the timeline of their case; all of them are handed to
    callbacks (which must treat a call it has seen before idempotently)."""
    if not calls:
        return
    events = [
        build_event(
            call_verb(call),
            subject=call.case,
            site=call.site,
            actor=call.logged_by,
            actor_label="" if call.logged_by_id else f"phone:{call.source}",
            summary=call_summary(call),
            occurred_at=call.ended_at or call.last_event_at,
            data=timeline_event_data(call),
        )
        for call in first_time
        if call.case_id is not None
    ]
    record_events(events)
    callbacks.calls_closed(list(calls))

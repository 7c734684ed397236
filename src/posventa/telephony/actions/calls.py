"""Calls in: raw first, then folded into one `Call` per call id with its facts.

Every source goes the same way. The webhook stores the request as it came
(`store_raw`, committed before anything reads it) and then `process_raw` reads it into
signals (telephony.adapters) and applies them (`apply_signals`): the call is found or made
(one per site, source and call id), each event is stored once (its dedupe key is unique
per call, so a repeat changes nothing), and the facts are recomputed from *all* the
call's events (telephony.facts), which makes the result independent of the order and of
repeats. What cannot be read is quarantined with the reason, never dropped; a row left
pending by a crash is processed again by the housekeeping job (`process_pending`).

A call whose events stop without a hang-up is closed by `close_stale_calls` after the
site's `stale_call_minutes` with the status "timed out"; a hang-up that still arrives
later wins and the facts are recomputed.

When a call becomes final it goes on the timeline of the customer's open case
(call.received / call.missed / call.made) and is handed to `callbacks.calls_closed`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Sequence
from urllib.parse import parse_qs

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models.query import RawQuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.cases import actions as case_actions
from posventa.cases.models import Case
from posventa.core.bulk import insert_new, new_row, update_rows
from posventa.core.events import record_event
from posventa.core.models import Site, User
from posventa.customers import actions as customer_actions
from posventa.customers.models import Channel, ContactKind
from posventa.inbox.models import Message, MessageKind
from posventa.telephony.actions._common import (
    atomic,
    calls_became_final,
    customer_number,
    known_customer,
    line_departments,
    open_cases_by_customer,
    our_number,
    phone_points,
    rules_for,
    sole_owners,
    stale_minutes,
    timeline_event_data,
)
from posventa.telephony.adapters import CallSignal, Unreadable, generic, twilio, zammad
from posventa.telephony.facts import FACT_FIELDS, EventFact, Rules, compute_facts
from posventa.telephony.lookups import padded, table
from posventa.telephony.models import (
    FINAL_STATUSES,
    Call,
    CallDirection,
    CallEvent,
    CallEventRaw,
    CallOutcome,
    CallSource,
    CallStatus,
    RawStatus,
)
from posventa.telephony.numbers import read_number

OPEN_STATUSES = (CallStatus.RINGING, CallStatus.IN_PROGRESS)
# A manual call's outcome, read as the status a phone system would report.
OUTCOME_STATUS: dict[str, str] = {
    CallOutcome.CONNECTED: CallStatus.COMPLETED,
    CallOutcome.NO_ANSWER: CallStatus.MISSED,
    CallOutcome.VOICEMAIL_LEFT: CallStatus.VOICEMAIL,
    CallOutcome.BUSY: CallStatus.BUSY,
    CallOutcome.WRONG_NUMBER: CallStatus.FAILED,
}
STALE_BATCH = 500


# --- raw first ----------------------------------------------------------------------------


def store_raw(site: Site, source: str, body: bytes, *, content_type: str = "") -> CallEventRaw:
    """Keep the request as it came, in its own committed transaction, before reading it."""
    with transaction.atomic():
        return CallEventRaw.objects.create(
            site=site,
            source=source,
            received_at=timezone.now(),
            content_type=content_type[:200],
            body=body,
        )


def read_raw(raw: CallEventRaw) -> list[CallSignal]:
    """The signals in a raw row (no database). Raises `Unreadable`."""
    body = bytes(raw.body)
    if raw.source == CallSource.GENERIC:
        return generic.read(body)
    fields = _form_fields(body, raw.content_type)
    if raw.source == CallSource.ZAMMAD_CTI:
        return zammad.read(fields, raw.received_at)
    if raw.source == CallSource.TWILIO:
        return twilio.read(fields, raw.received_at)
    raise Unreadable(_("No reader for source %(source)s.") % {"source": raw.source})


def _form_fields(body: bytes, content_type: str) -> dict[str, list[str]]:
    """Form fields, or the same fields posted as a JSON object (Zammad accepts both)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Unreadable(_("The body is not UTF-8: %(error)s") % {"error": error}) from error
    if "json" in content_type.lower() or text.lstrip().startswith("{"):
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as error:
            raise Unreadable(_("The body is not JSON: %(error)s") % {"error": error}) from error
        if not isinstance(payload, dict):
            raise Unreadable(_("Expected a JSON object."))
        return {
            str(name): [str(item) for item in value] if isinstance(value, list) else [str(value)]
            for name, value in payload.items()
            if value is not None
        }
    return parse_qs(text, keep_blank_values=True)


def process_raw(raw: CallEventRaw) -> list[Call]:
    """Read a pending raw row and apply it; quarantine it with the reason if it cannot be
    read. Returns the calls it touched (the row is updated in place). Processing a row
    twice changes nothing (its events are already stored)."""
    try:
        signals = read_raw(raw)
    except Unreadable as error:
        _quarantine(raw, str(error))
        return []
    with atomic():
        calls = apply_signals(raw.site, raw.source, signals)
        raw.status = RawStatus.PROCESSED
        raw.error = ""
        raw.call = calls[0] if calls else None
        raw.save(update_fields=["status", "error", "call"])
    return calls


def _quarantine(raw: CallEventRaw, reason: str) -> None:
    with atomic():
        raw.status = RawStatus.QUARANTINED
        raw.error = reason[:5000]
        raw.save(update_fields=["status", "error"])
        record_event(
            "call_event.quarantined",
            subject=raw,
            site=raw.site,
            actor_label=f"phone:{raw.source}",
            summary=reason[:200],
            data={"source": raw.source, "reason": reason[:1000]},
        )


def process_pending(limit: int = 500) -> int:
    """Housekeeping: process raw rows a crash left pending (older than a minute, so a
    request still being answered is left to its own view)."""
    cutoff = timezone.now() - dt.timedelta(minutes=1)
    done = 0
    for raw in CallEventRaw.objects.filter(
        status=RawStatus.PENDING, received_at__lt=cutoff
    ).select_related("site")[:limit]:
        process_raw(raw)
        done += 1
    return done


# --- signals into calls -------------------------------------------------------------------


def apply_signals(site: Site, source: str, signals: Sequence[CallSignal]) -> list[Call]:
    """Store the events and refresh the facts of each call they belong to. Returns the
    calls, in the order their first signal came. The caller holds the transaction.

    A batch (a list posted at once, a raw row processed again) costs the same few
    statements as one event: the calls are read and created together, the events
    inserted in one statement (a repeat is ignored by the unique key), all the calls'
    events read back in one query and the calls updated in one prepared statement."""
    by_call: dict[str, list[CallSignal]] = defaultdict(list)
    for signal in signals:
        by_call[signal.external_id].append(signal)
    if not by_call:
        return []
    rules = rules_for(site)
    found = _calls_for(site, source, by_call)
    _store_events([(found[key][0], group) for key, group in by_call.items()])
    events = _events_by_call([call.pk for call, _created in found.values()])
    calls, final_now, first_final = [], [], []
    for key in by_call:
        call, created = found[key]
        was_final = call.status in FINAL_STATUSES and not created
        before = [getattr(call, name) for name in FACT_FIELDS]
        _refresh_from(call, events.get(call.pk, []), rules)
        calls.append(call)
        changed = before != [getattr(call, name) for name in FACT_FIELDS]
        if call.status in FINAL_STATUSES and (not was_final or changed):
            final_now.append(call)
            if not was_final:
                first_final.append(call)
    _identify([call for call, created in found.values() if created], site, source)
    update_rows(calls, SAVED_FIELDS)
    calls_became_final(final_now, first_time=first_final)
    return calls


# What processing events changes on a call.
SAVED_FIELDS = (
    *FACT_FIELDS,
    "direction",
    "caller_raw",
    "caller",
    "caller_unparsed",
    "called_raw",
    "called",
    "department",
    "customer",
    "case",
)


def _calls_for(
    site: Site, source: str, by_call: dict[str, list[CallSignal]]
) -> dict[str, tuple[Call, bool]]:
    """external id -> (the call, whether it was made now), the new ones inserted."""
    found: dict[str, tuple[Call, bool]] = {
        call.external_id: (call, False) for call in _stored_calls(site, source, list(by_call))
    }
    new = [
        _new_call(site, source, key, group) for key, group in by_call.items() if key not in found
    ]
    if new and connection.vendor == "postgresql":
        try:
            # A savepoint only here: the first events of one call posted at once.
            with transaction.atomic():
                insert_new(new)
        except IntegrityError:
            return _calls_one_by_one(site, source, by_call)
    elif new:
        insert_new(new)  # SQLite: one writer at a time, no race to lose
    for call in new:
        call.site = site
        found[call.external_id] = (call, True)
    return found


def _stored_calls(site: Site, source: str, keys: list[str]) -> RawQuerySet[Call]:
    """The site's calls of this source with these ids, locked on PostgreSQL. Raw SQL (the
    ORM's instances all the same): every webhook request asks, and compiling the ORM's
    query cost more than running it."""
    marks, part = padded(keys)
    lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
    return Call.objects.raw(
        f"SELECT * FROM {table(Call)} WHERE site_id = %s AND source = %s "
        f"AND external_id IN ({marks}){lock}",
        [site.pk, source, *part],
    )


def _new_call(site: Site, source: str, key: str, group: Sequence[CallSignal]) -> Call:
    first = min(signal.occurred_at for signal in group)
    return new_row(
        Call,
        organisation_id=site.organisation_id,
        site_id=site.pk,
        source=source,
        external_id=key,
        direction=CallDirection.INBOUND,
        started_at=first,
        last_event_at=first,
    )


def _calls_one_by_one(
    site: Site, source: str, by_call: dict[str, list[CallSignal]]
) -> dict[str, tuple[Call, bool]]:
    """The slow way, for the rare batch that raced another for a new call."""
    found: dict[str, tuple[Call, bool]] = {}
    for key, group in by_call.items():
        call = (
            Call.objects.select_for_update()
            .filter(site=site, source=source, external_id=key)
            .first()
        )
        if call is not None:
            found[key] = (call, False)
            continue
        call = _new_call(site, source, key, group)
        try:
            with transaction.atomic():
                call.save()
        except IntegrityError:
            found[key] = (Call.objects.get(site=site, source=source, external_id=key), False)
        else:
            found[key] = (call, True)
    return found


EVENT_INSERT = (
    "INSERT INTO {table} (call_id, kind, occurred_at, agent_raw, data, dedupe_key) "
    "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (call_id, dedupe_key) DO NOTHING"
)


def _store_events(groups: Sequence[tuple[Call, Sequence[CallSignal]]]) -> None:
    table = connection.ops.quote_name(CallEvent._meta.db_table)
    data_field = CallEvent._meta.get_field("data")
    moment = connection.ops.adapt_datetimefield_value
    rows = []
    for call, group in groups:
        for signal in group:
            data = dict(signal.data)
            # Who called whom, as this event said it: the call's own numbers come from
            # the earliest event that gives them, whatever order they arrived in.
            for name, value in (
                ("_direction", signal.direction),
                ("_from", signal.caller),
                ("_to", signal.called),
            ):
                if value:
                    data[name] = value
            rows.append(
                [
                    call.pk,
                    signal.kind,
                    moment(signal.occurred_at),
                    signal.agent,
                    data_field.get_db_prep_save(data, connection),
                    signal.dedupe_key,
                ]
            )
    # One prepared statement; an event already stored (same call and key) is skipped.
    with connection.cursor() as cursor:
        cursor.executemany(EVENT_INSERT.format(table=table), rows)


def _events_by_call(call_ids: Sequence[int]) -> dict[int, list[EventFact]]:
    grouped: dict[int, list[EventFact]] = defaultdict(list)
    marks, part = padded(list(call_ids))
    # Raw SQL as in `_stored_calls`; the instances give the stored values read back (the
    # time as a datetime, the data as a dict), as the ORM reads them.
    rows = CallEvent.objects.raw(
        f"SELECT id, call_id, kind, occurred_at, dedupe_key, agent_raw, data "
        f"FROM {table(CallEvent)} WHERE call_id IN ({marks})",
        part,
    )
    for row in rows:
        grouped[row.call_id].append(
            EventFact(row.kind, row.occurred_at, row.dedupe_key, row.agent_raw, row.data)
        )
    return grouped


def event_facts(call: Call) -> list[EventFact]:
    return [
        EventFact(kind, occurred_at, key, agent, data)
        for kind, occurred_at, key, agent, data in CallEvent.objects.filter(call=call).values_list(
            "kind", "occurred_at", "dedupe_key", "agent_raw", "data"
        )
    ]


def refresh_facts(call: Call, rules: Rules, *, timed_out: bool | None = None) -> Call:
    """Recompute the call's facts from all its stored events (not saved)."""
    return _refresh_from(call, event_facts(call), rules, timed_out=timed_out)


def _refresh_from(
    call: Call, events: Sequence[EventFact], rules: Rules, *, timed_out: bool | None = None
) -> Call:
    _apply_identity(call, events)
    facts = compute_facts(
        events,
        direction=call.direction,
        rules=rules,
        timed_out=call.status == CallStatus.TIMED_OUT if timed_out is None else timed_out,
        started_at=None if events else call.started_at,
    )
    for name, value in facts.as_fields().items():
        setattr(call, name, value)
    return call


def _apply_identity(call: Call, events: Sequence[EventFact]) -> None:
    """Direction and numbers from the earliest event that states each."""
    ordered = sorted(events, key=lambda event: (event.occurred_at, event.dedupe_key))
    for name, attribute in (
        ("_direction", "direction"),
        ("_from", "caller_raw"),
        ("_to", "called_raw"),
    ):
        value = next((event.data[name] for event in ordered if event.data.get(name)), "")
        if value:
            setattr(call, attribute, value)


def _identify(new_calls: Sequence[Call], site: Site, source: str) -> None:
    """Numbers into E.164, the line's department, the customer and their open case, for
    the calls a batch made (their identity is settled by then), in a few queries.

    An unknown caller becomes a new contact (as an unknown e-mail sender does) that staff
    can merge; an unreadable number is kept as given and flagged, and finds nobody.
    """
    if not new_calls:
        return
    international = source == CallSource.ZAMMAD_CTI
    lines = line_departments(site)
    for call in new_calls:
        caller = read_number(call.caller_raw, site.country, international_digits=international)
        called = read_number(call.called_raw, site.country, international_digits=international)
        call.caller, call.caller_unparsed = caller.e164, caller.unparsed
        call.called = called.e164
        call.department = lines.get(our_number(call), "") if our_number(call) else ""
    numbered = [call for call in new_calls if customer_number(call)]
    points = phone_points(site.organisation_id, {customer_number(call) for call in numbered})
    owners = sole_owners(points)
    callers: dict[str, int] = {}
    for call in numbered:
        number = customer_number(call)
        if call.direction == CallDirection.INBOUND:
            call.customer_id = callers.get(number) or _caller_id(site, number, points)
            callers[number] = call.customer_id
        else:
            call.customer_id = owners.get(number)
    customer_ids: set[int] = {call.customer_id for call in numbered if call.customer_id}
    cases = open_cases_by_customer(site.pk, customer_ids)
    for call in numbered:
        call.case_id = cases.get(call.customer_id) if call.customer_id else None
    # The cases as instances: the timeline events of final calls point at them.
    on_cases = Case.objects.in_bulk({call.case_id for call in numbered if call.case_id})
    for call in numbered:
        if call.case_id:
            call.case = on_cases[call.case_id]


def _caller_id(site: Site, number: str, points: dict[str, dict[int, set[str]]]) -> int:
    """Who called from `number`: the one customer who has it as a phone number already
    (read with the batch's points: nothing to write), else `identify_customer`, which
    adds the point, makes a new contact or flags a shared number, as for any sender."""
    holders = points.get(number, {})
    if len(holders) == 1:
        customer_id, kinds = next(iter(holders.items()))
        if ContactKind.PHONE in kinds:
            return customer_id
    return customer_actions.identify_customer(
        site.organisation, channel=Channel.PHONE, address=number, region=site.country
    ).customer.pk


# --- the stale-call timeout ---------------------------------------------------------------


def close_stale_calls(now: dt.datetime | None = None) -> int:
    """Close open calls whose last event is older than their site's stale_call_minutes,
    with the status "timed out". Returns how many were closed. Safe to run from several
    sweepers: each batch locks its rows (PostgreSQL: SKIP LOCKED)."""
    now = now or timezone.now()
    closed = 0
    site_ids = (
        Call.objects.filter(status__in=OPEN_STATUSES).values_list("site_id", flat=True).distinct()
    )
    for site in Site.objects.filter(pk__in=list(site_ids)):
        cutoff = now - dt.timedelta(minutes=stale_minutes(site))
        rules = rules_for(site)
        with atomic():
            stale = Call.objects.filter(
                site=site, status__in=OPEN_STATUSES, last_event_at__lt=cutoff
            ).select_related("case", "site")
            if connection.vendor == "postgresql":
                stale = stale.select_for_update(skip_locked=True, of=("self",))
            calls = list(stale[:STALE_BATCH])
            for call in calls:
                refresh_facts(call, rules, timed_out=True)
                call.save()
            calls_became_final(calls, first_time=calls)
        closed += len(calls)
    return closed


# --- calls logged by hand -----------------------------------------------------------------


def log_call_by_hand(
    site: Site,
    *,
    actor: User,
    number: str,
    direction: str,
    outcome: str,
    summary: str = "",
    started_at: dt.datetime | None = None,
    talk_seconds: int = 0,
    case: Case | None = None,
) -> Call:
    """Record a call made or taken outside the phone system, with what came of it.

    On a case, a connected call is also the case's call log (`cases.actions.log_call`: it
    answers a customer who asked to be called), so the two stay one record."""
    errors: dict[str, str] = {}
    if direction not in CallDirection.values:
        errors["direction"] = _("Choose incoming or outgoing.")
    if outcome not in CallOutcome.values:
        errors["outcome"] = _("Choose what came of the call.")
    if not number.strip() and case is None:
        errors["number"] = _("Give the number, or log the call on a case.")
    if talk_seconds < 0:
        errors["talk_seconds"] = _("A call cannot last less than nothing.")
    if case is not None and case.site_id != site.pk:
        errors["case"] = _("The case belongs to another site.")
    if errors:
        raise ValidationError(errors)
    when = started_at or timezone.now()
    if timezone.is_naive(when):
        raise ValidationError({"started_at": _("Give the time with its zone.")})
    with atomic():
        if case is not None and outcome == CallOutcome.CONNECTED:
            message = case_actions.log_call(
                case, author=actor, summary=summary, direction=direction, at=when
            )
            call = Call.objects.get(
                site=site, source=CallSource.MANUAL, external_id=f"message:{message.pk}"
            )
            if number.strip():
                _set_number(call, number, site)
            call.talk_seconds = talk_seconds
            call.save()
            return call
        call = _manual_call(
            site,
            actor=actor,
            number=number,
            direction=direction,
            outcome=outcome,
            summary=summary,
            when=when,
            talk_seconds=talk_seconds,
            case=case,
        )
        calls_became_final([call], first_time=[call])
    return call


def _set_number(call: Call, number: str, site: Site) -> None:
    read = read_number(number, site.country)
    if call.direction == CallDirection.OUTBOUND:
        call.called_raw, call.called = read.raw, read.e164
    else:
        call.caller_raw, call.caller, call.caller_unparsed = read.raw, read.e164, read.unparsed


def _manual_call(
    site: Site,
    *,
    actor: User,
    number: str,
    direction: str,
    outcome: str,
    summary: str,
    when: dt.datetime,
    talk_seconds: int,
    case: Case | None,
    external_id: str = "",
    customer_id: int | None = None,
) -> Call:
    status = OUTCOME_STATUS[outcome]
    answered = status == CallStatus.COMPLETED
    call = Call(
        organisation_id=site.organisation_id,
        site=site,
        source=CallSource.MANUAL,
        external_id=external_id or f"manual:{timezone.now().timestamp()}:{actor.pk}",
        direction=direction,
        status=status,
        started_at=when,
        answered_at=when if answered else None,
        ended_at=when + dt.timedelta(seconds=talk_seconds),
        last_event_at=when,
        talk_seconds=talk_seconds if answered else 0,
        answered=answered,
        voicemail=status == CallStatus.VOICEMAIL,
        outcome=outcome,
        summary=summary,
        logged_by=actor,
        case=case,
    )
    if number.strip():
        _set_number(call, number, site)
    if case is not None:
        call.customer_id = case.customer_id
    elif customer_id is not None:
        call.customer_id = customer_id
    else:
        call.customer = known_customer(site, customer_number(call))
    # A call logged by hand was never measured by a phone system: INFO-PHONE stays None.
    call.save()
    return call


def record_call_logged_on_case(message: Message) -> Call | None:
    """The case's call log is a call too (receivers: a CALL_LOG message was created).

    Logged on the case page, the person spoke with the customer (`log_call` asks what was
    agreed), so the outcome is connected; the customer's number is their primary phone."""
    if message.kind != MessageKind.CALL_LOG or message.case_id is None:
        return None
    case = Case.objects.select_related("site").get(pk=message.case_id)
    author = message.author
    if author is None:
        return None
    number = ""
    if case.customer_id is not None:
        phones = customer_actions.contact_points_of(case.customer, Channel.PHONE)
        number = phones[0].value if phones else ""
    call = _manual_call(
        case.site,
        actor=author,
        number=number,
        direction=message.direction,
        outcome=CallOutcome.CONNECTED,
        summary=message.body_text,
        when=message.created_at,
        talk_seconds=0,
        case=case,
        external_id=f"message:{message.pk}",
    )
    calls_became_final([call], first_time=[call])
    return call


# --- calls and cases ----------------------------------------------------------------------


def attach_call(call: Call, case: Case, *, actor: User) -> Call:
    """Put the call on a case of its site (and the case's customer on the call)."""
    if case.site_id != call.site_id:
        raise ValidationError({"case": _("The case belongs to another site.")})
    if call.case_id == case.pk:
        return call
    with atomic():
        call.case = case
        if call.customer_id is None:
            call.customer_id = case.customer_id
        call.save(update_fields=["case", "customer"])
        record_event(
            "call.attached",
            subject=case,
            site=case.site,
            actor=actor,
            summary=str(call)[:200],
            occurred_at=timezone.now(),
            data=timeline_event_data(call),
        )
    return call


def open_case_from_call(
    call: Call, *, actor: User, subject: str = "", department: str = ""
) -> Case:
    """Open a case for the call's customer (the caller becomes one if still unknown) and
    put the call on it. A phone case owes its answer by phone."""
    if call.customer_id is None:
        number = customer_number(call)
        if not number:
            raise ValidationError(
                {"customer": _("This call has no number to find or make a customer from.")}
            )
        identified = customer_actions.identify_customer(
            call.site.organisation, channel=Channel.PHONE, address=number, region=call.site.country
        )
        call.customer = identified.customer
    assert call.customer is not None
    with atomic():
        case = case_actions.open_case(
            site=call.site,
            customer=call.customer,
            channel="phone",
            subject=subject or _("Call of %(time)s") % {"time": call.started_at.isoformat()},
            department=department or call.department or "service",
            actor=actor,
        )
        attach_call(call, case, actor=actor)
    return case

"""The hand-off from calls to callbacks, and every change of a callback (INFO-PHONE, item 4).

Every path that makes a call final (a webhook's last event, a CDR chunk, the stale-call
timeout, a call logged by hand) calls `calls_closed` in the transaction that stored the
call's final facts. The rules, in the order a site's calls happened:

* A missed, abandoned or voicemail *inbound* call opens a `Callback` for the caller's
  number, owned by the site's phone queue (the clock has no owner, so its warnings go to
  the team leads), and starts an INFO-PHONE clock on it: due within the site's INFO-PHONE
  target (1 business hour by default), measured from the end of the missed call.
* Another missed call from the same number while that callback is open joins it as a
  chase: `missed_calls` counts them (the board shows it as the callback's priority) and
  the latest voicemail is kept. It never opens a second callback; a database constraint
  backs this up.
* An *outbound* call to the number that connected (the phone system says completed, or a
  person logged it with the outcome "connected") keeps the callback: status called back,
  clock satisfied at the moment it connected.
* An outbound call that did not connect (no answer, busy, voicemail, failed, wrong number)
  is an attempt. After the site's `callback_attempts` (3 by default) the callback is kept by
  a written message on the customer's preferred channel (e-mail, SMS or WhatsApp where we
  hold an address; otherwise an SMS to the number that called) saying we tried and how to
  reach us; the message goes through the outbox in this same transaction.
* An inbound call from the number that we answered before we called back satisfies the
  callback too, with its own status (customer called), so the report can tell them apart.

Old history. A CDR import may bring last month's calls. A missed call that ended more
than `HISTORY_AFTER` (24 hours) before it reached us opens no callback: nobody can keep a
one-hour promise about it any more, and hundreds of breached callbacks would bury today's.
Those calls still count as missed in every figure. Answered and outbound calls of any age
still keep a callback that is open, and calls of one batch are applied in the order they
happened, so a missed call followed in the same file by our connected call back leaves
nothing open.

Calls with no number to dial (withheld, "anonymous") cannot be called back and open
nothing.
Handing the same call over twice changes nothing: `CallbackStep` records what each call
did, one row per call.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from posventa.clocks import actions as clocks
from posventa.clocks.models import Clock
from posventa.core.events import record_event
from posventa.core.models import Site
from posventa.customers.models import CHANNEL_CONTACT_KIND, ContactPoint, contact_language
from posventa.outbox.actions import send_to_customer
from posventa.outbox.models import Channel, Notification
from posventa.telephony import signals
from posventa.telephony.lookups import rows_in, table
from posventa.telephony.models import (
    FINAL_STATUSES,
    UNANSWERED_STATUSES,
    Call,
    Callback,
    CallbackStatus,
    CallbackStep,
    CallbackStepKind,
    CallDirection,
    CallOutcome,
    CallStatus,
    PhoneSettings,
)

INFO_PHONE = "INFO-PHONE"
HISTORY_AFTER = dt.timedelta(hours=24)
DEFAULT_ATTEMPTS = PhoneSettings._meta.get_field("callback_attempts").get_default()


def calls_closed(calls: Sequence[Call], *, now: dt.datetime | None = None) -> None:
    """Called in the transaction that stored the final facts of these calls (one or a
    batch: a webhook's call, a CDR chunk, the stale-call timeout, a call logged by
    hand). Opens, chases or keeps callbacks."""
    now = now or timezone.now()
    by_site: dict[int, list[Call]] = defaultdict(list)
    for call in calls:
        if call.status in FINAL_STATUSES and (number_of(call) or call.customer_id):
            by_site[call.site_id].append(call)
    for site_calls in by_site.values():
        with transaction.atomic():
            _apply_site_calls(site_calls, now)
    for call in calls:
        if call.status in FINAL_STATUSES and is_connected(call) and call.case_id and call.agent_id:
            signals.call_connected.send(sender=Call, call=call)


def number_of(call: Call) -> str:
    """The customer's number on this call: who called us, or whom we called. E.164 when
    phonenumbers could read it, else as the phone system gave it. Empty when there is
    nothing to dial: withheld numbers arrive as words ("anonymous", "restricted")."""
    if call.direction == CallDirection.INBOUND:
        parsed, raw = call.caller, call.caller_raw.strip()
    else:
        parsed, raw = call.called, call.called_raw.strip()
    if parsed:
        return parsed
    return raw if any(char.isdigit() for char in raw) else ""


def call_end(call: Call) -> dt.datetime:
    return call.ended_at or call.last_event_at or call.started_at


def is_missed(call: Call) -> bool:
    return call.direction == CallDirection.INBOUND and call.status in UNANSWERED_STATUSES


def is_connected(call: Call) -> bool:
    """An outbound call that reached the customer. A call logged by hand says so in its
    outcome; a phone system's call says so by completing (a voicemail is not a person)."""
    if call.direction != CallDirection.OUTBOUND:
        return False
    if call.outcome:
        return call.outcome == CallOutcome.CONNECTED
    return call.status == CallStatus.COMPLETED


def _apply_site_calls(site_calls: list[Call], now: dt.datetime) -> None:
    site_id = site_calls[0].site_id
    missed = [c for c in site_calls if is_missed(c) and number_of(c) and not _is_history(c, now)]
    others = [c for c in site_calls if not is_missed(c)]
    if not missed and not others:
        return
    by_number = _open_callbacks(site_id, {number_of(c) for c in site_calls} - {""})
    # A call to the customer keeps their callback even when it was made to another of
    # their numbers, or logged on their case without one.
    by_customer = _open_callbacks_of(site_id, {c.customer_id for c in others} - {None})
    # Only missed calls may open something; any other call matters only for a callback
    # that is open, or one that a missed call of this batch may open.
    numbers = set(by_number) | {number_of(c) for c in missed}
    customers = set(by_customer) | {c.customer_id for c in missed if c.customer_id}
    relevant = [
        *missed,
        *(c for c in others if number_of(c) in numbers or c.customer_id in customers),
    ]
    relevant.sort(key=lambda call: (call.started_at, call.pk or 0))
    done = _calls_with_steps([c.pk for c in relevant])
    for call in relevant:
        if call.pk in done:
            continue
        number = number_of(call)
        callback = by_number.get(number) if number else None
        if is_missed(call):
            if callback is None:
                callback = by_number[number] = open_callback(call)
                if callback.customer_id:
                    by_customer.setdefault(callback.customer_id, callback)
            else:
                chase_callback(callback, call)
            continue
        if callback is None and call.customer_id:
            callback = by_customer.get(call.customer_id)
        if (
            callback is not None
            and call.started_at >= callback.opened_at
            and record_call_on_callback(callback, call)
        ):
            by_number.pop(callback.number, None)
            if callback.customer_id is not None:
                by_customer.pop(callback.customer_id, None)


def _is_history(call: Call, now: dt.datetime) -> bool:
    return now - call_end(call) > HISTORY_AFTER


def _open_callbacks(site_id: int, numbers: Iterable[str]) -> dict[str, Callback]:
    ids = _open_callback_ids(site_id, "number", numbers)
    return {row.number: row for row in _locked_open(ids)}


def _open_callbacks_of(site_id: int, customer_ids: Iterable[int | None]) -> dict[int, Callback]:
    """The oldest open callback of each customer at the site."""
    ids = _open_callback_ids(site_id, "customer_id", (pk for pk in customer_ids if pk))
    found: dict[int, Callback] = {}
    for row in _locked_open(ids):  # oldest first
        if row.customer_id is not None:
            found.setdefault(row.customer_id, row)
    return found


def _open_callback_ids(site_id: int, column: str, values: Iterable[object]) -> list[int]:
    """The open callbacks of the site whose `column` is one of `values` (a CDR chunk asks
    for thousands of numbers, of which a handful have one). The status is written out so
    SQLite uses the partial index callback_one_open_per_number."""
    rows = rows_in(
        f"SELECT id FROM {table(Callback)} WHERE site_id = %s "
        f"AND status = '{CallbackStatus.OPEN.value}' AND {column} IN ({{marks}})",
        [site_id],
        values,
    )
    return [pk for (pk,) in rows]


def _locked_open(ids: list[int]) -> list[Callback]:
    """Those callbacks, locked (PostgreSQL) and still open once locked, oldest first."""
    if not ids:
        return []
    return list(
        Callback.objects.select_for_update(of=("self",))
        .filter(pk__in=ids, status=CallbackStatus.OPEN)
        .order_by("opened_at", "pk")
    )


def _calls_with_steps(call_ids: list[int]) -> set[int]:
    rows = rows_in(
        f"SELECT call_id FROM {table(CallbackStep)} WHERE call_id IN ({{marks}})", [], call_ids
    )
    return {call_id for (call_id,) in rows}


# --- opening and chasing ----------------------------------------------------------------


def open_callback(call: Call) -> Callback:
    """Open the callback a missed call owes, with its INFO-PHONE clock; if another process
    opened one for the number meanwhile, the call chases that one instead."""
    number = number_of(call)
    opened_at = call_end(call)
    callback = Callback(
        organisation_id=call.organisation_id,
        site_id=call.site_id,
        department=call.department,
        customer_id=call.customer_id,
        number=number,
        first_call=call,
        last_missed_call=call,
        voicemail_url=call.voicemail_url,
        opened_at=opened_at,
    )
    try:
        with transaction.atomic():  # savepoint: the one-open-per-number constraint may refuse
            callback.save()
    except IntegrityError:
        existing = (
            Callback.objects.select_for_update(of=("self",))
            .filter(site_id=call.site_id, number=number, status=CallbackStatus.OPEN)
            .first()
        )
        if existing is None:
            raise
        chase_callback(existing, call)
        return existing
    _step(callback, call, CallbackStepKind.OPENED, opened_at)
    site = Site.objects.select_related("organisation").get(pk=call.site_id)
    clocks.start_clock(
        INFO_PHONE,
        subject=callback,
        site=site,
        owner=None,
        started_at=opened_at,
        label=_("Call back %(number)s") % {"number": number},
    )
    _event(
        "callback.opened",
        callback,
        site,
        call,
        opened_at,
        _("Missed call from %(number)s: call back") % {"number": number},
        {"status": call.status, "voicemail": bool(call.voicemail_url)},
    )
    return callback


def chase_callback(callback: Callback, call: Call) -> Callback:
    """A second (third...) missed call from the same number: counted on the open callback."""
    callback.missed_calls += 1
    callback.last_missed_call = call
    fields = ["missed_calls", "last_missed_call"]
    if call.customer_id and not callback.customer_id:
        callback.customer_id = call.customer_id
        fields.append("customer")
    if call.voicemail_url:
        callback.voicemail_url = call.voicemail_url
        fields.append("voicemail_url")
    callback.save(update_fields=fields)
    _step(callback, call, CallbackStepKind.CHASED, call_end(call))
    _event(
        "callback.chased",
        callback,
        None,
        call,
        call_end(call),
        _("%(number)s called again (%(count)d missed calls)")
        % {"number": callback.number, "count": callback.missed_calls},
        {"missed_calls": callback.missed_calls},
    )
    return callback


# --- keeping ------------------------------------------------------------------------------


def record_call_on_callback(callback: Callback, call: Call) -> bool:
    """Apply a call that is not a missed one to the open callback of its number. Returns
    whether the callback is now closed."""
    if call.direction == CallDirection.INBOUND:
        if call.status != CallStatus.COMPLETED:
            return False
        at = call.answered_at or call.started_at
        _step(callback, call, CallbackStepKind.KEPT, at)
        _close(callback, CallbackStatus.CUSTOMER_CALLED, at, call=call, reason="customer_called")
        return True
    if is_connected(call):
        at = call.answered_at or call.started_at
        _step(callback, call, CallbackStepKind.KEPT, at)
        _close(callback, CallbackStatus.CALLED_BACK, at, call=call, reason="called_back")
        return True
    return record_failed_attempt(callback, call)


def record_failed_attempt(callback: Callback, call: Call) -> bool:
    """An outbound call that did not reach the customer. The last allowed attempt sends
    the written message that keeps the callback. Returns whether it closed."""
    at = call_end(call)
    callback.attempts += 1
    callback.save(update_fields=["attempts"])
    _step(callback, call, CallbackStepKind.ATTEMPT, at)
    limit = attempts_allowed(callback.site_id)
    _event(
        "callback.attempted",
        callback,
        None,
        call,
        at,
        _("Call-back attempt %(attempt)d of %(limit)d: not reached")
        % {"attempt": callback.attempts, "limit": limit},
        {"attempt": callback.attempts, "limit": limit, "outcome": call.outcome or call.status},
    )
    if callback.attempts < limit:
        return False
    notification = send_written_message(callback, tried_at=at)
    if notification is None:
        # Nowhere to write to: the callback stays open and escalates like any late clock.
        return False
    callback.kept_by_message = notification.pk
    _close(callback, CallbackStatus.MESSAGE_SENT, at, call=None, reason="message_sent")
    return True


def attempts_allowed(site_id: int) -> int:
    value = (
        PhoneSettings.objects.filter(site_id=site_id)
        .values_list("callback_attempts", flat=True)
        .first()
    )
    return max(1, value if value is not None else DEFAULT_ATTEMPTS)


def _close(
    callback: Callback,
    status: str,
    at: dt.datetime,
    *,
    call: Call | None,
    reason: str,
) -> None:
    at = max(at, callback.opened_at)
    callback.status = status
    callback.closed_at = at
    callback.kept_by_call = call
    callback.save(update_fields=["status", "closed_at", "kept_by_call", "kept_by_message"])
    for clock in clocks.open_clocks_for(callback).filter(standard_id=INFO_PHONE):
        clocks.satisfy_clock(clock, at=max(at, clock.started_at), reason=reason)
    verbs = {
        CallbackStatus.CALLED_BACK: "callback.called_back",
        CallbackStatus.CUSTOMER_CALLED: "callback.customer_called",
        CallbackStatus.MESSAGE_SENT: "callback.message_sent",
    }
    _event(
        verbs[CallbackStatus(status)],
        callback,
        None,
        call,
        at,
        str(CallbackStatus(status).label),
        {"notification": callback.kept_by_message} if callback.kept_by_message else {},
    )


# --- the written message ------------------------------------------------------------------


def send_written_message(callback: Callback, *, tried_at: dt.datetime) -> Notification | None:
    """Write to the customer that we tried to call and how to reach us, on their preferred
    channel where we have an address for it, else by SMS to the number that called. None
    when there is no address at all (a number phonenumbers could not read, say)."""
    site = Site.objects.select_related("organisation").get(pk=callback.site_id)
    customer = callback.customer
    channel, address = _written_channel(callback)
    if not address:
        return None
    language = contact_language(customer, site) if customer is not None else site.language
    when = timezone.localtime(callback.opened_at, zoneinfo.ZoneInfo(site.timezone))
    with translation.override(language):
        subject = _("We tried to call you back")
        lines = [
            _("Hello,"),
            "",
            _(
                "You called %(site)s on %(date)s at %(time)s. We tried to call you back "
                "%(attempts)d times and could not reach you."
            )
            % {
                "site": site.name,
                "date": when.strftime("%Y-%m-%d"),
                "time": when.strftime("%H:%M"),
                "attempts": callback.attempts,
            },
        ]
        if site.phone:
            lines.append(_("You can call us on %(phone)s.") % {"phone": site.phone})
        if site.email:
            lines.append(_("You can also write to %(email)s.") % {"email": site.email})
        lines += ["", site.name]
    try:
        with transaction.atomic():
            return send_to_customer(
                channel=channel,
                to_address=address,
                subject=subject,
                body="\n".join(lines),
                site=site,
                related=callback,
                # Written by the system, not a person: marked automatic (Auto-Submitted), so
                # it never counts as a staff reply on a case the customer may have open.
                automatic=True,
                dedupe_key=f"callback:{callback.pk}:tried",
                from_address=site.email or None,
            )
    except ValidationError:  # an address the outbox refuses: nothing to write to
        return None


def _written_channel(callback: Callback) -> tuple[str, str]:
    customer = callback.customer
    if customer is not None and customer.preferred_channel in Channel.values:
        kind = CHANNEL_CONTACT_KIND[customer.preferred_channel]
        address = (
            ContactPoint.objects.filter(customer=customer, kind=kind)
            .order_by("-is_primary", "pk")
            .values_list("value", flat=True)
            .first()
        )
        if address:
            return customer.preferred_channel, address
    if callback.number.startswith("+"):
        return Channel.SMS, callback.number
    return Channel.SMS, ""


# --- helpers ------------------------------------------------------------------------------


def _step(callback: Callback, call: Call, kind: str, at: dt.datetime) -> None:
    CallbackStep.objects.create(callback=callback, call=call, kind=kind, occurred_at=at)


def _event(
    verb: str,
    callback: Callback,
    site: Site | None,
    call: Call | None,
    at: dt.datetime,
    summary: str,
    data: dict[str, object],
) -> None:
    if site is None:
        site = Site.objects.select_related("organisation").get(pk=callback.site_id)
    record_event(
        verb,
        subject=callback,
        site=site,
        summary=summary,
        occurred_at=at,
        internal=True,
        data={"call": call.pk if call is not None else None, "number": callback.number, **data},
    )


def info_phone_clocks(callback_ids: Sequence[int]) -> dict[int, Clock]:
    """The INFO-PHONE clock of each callback (open or closed), in one query."""
    if not callback_ids:
        return {}
    from_type = ContentType.objects.get_for_model(Callback)
    rows = Clock.objects.filter(
        subject_type=from_type,
        subject_id__in=[str(pk) for pk in callback_ids],
        standard_id=INFO_PHONE,
    ).order_by("started_at", "pk")
    return {int(clock.subject_id): clock for clock in rows}

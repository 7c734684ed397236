"""Every state change of a case: open, receive, reply, call, note, assign, transfer, wait,
resolve, close, reopen, link a vehicle, set a team. Each function writes the case's
timeline event and applies the clock rules in one transaction. Views, the API, the CLI and
the inbox call these.

Clock rules (DESIGN.md, "Clock semantics"):

* A customer message on an internet channel (e-mail, web form, portal chat, SMS,
  WhatsApp) starts INFO-WEB; a written one (e-mail, letter, web form) starts INFO-WRITTEN.
  `start_clock` returns the clock already open, so a repeat contact never moves the
  anchor: it is recorded as a chase instead.
* Every case runs INFO-COMPLETE from the moment it opens until it is resolved with a stated
  answer (`resolve_case`).
* A human reply on the channel the customer asked for satisfies INFO-WEB. Any human reply
  (on any channel) acknowledges the message, which satisfies INFO-WRITTEN. An automatic
  message, an internal note or a status change satisfies nothing.
* Waiting on the customer pauses the pausable clocks; waiting on a third party does not:
  the customer is still waiting on *us* while we chase a supplier, a manufacturer or
  another department, so the promise we made them keeps its deadline (seeds 001, 002).
* Clocks belong to the case owner and follow every assignment and transfer. An unassigned
  case's clocks have no owner, which makes the sweeper warn the site's team leads.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from posventa.cases import signals
from posventa.cases.models import (
    Case,
    CaseSequence,
    CaseStatus,
    CaseTransfer,
    Department,
    Priority,
    ReplyChannel,
)
from posventa.cases.signals import case_closing, case_resolved, case_transferred
from posventa.clocks import actions as clocks
from posventa.core.access import can_see_site
from posventa.core.bulk import new_row
from posventa.core.events import build_event, record_event, record_events
from posventa.core.models import Event, Site, Team, User
from posventa.customers import links as customer_links
from posventa.customers.models import contact_language
from posventa.inbox.models import CannedAnswer, Direction, Message, MessageChannel, MessageKind
from posventa.outbox.actions import build_customer_notification, queued, send_to_customer
from posventa.outbox.html import html_with_link
from posventa.outbox.models import Notification, NotificationStatus

if TYPE_CHECKING:
    from posventa.customers.models import Customer, Vehicle

logger = logging.getLogger("posventa.cases")

INFO_WEB = "INFO-WEB"
INFO_WRITTEN = "INFO-WRITTEN"
INFO_COMPLETE = "INFO-COMPLETE"
INTERNET_CHANNELS = frozenset({"email", "web_form", "portal_chat", "sms", "whatsapp"})
WRITTEN_CHANNELS = frozenset({"email", "letter", "web_form"})
# Channels the outbox delivers; a portal chat reply is shown in the portal and a letter is
# printed and posted by staff, so both are recorded without a notification.
OUTBOX_CHANNELS = frozenset({"email", "sms", "whatsapp"})
STAFF_SETTABLE_STATUSES = (
    CaseStatus.OPEN,
    CaseStatus.WAITING_CUSTOMER,
    CaseStatus.WAITING_THIRD_PARTY,
)
WAITING_CUSTOMER_REASON = "waiting_customer"
NOT_REQUESTED_CHANNEL = "not_requested_channel"
DEFAULT_REOPEN_DAYS = 14
# Read once, in their order (error messages list them): `.values` builds a new list each time.
REPLY_CHANNELS = ReplyChannel.values
DEPARTMENTS = Department.values
DIRECTIONS = Direction.values
DEFAULT_ACK_QUIET_SECONDS = 600
DEFAULT_ACK_HOURLY_LIMIT = 5
ACK_LIMIT_WINDOW = dt.timedelta(hours=1)
DEFAULT_CHAT_BURST_SECONDS = 120
BURST_CHANNELS = frozenset({"portal_chat", "sms", "whatsapp"})
# RFC 3834; the second stops Exchange/Outlook auto-responders answering ours (loops).
AUTOMATIC_REPLY_HEADERS = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}
PLACEHOLDER_RE = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def atomic() -> transaction.Atomic:
    """One transaction, or part of the caller's without a savepoint of its own: an error
    rolls back the caller's work too (which is what every caller wants), and it saves two
    round trips per action on the inbound hot path."""
    return transaction.atomic(savepoint=False)


def reopen_window() -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, "POSVENTA_CASE_REOPEN_DAYS", DEFAULT_REOPEN_DAYS))


# --- references ---------------------------------------------------------------------------


def reference_prefix(site: Site) -> str:
    """Three letters from the site's slug, e.g. "madrid" → "MAD" (quotable on the phone)."""
    letters = re.sub(r"[^A-Za-z0-9]", "", site.slug).upper()
    return (letters or "CASE")[:3].ljust(3, "X")


def next_reference(site: Site, at: dt.datetime) -> str:
    """Mint "MAD-2026-00042". Safe under concurrency: the counter row is incremented with
    one UPDATE … RETURNING that holds the row lock until our transaction commits
    (PostgreSQL); SQLite transactions take the write lock up front (settings: IMMEDIATE)."""
    return next_references(site, [at])[0]


def next_references(site: Site, moments: Sequence[dt.datetime]) -> list[str]:
    """One reference per moment, in order, reserving each year's numbers in one UPDATE
    (a year is the site's local year of the moment)."""
    prefix = reference_prefix(site)
    zone = ZoneInfo(site.timezone)
    years = [at.astimezone(zone).year for at in moments]
    numbers: dict[int, Iterator[int]] = {}
    for year in dict.fromkeys(years):
        count = years.count(year)
        last = _reserve_numbers(prefix, year, count)
        numbers[year] = iter(range(last - count + 1, last + 1))
    return [f"{prefix}-{year}-{next(numbers[year]):05d}" for year in years]


def _reserve_numbers(prefix: str, year: int, count: int) -> int:
    """Take the next `count` numbers of a counter; returns the last one taken."""
    last = _increment_sequence(prefix, year, count)
    if last is None:
        try:
            with transaction.atomic():  # savepoint: a concurrent first case may win
                CaseSequence.objects.create(prefix=prefix, year=year, last=count)
            last = count
        except IntegrityError:
            last = _increment_sequence(prefix, year, count)
    if last is None:  # pragma: no cover - the row exists by now
        raise RuntimeError(f"No case sequence for {prefix}-{year}")
    return last


def _increment_sequence(prefix: str, year: int, count: int = 1) -> int | None:
    table, last, prefix_column, year_column = (
        connection.ops.quote_name(name)
        for name in (CaseSequence._meta.db_table, "last", "prefix", "year")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {last} = {last} + %s "
            f"WHERE {prefix_column} = %s AND {year_column} = %s RETURNING {last}",
            [count, prefix, year],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None


# --- opening and receiving ----------------------------------------------------------------


def open_case(
    *,
    site: Site,
    customer: Customer,
    channel: str,
    subject: str = "",
    department: str = Department.SERVICE,
    requested_reply_channel: str = "",
    topic: str = "",
    vehicle: Vehicle | None = None,
    owner: User | None = None,
    team: Team | None = None,
    priority: int = Priority.NORMAL,
    previous_case: Case | None = None,
    opened_at: dt.datetime | None = None,
    actor: User | None = None,
    actor_label: str = "",
    awaiting_reply_since: dt.datetime | None = None,
) -> Case:
    """Open a case and start INFO-COMPLETE. A case staff open for a walk-in owes no written
    reply; `awaiting_reply_since` is the arrival of the customer message that opens the
    case, and then that message's reply clocks (INFO-WEB, INFO-WRITTEN, by `channel`) start
    here too, in the same batch (`receive_message(opened=True)` knows not to start them)."""
    case = build_case(
        site=site,
        customer=customer,
        channel=channel,
        subject=subject,
        department=department,
        requested_reply_channel=requested_reply_channel,
        topic=topic,
        vehicle=vehicle,
        owner=owner,
        team=team,
        priority=priority,
        previous_case=previous_case,
        opened_at=opened_at,
        awaiting_reply_since=awaiting_reply_since,
    )
    with atomic():
        case.reference = next_reference(site, case.opened_at)
        case.save(force_insert=True)
        for codes, started_at, started_by in new_case_clock_plan(case, actor=actor):
            clocks.start_clocks(
                codes,
                subject=case,
                site=case.site,
                owner=case.owner,
                started_at=started_at,
                label=case.reference,
                actor=started_by,
            )
        record_events([case_opened_event(case, actor=actor, actor_label=actor_label)])
    return case


def build_case(
    *,
    site: Site,
    customer: Customer,
    channel: str,
    subject: str = "",
    department: str = Department.SERVICE,
    requested_reply_channel: str = "",
    topic: str = "",
    vehicle: Vehicle | None = None,
    owner: User | None = None,
    team: Team | None = None,
    priority: int = Priority.NORMAL,
    previous_case: Case | None = None,
    opened_at: dt.datetime | None = None,
    awaiting_reply_since: dt.datetime | None = None,
) -> Case:
    """The validated, unsaved case `open_case` inserts, without its reference yet (see
    `next_references`). Callers opening many at once (`inbox.batch`) insert them, start
    `new_case_clock_plan` and record `case_opened_event` for each."""
    _validate_choice("channel", channel, REPLY_CHANNELS)
    _validate_choice("department", department, DEPARTMENTS)
    requested_reply_channel = requested_reply_channel or channel
    _validate_choice("requested_reply_channel", requested_reply_channel, REPLY_CHANNELS)
    if customer.organisation_id != site.organisation_id:
        raise ValidationError({"customer": _("The customer belongs to another organisation.")})
    if owner is not None:
        _validate_owner(owner, site)
    return new_row(
        Case,
        organisation_id=site.organisation_id,
        site=site,
        customer=customer,
        vehicle=vehicle,
        department=department,
        subject=subject[:300],
        channel=channel,
        topic=topic[:300],
        owner=owner,
        team=team,
        priority=priority,
        requested_reply_channel=requested_reply_channel,
        opened_at=opened_at or timezone.now(),
        previous_case=previous_case,
        awaiting_reply_since=awaiting_reply_since,
    )


def case_opened_event(case: Case, *, actor: User | None = None, actor_label: str = "") -> Event:
    previous = case.previous_case
    return build_event(
        "case.opened",
        subject=case,
        site=case.site,
        actor=actor,
        actor_label=actor_label,
        summary=case.subject,
        occurred_at=case.opened_at,
        internal=False,
        data={
            "reference": case.reference,
            "channel": case.channel,
            "previous_case": previous.reference if previous else None,
        },
    )


def new_case_clock_plan(
    case: Case, *, actor: User | None
) -> list[tuple[list[str], dt.datetime, User | None]]:
    """The clocks a new case starts, as (codes, started at, started by) batches:
    INFO-COMPLETE, and the reply clocks when a customer message opens the case
    (`awaiting_reply_since`; they belong to that message: no actor). They share one batch
    when they share the instant and the actor."""
    batches: list[tuple[list[str], dt.datetime, User | None]] = [
        ([INFO_COMPLETE], case.opened_at, actor)
    ]
    awaiting_reply_since = case.awaiting_reply_since
    if awaiting_reply_since is not None:
        codes = reply_clock_codes(case.channel)
        if codes and awaiting_reply_since == case.opened_at and actor is None:
            batches[0][0].extend(codes)
        elif codes:
            batches.append((codes, awaiting_reply_since, None))
    return batches


def reply_clock_codes(channel: str) -> list[str]:
    """The reply clocks a customer message on `channel` starts."""
    return [
        code
        for code, channels in ((INFO_WEB, INTERNET_CHANNELS), (INFO_WRITTEN, WRITTEN_CHANNELS))
        if channel in channels
    ]


def receive_message(
    case: Case, message: Message, *, actor_label: str = "customer", opened: bool = False
) -> Case:
    """Apply a customer message that was just filed on `case`: chase, waiting, clocks.

    `opened` says the message opened the case (`open_case(awaiting_reply_since=...)`): it
    is then neither a chase nor news to the timeline, whose "case.opened" tells it.
    """
    at = message.created_at
    with atomic():
        if not opened:
            _note_repeat_contact(case, message)
            already_open = set(clocks.open_clocks_for(case).values_list("standard_id", flat=True))
            start_reply_clocks(case, message.channel, at, already_open=already_open)
        elif case.awaiting_reply_since is None or message.channel != case.channel:
            # Opened without saying a customer message opened it: start_clock finds any
            # reply clock already running.
            start_reply_clocks(case, message.channel, at)
        # Otherwise open_case(awaiting_reply_since=...) started this message's reply clocks.
        if not opened:
            record_events([message_received_event(case, message, actor_label=actor_label)])
    return case


def message_received_event(
    case: Case, message: Message, *, actor_label: str, chase_count: int | None = None
) -> Event:
    """A customer message filed on a case it did not open. `chase_count`: the case's
    count right after this message (default: as the case now has it)."""
    return build_event(
        "case.message_received",
        subject=case,
        site=case.site,
        actor_label=actor_label,
        summary=message.subject or message.body_text[:200],
        occurred_at=message.created_at,
        internal=False,
        data={
            "message": message.pk,
            "channel": message.channel,
            "is_chase": message.is_chase,
            "chase_count": case.chase_count if chase_count is None else chase_count,
        },
    )


def is_chase(case: Case, message: Message) -> bool:
    """Is this customer message a chase: a repeat contact while one is still unanswered?

    On chat-like channels (portal chat, SMS, WhatsApp) people write in bursts of short
    lines; a line within `POSVENTA_CHAT_BURST_SECONDS` (default 120) of their previous
    message on the same channel is part of the same contact, not a chase. A chat line
    right after an e-mail is a second contact by another route, so it is a chase.
    """
    if case.awaiting_reply_since is None:
        return False
    if message.channel not in BURST_CHANNELS:
        return True
    previous = (
        Message.objects.filter(
            case=case,
            direction=Direction.INBOUND,
            kind=MessageKind.CUSTOMER_MESSAGE,
            channel=message.channel,
            created_at__lte=message.created_at,
        )
        .exclude(pk=message.pk)
        .order_by("-created_at", "-id")
        .values_list("created_at", flat=True)
        .first()
    )
    burst = dt.timedelta(
        seconds=getattr(settings, "POSVENTA_CHAT_BURST_SECONDS", DEFAULT_CHAT_BURST_SECONDS)
    )
    return previous is None or message.created_at - previous > burst


def is_chase_before_filing(case: Case, channel: str) -> bool:
    """Whether a customer message on `channel`, about to be filed on this already open
    case, is a chase, when that needs no look at earlier messages (`is_chase`: any
    channel but the chat-like ones). Lets the inbox store the flag with the message."""
    return case.awaiting_reply_since is not None and channel not in BURST_CHANNELS


def _note_repeat_contact(case: Case, message: Message) -> None:
    at = message.created_at
    if case.awaiting_reply_since is not None:
        # The customer writes again before we answered. The reply clock keeps its anchor
        # on the oldest unanswered message (start_clock returns the open one).
        if not is_chase(case, message):
            return _resume_if_waiting(case, at, [])
        if not message.is_chase:
            message.is_chase = True
            message.save(update_fields=["is_chase"])
    _resume_if_waiting(case, at, count_repeat_contact(case, message))


def count_repeat_contact(case: Case, message: Message) -> list[str]:
    """Apply a customer message that is a chase, or that follows our answer, to the case
    in memory; returns the fields it changed. A chase (a message while one is still
    unanswered) is counted and raises the priority; after our answer, the customer is
    waiting on us again from this message."""
    if case.awaiting_reply_since is None:
        case.awaiting_reply_since = message.created_at
        return ["awaiting_reply_since"]
    case.chase_count += 1
    case.priority = min(case.priority + 1, Priority.URGENT)
    return ["chase_count", "priority"]


def _resume_if_waiting(case: Case, at: dt.datetime, changed: list[str]) -> None:
    if case.status == CaseStatus.WAITING_CUSTOMER:
        # The customer answered what we were waiting for: our clocks run again.
        case.status = CaseStatus.OPEN
        changed.append("status")
        clocks.resume_clocks(case, at=at)
    if changed:
        case.save(update_fields=[*changed, "updated_at"])


def start_reply_clocks(
    case: Case, channel: str, at: dt.datetime, *, already_open: set[str] | None = None
) -> None:
    """Start the reply clocks a customer message on `channel` calls for. A clock of that
    standard already open keeps its anchor (start_clock returns it); `already_open`, when
    the caller knows it, just saves asking."""
    for code in reply_clock_codes(channel):
        if already_open is None or code not in already_open:
            clocks.start_clock(
                code,
                subject=case,
                site=case.site,
                owner=case.owner,
                started_at=at,
                label=case.reference,
            )


def reopen_case(
    case: Case,
    *,
    actor: User | None = None,
    reason: str = "",
    at: dt.datetime | None = None,
    actor_label: str = "",
) -> Case:
    """Reopen a resolved case (the customer replied, or staff found it was not answered).
    A closed case stays closed: a new contact opens a new case linked to it."""
    if case.status != CaseStatus.RESOLVED:
        raise ValidationError({"status": _("Only a resolved case can be reopened.")})
    at = at or timezone.now()
    with atomic():
        case.status = CaseStatus.OPEN
        case.resolved_at = None
        case.resolution_message = None
        case.save(update_fields=["status", "resolved_at", "resolution_message", "updated_at"])
        # The earlier answer was not complete after all: a new INFO-COMPLETE clock.
        clocks.start_clock(
            INFO_COMPLETE,
            subject=case,
            site=case.site,
            owner=case.owner,
            started_at=at,
            label=case.reference,
            actor=actor,
        )
        record_event(
            "case.reopened",
            subject=case,
            site=case.site,
            actor=actor,
            actor_label=actor_label,
            summary=reason,
            occurred_at=at,
            internal=False,
        )
        signals.case_reopened.send(sender=Case, case=case, actor=actor)
    return case


# --- replies, calls and notes -------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    channel: str
    address: str


def reply(
    case: Case,
    *,
    author: User,
    body: str = "",
    channel: str | None = None,
    canned_answer: CannedAnswer | None = None,
    subject: str | None = None,
) -> Message:
    """Send a human reply to the customer. Defaults to the channel the customer asked for.

    A reply on another channel is allowed (the customer may be easier to reach that way)
    but does not satisfy INFO-WEB: the returned message carries the warning
    "not_requested_channel" for the UI to show.
    """
    if case.status == CaseStatus.CLOSED:
        raise ValidationError({"status": _("The case is closed; a new contact opens a new case.")})
    channel = channel or case.requested_reply_channel
    _validate_choice("channel", channel, REPLY_CHANNELS)
    if channel == ReplyChannel.PHONE:
        raise ValidationError({"channel": _("A phone answer is recorded with “log call”.")})
    if channel == ReplyChannel.WEB_FORM:
        # Nobody can be answered through a web form; its replies go by e-mail.
        channel = ReplyChannel.EMAIL
    if canned_answer is not None and not body.strip():
        body = render_canned_answer(canned_answer, case)
    if not body.strip():
        raise ValidationError({"body": _("The reply is empty.")})
    _validate_owner(author, case.site, field="author")
    recipient = recipient_for(case, channel)
    on_requested_channel = channel == _effective_requested_channel(case)
    now = timezone.now()
    with atomic():
        message = Message(
            organisation_id=case.organisation_id,
            case=case,
            direction=Direction.OUTBOUND,
            channel=channel,
            kind=MessageKind.REPLY,
            customer=case.customer,
            author=author,
            automatic=False,
            to_address=recipient.address,
            body_text=body,
            created_at=now,
            warnings=[] if on_requested_channel else [NOT_REQUESTED_CHANNEL],
        )
        if channel == ReplyChannel.EMAIL:
            message.subject = subject or reply_subject(case)
            message.in_reply_to, message.references = email_thread_headers(case)
        if channel in OUTBOX_CHANNELS:
            message.notification = _send(case, message)
            message.message_id = message.notification.message_id
            message.from_address = message.notification.from_address
        message.save()
        if case.status == CaseStatus.NEW:
            case.status = CaseStatus.OPEN
        _apply_human_reply(case, counts_as_reply=on_requested_channel, at=now, actor=author)
        record_event(
            "case.replied",
            subject=case,
            site=case.site,
            actor=author,
            summary=message.subject or body[:200],
            occurred_at=now,
            internal=False,
            data={
                "message": message.pk,
                "channel": channel,
                "requested_channel": case.requested_reply_channel,
                "on_requested_channel": on_requested_channel,
            },
        )
        signals.staff_contacted_customer.send(
            sender=Case,
            case=case,
            message=message,
            author=author,
            direction=Direction.OUTBOUND,
            kind="reply",
        )
    return message


def log_call(
    case: Case,
    *,
    author: User,
    summary: str,
    direction: str = Direction.OUTBOUND,
    at: dt.datetime | None = None,
) -> Message:
    """Record a phone conversation with the customer. When the customer asked to be
    called, this is the reply that satisfies INFO-WEB; it always acknowledges."""
    _validate_choice("direction", direction, DIRECTIONS)
    if not summary.strip():
        raise ValidationError({"summary": _("Say what was agreed on the call.")})
    _validate_owner(author, case.site, field="author")
    at = at or timezone.now()
    with atomic():
        message = Message.objects.create(
            organisation_id=case.organisation_id,
            case=case,
            direction=direction,
            channel=MessageChannel.PHONE,
            kind=MessageKind.CALL_LOG,
            customer=case.customer,
            author=author,
            body_text=summary,
            created_at=at,
        )
        if case.status == CaseStatus.NEW:
            case.status = CaseStatus.OPEN
        _apply_human_reply(
            case,
            counts_as_reply=case.requested_reply_channel == ReplyChannel.PHONE,
            at=at,
            actor=author,
        )
        record_event(
            "case.call_logged",
            subject=case,
            site=case.site,
            actor=author,
            summary=summary[:200],
            occurred_at=at,
            internal=True,
            data={"message": message.pk, "direction": direction},
        )
        signals.staff_contacted_customer.send(
            sender=Case,
            case=case,
            message=message,
            author=author,
            direction=direction,
            kind="call",
        )
    return message


def add_internal_note(case: Case, *, author: User, body: str) -> Message:
    """A note for colleagues. Never shown to the customer and satisfies nothing."""
    if not body.strip():
        raise ValidationError({"body": _("The note is empty.")})
    _validate_owner(author, case.site, field="author")
    now = timezone.now()
    with atomic():
        message = Message.objects.create(
            organisation_id=case.organisation_id,
            case=case,
            direction=Direction.OUTBOUND,
            channel=MessageChannel.INTERNAL,
            kind=MessageKind.INTERNAL_NOTE,
            author=author,
            body_text=body,
            created_at=now,
        )
        record_event(
            "case.note_added",
            subject=case,
            site=case.site,
            actor=author,
            summary=body[:200],
            occurred_at=now,
            internal=True,
            data={"message": message.pk},
        )
    return message


def _apply_human_reply(case: Case, *, counts_as_reply: bool, at: dt.datetime, actor: User) -> None:
    clocks.satisfy_clocks(case, INFO_WRITTEN, at=at, actor=actor, reason="acknowledged")
    fields = ["status", "updated_at"]
    if counts_as_reply:
        clocks.satisfy_clocks(case, INFO_WEB, at=at, actor=actor, reason="replied")
        case.awaiting_reply_since = None
        fields.append("awaiting_reply_since")
    case.save(update_fields=fields)


def _effective_requested_channel(case: Case) -> str:
    if case.requested_reply_channel == ReplyChannel.WEB_FORM:
        return ReplyChannel.EMAIL
    return case.requested_reply_channel


def _send(case: Case, message: Message) -> Notification:
    return send_to_customer(
        channel=message.channel,
        to_address=message.to_address,
        subject=message.subject,
        body=message.body_text,
        site=case.site,
        related=case,
        automatic=message.automatic,
        in_reply_to=message.in_reply_to,
        references=message.references,
        from_address=case.site.email or None,
        headers=AUTOMATIC_REPLY_HEADERS if message.automatic else None,
    )


def recipient_for(case: Case, channel: str) -> Recipient:
    """Where to reach the customer on `channel`: the address they last wrote from on this
    case, else their registered contact point."""
    address = (
        Message.objects.filter(case=case, direction=Direction.INBOUND, channel=channel)
        .exclude(from_address="")
        .order_by("-created_at", "-id")
        .values_list("from_address", flat=True)
        .first()
    )
    if not address and channel in {"portal_chat", "letter"}:
        address = ""  # shown in the portal / printed: no address needed
    elif not address:
        address = _contact_address(case.customer, channel)
        if not address:
            raise ValidationError(
                {
                    "channel": _("The customer has no %(channel)s address on record.")
                    % {"channel": channel}
                }
            )
    return Recipient(channel, address or "")


def _contact_address(customer: Customer, channel: str) -> str:
    kinds = {"email": ("email",), "sms": ("phone", "sms"), "whatsapp": ("whatsapp", "phone")}
    for kind in kinds.get(channel, ()):
        point = customer.contact_points.filter(kind=kind).order_by("-id").first()
        if point is not None:
            return str(point.value)
    return ""


def reply_subject(case: Case) -> str:
    """The subject of a reply, in the customer's language whoever writes it."""
    with translation.override(contact_language(case.customer, case.site)):
        subject = case.subject or _("Your case")
    if case.reference not in subject:
        subject = f"{subject} [{case.reference}]"
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"


def email_thread_headers(case: Case) -> tuple[str, str]:
    """In-Reply-To the customer's last e-mail; References its chain plus that message."""
    last = (
        Message.objects.filter(case=case, direction=Direction.INBOUND, channel="email")
        .exclude(message_id="")
        .order_by("-created_at", "-id")
        .only("message_id", "references")
        .first()
    )
    if last is None:
        return "", ""
    chain = [ref for ref in last.references.split() if ref] + [last.message_id]
    return last.message_id, " ".join(chain[-20:])


def render_canned_answer(canned: CannedAnswer, case: Case) -> str:
    values = {
        "customer_name": case.customer.display_name,
        "reference": case.reference,
        "site_name": case.site.name,
    }

    def fill(match: re.Match[str]) -> str:
        # Unknown placeholders stay visible so the agent notices them before sending.
        return values.get(match.group(1), match.group(0))

    return PLACEHOLDER_RE.sub(fill, canned.body)


# --- acknowledgement ----------------------------------------------------------------------


def send_acknowledgement(
    case: Case, inbound: Message, *, language: str | None = None, first_contact: bool = False
) -> Message | None:
    """Tell the customer we have their message, with the reference and their portal link.

    Automatic: marked so, sent with "Auto-Submitted: auto-replied" (RFC 3834), and it
    satisfies no clock. Not sent when we cannot reach the customer automatically, nor
    twice to one address within `POSVENTA_ACK_QUIET_SECONDS` (default 10 minutes), so two
    auto-responders can never talk to each other for long. `first_contact` (the customer
    record was created by this very message) skips that check: nothing was sent to them.
    Nor sent past `POSVENTA_ACK_HOURLY_LIMIT` acknowledgements (default 5) to one address
    within an hour, whoever asks, so nobody can use our forms to flood an address: the
    case stands, and its timeline says why no acknowledgement went.
    """
    built = build_acknowledgement(
        case,
        inbound,
        language=language,
        first_contact=first_contact,
        sent_since=acknowledgement_times,
    )
    if built.withheld is not None:
        record_events([built.withheld])
    if built.message is None or built.notification is None:
        return None
    message, notification = built.message, built.notification
    with atomic():
        notification.save()
        queued(notification)
        message.notification = notification
        message.save()
        record_events([acknowledged_event(case, message)])
    return message


def acknowledgement_times(address: str, since: dt.datetime) -> list[dt.datetime]:
    """When automatic acknowledgements went to `address`, at or after `since`."""
    return acknowledgements_sent([address], since).get(address, [])


def acknowledgements_sent(
    addresses: Iterable[str], since: dt.datetime
) -> dict[str, list[dt.datetime]]:
    """When automatic acknowledgements went to each of `addresses`, at or after `since`
    (one query, on the partial index of acknowledgements by address and time)."""
    sent: dict[str, list[dt.datetime]] = {}
    rows = Message.objects.filter(
        kind=MessageKind.AUTO_ACKNOWLEDGEMENT, to_address__in=addresses, created_at__gte=since
    ).values_list("to_address", "created_at")
    for address, created_at in rows:
        sent.setdefault(address, []).append(created_at)
    return sent


def ack_quiet_period() -> dt.timedelta:
    return dt.timedelta(
        seconds=getattr(settings, "POSVENTA_ACK_QUIET_SECONDS", DEFAULT_ACK_QUIET_SECONDS)
    )


def ack_hourly_limit() -> int:
    """Acknowledgements to one address per rolling hour; 0 or less: no limit."""
    return int(getattr(settings, "POSVENTA_ACK_HOURLY_LIMIT", DEFAULT_ACK_HOURLY_LIMIT))


def ack_history_window() -> dt.timedelta:
    """How far back `acknowledgement_rule` looks: callers read the times sent since."""
    return max(ack_quiet_period(), ACK_LIMIT_WINDOW)


class AckRule:
    SEND = "send"
    QUIET = "quiet"  # one went a moment ago: say nothing (loop protection)
    HOURLY_LIMIT = "hourly_limit"  # too many this hour: withhold, and say so on the case


def acknowledgement_rule(
    sent: Sequence[dt.datetime], *, now: dt.datetime, first_contact: bool
) -> str:
    """Whether an acknowledgement goes to an address, given when earlier ones went (at
    least the last `ack_history_window()`). The one rule of both inbound paths: the
    one-message path reads `sent` for one address, the batch for a chunk's addresses at
    once, adding what it plans as it goes."""
    if not first_contact and any(at >= now - ack_quiet_period() for at in sent):
        return AckRule.QUIET
    limit = ack_hourly_limit()
    if limit > 0 and sum(1 for at in sent if at > now - ACK_LIMIT_WINDOW) >= limit:
        return AckRule.HOURLY_LIMIT
    return AckRule.SEND


@dataclass(frozen=True)
class Acknowledgement:
    """What `build_acknowledgement` decided: the unsaved message and outbox row to send;
    or the timeline event saying why none goes (`withheld`); or nothing at all."""

    message: Message | None = None
    notification: Notification | None = None
    withheld: Event | None = None


def build_acknowledgement(
    case: Case,
    inbound: Message,
    *,
    language: str | None,
    first_contact: bool,
    sent_since: Callable[[str, dt.datetime], Sequence[dt.datetime]],
) -> Acknowledgement:
    """The unsaved acknowledgement and its outbox row, or the event withholding it, or
    nothing (see `send_acknowledgement`). Save the notification, then the message with
    it. `sent_since(address, since)`: when acknowledgements went to the address since
    then. Raises ValidationError when the outbox refuses the address."""
    channel, address = _ack_route(inbound)
    if not address:
        return Acknowledgement()
    now = timezone.now()
    sent = sent_since(address, now - ack_history_window())
    rule = acknowledgement_rule(sent, now=now, first_contact=first_contact)
    if rule == AckRule.QUIET:
        return Acknowledgement()
    if rule == AckRule.HOURLY_LIMIT:
        return Acknowledgement(withheld=acknowledgement_withheld_event(case, channel, address, now))
    customer = case.customer
    with translation.override(language or contact_language(customer, case.site)):
        link = customer_links.portal_url(customer)
        subject, body = _ack_text(case, channel, link)
        html_body = _ack_html(case, body, link) if channel == "email" and link else ""
    message = new_row(
        Message,
        organisation_id=case.organisation_id,
        case=case,
        direction=Direction.OUTBOUND,
        channel=channel,
        kind=MessageKind.AUTO_ACKNOWLEDGEMENT,
        customer=customer,
        automatic=True,
        to_address=address,
        subject=subject,
        body_text=body,
        created_at=now,
    )
    if channel == "email" and inbound.channel == "email" and inbound.message_id:
        message.in_reply_to = inbound.message_id
        message.references = " ".join([*inbound.references.split(), inbound.message_id])
    notification = build_customer_notification(
        channel=message.channel,
        to_address=message.to_address,
        subject=message.subject,
        body=message.body_text,
        site=case.site,
        related=case,
        automatic=True,
        html_body=html_body,
        in_reply_to=message.in_reply_to,
        references=message.references,
        from_address=case.site.email or None,
        headers=AUTOMATIC_REPLY_HEADERS,
    )
    message.message_id = notification.message_id
    message.from_address = notification.from_address
    return Acknowledgement(message=message, notification=notification)


def acknowledgement_withheld_event(
    case: Case, channel: str, address: str, at: dt.datetime
) -> Event:
    limit = ack_hourly_limit()
    return build_event(
        "case.acknowledgement_withheld",
        subject=case,
        site=case.site,
        actor_label="system",
        summary=_(
            "No automatic acknowledgement to %(address)s: %(limit)d were already sent to it "
            "in the last hour. The message is filed on this case as usual."
        )
        % {"address": address, "limit": limit},
        occurred_at=at,
        internal=True,
        data={"channel": channel, "to": address, "reason": AckRule.HOURLY_LIMIT, "limit": limit},
    )


def acknowledged_event(case: Case, message: Message) -> Event:
    return build_event(
        "case.acknowledged",
        subject=case,
        site=case.site,
        actor_label="system",
        summary=message.subject,
        occurred_at=message.created_at,
        internal=False,
        data={"message": message.pk, "channel": message.channel, "automatic": True},
    )


def _ack_route(inbound: Message) -> tuple[str, str]:
    address = inbound.from_address
    if inbound.channel in {"sms", "whatsapp"}:
        return inbound.channel, address
    if "@" in address:
        return "email", address
    if address and inbound.channel in {"web_form", "portal_chat"}:
        return "sms", address
    return "", ""


def _ack_text(case: Case, channel: str, link: str | None) -> tuple[str, str]:
    values = {
        "reference": case.reference,
        "site": case.site.name,
        "url": link,
        "name": case.customer.display_name or _("customer"),
    }
    if channel != "email" and link is None:
        return "", _("%(site)s: we have your message, case %(reference)s.") % values
    if channel != "email":
        return "", _(
            "%(site)s: we have your message, case %(reference)s. Follow it: %(url)s"
        ) % values
    subject = _("We have received your message [%(reference)s]") % values
    if link is None:  # no portal installed: nothing to follow the case on
        body = (
            _(
                "Hello %(name)s,\n\n"
                "Thank you for contacting %(site)s. Your message is registered as case "
                "%(reference)s; please quote this reference if you contact us again. A member of "
                "our team will answer you personally.\n\n"
                "This is an automatic message."
            )
            % values
        )
        return subject, body
    body = (
        _(
            "Hello %(name)s,\n\n"
            "Thank you for contacting %(site)s. Your message is registered as case "
            "%(reference)s; please keep this reference in the subject if you write to us again. "
            "A member of our team will answer you personally.\n\n"
            "You can follow your case here: %(url)s\n\n"
            "This is an automatic message."
        )
        % values
    )
    # The site's public page (hours, closures, contact): one line of its own, e-mail only.
    site_page = settings.SITE_URL + reverse("core:site_page", args=[case.site.slug])
    body += "\n\n" + _("Opening hours and how to reach us: %(page)s") % {"page": site_page}
    return subject, body


def _ack_html(case: Case, body: str, link: str) -> str:
    label = _("Follow your case %(reference)s") % {"reference": case.reference}
    return html_with_link(body, link, label)


# --- ownership ----------------------------------------------------------------------------


def assign_case(case: Case, owner: User | None, *, actor: User | None) -> Case:
    """Give the case to `owner` (None puts it back in the queue); its clocks follow."""
    if owner is not None:
        _validate_owner(owner, case.site)
    previous = case.owner
    with atomic():
        case.owner = owner
        if case.status == CaseStatus.NEW and owner is not None:
            case.status = CaseStatus.OPEN
        case.save(update_fields=["owner", "status", "updated_at"])
        _reassign_open_clocks(case, owner, actor)
        record_event(
            "case.assigned",
            subject=case,
            site=case.site,
            actor=actor,
            internal=True,
            summary=str(owner) if owner else _("Unassigned"),
            data={"from": previous.pk if previous else None, "to": owner.pk if owner else None},
        )
    return case


def transfer_case(
    case: Case,
    *,
    to_owner: User | None = None,
    to_team: Team | None = None,
    to_department: str | None = None,
    note: str,
    actor: User,
) -> CaseTransfer:
    """Hand the case over with a note. It stays one case: the new owner reads the whole
    timeline, and the customer never has to tell the story again (seed 003)."""
    if not (note or "").strip():
        raise ValidationError({"note": _("A handover note is required.")})
    if to_owner is None and to_team is None and not to_department:
        raise ValidationError({"to_owner": _("Choose who or where the case goes to.")})
    if to_department:
        _validate_choice("to_department", to_department, DEPARTMENTS)
    if to_owner is not None:
        _validate_owner(to_owner, case.site, field="to_owner")
    if to_team is not None and to_team.site_id != case.site_id:
        raise ValidationError({"to_team": _("The team works at another site.")})
    now = timezone.now()
    with atomic():
        transfer = CaseTransfer.objects.create(
            case=case,
            from_owner=case.owner,
            to_owner=to_owner,
            from_team=case.team,
            to_team=to_team if to_team is not None else case.team,
            from_department=case.department,
            to_department=to_department or case.department,
            note=note.strip(),
            actor=actor,
            at=now,
        )
        # Moving to another team without naming a person puts the case in that queue.
        case.owner = to_owner
        case.team = transfer.to_team
        case.department = transfer.to_department
        case.save(update_fields=["owner", "team", "department", "updated_at"])
        _reassign_open_clocks(case, to_owner, actor)
        record_event(
            "case.transferred",
            subject=case,
            site=case.site,
            actor=actor,
            occurred_at=now,
            summary=note.strip()[:500],
            internal=True,
            data={
                "transfer": transfer.pk,
                "from_owner": transfer.from_owner_id,
                "to_owner": transfer.to_owner_id,
                "from_team": transfer.from_team_id,
                "to_team": transfer.to_team_id,
                "from_department": transfer.from_department,
                "to_department": transfer.to_department,
            },
        )
        case_transferred.send(sender=Case, case=case, transfer=transfer)
    return transfer


def _reassign_open_clocks(case: Case, owner: User | None, actor: User | None) -> None:
    for clock in clocks.open_clocks_for(case):
        if clock.owner_id != (owner.pk if owner else None):
            clocks.reassign_clock(clock, owner, actor=actor)


# --- status -------------------------------------------------------------------------------


def set_case_status(case: Case, status: str, *, actor: User | None) -> Case:
    """Move between open and the two waiting states. Resolving and closing have their own
    actions because they need an answer."""
    if status not in STAFF_SETTABLE_STATUSES:
        raise ValidationError(
            {
                "status": _(
                    "Use resolve or close for that; a case can be set to open or waiting here."
                )
            }
        )
    if not case.is_active:
        raise ValidationError({"status": _("Reopen the case first.")})
    if status == case.status:
        return case
    previous = case.status
    now = timezone.now()
    with atomic():
        case.status = status
        case.save(update_fields=["status", "updated_at"])
        if status == CaseStatus.WAITING_CUSTOMER:
            clocks.pause_clocks(case, reason=WAITING_CUSTOMER_REASON, at=now, actor=actor)
        elif previous == CaseStatus.WAITING_CUSTOMER:
            clocks.resume_clocks(case, at=now, actor=actor)
        record_event(
            "case.status_changed",
            subject=case,
            site=case.site,
            actor=actor,
            occurred_at=now,
            internal=False,
            summary=str(CaseStatus(status).label),
            data={"from": previous, "to": status},
        )
    return case


def resolve_case(case: Case, *, actor: User, answer: Message) -> Case:
    """Resolve with a stated answer (INFO-COMPLETE): `answer` must be a reply a person
    actually sent to the customer on this case, or a call in which they told them."""
    _validate_answer(case, answer)
    if not case.is_active:
        raise ValidationError({"status": _("The case is already resolved or closed.")})
    case_closing.send(sender=Case, case=case, action="resolve")
    now = timezone.now()
    with atomic():
        previous = case.status
        if previous == CaseStatus.WAITING_CUSTOMER:
            clocks.resume_clocks(case, at=now, actor=actor)
        case.status = CaseStatus.RESOLVED
        case.resolved_at = now
        case.resolution_message = answer
        case.save(update_fields=["status", "resolved_at", "resolution_message", "updated_at"])
        clocks.satisfy_clocks(case, INFO_COMPLETE, at=now, actor=actor, reason="answered")
        record_event(
            "case.resolved",
            subject=case,
            site=case.site,
            actor=actor,
            occurred_at=now,
            internal=False,
            summary=answer.body_text[:200],
            data={"answer": answer.pk, "from": previous},
        )
        # Apps above cases act on a resolution in this transaction (billing lifts the
        # dispute's holds); a receiver that refuses rolls the resolution back.
        case_resolved.send(sender=Case, case=case, actor=actor, answer=answer)
    return case


def _validate_answer(case: Case, answer: Message | None) -> None:
    def refuse(text: str) -> None:
        raise ValidationError({"answer": text})

    if answer is None:
        refuse(_("A case is resolved only with the answer given to the customer."))
        return
    if answer.case_id != case.pk:
        refuse(_("That message belongs to another case."))
    if answer.direction != Direction.OUTBOUND or answer.automatic or answer.author_id is None:
        refuse(_("The answer must be a message a person sent to the customer."))
    if answer.kind not in (MessageKind.REPLY, MessageKind.CALL_LOG):
        refuse(_("An internal note or an automatic message is not an answer."))
    if (
        answer.notification_id is not None
        and Notification.objects.filter(
            pk=answer.notification_id, status=NotificationStatus.DEAD
        ).exists()
    ):
        refuse(_("That reply could not be delivered."))


def close_case(case: Case, *, actor: User | None) -> Case:
    """Close a resolved case for good: a later contact opens a new, linked case."""
    if case.status != CaseStatus.RESOLVED:
        raise ValidationError({"status": _("Only a resolved case can be closed.")})
    case_closing.send(sender=Case, case=case, action="close")
    now = timezone.now()
    with atomic():
        case.status = CaseStatus.CLOSED
        case.closed_at = now
        case.save(update_fields=["status", "closed_at", "updated_at"])
        record_event(
            "case.closed",
            subject=case,
            site=case.site,
            actor=actor,
            occurred_at=now,
            internal=False,
        )
    return case


# --- what the case is about: its vehicle and its team ------------------------------------


def link_vehicle(case: Case, vehicle: Vehicle | None, *, actor: User | None) -> Case:
    """Say which vehicle the case is about (None unlinks it). Refuses a vehicle of another
    dealer group, or one that belongs to another customer: a case is about the customer's
    own car, and a wrong link would put someone else's repair history in front of staff."""
    if vehicle is not None:
        if vehicle.organisation_id != case.organisation_id:
            raise ValidationError({"vehicle": _("The vehicle belongs to another dealer group.")})
        if vehicle.owner_id is not None and vehicle.owner_id != case.customer_id:
            raise ValidationError({"vehicle": _("The vehicle belongs to another customer.")})
    if (vehicle.pk if vehicle else None) == case.vehicle_id:
        return case
    with atomic():
        case.vehicle = vehicle
        case.save(update_fields=["vehicle", "updated_at"])
        record_event(
            "case.vehicle_linked",
            subject=case,
            site=case.site,
            actor=actor,
            summary=str(vehicle) if vehicle is not None else "",
            data={"vehicle": vehicle.pk if vehicle is not None else None},
        )
    return case


def set_case_team(case: Case, team: Team | None, *, actor: User | None) -> Case:
    """Put the case in a team's queue (None takes it out), keeping its owner. A transfer
    (`transfer_case`) is for handing the case to someone else, with a note."""
    if team is not None and team.site_id != case.site_id:
        raise ValidationError({"team": _("The team works at another site.")})
    if (team.pk if team else None) == case.team_id:
        return case
    with atomic():
        previous = case.team_id
        case.team = team
        case.save(update_fields=["team", "updated_at"])
        record_event(
            "case.team_changed",
            subject=case,
            site=case.site,
            actor=actor,
            summary=team.name if team is not None else "",
            data={"from_team": previous, "to_team": team.pk if team is not None else None},
        )
    return case


# --- customer merges ----------------------------------------------------------------------


def repoint_customer(survivor: Customer, duplicate: Customer) -> int:
    """Move the duplicate's cases and messages to the survivor (customers were merged)."""
    with atomic():
        case_ids = list(Case.objects.filter(customer=duplicate).values_list("pk", flat=True))
        Case.objects.filter(pk__in=case_ids).update(customer=survivor)
        Message.objects.filter(customer=duplicate).update(customer=survivor)
        for case in Case.objects.filter(pk__in=case_ids).select_related("site"):
            record_event(
                "case.customer_merged",
                subject=case,
                site=case.site,
                internal=True,
                data={"from": duplicate.pk, "to": survivor.pk},
            )
    return len(case_ids)


# --- validation helpers -------------------------------------------------------------------


def _validate_choice(field: str, value: Any, allowed: list[str]) -> None:
    if value not in allowed:
        raise ValidationError(
            {
                field: _("“%(value)s” is not one of: %(allowed)s.")
                % {"value": value, "allowed": ", ".join(allowed)}
            }
        )


def _validate_owner(user: User, site: Site, *, field: str = "owner") -> None:
    if not user.is_active or not can_see_site(user, site):
        raise ValidationError(
            {field: _("%(user)s does not work at %(site)s.") % {"user": user, "site": site}}
        )

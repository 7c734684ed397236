"""Writing to the outbox. Other apps call `notify_user` and `send_to_customer`.

Both write the row inside the caller's transaction and ask for delivery only once that
transaction commits: a change that rolls back never sends anything, and a change that
commits always leaves a row that some worker (or the sweep) will deliver.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from email.utils import make_msgid, parseaddr
from functools import lru_cache, partial
from typing import Any

import phonenumbers
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.core.bulk import insert_new, new_row
from posventa.core.events import build_event, deferred_events, record_event, record_events
from posventa.core.models import Event, Site, User
from posventa.core.validators import is_email_address
from posventa.outbox.models import Channel, Notification, NotificationStatus
from posventa.outbox.tasks import deliver_notifications, schedule_delivery

SUBJECT_MAX_LENGTH = Notification._meta.get_field("subject").max_length or 300
DEDUPE_KEY_MAX_LENGTH = Notification._meta.get_field("dedupe_key").max_length or 200
# Set only through the dedicated arguments, so threading cannot be broken by accident.
THREADING_HEADERS = {"message-id", "in-reply-to", "references"}
CHANNELS = Channel.values  # read once: `.values` builds a new list each time


def notify_user(
    user: User,
    *,
    subject: str,
    body: str,
    site: Site | None = None,
    related: models.Model | None = None,
    automatic: bool = True,
    dedupe_key: str | None = None,
    channel: str | None = None,
) -> Notification:
    """Tell a staff member something (a warning, an escalation).

    E-mail to user.email by default, SMS to user.phone when there is no e-mail. A user with
    no address on the channel still gets a row, recorded dead with the reason, so the gap is
    visible in the admin instead of breaking the caller (often the sweeper).
    """
    notification = build_user_notification(
        user,
        subject=subject,
        body=body,
        site=site,
        related=related,
        automatic=automatic,
        dedupe_key=dedupe_key,
        channel=channel,
    )
    return _save_queued(notification)


def build_user_notification(
    user: User,
    *,
    subject: str,
    body: str,
    site: Site | None = None,
    related: models.Model | None = None,
    automatic: bool = True,
    dedupe_key: str | None = None,
    channel: str | None = None,
) -> Notification:
    """The validated, unsaved row `notify_user` queues; `queue_notifications` writes many."""
    channel = channel or (Channel.EMAIL if user.email or not user.phone else Channel.SMS)
    address = user.email if channel == Channel.EMAIL else user.phone
    headers = {"Auto-Submitted": "auto-generated"} if automatic else {}
    return build_notification(
        channel=channel,
        to_address=address,
        subject=subject,
        body=body,
        site=site,
        recipient=user,
        related=related,
        automatic=automatic,
        dedupe_key=dedupe_key,
        headers=headers,
        missing_address_is_dead=True,
    )


def queue_notifications(
    notifications: Sequence[Notification], *, with_events: Sequence[Event] = ()
) -> list[Notification]:
    """Write many built rows at once (a sweep that escalates a thousand clocks): one
    SELECT for the dedupe keys already used, one INSERT for the rows, one for their
    "queued" events (and the caller's `with_events`, written after them in the same
    INSERT), and one delivery task for all of them once the caller commits.

    A row whose dedupe key is already stored (or repeated in the batch) is not written,
    as with `notify_user`; the rows written are returned. Must run inside the caller's
    transaction. Unlike `notify_user` there is no savepoint per row: a concurrent twin
    inserting the same key makes the INSERT fail, and the caller's transaction with it
    (the sweeper then takes its clocks one by one).
    """
    keys = [row.dedupe_key for row in notifications if row.dedupe_key]
    taken = set(
        Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True)
    )
    fresh = []
    for row in notifications:
        if row.dedupe_key:
            if row.dedupe_key in taken:
                continue
            taken.add(row.dedupe_key)
        fresh.append(row)
    insert_new(fresh)
    # Nothing refers to these events: deferred, they go in one prepared INSERT that reads
    # no keys back (a third of the time of bulk_create's INSERT ... RETURNING).
    with deferred_events():
        record_events([*(queued_event(row) for row in fresh), *with_events])
    pending = [row.pk for row in fresh if row.status == NotificationStatus.PENDING]
    if pending:
        transaction.on_commit(partial(schedule_deliveries, pending), robust=True)
    return fresh


def send_to_customer(
    *,
    channel: str,
    to_address: str,
    subject: str,
    body: str,
    site: Site | None,
    related: models.Model | None = None,
    automatic: bool = False,
    in_reply_to: str = "",
    references: str = "",
    html_body: str = "",
    dedupe_key: str | None = None,
    from_address: str | None = None,
    headers: Mapping[str, str] | None = None,
    attachments: Sequence[Mapping[str, str]] = (),
) -> Notification:
    """Send a message to a customer: a case reply, an auto-acknowledgement, a follow-up.

    The returned row already carries its RFC 5322 Message-ID (e-mail), so the caller can
    record it for threading. `automatic` messages are marked Auto-Submitted (auto-replied
    when they answer a message, auto-generated otherwise) and never satisfy a reply clock.
    """
    notification = build_customer_notification(
        channel=channel,
        to_address=to_address,
        subject=subject,
        body=body,
        site=site,
        related=related,
        automatic=automatic,
        in_reply_to=in_reply_to,
        references=references,
        html_body=html_body,
        dedupe_key=dedupe_key,
        from_address=from_address,
        headers=headers,
    )
    notification.attachments = [dict(attachment) for attachment in attachments]
    return _save_queued(notification)


def _automatic_headers(automatic: bool, in_reply_to: str) -> dict[str, str]:
    if not automatic:
        return {}
    return {
        "Auto-Submitted": "auto-replied" if in_reply_to else "auto-generated",
        # Stops Exchange/Outlook auto-responders answering our automatic mail (loops).
        "X-Auto-Response-Suppress": "All",
    }


def retry_now(
    notification: Notification, *, actor: User | None = None, now: dt.datetime | None = None
) -> bool:
    """Make a waiting or dead notification due immediately. A dead letter gets a fresh
    retry ladder. Returns False when there is nothing to retry (sent or being sent)."""
    now = now or timezone.now()
    current = Notification.objects.filter(pk=notification.pk).first()
    if current is None or current.status in (NotificationStatus.SENT, NotificationStatus.SENDING):
        return False
    changes: dict[str, Any] = {"next_attempt_at": now}
    if current.status == NotificationStatus.DEAD:
        changes.update(status=NotificationStatus.RETRYING, ladder_offset=current.attempts)
    with transaction.atomic():
        # Compare-and-set: if a worker claimed the row meanwhile, leave it alone.
        won = Notification.objects.filter(
            pk=current.pk, status=current.status, attempts=current.attempts
        ).update(**changes)
        if not won:
            return False
        record_event(
            "notification.retry_requested",
            subject=current,
            site=current.site,
            actor=actor,
            summary=f"{current.channel} → {current.to_address}",
            data={"previous_status": current.status, "attempts": current.attempts},
        )
        transaction.on_commit(partial(schedule_delivery, current.pk), robust=True)
    return True


# --- internals ------------------------------------------------------------------------


def _save_queued(notification: Notification) -> Notification:
    """Insert a built row and ask for its delivery; for a dedupe key already used, the
    row stored first is returned instead and nothing is written."""
    dedupe_key = notification.dedupe_key
    with transaction.atomic():
        if dedupe_key is None:
            # Nothing to collide with: no savepoint for a race that cannot happen.
            notification.save()
            return queued(notification)
        existing = _find_duplicate(dedupe_key)
        if existing is not None:
            return existing
        try:
            with transaction.atomic():  # savepoint: a concurrent twin may win the insert
                notification.save()
        except IntegrityError:
            existing = _find_duplicate(dedupe_key)
            if existing is None:
                raise
            return existing
        return queued(notification)


def build_customer_notification(
    *,
    channel: str,
    to_address: str,
    subject: str,
    body: str,
    site: Site | None,
    related: models.Model | None = None,
    automatic: bool = False,
    in_reply_to: str = "",
    references: str = "",
    html_body: str = "",
    dedupe_key: str | None = None,
    from_address: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Notification:
    """The validated, unsaved row `send_to_customer` queues. Callers that queue many at
    once (`inbox.batch`) save them, record `queued_event` for each and
    `schedule_deliveries` once the transaction commits."""
    return build_notification(
        channel=channel,
        to_address=to_address,
        subject=subject,
        body=body,
        site=site,
        related=related,
        automatic=automatic,
        dedupe_key=dedupe_key,
        headers={**_automatic_headers(automatic, in_reply_to), **(headers or {})},
        in_reply_to=in_reply_to,
        references=references,
        html_body=html_body,
        from_address=from_address or (site.email if site and site.email else ""),
    )


def build_notification(
    *,
    channel: str,
    to_address: str,
    subject: str,
    body: str,
    site: Site | None,
    related: models.Model | None,
    automatic: bool,
    dedupe_key: str | None,
    headers: Mapping[str, str],
    recipient: User | None = None,
    in_reply_to: str = "",
    references: str = "",
    html_body: str = "",
    from_address: str = "",
    missing_address_is_dead: bool = False,
) -> Notification:
    """A validated, unsaved outbox row; every problem is refused naming its argument."""
    subject = " ".join(str(subject or "").split())  # a line break in a subject breaks headers
    body = str(body or "")
    dedupe_key = dedupe_key or None
    _validate(
        channel=channel,
        subject=subject,
        body=body,
        related=related,
        dedupe_key=dedupe_key,
        headers=headers,
        in_reply_to=in_reply_to,
        references=references,
        from_address=from_address,
    )
    missing_address = not (to_address or "").strip()
    if missing_address and not missing_address_is_dead:
        raise ValidationError({"to_address": _("An address is required.")})
    address = "" if missing_address else _normalise_address(channel, to_address, site)

    now = timezone.now()
    notification = new_row(
        Notification,
        created_at=now,
        site=site,
        recipient=recipient,
        channel=channel,
        to_address=address,
        from_address=from_address,
        subject=subject,
        body=body,
        html_body=html_body,
        automatic=automatic,
        dedupe_key=dedupe_key,
        in_reply_to=in_reply_to.strip(),
        references=" ".join(references.split()),
        headers=dict(headers),
        next_attempt_at=now,
    )
    if channel == Channel.EMAIL:
        notification.message_id = make_msgid(domain=_message_id_domain(from_address))
    if related is not None:
        notification.related_type = ContentType.objects.get_for_model(related)
        notification.related_id = str(related.pk)
    if missing_address:
        notification.status = NotificationStatus.DEAD
        notification.next_attempt_at = None
        notification.last_error = _("%(user)s has no address for %(channel)s.") % {
            "user": recipient,
            "channel": Channel(channel).label,
        }
    return notification


def schedule_deliveries(notification_ids: Sequence[int]) -> None:
    """Put many new rows on the task queue as one task (one row in the queue, not one
    each). Like `schedule_delivery`, losing this is survivable: the sweep delivers due
    rows."""
    if notification_ids:
        deliver_notifications.enqueue(list(notification_ids))


def queued(notification: Notification) -> Notification:
    """Record the new row on its timeline and ask for delivery once the caller commits."""
    _record_queued(notification)
    if notification.status == NotificationStatus.PENDING:
        transaction.on_commit(partial(schedule_delivery, notification.pk), robust=True)
    return notification


def _find_duplicate(dedupe_key: str | None) -> Notification | None:
    if dedupe_key is None:
        return None
    return Notification.objects.filter(dedupe_key=dedupe_key).first()


def _record_queued(notification: Notification) -> None:
    record_events([queued_event(notification)])


def queued_event(notification: Notification) -> Event:
    """The event a new row writes on its own timeline: queued, or dead on arrival."""
    verb = "notification.queued"
    if notification.status == NotificationStatus.DEAD:
        verb = "notification.dead"
    return build_event(
        verb,
        subject=notification,
        site=notification.site,
        actor_label="outbox",
        occurred_at=notification.created_at,
        summary=notification.last_error or f"{notification.channel} → {notification.to_address}",
        data={
            "channel": notification.channel,
            "automatic": notification.automatic,
            "related_type": notification.related_type_id,
            "related_id": notification.related_id,
            "message_id": notification.message_id,
        },
    )


def _validate(
    *,
    channel: str,
    subject: str,
    body: str,
    related: models.Model | None,
    dedupe_key: str | None,
    headers: Mapping[str, str],
    in_reply_to: str,
    references: str,
    from_address: str,
) -> None:
    """Collect every problem at once, each under the name of the argument at fault."""
    errors: dict[str, str] = {}
    if channel not in CHANNELS:
        errors["channel"] = _("Unknown channel %(channel)r; use one of %(choices)s.") % {
            "channel": channel,
            "choices": ", ".join(CHANNELS),
        }
    if len(subject) > SUBJECT_MAX_LENGTH:
        errors["subject"] = _("The subject is longer than %(max)d characters.") % {
            "max": SUBJECT_MAX_LENGTH
        }
    if not (body or "").strip():
        errors["body"] = _("The message body is empty.")
    if related is not None and related.pk is None:
        errors["related"] = _("The related object has not been saved.")
    if dedupe_key is not None and len(dedupe_key) > DEDUPE_KEY_MAX_LENGTH:
        errors["dedupe_key"] = _("The dedupe key is longer than %(max)d characters.") % {
            "max": DEDUPE_KEY_MAX_LENGTH
        }
    header_error = _header_problem(headers)
    if header_error:
        errors["headers"] = header_error
    for name, value in (("in_reply_to", in_reply_to), ("references", references)):
        if "\r" in value or "\n" in value:
            errors[name] = _("Line breaks are not allowed in a header.")
    email_sender = bool(from_address) and channel == Channel.EMAIL
    if email_sender and not is_email_address(_address_of(from_address)):
        errors["from_address"] = _("%(value)r is not a valid e-mail address.") % {
            "value": from_address
        }
    if errors:
        raise ValidationError(errors)


def _header_problem(headers: Mapping[str, Any]) -> str:
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            return _("Header names and values must be text.")
        if name.lower() in THREADING_HEADERS:
            return _("Set %(name)s through its own argument, not as an extra header.") % {
                "name": name
            }
        if any(ch in name + value for ch in "\r\n") or not name.strip() or ":" in name:
            return _("Header %(name)r is malformed.") % {"name": name}
    return ""


def _normalise_address(channel: str, address: str, site: Site | None) -> str:
    address = address.strip()
    if channel == Channel.EMAIL:
        if not is_email_address(address):
            raise ValidationError(
                {"to_address": _("%(value)r is not a valid e-mail address.") % {"value": address}}
            )
        return address
    return _normalise_phone(address.removeprefix("whatsapp:"), site)


def _normalise_phone(number: str, site: Site | None) -> str:
    """E.164, reading national numbers in the site's country (a Madrid site's 612…)."""
    region = site.country if site else None
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException as error:
        raise ValidationError(
            {"to_address": _("%(value)r is not a phone number.") % {"value": number}}
        ) from error
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            {"to_address": _("%(value)r is not a valid phone number.") % {"value": number}}
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=1024)
def _address_of(mailbox: str) -> str:
    """The address of "Name <address>". Cached: a site sends everything from one mailbox,
    and the stdlib's parser is slow enough to show in a chunk of acknowledgements."""
    return parseaddr(mailbox)[1]


def _message_id_domain(from_address: str) -> str:
    """The sender's domain, so our Message-IDs are ours and recognisable in replies."""
    for candidate in (from_address, settings.DEFAULT_FROM_EMAIL):
        domain = _address_of(candidate or "").rpartition("@")[2].strip()
        if domain:
            return domain
    return "posventa.invalid"

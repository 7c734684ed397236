"""Every state change of a promise: make, reassign, renegotiate, cancel, keep.

Rules (DESIGN.md, PROMISE-KEPT; seed 001, "a technician will get back to you", twice):

* Making a promise starts its PROMISE-KEPT clock with the promise's deadline (the clock runs
  24/7 so it falls due exactly then) and owned by the promise's owner; a team's promise has
  no owner on the clock, so the sweeper warns the site's team leads.
* A promise is kept only by its owner's own contact with the customer after it was made: a
  reply for a promise to write or send, an outbound call we logged (or a connected call) for
  a promise to call, either for the rest. Someone else answering, a status change, closing
  the case or an internal note keeps nothing: the clock escalates.
* A deadline in the past, or one the site's calendar has no working time before, is refused
  naming `deadline`.
* Renegotiating tells the customer (a reply on the promise's channel, on the timeline) and
  restarts the clock on the new deadline. A breach already recorded stays: breaches are
  permanent.
* Cancelling needs a reason. Nothing is deleted.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.cases import actions as cases
from posventa.cases.models import Case, ReplyChannel
from posventa.clocks import actions as clocks
from posventa.clocks.catalogue import effective_policy
from posventa.core.access import can_see_site
from posventa.core.calendars import calendar_for_site
from posventa.core.events import record_event
from posventa.core.models import Site, Team, User
from posventa.inbox.models import Direction, Message
from posventa.promises.models import Promise, PromiseAct, PromiseSource, PromiseStatus
from posventa.promises.when import Due, NoOpenDay, When, due_for

PROMISE_KEPT = "PROMISE-KEPT"
# Used when a site sets no PROMISE-KEPT target of its own: a promise without a stated time
# is due one business day (of 8 hours) after it is made.
DEFAULT_BUSINESS_HOURS = 8
# A promise further off than this is a typo, not a promise.
LONGEST = dt.timedelta(days=366)
CALL_ACTS = frozenset({PromiseAct.CALL})
WRITTEN_ACTS = frozenset({PromiseAct.WRITE, PromiseAct.SEND})
# Promises whose renegotiation message is being sent: that reply must not keep them.
_renegotiating: contextvars.ContextVar[frozenset[int]] = contextvars.ContextVar(
    "renegotiating", default=frozenset()
)


def atomic() -> transaction.Atomic:
    return transaction.atomic(savepoint=False)


# --- deadlines ---------------------------------------------------------------------------


def default_delay(site: Site) -> dt.timedelta:
    """How long a promise with no stated time has, in the site's business time: the site's
    own PROMISE-KEPT target if it set one, else POSVENTA_PROMISE_DEFAULT_HOURS (8)."""
    policy = effective_policy(site, PROMISE_KEPT)
    if policy.target_seconds:
        return dt.timedelta(seconds=policy.target_seconds)
    hours = getattr(settings, "POSVENTA_PROMISE_DEFAULT_HOURS", DEFAULT_BUSINESS_HOURS)
    return dt.timedelta(hours=hours)


def due(site: Site, when: When | None, *, now: dt.datetime | None = None) -> Due:
    """The deadline a spoken time means at `site` (the site's default when none was said).
    Refused naming `deadline` when the calendar has no open day for it."""
    now = now or timezone.now()
    try:
        return due_for(when, calendar=calendar_for_site(site), now=now, default=default_delay(site))
    except NoOpenDay as error:
        raise ValidationError(
            {
                "deadline": _("%(site)s is not open on any day that fits this promise.")
                % {"site": site.name}
            }
        ) from error


def validate_deadline(site: Site, deadline: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """Refuse a missing, naive or past deadline, one too far off, and one before which the
    site never opens (nobody could keep it)."""
    if deadline is None:
        raise ValidationError({"deadline": _("Say by when the customer will hear from us.")})
    if timezone.is_naive(deadline):
        raise ValidationError({"deadline": _("The deadline needs a time zone.")})
    if deadline <= now:
        raise ValidationError(
            {"deadline": _("The deadline is in the past: a promise must be kept in the future.")}
        )
    if deadline - now > LONGEST:
        raise ValidationError({"deadline": _("The deadline is more than a year away.")})
    if calendar_for_site(site).between(now, deadline) <= dt.timedelta(0):
        raise ValidationError(
            {
                "deadline": _(
                    "%(site)s is closed from now until then, so nobody could keep this "
                    "promise: choose a time after the site opens."
                )
                % {"site": site.name}
            }
        )
    return deadline


# --- making ------------------------------------------------------------------------------


def make_promise(
    case: Case,
    *,
    what: str,
    act: str,
    deadline: dt.datetime | None,
    actor: User,
    owner: User | None = None,
    owner_team: Team | None = None,
    channel: str | None = None,
    source: str = PromiseSource.STAFF,
    sentence: str = "",
    made_in: Message | None = None,
) -> Promise:
    """Record a promise on `case` and start its PROMISE-KEPT clock. The owner defaults to
    the person making it; the channel to the one the customer asked for."""
    now = timezone.now()
    what = (what or "").strip()
    if not what:
        raise ValidationError({"what": _("Say what was promised.")})
    _validate_act(act)
    channel = channel or case.requested_reply_channel
    _validate_channel(channel)
    if owner is None and owner_team is None:
        owner = actor
    _validate_owners(case.site, owner, owner_team)
    cases._validate_owner(actor, case.site, field="made_by")
    if not case.is_active:
        raise ValidationError({"case": _("The case is closed; open it again to promise.")})
    validate_deadline(case.site, deadline, now)
    assert deadline is not None
    with atomic():
        promise = Promise.objects.create(
            site=case.site,
            case=case,
            customer_id=case.customer_id,
            what=what[:500],
            act=act,
            made_by=actor,
            made_at=now,
            owner=owner if owner_team is None else None,
            owner_team=owner_team,
            deadline=deadline,
            channel=channel,
            source=source,
            sentence=sentence[:500],
            made_in=made_in,
        )
        _start_clock(promise, actor, now)
        _event("promise.made", promise, actor, now, internal=False)
    return promise


def _start_clock(promise: Promise, actor: User | None, now: dt.datetime) -> None:
    clocks.start_clock(
        PROMISE_KEPT,
        subject=promise,
        site=promise.site,
        owner=promise.owner,
        started_at=now,
        label=promise.what[:300],
        actor=actor,
        deadline=promise.deadline,
    )


# --- changing ----------------------------------------------------------------------------


def reassign_promise(
    promise: Promise,
    *,
    actor: User,
    owner: User | None = None,
    owner_team: Team | None = None,
    note: str = "",
) -> Promise:
    """Give the promise to another person or team; its clock follows."""
    _validate_open(promise)
    if owner is None and owner_team is None:
        raise ValidationError({"owner": _("Choose who must keep the promise.")})
    _validate_owners(promise.site, owner, owner_team)
    now = timezone.now()
    with atomic():
        before = promise.owner_label
        promise.owner = owner if owner_team is None else None
        promise.owner_team = owner_team
        promise.save(update_fields=["owner", "owner_team", "updated_at"])
        for clock in clocks.open_clocks_for(promise).filter(standard_id=PROMISE_KEPT):
            clocks.reassign_clock(clock, promise.owner, actor=actor)
        _event(
            "promise.reassigned",
            promise,
            actor,
            now,
            data={"from": before, "to": promise.owner_label, "note": note},
        )
    return promise


def cancel_promise(promise: Promise, *, actor: User, reason: str) -> Promise:
    """Withdraw a promise that no longer applies; the reason is required and kept."""
    _validate_open(promise)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the promise is cancelled.")})
    cases._validate_owner(actor, promise.site, field="actor")
    now = timezone.now()
    with atomic():
        promise.status = PromiseStatus.CANCELLED
        promise.cancelled_at = now
        promise.cancel_reason = reason.strip()
        promise.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
        for clock in clocks.open_clocks_for(promise).filter(standard_id=PROMISE_KEPT):
            clocks.cancel_clock(clock, at=now, reason=promise.cancel_reason, actor=actor)
        _event("promise.cancelled", promise, actor, now, data={"reason": promise.cancel_reason})
    return promise


def renegotiate_promise(
    promise: Promise, *, actor: User, deadline: dt.datetime | None, message: str
) -> Promise:
    """Agree a new deadline with the customer: the message goes to them on the promise's
    channel (a logged call when that is the phone) and the clock restarts on the new
    deadline. The message itself does not keep the promise."""
    _validate_open(promise)
    if not (message or "").strip():
        raise ValidationError({"message": _("Tell the customer what changes and why.")})
    now = timezone.now()
    validate_deadline(promise.site, deadline, now)
    assert deadline is not None
    case = promise.case
    with atomic(), _not_keeping(promise):
        if promise.channel == ReplyChannel.PHONE:
            sent = cases.log_call(case, author=actor, summary=message)
        else:
            sent = cases.reply(case, author=actor, body=message, channel=promise.channel)
        previous = promise.deadline
        promise.deadline = deadline
        promise.renegotiations += 1
        promise.save(update_fields=["deadline", "renegotiations", "updated_at"])
        for clock in clocks.open_clocks_for(promise).filter(standard_id=PROMISE_KEPT):
            clocks.cancel_clock(clock, at=now, reason="renegotiated", actor=actor)
        _start_clock(promise, actor, now)
        _event(
            "promise.renegotiated",
            promise,
            actor,
            now,
            internal=False,
            data={"from": previous.isoformat(), "message": sent.pk},
        )
    return promise


@contextmanager
def _not_keeping(promise: Promise) -> Iterator[None]:
    token = _renegotiating.set(_renegotiating.get() | {promise.pk})
    try:
        yield
    finally:
        _renegotiating.reset(token)


# --- keeping -----------------------------------------------------------------------------


def keeps(promise: Promise, *, author: User, kind: str, direction: str) -> bool:
    """Whether this contact by `author` is the promised act by the promise's owner."""
    if direction != Direction.OUTBOUND:
        return False  # the customer calling us is a chase, not a promise kept
    if promise.act in CALL_ACTS and kind != "call":
        return False
    if promise.act in WRITTEN_ACTS and kind != "reply":
        return False
    if promise.owner_id is not None:
        return promise.owner_id == author.pk
    team = promise.owner_team
    return team is not None and (
        team.lead_id == author.pk or team.members.filter(pk=author.pk).exists()
    )


def keep_promises_by_contact(
    case: Case,
    *,
    author: User,
    kind: str,
    direction: str,
    message: Message | None = None,
    at: dt.datetime | None = None,
) -> list[Promise]:
    """Keep the open promises on `case` that this contact keeps (made before it).

    `kind` is "reply" or "call". A logged call or reply passes its `message`; a connected
    call from the phone system (telephony, when its `call_connected` signal lands) passes
    `at`, the moment it connected, and no message."""
    skipped = _renegotiating.get()
    kept = []
    at = message.created_at if message is not None else (at or timezone.now())
    candidates = Promise.objects.filter(
        case=case, status=PromiseStatus.OPEN, made_at__lt=at
    ).select_related("owner_team", "site")
    for promise in candidates:
        if promise.pk in skipped:
            continue
        if keeps(promise, author=author, kind=kind, direction=direction):
            keep_promise(promise, by=author, message=message, at=at)
            kept.append(promise)
    return kept


def keep_promise(
    promise: Promise, *, by: User, message: Message | None, at: dt.datetime | None = None
) -> Promise:
    """The owner did what was promised: satisfy the clock (late or not)."""
    _validate_open(promise)
    at = at or timezone.now()
    with atomic():
        promise.status = PromiseStatus.KEPT
        promise.kept_at = at
        promise.kept_by_message = message
        promise.save(update_fields=["status", "kept_at", "kept_by_message", "updated_at"])
        clocks.satisfy_clocks(promise, PROMISE_KEPT, at=at, actor=by, reason="kept")
        _event("promise.kept", promise, by, at, internal=False)
    return promise


# --- helpers -----------------------------------------------------------------------------


def _event(
    verb: str,
    promise: Promise,
    actor: User | None,
    at: dt.datetime,
    *,
    internal: bool = True,
    data: dict[str, object] | None = None,
) -> None:
    """On the case's timeline, where the story of the case is read."""
    record_event(
        verb,
        subject=promise.case,
        site=promise.site,
        actor=actor,
        occurred_at=at,
        internal=internal,
        summary=promise.what[:200],
        data={
            "promise": promise.pk,
            "owner": promise.owner_label,
            "deadline": promise.deadline.isoformat(),
            **(data or {}),
        },
    )


def _validate_open(promise: Promise) -> None:
    if promise.status != PromiseStatus.OPEN:
        raise ValidationError(
            {"status": _("This promise is %(status)s.") % {"status": promise.get_status_display()}}
        )


def _validate_act(act: str) -> None:
    if act not in PromiseAct.values:
        raise ValidationError(
            {
                "act": _("Unknown act; use one of: %(allowed)s.")
                % {"allowed": ", ".join(PromiseAct.values)}
            }
        )


def _validate_channel(channel: str) -> None:
    if channel not in ReplyChannel.values:
        raise ValidationError(
            {
                "channel": _("Unknown channel; use one of: %(allowed)s.")
                % {"allowed": ", ".join(ReplyChannel.values)}
            }
        )


def _validate_owners(site: Site, owner: User | None, owner_team: Team | None) -> None:
    if owner is not None and owner_team is not None:
        raise ValidationError({"owner": _("A promise has one owner: a person or a team.")})
    if owner is not None and (not owner.is_active or not can_see_site(owner, site)):
        raise ValidationError(
            {"owner": _("%(user)s does not work at %(site)s.") % {"user": owner, "site": site}}
        )
    if owner_team is not None and owner_team.site_id != site.pk:
        raise ValidationError({"owner_team": _("That team is not at %(site)s.") % {"site": site}})

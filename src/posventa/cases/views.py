"""The agent workspace: queues, the case page and its forms, and search.

Every query starts from the sites the user may see (`core.access.visible_sites`); a case
elsewhere is a 404, never a 403, so nobody learns that a reference exists. Every change
goes through `cases.actions`; a view only turns the form into arguments and the action's
errors back into field errors.

Queues are sorted by urgency: the real time left on the case's earliest running clock,
so a breached case (negative time left) comes first and business-hours and 24/7 clocks
sort together. Cases without a running deadline (waiting on the customer, nothing owed)
follow, oldest first. See `urgent_page` for how that stays fast on a million cases.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import BigIntegerField, CharField, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from posventa.cases import actions, composer
from posventa.cases.forms import (
    CallForm,
    NoteForm,
    ReplyForm,
    ResolveForm,
    StatusForm,
    TransferForm,
    apply_errors,
    effective_requested_channel,
)
from posventa.cases.models import ACTIVE_STATUSES, Case, CaseStatus, CaseTransfer, ReplyChannel
from posventa.cases.search import search_workspace
from posventa.clocks.display import describe_target
from posventa.clocks.models import Clock, ClockState
from posventa.core.access import MANAGER_ROLES, visible_sites
from posventa.core.events import timeline
from posventa.core.labels import describe_actor, describe_verb
from posventa.core.models import Event, Membership, Site, Team, User
from posventa.inbox.downloads import attachment_response
from posventa.inbox.models import Attachment, Message

PAGE_SIZE = 50
# Below this many candidate cases a queue is ordered starting from its cases; above it,
# starting from the clocks' deadline index (see `urgent_page`). Counting stops here.
DEFAULT_SMALL_QUEUE = 2000
CURSOR_DEADLINE = "d"
CURSOR_NO_DEADLINE = "n"


def not_requested_channel_warning() -> str:
    return _(
        "This reply will not count as answering by the method the customer asked for (INFO-WEB)"
    )


def staff(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def site_ids(sites: QuerySet[Site]) -> list[int]:
    """Resolve a site queryset to ids first: PostgreSQL cannot estimate the nested OR
    subquery of `visible_sites`, guesses dozens of sites instead of one, and skips the
    (site, status) index; a literal list lets it plan for the real sites (1M cases: p95 of
    a site manager's queue 148 ms -> 71 ms)."""
    return list(sites.values_list("pk", flat=True))


def cases_for(user: User) -> QuerySet[Case]:
    return Case.objects.filter(site_id__in=site_ids(visible_sites(user)))


def get_case(user: User, reference: str) -> Case:
    return get_object_or_404(
        cases_for(user).select_related(
            "site__organisation", "customer", "vehicle", "owner", "team", "resolution_message"
        ),
        reference=reference,
    )


# --- queues -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    name: str
    title: Any
    description: Any
    empty: Any


QUEUES = {
    "my": Queue(
        "my",
        gettext_lazy("My cases"),
        gettext_lazy("Open cases you own, the most urgent first."),
        gettext_lazy("You have no open cases."),
    ),
    "team": Queue(
        "team",
        gettext_lazy("My teams"),
        gettext_lazy("Open cases of the teams you belong to or lead."),
        gettext_lazy("Your teams have no open cases."),
    ),
    "unassigned": Queue(
        "unassigned",
        gettext_lazy("Unassigned"),
        gettext_lazy("Open cases nobody owns yet on your sites. Take one."),
        gettext_lazy("Every open case has an owner."),
    ),
    "all": Queue(
        "all",
        gettext_lazy("All open cases"),
        gettext_lazy("Every open case at the sites you manage."),
        gettext_lazy("No open cases at the sites you manage."),
    ),
}


def managed_sites(user: User) -> QuerySet[Site]:
    """Sites where the user holds a manager role (a group-wide role covers every site)."""
    if user.is_superuser:
        return Site.objects.all()
    memberships = Membership.objects.filter(user=user, role__in=MANAGER_ROLES)
    return Site.objects.filter(
        Q(pk__in=memberships.filter(site__isnull=False).values("site"))
        | Q(organisation__in=memberships.filter(site__isnull=True).values("organisation"))
    )


def is_manager(user: User) -> bool:
    return managed_sites(user).exists()


def queue_cases(user: User, name: str) -> QuerySet[Case]:
    """The open cases of a queue, unordered. Each filter has an index on `case`."""
    active = cases_for(user).filter(status__in=ACTIVE_STATUSES)
    if name == "my":
        return active.filter(owner=user)
    if name == "team":
        teams = Team.objects.filter(Q(members=user) | Q(lead=user)).values("pk")
        return active.filter(team__in=teams)
    if name == "unassigned":
        return active.filter(owner__isnull=True)
    if name == "all":
        return active.filter(site_id__in=site_ids(managed_sites(user)))
    raise ValueError(name)


@dataclass(frozen=True)
class Cursor:
    """A position in the urgency order: a clock's (due_at, id), or a case id after them."""

    due_at: dt.datetime | None = None
    clock_id: int | None = None
    case_id: int | None = None

    @property
    def in_deadlines(self) -> bool:
        return self.due_at is not None

    def encode(self) -> str:
        if self.due_at is not None:
            micros = int(self.due_at.timestamp() * 1_000_000)
            return f"{CURSOR_DEADLINE}.{micros}.{self.clock_id}"
        return f"{CURSOR_NO_DEADLINE}.{self.case_id}"

    @classmethod
    def decode(cls, value: str) -> Cursor | None:
        """None for anything that is not a cursor we made (a stale or edited link)."""
        parts = (value or "").split(".")
        try:
            if parts[0] == CURSOR_DEADLINE and len(parts) == 3:
                due = dt.datetime.fromtimestamp(int(parts[1]) / 1_000_000, tz=dt.UTC)
                return cls(due_at=due, clock_id=int(parts[2]))
            if parts[0] == CURSOR_NO_DEADLINE and len(parts) == 2:
                return cls(case_id=int(parts[1]))
        except (ValueError, OverflowError, OSError):
            return None
        return None


@dataclass(frozen=True)
class QueueRow:
    case: Case
    clock: Clock | None  # the earliest running clock, if the case has one with a deadline
    urgency: str
    seconds_left: float | None
    paused: bool
    breached_while_paused: bool

    @property
    def cursor(self) -> Cursor:
        if self.clock is not None and self.clock.due_at is not None:
            return Cursor(due_at=self.clock.due_at, clock_id=self.clock.pk)
        return Cursor(case_id=self.case.pk)


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    next_cursor: str
    previous_cursor: str
    has_previous: bool

    @property
    def has_next(self) -> bool:
        return bool(self.next_cursor)


def small_queue_limit() -> int:
    return int(getattr(settings, "POSVENTA_SMALL_QUEUE", DEFAULT_SMALL_QUEUE))


def _case_type() -> ContentType:
    return ContentType.objects.get_for_model(Case)


def running_deadlines() -> QuerySet[Clock]:
    return Clock.objects.filter(
        subject_type=_case_type(), state=ClockState.RUNNING, due_at__isnull=False
    )


def earliest_running_deadlines(cases: QuerySet[Case], *, small: bool) -> QuerySet[Clock]:
    """For each case of `cases` with a running deadline, its earliest clock by (due_at, id).

    Two shapes of the same question, so the database can use the right index:
    a small queue looks its clocks up by subject (index `clock_subject`); a large one walks
    running clocks in due_at order and checks each clock's case by primary key, stopping as
    soon as the page is full. That walk needs the partial index on clocks
    `(due_at, id) WHERE state = 'running' AND due_at IS NOT NULL`: without it a queue of
    300,000 open cases takes seconds instead of milliseconds.
    """
    deadlines = running_deadlines()
    if small:
        case_keys = cases.order_by().annotate(key=Cast("pk", CharField(max_length=64)))
        deadlines = deadlines.filter(subject_id__in=case_keys.values("key"))
    else:
        # A scalar subquery, not EXISTS: PostgreSQL turns an EXISTS into a hash semi-join
        # that reads every running clock, but it keeps a scalar subquery per row, so the
        # walk along the due_at index stops after one page.
        own_case = cases.order_by().filter(pk=Cast(OuterRef("subject_id"), BigIntegerField()))
        deadlines = deadlines.alias(queue_case=Subquery(own_case.values("pk")[:1])).filter(
            queue_case__isnull=False
        )
    earlier = (
        running_deadlines()
        .filter(
            subject_id=OuterRef("subject_id"),
        )
        .filter(
            Q(due_at__lt=OuterRef("due_at")) | Q(due_at=OuterRef("due_at"), pk__lt=OuterRef("pk"))
        )
    )
    return deadlines.filter(~Exists(earlier)).select_related("standard")


def cases_without_deadline(cases: QuerySet[Case]) -> QuerySet[Case]:
    deadline = running_deadlines().filter(subject_id=Cast(OuterRef("pk"), CharField(max_length=64)))
    return cases.filter(~Exists(deadline))


def _after(cursor: Cursor) -> Q:
    # The plain bound on due_at is redundant, but it is what the database uses to start
    # the index scan at the cursor; the OR alone is only a filter, read from the start.
    return Q(due_at__gte=cursor.due_at) & (
        Q(due_at__gt=cursor.due_at) | Q(due_at=cursor.due_at, pk__gt=cursor.clock_id)
    )


def _before(cursor: Cursor) -> Q:
    return Q(due_at__lte=cursor.due_at) & (
        Q(due_at__lt=cursor.due_at) | Q(due_at=cursor.due_at, pk__lt=cursor.clock_id)
    )


def urgent_page(
    cases: QuerySet[Case],
    *,
    after: Cursor | None = None,
    before: Cursor | None = None,
    size: int = PAGE_SIZE,
    now: dt.datetime | None = None,
) -> QueuePage:
    """One page of `cases` in urgency order, by keyset: no OFFSET and no COUNT(*) of the
    whole queue, so page 1 and page 2,000 cost the same on a million cases.

    The order has two segments: cases with a running deadline by their earliest clock's
    (due_at, clock id), then the others by case id. A page may straddle both. `before`
    walks backwards for the "previous" link.
    """
    now = now or timezone.now()
    small = cases.order_by()[: small_queue_limit() + 1].count() <= small_queue_limit()
    deadlines = earliest_running_deadlines(cases, small=small)
    rest = cases_without_deadline(cases)
    want = size + 1
    clocks: list[Clock]
    loose: list[int]
    if before is not None:
        if before.in_deadlines:
            loose = []
            clocks = list(deadlines.filter(_before(before)).order_by("-due_at", "-pk")[:want])
        else:
            loose = list(
                rest.filter(pk__lt=before.case_id)
                .order_by("-pk")
                .values_list("pk", flat=True)[:want]
            )
            clocks = (
                list(deadlines.order_by("-due_at", "-pk")[: want - len(loose)])
                if len(loose) < want
                else []
            )
        # Walking backwards, the extra row sits on the far (earlier) end.
        backwards: list[Clock | int] = [*loose]
        backwards.extend(clocks)
        backwards = backwards[:want]
        has_previous = len(backwards) > size
        ordered: list[Clock | int] = list(reversed(backwards[:size]))
        page = _build_rows(ordered, now)
        return QueuePage(
            rows=page,
            next_cursor=page[-1].cursor.encode() if page else "",
            previous_cursor=page[0].cursor.encode() if page and has_previous else "",
            has_previous=has_previous,
        )

    if after is None or after.in_deadlines:
        window = deadlines.filter(_after(after)) if after is not None else deadlines
        clocks = list(window.order_by("due_at", "pk")[:want])
        loose = (
            list(rest.order_by("pk").values_list("pk", flat=True)[: want - len(clocks)])
            if len(clocks) < want
            else []
        )
    else:
        clocks = []
        loose = list(
            rest.filter(pk__gt=after.case_id).order_by("pk").values_list("pk", flat=True)[:want]
        )
    forward: list[Clock | int] = [*clocks]
    forward.extend(loose)
    has_next = len(forward) > size
    page = _build_rows(forward[:size], now)
    return QueuePage(
        rows=page,
        next_cursor=page[-1].cursor.encode() if page and has_next else "",
        previous_cursor=page[0].cursor.encode() if page and after is not None else "",
        has_previous=after is not None,
    )


def _build_rows(entries: list[Clock | int], now: dt.datetime) -> list[QueueRow]:
    """Load the page's cases in one query (and the paused clocks of the rest in another)."""
    clock_of = {int(e.subject_id): e for e in entries if isinstance(e, Clock)}
    ids = [int(e.subject_id) if isinstance(e, Clock) else e for e in entries]
    if not ids:
        return []
    loaded = Case.objects.select_related("customer", "owner", "team", "site", "vehicle").in_bulk(
        ids
    )
    paused = _paused_clocks([pk for pk in ids if pk not in clock_of])
    rows = []
    for pk in ids:
        case = loaded.get(pk)
        if case is None:  # deleted between the two queries
            continue
        clock = clock_of.get(pk)
        paused_breached = paused.get(pk)
        rows.append(_row(case, clock, paused_breached, now))
    return rows


def _paused_clocks(case_ids: list[int]) -> dict[int, bool]:
    """For cases without a running deadline: whether a paused clock of theirs was breached."""
    if not case_ids:
        return {}
    found: dict[int, bool] = {}
    rows = Clock.objects.filter(
        subject_type=_case_type(),
        subject_id__in=[str(pk) for pk in case_ids],
        state=ClockState.PAUSED,
    ).values_list("subject_id", "breached_at")
    for subject_id, breached_at in rows:
        key = int(subject_id)
        found[key] = found.get(key, False) or breached_at is not None
    return found


def _row(
    case: Case, clock: Clock | None, paused_breached: bool | None, now: dt.datetime
) -> QueueRow:
    if clock is not None and clock.due_at is not None:
        seconds_left = (clock.due_at - now).total_seconds()
        if clock.breached_at is not None or seconds_left <= 0:
            urgency = "breached"
        elif clock.warn_at is not None and clock.warn_at <= now:
            urgency = "warned"
        else:
            urgency = "on_time"
        return QueueRow(case, clock, urgency, seconds_left, False, False)
    paused = paused_breached is not None
    return QueueRow(
        case,
        None,
        "paused" if paused else "none",
        None,
        paused,
        bool(paused_breached),
    )


@login_required
def queue(request: HttpRequest, name: str) -> HttpResponse:
    user = staff(request)
    if name == "all" and not is_manager(user):
        raise PermissionDenied(_("Only managers see every open case."))
    after = Cursor.decode(request.GET.get("after", "")) if request.GET.get("after") else None
    before = Cursor.decode(request.GET.get("before", "")) if request.GET.get("before") else None
    now = timezone.now()
    page = urgent_page(queue_cases(user, name), after=after, before=before, now=now)
    context = {
        "queue": QUEUES[name],
        "queues": _queue_tabs(user, name),
        "page": page,
        "now": now,
    }
    partial = bool(getattr(request, "htmx", False))
    template = "cases/_queue_table.html" if partial else "cases/queue.html"
    return render(request, template, context)


def _queue_tabs(user: User, current: str) -> list[dict[str, Any]]:
    names = ["my", "team", "unassigned"] + (["all"] if is_manager(user) else [])
    return [
        {
            "name": name,
            "title": QUEUES[name].title,
            "url": reverse(f"cases:{name}"),
            "active": name == current,
        }
        for name in names
    ]


def my_cases(request: HttpRequest) -> HttpResponse:
    return queue(request, "my")


def team_cases(request: HttpRequest) -> HttpResponse:
    return queue(request, "team")


def unassigned_cases(request: HttpRequest) -> HttpResponse:
    return queue(request, "unassigned")


def all_cases(request: HttpRequest) -> HttpResponse:
    return queue(request, "all")


# --- the case page ------------------------------------------------------------------------

CASE_VERBS = {
    "case.opened": gettext_lazy("Case opened"),
    "case.message_received": gettext_lazy("Message from the customer"),
    "case.replied": gettext_lazy("Reply sent"),
    "case.acknowledged": gettext_lazy("Automatic acknowledgement"),
    "case.acknowledgement_withheld": gettext_lazy("Automatic acknowledgement not sent"),
    "case.call_logged": gettext_lazy("Call logged"),
    "case.note_added": gettext_lazy("Internal note"),
    "case.assigned": gettext_lazy("Assigned"),
    "case.transferred": gettext_lazy("Transferred"),
    "case.status_changed": gettext_lazy("Status changed"),
    "case.resolved": gettext_lazy("Resolved"),
    "case.closed": gettext_lazy("Closed"),
    "case.reopened": gettext_lazy("Reopened"),
    "case.customer_merged": gettext_lazy("Customer records merged"),
    "case.vehicle_linked": gettext_lazy("Vehicle linked"),
    "case.team_changed": gettext_lazy("Team changed"),
    "clock.reassigned": gettext_lazy("Clock reassigned"),
}


# Messages no event names (the one that opened the case, for instance) by their kind.
MESSAGE_KINDS = {
    "customer_message": gettext_lazy("Message from the customer"),
    "letter": gettext_lazy("Letter"),
    "reply": gettext_lazy("Reply sent"),
    "auto_acknowledgement": gettext_lazy("Automatic acknowledgement"),
    "automatic_inbound": gettext_lazy("Automatic message received"),
    "internal_note": gettext_lazy("Internal note"),
    "call_log": gettext_lazy("Call logged"),
}
# Within one instant: what people did, then the messages, then what it did to the clocks.
ORDER_EVENT, ORDER_MESSAGE, ORDER_CLOCK = 0, 1, 2


@dataclass
class StoryItem:
    """One entry of the case's story: an event, the message it is about, or both."""

    at: dt.datetime
    order: int
    event: Event | None = None
    message: Message | None = None
    transfer: CaseTransfer | None = None
    # Clock events of one verb at one instant are shown as one line ("INFO-WEB, INFO-WRITTEN").
    standards: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.event is not None:
            label = CASE_VERBS.get(self.event.verb)
            return str(label) if label is not None else describe_verb(self.event.verb)
        if self.message is not None:
            return str(MESSAGE_KINDS.get(self.message.kind, _("Message")))
        return _("Message")

    @property
    def actor_name(self) -> str:
        """Who did it, as a person reads it: a name, an address, or the automatic process
        by its human name ("Received by e-mail"), never a code like "inbound:email"."""
        if self.event is not None and self.event.actor is not None:
            return str(self.event.actor)
        if self.message is not None and self.message.author is not None:
            return str(self.message.author)
        if self.message is not None and self.message.from_address:
            return str(self.message.from_address)
        if self.event is not None:
            return describe_actor(self.event.actor_label)
        return ""

    @property
    def kind(self) -> str:
        """A CSS hook: what kind of entry this is."""
        if self.message is not None:
            return str(self.message.kind)
        if self.event is not None and self.event.verb.startswith("clock."):
            return "clock"
        return "event"

    @property
    def is_clock(self) -> bool:
        return self.kind == "clock"

    @property
    def off_channel(self) -> bool:
        return self.message is not None and actions.NOT_REQUESTED_CHANNEL in (
            self.message.warnings or []
        )

    def joins(self, other: StoryItem) -> bool:
        """Whether `other` is the same clock change as this one, on another standard."""
        return (
            self.is_clock
            and other.is_clock
            and self.event is not None
            and other.event is not None
            and self.event.verb == other.event.verb
            and self.event.actor_id == other.event.actor_id
            and abs((self.at - other.at).total_seconds()) < 1
        )


def build_story(case: Case) -> list[StoryItem]:
    """Messages in and out, notes, calls, transfers, status changes and clock events, in
    one chronological story. Three queries whatever the case's length.

    Events are the spine; an event about a message shows that message. A message no event
    names (the one that opened the case, for instance) is shown at its own time.
    """
    events = list(timeline(case).select_related("site", "actor"))
    case_messages = {
        message.pk: message
        for message in Message.objects.filter(case=case)
        .select_related("author")
        .prefetch_related("attachments")
    }
    transfers = {
        transfer.pk: transfer
        for transfer in CaseTransfer.objects.filter(case=case).select_related(
            "from_owner", "to_owner", "from_team", "to_team"
        )
    }
    items: list[StoryItem] = []
    shown: set[int] = set()
    for event in events:
        message = case_messages.get(_int(event.data.get("message")))
        transfer = transfers.get(_int(event.data.get("transfer")))
        if message is not None:
            shown.add(message.pk)
        order = ORDER_CLOCK if event.verb.startswith("clock.") else ORDER_EVENT
        standard = str(event.data.get("standard") or "")
        items.append(
            StoryItem(
                event.occurred_at, order, event, message, transfer, [standard] if standard else []
            )
        )
    for message in case_messages.values():
        if message.pk not in shown:
            items.append(StoryItem(message.created_at, ORDER_MESSAGE, None, message))
    items.sort(key=lambda item: (item.at, item.order))
    return _merge_clock_lines(items)


def _merge_clock_lines(items: list[StoryItem]) -> list[StoryItem]:
    merged: list[StoryItem] = []
    for item in items:
        if merged and merged[-1].joins(item):
            merged[-1].standards.extend(code for code in item.standards if code)
            continue
        merged.append(item)
    return merged


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@dataclass(frozen=True)
class ClockView:
    clock: Clock
    urgency: str
    seconds_left: float | None

    @property
    def target_label(self) -> str:
        """The target in the unit its standard was set in: "2 business days", not hours."""
        return describe_target(self.clock)


def case_clocks(case: Case, now: dt.datetime) -> list[ClockView]:
    """Every clock of the case, open ones first, each with its time left or outcome."""
    clocks = Clock.objects.filter(
        subject_type=_case_type(), subject_id=str(case.pk)
    ).select_related("standard", "owner", "site")
    views = []
    for clock in clocks:
        seconds_left = None
        if clock.state == ClockState.RUNNING and clock.due_at is not None:
            seconds_left = (clock.due_at - now).total_seconds()
        if clock.breached_at is not None or (seconds_left is not None and seconds_left <= 0):
            urgency = "breached"
        elif clock.state == ClockState.RUNNING and clock.warn_at and clock.warn_at <= now:
            urgency = "warned"
        else:
            urgency = str(clock.state)
        views.append(ClockView(clock, urgency, seconds_left))
    views.sort(key=lambda view: (not view.clock.is_open, view.clock.started_at, view.clock.pk))
    return views


def render_case(
    request: HttpRequest,
    case: Case,
    *,
    status: int = 200,
    **bound: forms.Form,
) -> HttpResponse:
    """The case page, with any bound (invalid) form in place of its empty twin."""
    now = timezone.now()
    forms_ = {
        "reply_form": ReplyForm(case=case),
        "note_form": NoteForm(),
        "call_form": CallForm(),
        "transfer_form": TransferForm(case=case),
        "status_form": StatusForm(case=case),
        "resolve_form": ResolveForm(case=case),
        **bound,
    }
    requested = effective_requested_channel(case)
    reply_form = forms_["reply_form"]
    posted = reply_form.data if reply_form.is_bound else None
    context = {
        **composer.page_context(case, staff(request), posted),
        "case": case,
        "now": now,
        "clocks": case_clocks(case, now),
        "story": build_story(case),
        "requested_channel": requested,
        "requested_channel_label": ReplyChannel(case.requested_reply_channel).label,
        "customer_asked_for_a_call": case.requested_reply_channel == ReplyChannel.PHONE,
        "warning_text": not_requested_channel_warning(),
        "contact_points": list(case.customer.contact_points.all()),
        **forms_,
    }
    return render(request, "cases/detail.html", context, status=status)


@login_required
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    return render_case(request, get_case(staff(request), reference))


@login_required
def case_attachment(request: HttpRequest, reference: str, attachment_id: int) -> HttpResponseBase:
    """A file attached to a message of a case the user may see; anything else is a 404.
    Served by inbox.downloads (downloaded unless it is a passive image or text)."""
    case = get_case(staff(request), reference)
    attachment = get_object_or_404(Attachment, pk=attachment_id, message__case=case)
    return attachment_response(attachment)


def _reload(case: Case) -> Case:
    """A fresh copy after a refused action: it may have changed the instance in memory."""
    return Case.objects.select_related(
        "site__organisation", "customer", "vehicle", "owner", "team", "resolution_message"
    ).get(pk=case.pk)


def _perform(
    request: HttpRequest,
    reference: str,
    *,
    form_name: str,
    build: Callable[[Case], forms.Form],
    act: Callable[[Case, User, dict[str, Any]], str],
) -> HttpResponse:
    """Validate the form, call the action, and either redirect with its message or show
    the page again with the errors on the fields (status 400), keeping what was typed."""
    user = staff(request)
    case = get_case(user, reference)
    form = build(case)
    if form.is_valid():
        try:
            text = act(case, user, form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if text:
                messages.success(request, text)
            if getattr(request, "htmx", False):
                # The composer posts through htmx: load the case page afresh, at its URL.
                return HttpResponseClientRedirect(
                    reverse("cases:detail", kwargs={"reference": case.reference})
                )
            return redirect("cases:detail", reference=case.reference)
    # A refused form comes back where the person is looking: the htmx composer swaps in
    # its own fragment of this page (hx-select), errors beside what they typed, at the
    # case URL; without JavaScript the form's action carries the fragment's anchor.
    return render_case(request, _reload(case), status=400, **{form_name: form})


@login_required
@require_POST
def case_reply(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case: Case, user: User, data: dict[str, Any]) -> str:
        # One transaction: what the composer's extensions record (confirmed promises)
        # commits with the reply, and a refusal from them sends nothing.
        with transaction.atomic():
            message = actions.reply(
                case,
                author=user,
                body=data["body"],
                channel=data["channel"],
                canned_answer=data["canned_answer"],
                subject=data["subject"] or None,
            )
            for line in composer.after_reply(case, user, message, request.POST):
                messages.info(request, line)
        if actions.NOT_REQUESTED_CHANNEL in (message.warnings or []):
            messages.warning(request, not_requested_channel_warning())
            return _("Reply sent.")
        return _("Reply sent by the method the customer asked for.")

    return _perform(
        request,
        reference,
        form_name="reply_form",
        build=lambda case: ReplyForm(request.POST, case=case),
        act=act,
    )


@login_required
@require_POST
def case_note(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case: Case, user: User, data: dict[str, Any]) -> str:
        actions.add_internal_note(case, author=user, body=data["body"])
        return _("Note added.")

    return _perform(
        request,
        reference,
        form_name="note_form",
        build=lambda case: NoteForm(request.POST),
        act=act,
    )


@login_required
@require_POST
def case_call(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case: Case, user: User, data: dict[str, Any]) -> str:
        actions.log_call(case, author=user, summary=data["summary"], direction=data["direction"])
        return _("Call logged.")

    return _perform(
        request,
        reference,
        form_name="call_form",
        build=lambda case: CallForm(request.POST),
        act=act,
    )


@login_required
@require_POST
def case_transfer(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case: Case, user: User, data: dict[str, Any]) -> str:
        transfer = actions.transfer_case(
            case,
            to_owner=data["to_owner"],
            to_team=data["to_team"],
            to_department=data["to_department"] or None,
            note=data["note"],
            actor=user,
        )
        where = transfer.to_owner or (transfer.to_team.name if transfer.to_team else "")
        where = where or transfer.get_to_department_display()
        return _("Case transferred to %(where)s with your handover note.") % {"where": where}

    return _perform(
        request,
        reference,
        form_name="transfer_form",
        build=lambda case: TransferForm(request.POST, case=case),
        act=act,
    )


@login_required
@require_POST
def case_status(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case: Case, user: User, data: dict[str, Any]) -> str:
        actions.set_case_status(case, data["status"], actor=user)
        return _("Status set to “%(status)s”.") % {"status": CaseStatus(data["status"]).label}

    return _perform(
        request,
        reference,
        form_name="status_form",
        build=lambda case: StatusForm(request.POST, case=case),
        act=act,
    )


@login_required
@require_POST
def case_resolve(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case: Case, user: User, data: dict[str, Any]) -> str:
        actions.resolve_case(case, actor=user, answer=data["answer"])
        return _("Case resolved. The customer can reopen it by replying.")

    return _perform(
        request,
        reference,
        form_name="resolve_form",
        build=lambda case: ResolveForm(request.POST, case=case),
        act=act,
    )


class _NoInput(forms.Form):
    """For buttons that carry no fields (take, reopen, close); errors show on the page."""


@login_required
@require_POST
def case_take(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case: Case, user: User, data: dict[str, Any]) -> str:
        actions.assign_case(case, user, actor=user)
        return _("The case is yours now.")

    return _perform(
        request,
        reference,
        form_name="take_form",
        build=lambda case: _NoInput(request.POST),
        act=act,
    )


@login_required
@require_POST
def case_reopen(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case: Case, user: User, data: dict[str, Any]) -> str:
        actions.reopen_case(case, actor=user, reason=_("Reopened by staff"))
        return _("Case reopened.")

    return _perform(
        request,
        reference,
        form_name="reopen_form",
        build=lambda case: _NoInput(request.POST),
        act=act,
    )


@login_required
@require_POST
def case_close(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case: Case, user: User, data: dict[str, Any]) -> str:
        actions.close_case(case, actor=user)
        return _("Case closed.")

    return _perform(
        request,
        reference,
        form_name="close_form",
        build=lambda case: _NoInput(request.POST),
        act=act,
    )


# --- search -------------------------------------------------------------------------------


@login_required
def search(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    query = request.GET.get("q", "").strip()
    results = search_workspace(user, query)
    if results.exact_case is not None and request.GET.get("go") == "1":
        # Typed a whole reference in the search box: go straight to the case.
        return redirect("cases:detail", reference=results.exact_case.reference)
    return render(request, "cases/search.html", {"query": query, "results": results})

"""What the customer sees of a case: plain-word status, who looks after it (first name
only), and one story made of the messages in and out and the public events.

Never shown: internal notes, call notes, automatic mail we received (bounces,
out-of-office), internal events (transfers, assignments, clock warnings and escalations).
Staff are named by first name only: the customer needs a person, not a directory.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from posventa.cases.models import Case, CaseStatus
from posventa.core.events import timeline
from posventa.core.models import Event, User
from posventa.inbox.models import Attachment, Direction, Message, MessageKind

STATUS_WORDS = {
    CaseStatus.NEW: gettext_lazy("Received: a member of our team will pick it up"),
    CaseStatus.OPEN: gettext_lazy("We are working on it"),
    CaseStatus.WAITING_CUSTOMER: gettext_lazy("Waiting for your answer"),
    CaseStatus.WAITING_THIRD_PARTY: gettext_lazy(
        "Waiting for someone else (a supplier or the manufacturer); we are following it up"
    ),
    CaseStatus.RESOLVED: gettext_lazy("Answered: reply here if something is still open"),
    CaseStatus.CLOSED: gettext_lazy("Closed"),
}

# Messages a customer may see: what they sent and what was sent to them.
VISIBLE_KINDS = (
    MessageKind.CUSTOMER_MESSAGE,
    MessageKind.REPLY,
    MessageKind.AUTO_ACKNOWLEDGEMENT,
    MessageKind.LETTER,
)
# Public events already shown as a message; listing them again would tell it twice.
MESSAGE_VERBS = {"case.message_received", "case.replied", "case.acknowledged"}
EVENT_WORDS = {
    "case.opened": gettext_lazy("Case opened"),
    "case.status_changed": gettext_lazy("Status changed"),
    "case.resolved": gettext_lazy("Answered"),
    "case.reopened": gettext_lazy("Reopened"),
    "case.closed": gettext_lazy("Closed"),
}


def status_words(case: Case) -> str:
    return str(STATUS_WORDS.get(CaseStatus(case.status), case.get_status_display()))


def first_name(user: User | None) -> str:
    if user is None:
        return ""
    return user.first_name.strip().split(" ")[0] if user.first_name.strip() else _("our team")


def owner_name(case: Case) -> str:
    """Who looks after the case, by first name; "" while it waits in the queue."""
    return first_name(case.owner) if case.owner_id else ""


def visible_messages(case: Case) -> QuerySet[Message]:
    return (
        Message.objects.filter(case=case, kind__in=VISIBLE_KINDS)
        .exclude(channel="internal")
        .select_related("author")
        .order_by("created_at", "id")
    )


def visible_attachments(case: Case) -> QuerySet[Attachment]:
    """Files the customer may open: those of the messages they see, stored by us (not
    refused over the size limit, not kept by a provider)."""
    return Attachment.objects.filter(message__in=visible_messages(case), refused=False).exclude(
        file=""
    )


def public_events(case: Case) -> QuerySet[Event]:
    return timeline(case).filter(internal=False).order_by("occurred_at", "id")


@dataclass(frozen=True)
class StoryEntry:
    at: dt.datetime
    kind: str  # "message" or "event"
    who: str
    mine: bool
    text: str
    title: str = ""
    automatic: bool = False
    attachments: tuple[Attachment, ...] = ()


def message_entry(message: Message) -> StoryEntry:
    mine = message.direction == Direction.INBOUND
    if mine:
        who = _("You")
    elif message.automatic:
        who = _("Automatic message")
    else:
        who = first_name(message.author)
    return StoryEntry(
        at=message.created_at,
        kind="message",
        who=who,
        mine=mine,
        text=message.body_text,
        automatic=message.automatic,
        attachments=tuple(
            attachment
            for attachment in message.attachments.all()
            if attachment.file and not attachment.refused
        ),
    )


def event_entry(event: Event) -> StoryEntry:
    title = str(EVENT_WORDS.get(event.verb, _("Update on your case")))
    if event.verb == "case.status_changed":
        to = event.data.get("to")
        if to in CaseStatus.values:
            title = str(STATUS_WORDS[CaseStatus(to)])
    if event.actor is not None:
        who = first_name(event.actor)
    elif event.actor_label.startswith("inbound:") or event.actor_label == "customer":
        who = _("You")
    else:
        who = ""
    # The summary of a resolution is the answer's text, which the messages already show;
    # other public events carry nothing more a customer needs.
    return StoryEntry(at=event.occurred_at, kind="event", who=who, mine=False, text="", title=title)


def story(case: Case) -> list[StoryEntry]:
    """Messages and public events, oldest first."""
    messages = visible_messages(case).prefetch_related("attachments")
    entries = [message_entry(message) for message in messages]
    entries += [
        event_entry(event)
        for event in public_events(case).select_related("actor")
        if event.verb not in MESSAGE_VERBS
    ]
    return sorted(entries, key=lambda entry: (entry.at, entry.kind != "event"))


def last_update(case: Case) -> dt.datetime:
    latest = public_events(case).order_by("-occurred_at", "-id").first()
    return latest.occurred_at if latest is not None else case.opened_at

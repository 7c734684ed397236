"""One pending raw row → one case message. Runs inside `process_inbound`'s transaction.

parse → find the site → identify the customer → thread → open, reopen or follow up a case →
message and attachments → clock rules (`cases.actions.receive_message`) → acknowledgement
of a new case. Automatic traffic stops after threading: it is filed on the case it answers
(if any) and never opens a case, reopens one, or starts or moves a clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from posventa.cases import actions as case_actions
from posventa.cases.models import Case, CaseStatus, Department
from posventa.core.bulk import new_row
from posventa.core.events import deferred_events, record_event
from posventa.core.models import Site
from posventa.customers.actions import identify_customer
from posventa.customers.models import Customer
from posventa.inbox import attachment_files, normalise, threading
from posventa.inbox.attachment_files import AttachmentFiles
from posventa.inbox.models import (
    Attachment,
    Direction,
    InboundRaw,
    InboundStatus,
    Message,
    MessageKind,
)
from posventa.inbox.normalise import InboundAttachment, InboundMessage, ParseError

DEFAULT_MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
# Which `identify_customer` channel an address is matched on.
IDENTIFY_CHANNEL = {"email": "email", "sms": "sms", "whatsapp": "whatsapp"}
COUNTRY_LANGUAGE = {"ES": "es", "SE": "sv"}


@dataclass
class Outcome:
    status: str
    reason: str = ""
    message: Message | None = None
    site: Site | None = None
    warnings: list[str] = field(default_factory=list)


def max_attachment_bytes() -> int:
    return int(getattr(settings, "POSVENTA_MAX_ATTACHMENT_BYTES", DEFAULT_MAX_ATTACHMENT_BYTES))


def process(raw: InboundRaw) -> Outcome:
    parsed = normalise.parse(raw.channel, raw.payload(), raw.metadata)
    site = find_site(raw, parsed)
    if parsed.auto_submitted:
        return file_automatic(raw, parsed, site)
    if site is None:
        # A reply to one of our messages tells us the site even when the adapter could not.
        found = threading.match_by_headers(None, parsed).case
        if found is None:
            raise ParseError(
                "Cannot tell which site this message is for: no site from the adapter, no "
                "site hint, an unknown recipient address and no known case reference."
            )
        site = found.site
    customer, first_contact = identify(site, parsed)
    case, opened = thread(raw, parsed, site, customer, new_customer=first_contact)
    # A chase known up front is stored with the message rather than updated after.
    chase = not opened and case_actions.is_chase_before_filing(case, parsed.channel)
    message = create_message(raw, parsed, case, customer, is_chase=chase)
    case_actions.receive_message(case, message, actor_label=f"inbound:{raw.channel}", opened=opened)
    if opened:
        acknowledge(case, message, parsed, first_contact=first_contact)
    return Outcome(InboundStatus.PROCESSED, message=message, site=site, warnings=parsed.warnings)


def acknowledge(
    case: Case, message: Message, parsed: InboundMessage, *, first_contact: bool
) -> None:
    """Send the automatic acknowledgement; if the outbox refuses it (an address it cannot
    use), the case still stands and the reason is kept as a warning on the raw row."""
    try:
        # The savepoint and the events' own block: a refusal drops what was recorded.
        with transaction.atomic(), deferred_events():
            case_actions.send_acknowledgement(
                case, message, language=customer_language(case), first_contact=first_contact
            )
    except ValidationError as error:
        parsed.warnings.append("acknowledgement not sent: " + "; ".join(error.messages))


# --- site and customer --------------------------------------------------------------------


def find_site(raw: InboundRaw, parsed: InboundMessage) -> Site | None:
    if raw.site is not None:
        return raw.site
    if parsed.site_hint:
        site = Site.objects.select_related("organisation").filter(slug=parsed.site_hint).first()
        if site is not None:
            return site
    if parsed.to_address and "@" in parsed.to_address:
        return (
            Site.objects.select_related("organisation")
            .filter(email__iexact=parsed.to_address)
            .order_by("pk")
            .first()
        )
    return None


def identify(site: Site, parsed: InboundMessage) -> tuple[Customer, bool]:
    """The customer who wrote, and whether this message is the first we ever had from
    them (a customer record created just now, unambiguously)."""
    if parsed.customer_id is not None:
        customer = Customer.objects.filter(
            pk=parsed.customer_id, organisation_id=site.organisation_id
        ).first()
        if customer is None:
            raise ParseError(f"Customer #{parsed.customer_id} does not exist in this group.")
        return _survivor(customer), False
    channel = identify_channel(parsed)
    result = identify_customer(
        site.organisation,
        channel=channel,
        address=parsed.from_address,
        display_name=parsed.from_name,
        region=site.country,
    )
    return result.customer, result.created and not result.ambiguous


def identify_channel(parsed: InboundMessage) -> str:
    """The channel `identify_customer` matches the sender on."""
    return IDENTIFY_CHANNEL.get(parsed.channel) or parsed.address_kind


def _survivor(customer: Customer) -> Customer:
    hops = 0
    while customer.merged_into_id is not None and hops < 10:
        customer = Customer.objects.get(pk=customer.merged_into_id)
        hops += 1
    return customer


def customer_language(case: Case) -> str:
    return case.customer.language or COUNTRY_LANGUAGE.get(case.site.country, "en")


# --- threading ----------------------------------------------------------------------------


def thread(
    raw: InboundRaw,
    parsed: InboundMessage,
    site: Site,
    customer: Customer,
    *,
    new_customer: bool = False,
) -> tuple[Case, bool]:
    """The case this message belongs to, reopened or newly opened as needed.
    Returns (case, opened_now). `new_customer`: the customer record was created by this
    message, so they have no case a topic could match."""
    received = raw.received_at
    department = department_of(parsed)
    topic = topic_of(parsed)
    match = threading.match_by_headers(site.organisation_id, parsed)
    if match.case is None and not new_customer:
        match = threading.match_by_topic(
            customer.pk,
            parsed.channel,
            topic,
            recent_resolved_since=received - case_actions.reopen_window(),
        )
    previous: Case | None = None
    if match.case is not None:
        case = match.case
        if case.site_id == site.pk:
            case.site = site  # the instance we hold, organisation already loaded
        if case.is_active:
            return case, False
        if case.status == CaseStatus.RESOLVED and _within_reopen_window(case, received):
            case_actions.reopen_case(
                case,
                at=received,
                actor_label=f"inbound:{parsed.channel}",
                reason="The customer replied to the answer.",
            )
            return case, False
        previous = case  # closed, or resolved too long ago: a new case that links to it
    case = case_actions.open_case(
        site=site if previous is None else previous.site,
        customer=customer,
        channel=parsed.channel,
        subject=case_subject(parsed),
        department=department if previous is None else previous.department,
        requested_reply_channel=parsed.requested_reply_channel or parsed.channel,
        topic=topic,
        vehicle=previous.vehicle if previous is not None else None,
        previous_case=previous,
        opened_at=received,
        actor_label=f"inbound:{parsed.channel}",
        awaiting_reply_since=received,
    )
    return case, True


def department_of(parsed: InboundMessage) -> str:
    return parsed.department_hint or Department.SERVICE


def topic_of(parsed: InboundMessage) -> str:
    """What a follow-up on the same channel must share to join an open case."""
    return threading.topic_for(parsed.channel, parsed.subject, department_of(parsed))


def _within_reopen_window(case: Case, at: dt.datetime) -> bool:
    return case.resolved_at is not None and at - case.resolved_at <= case_actions.reopen_window()


def case_subject(parsed: InboundMessage) -> str:
    subject = threading.strip_prefixes(threading.REFERENCE_RE.sub(" ", parsed.subject))
    if subject:
        return " ".join(subject.split())[:300]
    first_line = next((line.strip() for line in parsed.text.splitlines() if line.strip()), "")
    return shorten_at_word(" ".join(first_line.split()), SUBJECT_FROM_TEXT_LENGTH)


# A title made from the message's first line (web forms, SMS have no subject).
SUBJECT_FROM_TEXT_LENGTH = 80


def shorten_at_word(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters at a word boundary, with an ellipsis when
    cut, so a title never ends mid-word ("Knackande ljud från…", not "Knackande lj")."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if not text[limit - 1].isspace() and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:-") + "…"


# --- messages and attachments -------------------------------------------------------------


def create_message(
    raw: InboundRaw,
    parsed: InboundMessage,
    case: Case,
    customer: Customer | None,
    *,
    kind: str | None = None,
    is_chase: bool = False,
) -> Message:
    message = build_message(raw, parsed, case, customer, kind=kind, is_chase=is_chase)
    message.save(force_insert=True)
    if parsed.attachments:
        store_attachments(message, parsed.attachments)
    return message


def build_message(
    raw: InboundRaw,
    parsed: InboundMessage,
    case: Case,
    customer: Customer | None,
    *,
    kind: str | None = None,
    is_chase: bool = False,
) -> Message:
    """The unsaved inbound message (HTML sanitised); its attachments are stored once it
    is saved (`store_attachments`)."""
    html = nh3.clean(parsed.html) if parsed.html else ""
    text = parsed.text or (nh3.clean(parsed.html, tags=set()) if parsed.html else "")
    if kind is None:
        kind = MessageKind.LETTER if parsed.channel == "letter" else MessageKind.CUSTOMER_MESSAGE
    return new_row(
        Message,
        organisation_id=case.organisation_id,
        case=case,
        direction=Direction.INBOUND,
        channel=parsed.channel,
        kind=kind,
        customer=customer,
        automatic=kind == MessageKind.AUTOMATIC_INBOUND,
        is_chase=is_chase,
        from_address=parsed.from_address,
        to_address=parsed.to_address,
        subject=parsed.subject,
        body_text=text,
        body_html=html,
        message_id=parsed.message_id or parsed.provider_id,
        in_reply_to=parsed.in_reply_to,
        references=" ".join(parsed.references),
        requested_reply_channel=parsed.requested_reply_channel,
        department_hint=parsed.department_hint,
        warnings=parsed.warnings,
        raw=raw,
        created_at=raw.received_at,
    )


def store_attachments(message: Message, attachments: list[InboundAttachment]) -> None:
    Attachment.objects.bulk_create(attachment_rows(message, attachments))


def attachment_rows(
    message: Message, attachments: list[InboundAttachment], files: AttachmentFiles | None = None
) -> list[Attachment]:
    """The unsaved attachment rows of a saved message, their files already stored
    (content-addressed, so the same file is stored once; by `files` when the batch started
    writing them ahead); one over the size limit is recorded as refused, its bytes kept
    only in the raw message."""
    files = files or AttachmentFiles()
    limit = max_attachment_bytes()
    rows = []
    for item in attachments:
        row = new_row(
            Attachment,
            message=message,
            filename=attachment_files.filename(item),
            content_type=item.content_type[:255],
            size=item.size,
            url=item.url,
        )
        if item.data is None:
            rows.append(row)
            continue
        if item.size > limit:
            # Not stored as a file; the raw message keeps every byte of it.
            row.refused = True
            row.refused_reason = (
                f"{item.size} bytes is over the {limit}-byte limit per attachment; "
                "it is kept in the raw message."
            )
            rows.append(row)
            continue
        row.sha256, _name = files.identity(item)
        row.file.name = files.stored(item)
        rows.append(row)
    return rows


# --- automatic traffic --------------------------------------------------------------------


def unanswered_automatic_reason(parsed: InboundMessage) -> str:
    return f"Automatic message ({parsed.auto_reason}); no case it answers."


def file_automatic(raw: InboundRaw, parsed: InboundMessage, site: Site | None) -> Outcome:
    """Keep an out-of-office answer or a bounce; file it on the case it answers, if any.
    It is not a customer message: no case is opened or reopened, no clock moves."""
    organisation_id = site.organisation_id if site is not None else None
    case = threading.match_by_headers(organisation_id, parsed).case
    if case is None:
        return Outcome(
            InboundStatus.IGNORED,
            reason=unanswered_automatic_reason(parsed),
            site=site,
            warnings=parsed.warnings,
        )
    message = create_message(raw, parsed, case, case.customer, kind=MessageKind.AUTOMATIC_INBOUND)
    record_event(
        "case.automatic_message_received",
        subject=case,
        site=case.site,
        actor_label=f"inbound:{parsed.channel}",
        occurred_at=timezone.now(),
        internal=True,
        summary=parsed.auto_reason,
        data={"message": message.pk},
    )
    return Outcome(
        InboundStatus.IGNORED,
        reason=f"Automatic message ({parsed.auto_reason}); filed on {case.reference} "
        "without starting a clock.",
        message=message,
        site=case.site,
        warnings=parsed.warnings,
    )

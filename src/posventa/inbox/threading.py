"""Which case does an inbound message belong to?

In order, the first that finds a case wins:

1. **Headers**: In-Reply-To, then References (newest first), matched against the
   Message-ID of any message of the organisation, inbound or outbound. Our own replies and
   acknowledgements carry the Message-ID the outbox generated, so a customer pressing
   "reply" lands on the right case whatever they do to the subject.
2. **Reference the customer quoted**: the case reference ("MAD-2026-00042", with or without
   the brackets of our subjects, in any case) in the subject, then in the opening of the
   body (`opening_of`: the first lines the customer wrote, not what they quote). Only a
   case of the message's own organisation is found, so a reference-shaped string (an
   invoice number, another dealer group's case) never files a message elsewhere. When the
   site is unknown, only the bracketed form in the subject counts: it is our own subject
   coming back, where a bare string could be anything.
3. **Same customer, same channel, same topic, case still open** (not resolved or closed).
   The topic is the department for web forms and portal chat, and the normalised subject
   (Re:/Fwd:/Sv:/Vs:/RV:/AW:... stripped, case and spaces folded) for e-mail and letters.
   SMS and WhatsApp have no subject, so any open case of that customer on that channel
   is the topic; for the same reason an SMS/WhatsApp answer to a recently resolved case
   (within the reopen window) counts as a reply to it, as it would be by e-mail.
4. Otherwise a new case.

Steps 1-2 may find a resolved or closed case; `inbox.processing` then decides whether the
message reopens it (resolved, within `POSVENTA_CASE_REOPEN_DAYS`) or opens a new case that
links to it. Automatic traffic (bounces, out-of-office) is matched with steps 1-2 only: it
may be filed on a case, never opens or reopens one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from posventa.cases.models import ACTIVE_STATUSES, Case, CaseStatus
from posventa.core.models import Organisation
from posventa.inbox.models import Message
from posventa.inbox.normalise import InboundMessage

REFERENCE_RE = re.compile(r"\[([A-Z0-9]{2,8}-\d{4}-\d{4,})\]")
# The same shape typed by a person: no brackets, any case, not inside a longer token.
BARE_REFERENCE_RE = re.compile(r"(?<![\w-])([A-Za-z0-9]{2,8}-\d{4}-\d{4,})(?![\w-])")
# How much of the body a quoted reference is looked for in. A customer who quotes it
# does so where they start writing ("Mi referencia es MAD-2026-00042"); below come the
# messages they quote (perhaps another case's acknowledgement, a forwarded thread),
# signatures and disclaimers, whose reference-shaped strings are not the customer's
# choice. Five lines also cover a greeting and a blank-line-free paragraph or two.
OPENING_LINES = 5
OPENING_CHARS = 500
OPENING_SCAN = 4000  # characters of the body read at most to find those lines
# Where the customer's own text ends: a quote header ("On ... wrote:", "El ... escribió:",
# "Den ... skrev:", Outlook's "-----Original Message-----" or "From:" block) or "-- ".
QUOTE_START_RE = re.compile(
    r"^(?:-{2,}\s*\S.*-{2,}\s*$|-- ?$|_{5,}$|(?:from|de|från|von|da)\s*:"
    r"|(?:on|el|den|le|am|il|op)\s.{0,200}(?:wrote|escribió|skrev|a écrit|schrieb|ha scritto"
    r"|schreef)\s*:\s*$)",
    re.IGNORECASE,
)
# Reply and forward prefixes in the languages our customers write in (en, es, sv, de, fr,
# nl, it, pt...), possibly repeated and numbered ("Re[2]:", "SV: Re:").
PREFIX_RE = re.compile(
    r"^\s*(?:(?:re|fw|fwd|tr|sv|vs|vb|rv|res|enc|aw|wg|antw|doorst|r|i|rif)"
    r"(?:\s*\[\d+\]|\s*\(\d+\))?\s*[:\uff1a]\s*)+",
    re.IGNORECASE,
)
SUBJECT_CHANNELS = {"email", "letter"}
DEPARTMENT_CHANNELS = {"web_form", "portal_chat"}
ANY_OPEN_CASE_CHANNELS = {"sms", "whatsapp"}


@dataclass(frozen=True)
class ThreadMatch:
    case: Case | None
    how: str  # "in_reply_to", "references", "reference", "topic", "recent" or "new"


def strip_prefixes(subject: str) -> str:
    """Strip reply and forward prefixes: "Re: Fwd: SV: Revisión" → "Revisión"."""
    previous = None
    text = subject
    while previous != text:  # "Re: Fwd: Re:" and prefixes after a removed reference
        previous = text
        text = PREFIX_RE.sub("", text)
    return text.strip()


def normalise_subject(subject: str) -> str:
    text = strip_prefixes(REFERENCE_RE.sub(" ", subject))
    return " ".join(text.lower().split())[:300]


def topic_for(channel: str, subject: str, department: str) -> str:
    if channel in DEPARTMENT_CHANNELS:
        return department
    if channel in SUBJECT_CHANNELS:
        return normalise_subject(subject)
    return ""


def quoted_references(parsed: InboundMessage, *, site_known: bool = True) -> list[str]:
    """The case references the message quotes, in the order they count: the subject's
    (bracketed first), then the body's opening. Only the bracketed subject form when the
    site is unknown (see the module docstring). Both `match_by_headers` and the batch
    planner (`inbox.batch`) read references here."""
    found = REFERENCE_RE.findall(parsed.subject)
    if site_known:
        found += [value.upper() for value in BARE_REFERENCE_RE.findall(parsed.subject)]
        opening = opening_of(parsed.text)
        found += [value.upper() for value in BARE_REFERENCE_RE.findall(opening)]
    return list(dict.fromkeys(found))


def opening_of(text: str) -> str:
    """The first `OPENING_LINES` non-empty lines the customer wrote (quoted "> " lines
    skipped, nothing after a quote header or a signature), at most `OPENING_CHARS`."""
    lines: list[str] = []
    for line in text[:OPENING_SCAN].splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(">"):
            continue
        if QUOTE_START_RE.match(stripped):
            break
        lines.append(stripped)
        if len(lines) == OPENING_LINES:
            break
    return "\n".join(lines)[:OPENING_CHARS]


def messages_with_ids(
    message_ids: Iterable[str], *, organisations: Iterable[int] | None
) -> QuerySet[Message]:
    """Messages stored with one of these Message-IDs, in these organisations (None: in any).

    Written so the partial index on (organisation, Message-ID) serves it on SQLite too:
    the empty id is excluded as the index's condition says, and "any organisation" is
    every organisation's key rather than no condition (which would scan the index)."""
    if organisations is None:
        organisations = Organisation.objects.values("pk")  # type: ignore[assignment]
    return (
        Message.objects.filter(organisation_id__in=organisations, message_id__in=message_ids)
        .exclude(message_id="")
        .order_by()
    )


def match_by_headers(organisation_id: int | None, parsed: InboundMessage) -> ThreadMatch:
    """Steps 1 and 2. `organisation_id` None searches every organisation (site unknown)."""
    candidates = [(parsed.in_reply_to, "in_reply_to")] if parsed.in_reply_to else []
    candidates += [(ref, "references") for ref in reversed(parsed.references)]
    if candidates:
        ids = [value for value, _ in candidates]
        rows = messages_with_ids(
            ids, organisations=None if organisation_id is None else [organisation_id]
        )
        case_by_id = {
            message_id: case_id for message_id, case_id in rows.values_list("message_id", "case_id")
        }
        for value, how in candidates:
            if value in case_by_id:
                case = Case.objects.select_related("site__organisation").get(pk=case_by_id[value])
                return ThreadMatch(case, how)
    references = quoted_references(parsed, site_known=organisation_id is not None)
    if references:
        # By reference alone, through its unique index (with the organisation too, SQLite
        # would search the organisation's cases instead); the organisation is checked here.
        cases = Case.objects.select_related("site__organisation").filter(reference__in=references)
        by_reference = {
            case.reference: case
            for case in cases
            if organisation_id is None or case.organisation_id == organisation_id
        }
        for reference in references:
            if reference in by_reference:
                return ThreadMatch(by_reference[reference], "reference")
    return ThreadMatch(None, "new")


def match_by_topic(
    customer_id: int, channel: str, topic: str, *, recent_resolved_since: dt.datetime | None = None
) -> ThreadMatch:
    """Step 3: the newest open case of this customer on this channel with this topic."""
    # No select_related: the caller usually holds the site already (see inbox.processing).
    open_cases = Case.objects.filter(
        customer_id=customer_id, channel=channel, status__in=ACTIVE_STATUSES
    )
    if channel not in ANY_OPEN_CASE_CHANNELS:
        open_cases = open_cases.filter(topic=topic)
    case = open_cases.order_by("-opened_at", "-id").first()
    if case is not None:
        return ThreadMatch(case, "topic")
    if channel in ANY_OPEN_CASE_CHANNELS and recent_resolved_since is not None:
        recent = (
            Case.objects.select_related("site__organisation")
            .filter(
                Q(customer_id=customer_id, channel=channel, status=CaseStatus.RESOLVED)
                & Q(resolved_at__gte=recent_resolved_since)
            )
            .order_by("-resolved_at", "-id")
            .first()
        )
        if recent is not None:
            return ThreadMatch(recent, "recent")
    return ThreadMatch(None, "new")

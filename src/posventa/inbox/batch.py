"""Many inbound messages at once: an IMAP poll, a mailbox backlog, rows left pending.

    rows = ingest_many([InboundItem("email", raw, source="imap", site=site), ...])
    process_many(rows)  # rows already stored (process_pending)

The outcome is the same as calling `ingest` for each message in order: the same raw rows,
customers, cases, clocks, messages, acknowledgements and timeline events
(tests/inbox/test_batch_ingest.py compares both). The cost is not: the raw rows are
stored in one transaction, committed before anything is processed (raw first, so nothing
received can be lost), then processed in one more transaction per chunk, with one INSERT
per table instead of one per row.

How it plans. Messages are taken in arrival order against what the database held when
the chunk started (read in a handful of queries) plus what this chunk planned so far, so a
new customer's second e-mail joins the case their first one opened. Planned here is the
everyday traffic: a message that opens a case (a new or a known customer), a follow-up
on an open case on a channel that is not chat-like, and an automatic message that
answers no case. Anything else (a bounce filed on a case, a reopen, a closed case, a
shared address, a chat burst, a case waiting on the customer, a reference this chunk
cannot place yet, bad input) is a *detour*: what was planned so far is written, the
message goes through `process_inbound` exactly as it would alone, and planning resumes
with fresh reads. If a chunk fails as a whole, its rows still pending are processed one
by one, so one bad message can never hold up the others.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from posventa.cases import actions as case_actions
from posventa.cases.models import ACTIVE_STATUSES, Case, CaseStatus
from posventa.clocks.actions import build_clocks, clock_start_events
from posventa.clocks.catalogue import effective_policy, get_standard
from posventa.clocks.models import OPEN_STATES, Clock
from posventa.core.bulk import insert_new, update_rows
from posventa.core.collector import fewer_collections
from posventa.core.events import deferred_events, record_events
from posventa.core.models import Event, Organisation, Site
from posventa.customers.actions import (
    build_new_customer,
    customer_created_event,
    matching_kinds,
    normalise_contact,
    serialise_identifications,
)
from posventa.customers.models import (
    CHANNEL_CONTACT_KIND,
    PHONE_LIKE_KINDS,
    ContactKind,
    ContactPoint,
    Customer,
)
from posventa.inbox import normalise, parse_ahead, threading
from posventa.inbox.actions import new_raw_row, process_inbound, save_raw_row
from posventa.inbox.attachment_files import AttachmentFiles
from posventa.inbox.models import InboundRaw, InboundStatus, Message
from posventa.inbox.normalise import InboundMessage, ParseError
from posventa.inbox.parse_ahead import ParseAhead
from posventa.inbox.processing import (
    attachment_rows,
    build_message,
    case_subject,
    customer_language,
    department_of,
    find_site,
    identify_channel,
    max_attachment_bytes,
    topic_of,
    unanswered_automatic_reason,
)
from posventa.outbox.actions import queued_event, schedule_deliveries
from posventa.outbox.models import Notification, NotificationStatus

logger = logging.getLogger("posventa.inbox")

DEFAULT_CHUNK = 200


def chunk_size() -> int:
    return max(1, int(getattr(settings, "POSVENTA_INBOUND_CHUNK", DEFAULT_CHUNK)))


@dataclass
class InboundItem:
    """What an adapter received: the arguments of one `ingest` call."""

    channel: str
    raw: bytes
    source: str
    site: Site | None = None
    dedupe_key: str = ""
    metadata: dict[str, Any] | None = None


def ingest_many(items: Sequence[InboundItem]) -> list[InboundRaw]:
    """Store every item (one commit), then process them in arrival order. Returns the raw
    rows in the order of `items`, with their final status (a redelivery returns the row
    stored the first time). An unknown channel or source, or a payload that is not bytes,
    is refused before anything is stored."""
    # Another core parses the messages while this one stores them (`parse_ahead`).
    with fewer_collections(), parse_ahead.start(items) as ahead:
        rows = store_many(items)
        ahead.match(rows)
        final = process_many(rows, ahead)
    # The rows this call processed are final as they are; the others (a redelivery, a row
    # another worker took) are read again, without their payloads (read on access, if ever).
    unknown = {row.pk for row in rows} - final.keys()
    if unknown:
        final.update(InboundRaw.objects.defer("raw").in_bulk(unknown))
    return [final[row.pk] for row in rows]


def store_many(items: Sequence[InboundItem]) -> list[InboundRaw]:
    """The storing half of `ingest_many`: raw rows, committed, one per item."""
    new_rows = [
        new_raw_row(
            item.channel,
            item.raw,
            source=item.source,
            site=item.site,
            dedupe_key=item.dedupe_key,
            metadata=item.metadata,
        )
        for item in items
    ]
    taken = _stored_keys(new_rows)
    first_of_key: list[InboundRaw] = []
    seen: set[tuple[str, str]] = set()
    for row in new_rows:
        key = (row.channel, row.dedupe_key)
        if not row.dedupe_key or (key not in taken and key not in seen):
            first_of_key.append(row)
            seen.add(key)
    try:
        with transaction.atomic():
            insert_new(first_of_key)
    except IntegrityError:
        # A concurrent adapter stored one of these keys meanwhile: one at a time, then.
        for row in first_of_key:
            row.pk = None
        first_of_key = []
    inserted = {id(row) for row in first_of_key}
    # Redeliveries and collisions, one by one (rare): `save_raw_row` knows what to do.
    return [row if id(row) in inserted else save_raw_row(row)[0] for row in new_rows]


def _stored_keys(rows: Iterable[InboundRaw]) -> set[tuple[str, str]]:
    keys = {(row.channel, row.dedupe_key) for row in rows if row.dedupe_key}
    if not keys:
        return set()
    stored = (
        InboundRaw.objects.filter(
            channel__in={channel for channel, _key in keys},
            dedupe_key__in={key for _channel, key in keys},
        )
        .exclude(dedupe_key="")  # the condition of the unique index, so SQLite uses it
        .order_by()
        .values_list("channel", "dedupe_key")
    )
    return set(stored) & keys


def process_many(
    rows: Sequence[InboundRaw], ahead: ParseAhead | None = None
) -> dict[int, InboundRaw]:
    """Process stored rows in order, a chunk per transaction. Rows that are not pending
    (processed, ignored, quarantined, or taken by another worker) are left alone. `ahead`
    holds what was parsed while the rows were stored (`ingest_many`). Returns the rows it
    processed, by primary key, as committed."""
    with fewer_collections():
        return _process_in_chunks(rows, ahead)


def _process_in_chunks(
    rows: Sequence[InboundRaw], ahead: ParseAhead | None
) -> dict[int, InboundRaw]:
    final: dict[int, InboundRaw] = {}
    pending: list[InboundRaw] = []
    seen: set[int] = set()
    for row in rows:
        # A redelivery within the batch is the same row twice: process it once.
        if row.status == InboundStatus.PENDING and row.pk not in seen:
            pending.append(row)
            seen.add(row.pk)
    size = chunk_size()
    for start in range(0, len(pending), size):
        chunk = pending[start : start + size]
        try:
            final.update(_process_chunk(chunk, ahead))
        except Exception:
            logger.exception(
                "An inbound chunk failed; processing its %d rows one by one", len(chunk)
            )
            still_pending = InboundRaw.objects.filter(
                pk__in=[row.pk for row in chunk], status=InboundStatus.PENDING
            ).select_related("site__organisation")
            arrival = {row.pk: position for position, row in enumerate(chunk)}
            for row in sorted(still_pending, key=lambda row: arrival[row.pk]):
                # In arrival order: a reply after what it answers.
                final[row.pk] = process_inbound(row)
    return final


def _process_chunk(
    chunk: list[InboundRaw], ahead: ParseAhead | None = None
) -> dict[int, InboundRaw]:
    """Process the chunk's rows still pending in one transaction; returns them by primary
    key as committed."""
    notification_ids: list[int] = []
    done: dict[int, InboundRaw] = {}
    with transaction.atomic(), deferred_events():
        rows = _claim(chunk)
        position = 0
        parsed: dict[int, InboundMessage | ParseError] = (
            ahead.parsed(rows) if ahead is not None else {}
        )
        while position < len(rows):
            segment = _Segment(rows[position:], parsed)
            planned = segment.plan()
            notification_ids += segment.write()
            done.update((plan.raw.pk, plan.raw) for plan in segment.plans)
            position += planned
            if position < len(rows):
                detour = process_inbound(rows[position])  # exactly as alone
                done[detour.pk] = detour
                position += 1
        if notification_ids:
            transaction.on_commit(lambda: schedule_deliveries(notification_ids), robust=True)
    return done


def _claim(chunk: list[InboundRaw]) -> list[InboundRaw]:
    """The chunk's rows still pending, locked for this transaction (PostgreSQL; SQLite's
    IMMEDIATE transactions already run one at a time). A row another worker holds is
    skipped: that worker processes it."""
    ids = (
        InboundRaw.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk__in=[row.pk for row in chunk], status=InboundStatus.PENDING)
        .values_list("pk", flat=True)
    )
    claimed = set(ids)
    return [row for row in chunk if row.pk in claimed]


class _Detour(Exception):
    """This message is not planned in bulk: it goes through `process_inbound`."""


@dataclass
class _Plan:
    """What one message becomes. `case` is new (unsaved until written) when `opens`."""

    raw: InboundRaw
    parsed: InboundMessage
    site: Site
    status: str = InboundStatus.PROCESSED
    reason: str = ""
    customer: Customer | None = None
    # For a customer this message creates: their contact point, and the channel they used.
    new_points: list[ContactPoint] | None = None
    identify_channel: str = ""
    case: Case | None = None
    opens: bool = False
    first_contact: bool = False
    message: Message | None = None
    chase_count: int = 0
    ack: tuple[Message, Notification] | None = None
    ack_withheld: Event | None = None  # over the hourly limit: why no acknowledgement went
    clocks: list[list[Clock]] = field(default_factory=list)  # one list per start batch


class _Segment:
    """Rows planned against one set of reads, written together."""

    def __init__(self, rows: list[InboundRaw], parsed: dict[int, InboundMessage | ParseError]):
        self.rows = rows
        self.parsed = parsed
        self.plans: list[_Plan] = []
        self.now = timezone.now()
        self.sites: dict[tuple[str, str], Site | None] = {}
        self.site_by_pk: dict[int, Site] = {}
        self.organisations: dict[int, Organisation] = {}
        # What the database held (read once, below) and what this segment added.
        self.case_by_pk: dict[int, Case] = {}
        self.case_by_message_id: dict[tuple[int, str], Case] = {}
        self.case_by_reference: dict[tuple[int, str], Case] = {}
        self.open_cases: dict[int, list[Case]] = {}  # customer pk → active cases
        self.open_codes: dict[int, set[str]] = {}  # case pk → standards with an open clock
        self.points: dict[tuple[int, str, str], list[ContactPoint]] = {}
        # (organisation, kind group, value) → (customer created here, their point's kind)
        self.new_customers: dict[tuple[int, str, str], tuple[Customer, str]] = {}
        self.new_cases: list[Case] = []
        # Address → when acknowledgements went to it (read per chunk, then what is planned).
        self.acknowledgements_sent: dict[str, list[dt.datetime]] = {}
        self.dirty_cases: dict[int, Case] = {}
        # The planned messages' attachment files, written on threads while planning goes on.
        self.files = AttachmentFiles()
        self.attachment_limit = max_attachment_bytes()

    # --- reading ------------------------------------------------------------------------

    def plan(self) -> int:
        """Plan rows from the first until one needs a detour; returns how many."""
        self._read()
        for count, raw in enumerate(self.rows):
            try:
                self.plans.append(self._plan_row(raw))
            except _Detour:
                return count
        return len(self.rows)

    def _parsed(self, raw: InboundRaw) -> InboundMessage | ParseError:
        if raw.pk not in self.parsed:
            try:
                self.parsed[raw.pk] = normalise.parse(raw.channel, raw.payload(), raw.metadata)
            except ParseError as error:
                self.parsed[raw.pk] = error
            except Exception as error:  # the detour quarantines it with the full story
                self.parsed[raw.pk] = ParseError(str(error))
        return self.parsed[raw.pk]

    def _site(self, raw: InboundRaw, parsed: InboundMessage) -> Site | None:
        if raw.site is not None:
            return raw.site
        key = (parsed.site_hint, parsed.to_address)
        if key not in self.sites:
            self.sites[key] = find_site(raw, parsed)
        return self.sites[key]

    def _read(self) -> None:
        """Everything the plan needs from the database, in a few queries."""
        readable = []
        for raw in self.rows:
            parsed = self._parsed(raw)
            if isinstance(parsed, InboundMessage):
                site = self._site(raw, parsed)
                if site is not None:
                    readable.append((raw, parsed, site))
                    self.site_by_pk.setdefault(site.pk, site)
                    self.organisations.setdefault(site.organisation_id, site.organisation)
        self._read_threads(readable)
        known = self._read_points(readable)
        self._read_open_cases(known)
        self._read_recent_acknowledgements(readable)

    def _read_threads(self, readable: list[tuple[InboundRaw, InboundMessage, Site]]) -> None:
        organisations = {site.organisation_id for _raw, _parsed, site in readable}
        message_ids = {
            value
            for _raw, parsed, _site in readable
            for value in [parsed.in_reply_to, *parsed.references]
            if value
        }
        references = {
            reference
            for _raw, parsed, _site in readable
            for reference in threading.quoted_references(parsed)
        }
        case_of_message: dict[tuple[int, str], int] = {}
        if message_ids:
            rows = threading.messages_with_ids(
                message_ids, organisations=organisations
            ).values_list("organisation_id", "message_id", "case_id")
            case_of_message = {(org, value): case_id for org, value, case_id in rows}
        cases = Case.objects.filter(organisation_id__in=organisations)
        by_pk: dict[int, Case] = {}
        if case_of_message:
            found = cases.in_bulk(set(case_of_message.values()))
            by_pk.update({pk: self._one_instance(case) for pk, case in found.items()})
        if references:
            # By reference alone (its unique index); the organisation is checked here.
            for case in Case.objects.filter(reference__in=references):
                if case.organisation_id not in organisations:
                    continue
                case = by_pk[case.pk] = self._one_instance(case)
                self.case_by_reference[case.organisation_id, case.reference] = case
        self.case_by_message_id = {
            key: by_pk[case_id] for key, case_id in case_of_message.items() if case_id in by_pk
        }
        self._read_open_codes(list(by_pk.values()))

    def _read_points(self, readable: list[tuple[InboundRaw, InboundMessage, Site]]) -> set[int]:
        """The contact points matching each sender; returns the customers found."""
        wanted: dict[int, tuple[set[str], set[str]]] = {}  # organisation → (kinds, values)
        for _raw, parsed, site in readable:
            if parsed.auto_submitted or parsed.customer_id is not None:
                continue
            address = self._address(parsed, site)
            if address is not None:
                kinds, values = wanted.setdefault(site.organisation_id, (set(), set()))
                kinds.update(matching_kinds(address[0]))
                values.add(address[1])
        known: set[int] = set()
        for organisation_id, (kinds, values) in wanted.items():
            serialise_identifications(organisation_id, values)
            points = (
                ContactPoint.objects.filter(
                    organisation_id=organisation_id,
                    kind__in=kinds,  # the lookup index is (organisation, kind, value)
                    value__in=values,
                    customer__merged_into__isnull=True,
                )
                .select_related("customer")
                .order_by("customer_id", "kind", "-is_primary", "pk")
            )
            organisation = self.organisations[organisation_id]
            for point in points:
                point.customer.organisation = organisation  # the one filtered on
                group = _kind_group(point.kind)
                self.points.setdefault((organisation_id, group, point.value), []).append(point)
                known.add(point.customer_id)
        return known

    def _read_open_cases(self, customers: set[int]) -> None:
        if not customers:
            return
        cases = Case.objects.filter(customer_id__in=customers, status__in=ACTIVE_STATUSES)
        found = [self._one_instance(case) for case in cases.order_by("-opened_at", "-id")]
        for case in found:
            self.open_cases.setdefault(case.customer_id, []).append(case)
        self._read_open_codes(found)

    def _one_instance(self, case: Case) -> Case:
        """The segment's one instance of this case: a case found both by a header and by
        its topic must count both messages' chases. Its site (organisation loaded) comes
        from one shared set of instances, a chunk's cases belonging to a handful of sites."""
        if case.pk in self.case_by_pk:
            return self.case_by_pk[case.pk]
        if case.site_id not in self.site_by_pk:
            site = Site.objects.select_related("organisation").get(pk=case.site_id)
            self.site_by_pk[site.pk] = site
        case.site = self.site_by_pk[case.site_id]
        self.case_by_pk[case.pk] = case
        return case

    def _read_open_codes(self, cases: list[Case]) -> None:
        wanted = [case for case in cases if case.pk not in self.open_codes]
        if not wanted:
            return
        for case in wanted:
            self.open_codes[case.pk] = set()
        rows = Clock.objects.filter(
            subject_type=ContentType.objects.get_for_model(Case),
            subject_id__in=[str(case.pk) for case in wanted],
            state__in=OPEN_STATES,
        ).values_list("subject_id", "standard_id")
        for subject_id, standard_id in rows:
            self.open_codes[int(subject_id)].add(standard_id)

    def _read_recent_acknowledgements(
        self, readable: list[tuple[InboundRaw, InboundMessage, Site]]
    ) -> None:
        addresses = {parsed.from_address for _raw, parsed, _site in readable if parsed.from_address}
        if addresses:
            # From before `now`: `build_acknowledgement` asks from its own (later) moment.
            since = self.now - case_actions.ack_history_window()
            self.acknowledgements_sent = case_actions.acknowledgements_sent(addresses, since)

    # --- planning one message ---------------------------------------------------------

    def _plan_row(self, raw: InboundRaw) -> _Plan:
        parsed = self._parsed(raw)
        if not isinstance(parsed, InboundMessage):
            raise _Detour
        site = self._site(raw, parsed)
        if site is None or parsed.customer_id is not None:
            raise _Detour
        if parsed.auto_submitted:
            return self._plan_automatic(raw, parsed, site)
        plan = _Plan(raw, parsed, site)
        self._identify(plan)
        first_contact = plan.new_points is not None
        assert plan.customer is not None
        case = self._thread(parsed, site, plan.customer, new_customer=first_contact)
        if case is None:
            self._plan_new_case(plan, first_contact)
        else:
            self._plan_follow_up(plan, case)
        self._remember(plan)
        return plan

    def _plan_automatic(self, raw: InboundRaw, parsed: InboundMessage, site: Site) -> _Plan:
        if self._case_by_headers(site, parsed) is not None:
            raise _Detour  # filed on the case it answers, by `file_automatic`
        return _Plan(
            raw,
            parsed,
            site,
            status=InboundStatus.IGNORED,
            reason=unanswered_automatic_reason(parsed),
        )

    def _address(self, parsed: InboundMessage, site: Site) -> tuple[str, str] | None:
        """(contact kind, normalised address) of the sender, or None when unusable."""
        kind = CHANNEL_CONTACT_KIND.get(identify_channel(parsed))
        if kind is None:
            return None
        try:
            value = normalise_contact(
                kind, parsed.from_address, site.country, field="address", strict=False
            )
        except ValidationError:
            return None
        return kind, value

    def _identify(self, plan: _Plan) -> None:
        """The sender (`customers.actions.identify_customer`, for its two common answers:
        one customer with exactly this contact point, or nobody yet)."""
        parsed, site = plan.parsed, plan.site
        address = self._address(parsed, site)
        if address is None:
            raise _Detour  # quarantined with the validation message
        kind, value = address
        key = (site.organisation_id, _kind_group(kind), value)
        if key in self.new_customers:
            customer, created_kind = self.new_customers[key]
            if created_kind != kind:
                raise _Detour  # learns a new contact point
            plan.customer = customer
            return
        points = self.points.get(key, [])
        customers = {point.customer_id for point in points}
        if not customers:
            channel = identify_channel(parsed)
            name = parsed.from_name or parsed.from_address
            # They chose this channel to reach us: answer on it until they say otherwise.
            plan.customer, plan.new_points = build_new_customer(
                site.organisation, name.strip()[:200] or value, "", channel, [(kind, value)]
            )
            plan.identify_channel = channel
            return
        exact = next((point for point in points if point.kind == kind), None)
        if len(customers) > 1 or exact is None:
            raise _Detour  # a shared address, or a new contact point to add
        plan.customer = exact.customer

    def _thread(
        self, parsed: InboundMessage, site: Site, customer: Customer, *, new_customer: bool
    ) -> Case | None:
        """The active case this message joins, None for a new case (`processing.thread`)."""
        case = self._case_by_headers(site, parsed)
        if case is None and not new_customer:
            topic = topic_of(parsed)
            case = self._case_by_topic(customer, parsed.channel, topic)
            if case is None and parsed.channel in threading.ANY_OPEN_CASE_CHANNELS:
                raise _Detour  # may answer a recently resolved case
        if case is not None and not case.is_active:
            raise _Detour  # reopened, or a new case linked to a closed one
        return case

    def _case_by_headers(self, site: Site, parsed: InboundMessage) -> Case | None:
        organisation_id = site.organisation_id
        candidates = [parsed.in_reply_to] if parsed.in_reply_to else []
        candidates += list(reversed(parsed.references))
        for value in candidates:
            case = self.case_by_message_id.get((organisation_id, value))
            if case is not None:
                return case
        for reference in threading.quoted_references(parsed):
            case = self.case_by_reference.get((organisation_id, reference))
            if case is not None:
                return case
            if self._may_be_planned_here(reference):
                raise _Detour  # perhaps one of ours, which has no reference until written
        return None

    def _may_be_planned_here(self, reference: str) -> bool:
        """Whether a case this segment opens (its reference is minted when written) may
        carry `reference`: one opened at a site with that prefix."""
        if not self.new_cases:
            return False
        prefix = reference.partition("-")[0]
        return any(case_actions.reference_prefix(case.site) == prefix for case in self.new_cases)

    def _case_by_topic(self, customer: Customer, channel: str, topic: str) -> Case | None:
        """The newest active case of the customer on the channel with the topic; cases
        planned here are newer than any the database held."""
        any_topic = channel in threading.ANY_OPEN_CASE_CHANNELS
        for case in reversed(self.new_cases):
            same_topic = any_topic or case.topic == topic
            if case.customer is customer and case.channel == channel and same_topic:
                return case
        if customer.pk is None:
            return None
        for case in self.open_cases.get(customer.pk, []):
            if case.channel == channel and (any_topic or case.topic == topic) and case.is_active:
                return case
        return None

    def _plan_new_case(self, plan: _Plan, first_contact: bool) -> None:
        parsed, received = plan.parsed, plan.raw.received_at
        assert plan.customer is not None
        try:
            case = case_actions.build_case(
                site=plan.site,
                customer=plan.customer,
                channel=parsed.channel,
                subject=case_subject(parsed),
                department=department_of(parsed),
                requested_reply_channel=parsed.requested_reply_channel or parsed.channel,
                topic=topic_of(parsed),
                opened_at=received,
                awaiting_reply_since=received,
            )
        except ValidationError as error:
            raise _Detour from error
        plan.case, plan.opens, plan.first_contact = case, True, first_contact
        plan.message = build_message(plan.raw, parsed, case, plan.customer)

    def _plan_follow_up(self, plan: _Plan, case: Case) -> None:
        """A repeat contact on an active case (`receive_message` for a non-chat channel
        whose reply clocks are all still running)."""
        channel = plan.parsed.channel
        if channel in case_actions.BURST_CHANNELS or case.status == CaseStatus.WAITING_CUSTOMER:
            raise _Detour  # a chat burst needs the earlier lines; waiting resumes clocks
        if not set(case_actions.reply_clock_codes(channel)) <= self._open_codes_of(case):
            raise _Detour  # a reply clock starts again
        if case.site_id == plan.site.pk:
            case.site = plan.site
        chase = case_actions.is_chase_before_filing(case, channel)
        plan.case = case
        plan.message = build_message(plan.raw, plan.parsed, case, plan.customer, is_chase=chase)

    def _open_codes_of(self, case: Case) -> set[str]:
        if case.pk is not None:
            return self.open_codes.get(case.pk, set())
        # A case planned here: the clocks its opening starts, unless switched off.
        codes = [case_actions.INFO_COMPLETE, *case_actions.reply_clock_codes(case.channel)]
        return {code for code in codes if effective_policy(case.site, get_standard(code)).enabled}

    def _remember(self, plan: _Plan) -> None:
        """Commit the plan to the segment's state, so later messages see it."""
        case, message = plan.case, plan.message
        assert case is not None and message is not None and plan.customer is not None
        if plan.new_points is not None:
            point = plan.new_points[0]
            key = (plan.site.organisation_id, _kind_group(point.kind), point.value)
            self.new_customers[key] = (plan.customer, point.kind)
        if plan.opens:
            self.new_cases.append(case)
        else:
            self._note_repeat_contact(case, message)
            plan.chase_count = case.chase_count
        if message.message_id:
            self.case_by_message_id[case.organisation_id, message.message_id] = case
        if plan.parsed.attachments:
            self.files.start(plan.parsed.attachments, self.attachment_limit)

    def _note_repeat_contact(self, case: Case, message: Message) -> None:
        """`cases.actions._note_repeat_contact` for a follow-up planned here (never a chat
        burst, never a waiting case: those take the detour)."""
        case_actions.count_repeat_contact(case, message)
        if case.pk is not None:
            self.dirty_cases[case.pk] = case

    # --- writing ------------------------------------------------------------------------

    def write(self) -> list[int]:
        """Write the plans, a table at a time; returns the notifications to deliver."""
        if not self.plans:
            return []
        self._write_customers()
        self._write_cases()
        self._write_messages()
        notifications = self._write_acknowledgements()
        self._write_case_changes()
        record_events([event for plan in self.plans for event in self._events(plan)])
        self._write_raw_rows()
        case_actions.announce_unowned(
            [plan.case for plan in self.plans if plan.opens and plan.case], actor=None
        )
        return [n.pk for n in notifications if n.status == NotificationStatus.PENDING]

    def _write_customers(self) -> None:
        created = [plan for plan in self.plans if plan.new_points is not None]
        insert_new([plan.customer for plan in created if plan.customer])
        insert_new([p for plan in created for p in plan.new_points or []])

    def _write_cases(self) -> None:
        opening = [(plan, plan.case) for plan in self.plans if plan.opens and plan.case]
        by_site: dict[int, list[Case]] = {}
        for _plan, case in opening:
            by_site.setdefault(case.site_id, []).append(case)
        for cases in by_site.values():
            moments = [case.opened_at for case in cases]
            references = case_actions.next_references(cases[0].site, moments)
            for case, reference in zip(cases, references, strict=True):
                case.reference = reference
        insert_new([case for _plan, case in opening])
        for plan, case in opening:
            for codes, started_at, _started_by in case_actions.new_case_clock_plan(
                case, actor=None
            ):
                plan.clocks.append(
                    build_clocks(
                        codes,
                        subject=case,
                        site=case.site,
                        owner=case.owner,
                        started_at=started_at,
                        label=case.reference,
                    )
                )
        insert_new(
            [clock for plan, _case in opening for started in plan.clocks for clock in started]
        )

    def _write_messages(self) -> None:
        messages = [plan.message for plan in self.plans if plan.message is not None]
        insert_new(messages)
        insert_new(
            [
                row
                for plan in self.plans
                if plan.message is not None and plan.parsed.attachments
                for row in attachment_rows(plan.message, plan.parsed.attachments, self.files)
            ]
        )

    def _write_acknowledgements(self) -> list[Notification]:
        for plan in self.plans:
            if plan.opens:
                plan.ack = self._acknowledgement(plan)
        acks = [plan.ack for plan in self.plans if plan.ack is not None]
        notifications = [notification for _message, notification in acks]
        insert_new(notifications)
        for message, notification in acks:
            message.notification = notification
        insert_new([message for message, _notification in acks])
        return notifications

    def _acknowledgement(self, plan: _Plan) -> tuple[Message, Notification] | None:
        assert plan.case is not None and plan.message is not None
        try:
            built = case_actions.build_acknowledgement(
                plan.case,
                plan.message,
                language=customer_language(plan.case),
                first_contact=plan.first_contact,
                sent_since=self._acknowledgements_since,
            )
        except ValidationError as error:
            plan.parsed.warnings.append("acknowledgement not sent: " + "; ".join(error.messages))
            return None
        plan.ack_withheld = built.withheld
        if built.message is None or built.notification is None:
            return None
        sent = self.acknowledgements_sent.setdefault(built.message.to_address, [])
        sent.append(built.message.created_at)
        return built.message, built.notification

    def _acknowledgements_since(self, address: str, since: dt.datetime) -> list[dt.datetime]:
        return [at for at in self.acknowledgements_sent.get(address, []) if at >= since]

    def _write_case_changes(self) -> None:
        if not self.dirty_cases:
            return
        cases = list(self.dirty_cases.values())
        for case in cases:
            case.updated_at = self.now
        update_rows(cases, ["chase_count", "priority", "awaiting_reply_since", "updated_at"])

    def _events(self, plan: _Plan) -> list[Event]:
        """The events `processing.process` records for this message, in the same order."""
        case, message = plan.case, plan.message
        if case is None or message is None:
            return []
        events: list[Event] = []
        if plan.new_points is not None and plan.customer is not None:
            points = [(point.kind, point.value) for point in plan.new_points]
            label = f"inbound:{plan.identify_channel}"
            events.append(customer_created_event(plan.customer, points, actor_label=label))
        label = f"inbound:{plan.parsed.channel}"
        if not plan.opens:
            events.append(
                case_actions.message_received_event(
                    case, message, actor_label=label, chase_count=plan.chase_count
                )
            )
            return events
        for started in plan.clocks:
            events += clock_start_events(started, None, subject=case)
        events.append(case_actions.case_opened_event(case, actor_label=label))
        if plan.ack is not None:
            ack, notification = plan.ack
            events += [queued_event(notification), case_actions.acknowledged_event(case, ack)]
        elif plan.ack_withheld is not None:
            events.append(plan.ack_withheld)
        return events

    def _write_raw_rows(self) -> None:
        now = timezone.now()
        rows = []
        for plan in self.plans:
            raw = plan.raw
            raw.status, raw.reason, raw.warnings = plan.status, plan.reason, plan.parsed.warnings
            raw.message, raw.processed_at = plan.message, now
            if raw.site_id is None:
                raw.site = plan.site
            raw.attempts += 1
            rows.append(raw)
        update_rows(
            rows, ["status", "reason", "warnings", "message", "attempts", "processed_at", "site"]
        )


def _kind_group(kind: str) -> str:
    """Phone and WhatsApp numbers match each other: it is the same number."""
    return "phone" if kind in PHONE_LIKE_KINDS else ContactKind(kind).value

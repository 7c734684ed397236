"""The ingest API the channel adapters call, and the quarantine.

    raw = ingest("email", data, source="imap", site=site)           # stored, then processed
    raw = ingest("sms", body, source="webhook", dedupe_key=sid, metadata=fields)
    retry_quarantined(raw, actor=user)

`ingest` writes the raw row first, in a transaction of its own, so a crash or a bug later
on can never lose what a customer sent. `process_inbound` then turns it into a case
message in one transaction (parse → identify the customer → thread → message and
attachments → clock rules → acknowledgement). It is idempotent and never raises for bad
input: anything it cannot handle lands in the quarantine with a human-readable reason.
See `inbox.normalise` for what each channel's adapter passes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.core.bulk import new_row
from posventa.core.events import deferred_events, record_event
from posventa.core.models import Site, User
from posventa.inbox import normalise
from posventa.inbox.models import InboundChannel, InboundRaw, InboundSource, InboundStatus

logger = logging.getLogger("posventa.inbox")

DEFAULT_INLINE_BYTES = 256 * 1024
DEDUPE_KEY_MAX = 255
FINAL_STATUSES = (InboundStatus.PROCESSED, InboundStatus.IGNORED)
COLLISION_REASON = "Message-ID collision"
# `process_pending`: a row this old is no longer in the hands of the process that stored it
# (it processes its rows within seconds); a run drains for this long at most.
RECOVERY_GRACE = dt.timedelta(minutes=1)
RECOVERY_BUDGET = dt.timedelta(seconds=10)
DRAIN_LOCK_KEY = (0x706F7376, 1)  # PostgreSQL advisory lock ("posv", 1): two int4 keys,
# a key space apart from the one-bigint locks of `customers.actions`
# Read once: a Choices' `.values` builds a new list on every access.
INBOUND_CHANNELS = frozenset(InboundChannel.values)
INBOUND_SOURCES = frozenset(InboundSource.values)


def inline_limit() -> int:
    return int(getattr(settings, "POSVENTA_INBOUND_INLINE_BYTES", DEFAULT_INLINE_BYTES))


def ingest(
    channel: str,
    raw: bytes,
    *,
    source: str,
    site: Site | None = None,
    dedupe_key: str = "",
    metadata: dict[str, Any] | None = None,
) -> InboundRaw:
    """Store what an adapter received, then process it. Returns the raw row, whose status
    says what became of it (processed, ignored or quarantined, with `reason`).

    A redelivery (same channel and dedupe key, same bytes) returns the existing row and
    creates nothing. Same key but different bytes is a forged or colliding Message-ID: the
    new bytes are kept under a derived key and quarantined, never dropped.
    """
    new_row = new_raw_row(
        channel, raw, source=source, site=site, dedupe_key=dedupe_key, metadata=metadata
    )
    row, _created = save_raw_row(new_row)  # committed before any processing
    if row.status == InboundStatus.PENDING:
        return process_inbound(row)
    return row


def new_raw_row(
    channel: str,
    raw: bytes,
    *,
    source: str,
    site: Site | None = None,
    dedupe_key: str = "",
    metadata: dict[str, Any] | None = None,
) -> InboundRaw:
    """The unsaved raw row for what an adapter received (a large payload already written
    to its file). Refuses an unknown channel or source, or a payload that is not bytes."""
    if channel not in INBOUND_CHANNELS:
        raise ValidationError({"channel": _("Unknown channel %(channel)r.") % {"channel": channel}})
    if source not in INBOUND_SOURCES:
        raise ValidationError({"source": _("Unknown source %(source)r.") % {"source": source}})
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise ValidationError({"raw": _("The raw payload must be bytes.")})
    data = bytes(raw)
    metadata = _json_safe(metadata or {})
    sha = hashlib.sha256(data).hexdigest()
    row = new_row(
        InboundRaw,
        received_at=timezone.now(),
        channel=channel,
        source=source,
        site=site,
        size=len(data),
        sha256=sha,
        dedupe_key=_dedupe_key(channel, data, dedupe_key, metadata),
        metadata=metadata,
    )
    if len(data) > inline_limit():
        row.raw_path = _write_raw_file(data, sha)
    else:
        row.raw = data
    return row


def save_raw_row(row: InboundRaw) -> tuple[InboundRaw, bool]:
    """Insert a new raw row; for a redelivery, the row already stored. Returns (row,
    created)."""
    channel, sha, key = row.channel, row.sha256, row.dedupe_key
    # Insert first: a redelivery is the exception, so the common case costs one INSERT.
    for _attempt in range(3):
        try:
            with transaction.atomic():
                row.save()
                if row.status == InboundStatus.QUARANTINED:
                    _record_quarantine(row)
            return row, True
        except IntegrityError:
            row.pk = None  # the key is taken (a redelivery, or a concurrent twin)
        existing = _existing(channel, row.dedupe_key)
        if existing is None:
            continue  # the twin rolled back meanwhile: try the insert again
        if existing.sha256 == sha:
            return existing, False
        if row.dedupe_key != key:
            return existing, False  # these colliding bytes were already kept
        # Same key, other bytes: a forged or colliding Message-ID. Keep it, quarantined.
        row.reason = _collision_reason(key, existing)
        row.status = InboundStatus.QUARANTINED
        row.dedupe_key = _collision_key(key, sha)
    raise RuntimeError(f"Could not store inbound {channel} {key!r}")  # pragma: no cover


def _existing(channel: str, key: str) -> InboundRaw | None:
    if not key:
        return None
    # Excluding "" (the unique index's condition) lets SQLite use that index.
    stored = InboundRaw.objects.filter(channel=channel, dedupe_key=key).exclude(dedupe_key="")
    return stored.first()


def _collision_reason(key: str, existing: InboundRaw) -> str:
    return (
        f"{COLLISION_REASON}: {key} was already received (inbound #{existing.pk}) with "
        "different content. Kept here for a person to check; it may be forged."
    )


def _collision_key(key: str, sha: str) -> str:
    suffix = f"#collision-{sha[:16]}"
    return key[: DEDUPE_KEY_MAX - len(suffix)] + suffix


def _dedupe_key(channel: str, data: bytes, given: str, metadata: dict[str, Any]) -> str:
    key = (given or "").strip()
    if not key and channel == InboundChannel.EMAIL:
        key = normalise.email_message_id(data)
    if not key and channel in (InboundChannel.SMS, InboundChannel.WHATSAPP):
        key = str(metadata.get("MessageSid") or "")
    key = normalise.scrub_text(key)
    if len(key) > DEDUPE_KEY_MAX:
        key = "sha256:" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()
    return key


def _write_raw_file(data: bytes, sha: str) -> str:
    relative = f"inbound/{sha[:2]}/{sha}.raw"
    path = Path(settings.MEDIA_ROOT) / relative
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(data)
        temporary.replace(path)  # atomic: a reader never sees half a file
    return relative


def _json_safe(value: Any) -> Any:
    """Metadata goes into a JSON column: anything else becomes its text."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, str):
        return normalise.scrub_text(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, bytes):
        return normalise.scrub_text(value.decode("utf-8", errors="replace"))
    return normalise.scrub_text(str(value))


def process_inbound(raw: InboundRaw) -> InboundRaw:
    """Turn a pending raw row into a case message. Idempotent; never raises for bad input.

    A processed or ignored row is returned as it is; so is a quarantined one (use
    `retry_quarantined`). Parse errors and unexpected exceptions alike quarantine the row
    with the reason; the latter are also logged with their traceback.
    """
    from posventa.inbox.processing import Outcome, process

    if raw.status != InboundStatus.PENDING:
        return raw
    try:
        # One transaction per message; its timeline events are written in one INSERT at
        # the end (dropped with everything else if it fails).
        with transaction.atomic(), deferred_events():
            outcome: Outcome = process(raw)
            _claim_result(raw, outcome)
            return raw
    except _AlreadyDone:
        return InboundRaw.objects.get(pk=raw.pk)
    except normalise.ParseError as error:
        return quarantine(raw, str(error))
    except ValidationError as error:
        return quarantine(raw, "; ".join(error.messages))
    except Exception as error:
        logger.exception("Inbound #%s could not be processed", raw.pk)
        try:
            return quarantine(raw, f"Unexpected error: {type(error).__name__}: {error}")
        except DatabaseError:
            # Even the reason could not be stored (an exotic character?): say it in ASCII.
            logger.exception("Inbound #%s: the quarantine reason was refused", raw.pk)
            text = f"Unexpected error: {type(error).__name__}: {error}"
            return quarantine(raw, text.encode("ascii", "backslashreplace").decode("ascii"))


def process_pending(
    *,
    older_than: dt.timedelta = RECOVERY_GRACE,
    budget: dt.timedelta = RECOVERY_BUDGET,
) -> int:
    """Process the rows a crash left pending (the process died between storing and
    processing them): the housekeeping job of every sweeper. Returns how many rows it
    looked at.

    The whole backlog is drained in one run, oldest first, in pages of the batch chunk
    size through `inbox.batch.process_many` (one transaction per chunk), so it is
    recovered at ingestion speed. A run stops once `budget` has passed (after the chunk
    under way), so the sweeper that runs it goes back to sweeping; the next run continues.

    Rows younger than `older_than` are left alone: nothing marks a row "being processed"
    except that its process is still at it. `ingest` processes its row right after storing
    it, without a lock, and `ingest_many` locks a chunk only while processing it, the next
    chunks of the same fetch waiting their turn unlocked. Taking those would not process
    anything twice (chunks are claimed with SKIP LOCKED and every result is a
    compare-and-set on the pending status), but it would race the storing process and
    could file a reply before the message it answers. A row a minute old whose process is
    alive is one that process has already finished, or never will.

    On PostgreSQL one process at a time drains (an advisory lock; the others return 0):
    two draining sweepers would each skip the chunk the other holds and run ahead of it,
    out of arrival order.
    """
    from posventa.inbox.batch import chunk_size, process_many  # it builds on this module

    cutoff = timezone.now() - older_than
    deadline = time.monotonic() + budget.total_seconds()
    looked_at = 0
    with _draining() as alone:
        if not alone:
            return 0
        after: tuple[dt.datetime, int] | None = None
        size = chunk_size()
        while True:
            rows = _pending_page(cutoff, after, size)
            if not rows:
                break
            process_many(rows)  # in arrival order, a chunk per transaction
            looked_at += len(rows)
            # Past the rows looked at, even those still pending (another worker holds
            # them): this run must not spin on them until its budget runs out.
            after = rows[-1].received_at, rows[-1].pk
            if len(rows) < size or time.monotonic() >= deadline:
                break
    return looked_at


def _pending_page(
    cutoff: dt.datetime, after: tuple[dt.datetime, int] | None, size: int
) -> list[InboundRaw]:
    """The next `size` pending rows received before `cutoff`, after `after` in arrival
    order (through the partial index of pending rows)."""
    rows = InboundRaw.objects.select_related("site__organisation").filter(
        status=InboundStatus.PENDING, received_at__lte=cutoff
    )
    if after is not None:
        at, pk = after
        rows = rows.filter(Q(received_at__gt=at) | Q(received_at=at, pk__gt=pk))
    return list(rows.order_by("received_at", "pk")[:size])


@contextlib.contextmanager
def _draining() -> Iterator[bool]:
    """Whether this process may drain the backlog now (always, but on PostgreSQL only
    while no other process does). A session lock: released when the run ends, or when
    its connection dies with a crashed sweeper."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", DRAIN_LOCK_KEY)
        taken = bool(cursor.fetchone()[0])
    try:
        yield taken
    finally:
        if taken:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", DRAIN_LOCK_KEY)


class _AlreadyDone(Exception):
    """Another worker finished this row first; our work is rolled back."""


def _claim_result(raw: InboundRaw, outcome: Any) -> None:
    """Record the outcome with a compare-and-set on the pending status, in the processing
    transaction: of two workers racing on one row, exactly one commits its case."""
    now = timezone.now()
    site = raw.site if raw.site_id is not None else outcome.site
    won = InboundRaw.objects.filter(pk=raw.pk, status=InboundStatus.PENDING).update(
        status=outcome.status,
        reason=outcome.reason,
        warnings=outcome.warnings,
        message=outcome.message,
        attempts=F("attempts") + 1,
        processed_at=now,
        site=site,
    )
    if not won:
        raise _AlreadyDone
    raw.status, raw.reason, raw.warnings = outcome.status, outcome.reason, outcome.warnings
    raw.message, raw.processed_at, raw.site = outcome.message, now, site
    raw.attempts += 1


def quarantine(raw: InboundRaw, reason: str) -> InboundRaw:
    """Park a pending row with a reason a person can act on. Kept until retried."""
    reason = normalise.scrub_text(reason)[:5000] or "Unknown reason"
    now = timezone.now()
    with transaction.atomic():
        # Compare-and-set: if another worker finished the row meanwhile, its result stands.
        won = InboundRaw.objects.filter(pk=raw.pk, status=InboundStatus.PENDING).update(
            status=InboundStatus.QUARANTINED,
            reason=reason,
            attempts=F("attempts") + 1,
            processed_at=now,
        )
        if not won:
            return InboundRaw.objects.get(pk=raw.pk)
        raw.status, raw.reason, raw.processed_at = InboundStatus.QUARANTINED, reason, now
        raw.attempts += 1
        _record_quarantine(raw)
    return raw


def _record_quarantine(row: InboundRaw) -> None:
    site = row.site if row.site_id is not None else None
    record_event(
        "inbound.quarantined",
        subject=row,
        site=site,
        organisation=site.organisation if site is not None else None,
        actor_label="inbox",
        summary=row.reason[:500],
        data={"channel": row.channel, "raw": row.pk},
    )


def retry_quarantined(raw: InboundRaw, *, actor: User | None) -> InboundRaw:
    """Process a quarantined row again (after a fix, or once a person judged it genuine)."""
    with transaction.atomic():
        row = InboundRaw.objects.select_for_update().get(pk=raw.pk)
        if row.status != InboundStatus.QUARANTINED:
            raise ValidationError({"status": _("Only a quarantined message can be retried.")})
        row.status = InboundStatus.PENDING
        row.save(update_fields=["status"])
        record_event(
            "inbound.retried",
            subject=row,
            site=row.site,
            actor=actor,
            summary=row.reason[:500],
            data={"channel": row.channel},
        )
    return process_inbound(row)

"""Recovering what a crash left behind: rows stored raw but never processed.

The housekeeping job of every sweeper (`POSVENTA_HOUSEKEEPING_JOBS`). It sits above
`inbox.batch` because it recovers through the batch path, at ingestion speed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Iterator

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from posventa.inbox.batch import chunk_size, process_many
from posventa.inbox.models import InboundRaw, InboundStatus

# A row this old is no longer in the hands of the process that stored it (it processes its
# rows within seconds); a run drains for this long at most.
RECOVERY_GRACE = dt.timedelta(minutes=1)
RECOVERY_BUDGET = dt.timedelta(seconds=10)
DRAIN_LOCK_KEY = (0x706F7376, 1)  # PostgreSQL advisory lock ("posv", 1): two int4 keys,
# a key space apart from the one-bigint locks of `customers.actions`


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

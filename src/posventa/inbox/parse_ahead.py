"""Parse-ahead: another core parses a fetch's messages while this process stores them.

    with parse_ahead.start(items) as ahead:  # slices of the fetch go to the worker now
        rows = store_many(items)             # meanwhile: the raw rows, committed
        ahead.match(rows)                    # which rows hold exactly which item
        parsed = ahead.parsed(chunk_rows)    # raw row pk → InboundMessage | ParseError

Why. Parsing e-mail with the standard library (`normalise.parse`) is about a fifth of what
a message costs in `inbox.batch.ingest_many`, and it needs nothing but the bytes, the
channel and the metadata: no database, no Django. The machines have two cores and
ingestion uses one. So while the main process stores the raw rows and plans the chunk, a
worker process parses the same fetch.

How the work is shared. The fetch is cut into slices of `SLICE` messages and handed to
the worker as one task. The worker parses slices from the first; when the main process
needs the results, it parses slices from the last; each side takes a slice under a lock
shared by both processes (`_Claims`), so both cores parse until they meet in the middle,
each slice is parsed exactly once, and the main process waits only for the slice the
worker is finishing.

This replaces the first design (one task per slice, the main process parsing a slice
when `Future.cancel()` succeeds), measured on the 2,000 e-mails of
bench/ingest_vs_helpdesk.py: an executor keeps only `max_workers + 1` tasks in the pipe
and refills it from its own threads in this process, which wait for the GIL (5 ms switch
interval) while the main thread stores rows, so the worker got a slice every ~8 ms,
parsed 5 or 6 of 13 and the main process parsed the rest: no gain. For the same reason
the main process, after handing a fetch over, sleeps in short steps until the worker has
started (~2 ms; it started ~15 ms late otherwise).

Why the outcome cannot change. `normalise.parse` is a pure function of (channel, bytes,
metadata), and a result is used only for a row whose channel, SHA-256 and metadata (the
JSON-safe form `new_raw_row` stores, compared as JSON text, so 1, 1.0 and True differ) are
those the item was parsed from; any other row (a redelivery that returned an older row
with other metadata) is parsed as before. Any failure of the pool (a worker killed, a
broken or shut down pool, a timeout, an object that does not pickle) only means the main
process parses what the worker has not returned: one warning per fetch, no result lost or
changed. One fetch at a time shares the pool; a fetch ingested meanwhile by another thread
is parsed in its own thread, as without parse-ahead.

The pool. Created on first use with the *spawn* start method: a fork would copy this
process's database connections and threads into the child. The child imports this module
(`normalise` and `django.conf`, which reads no settings on import), never Django's
apps or the database. Processes come from the Django setting `POSVENTA_PARSE_PROCESSES`
(default: 1 when this process may run on two cores or more, else 0 = off); a fetch
smaller than `POSVENTA_PARSE_AHEAD_MIN` messages is parsed here (the round trip is not
worth it). A new pool serves fetches only once its worker has started (a warm-up task
answers), so the first fetch never waits for Python to start; until then, and whenever
the pool is off or broken, everything is parsed here exactly as without parse-ahead. A
pool whose worker cannot even start turns parse-ahead off for this process; a pool that
breaks later is replaced on the next fetch, as is one inherited through a fork.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import multiprocessing
import multiprocessing.connection
import os
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings

from posventa.inbox import normalise
from posventa.inbox.normalise import InboundMessage, ParseError

if TYPE_CHECKING:
    from posventa.inbox.models import InboundRaw

logger = logging.getLogger("posventa.inbox")

SLICE = 16  # messages a side takes at a time: ~4 ms of parsing, the longest wait at the end
DEFAULT_MIN = 40  # below this, pickling and the round trip cost more than they save
RESULT_TIMEOUT = 10.0  # seconds; a slice normally takes milliseconds
HAND_OVER_WAIT = 0.005  # seconds, at most, for the worker to start on a fetch
WARM_UP_TIMEOUT = 60.0  # seconds `warm_up` waits for a new worker (tests, commands)

Job = tuple[str, bytes, dict[str, Any]]  # channel, payload, metadata as stored
Outcome = InboundMessage | ParseError


# --- what the worker runs (and the main process, for the slices it takes) -----------------


def parse_slice(jobs: list[Job]) -> list[Outcome]:
    """Parse each job as `batch._Segment._parsed` does: a `ParseError` is the result, and
    so is any other exception, as a `ParseError` with its text (the detour through
    `process_inbound` then quarantines the row with the full story)."""
    return [_parse_one(channel, payload, metadata) for channel, payload, metadata in jobs]


def _parse_one(channel: str, payload: bytes, metadata: dict[str, Any]) -> Outcome:
    try:
        return normalise.parse(channel, payload, metadata)
    except ParseError as error:
        return error
    except Exception as error:
        return ParseError(str(error))


def _worker_started() -> int:
    """The warm-up task: answers once the worker has imported this module."""
    return os.getpid()


# --- settings -----------------------------------------------------------------------------


def configured_processes() -> int:
    value = getattr(settings, "POSVENTA_PARSE_PROCESSES", None)
    if value is None:
        return 1 if len(os.sched_getaffinity(0)) >= 2 else 0
    return max(0, int(value))


def minimum_batch() -> int:
    return max(1, int(getattr(settings, "POSVENTA_PARSE_AHEAD_MIN", DEFAULT_MIN)))


# --- who takes which slice (shared memory: the worker's and this process's view) ---------


@dataclass
class _Claims:
    """The slices of the fetch being shared: the worker takes them from the front, this
    process from the back, each under the lock, so each slice is parsed exactly once.
    `counters` is [fetch serial, front, back]; a new serial retires the previous fetch, so
    a task of a fetch nobody waits for any more stops after its current slice."""

    lock: Any  # multiprocessing Lock, inherited by the worker when it is spawned
    counters: Any  # multiprocessing RawArray("q", 3)

    def open(self, slices: int) -> int:
        with self._locked():
            serial = self.counters[0] = self.counters[0] + 1
            self.counters[1], self.counters[2] = 0, slices
            return int(serial)

    def take_front(self, serial: int) -> int | None:
        return self._take(serial, from_front=True)

    def take_back(self, serial: int) -> int | None:
        return self._take(serial, from_front=False)

    def _take(self, serial: int, *, from_front: bool) -> int | None:
        """The next slice nobody has taken, from one end; None once the two sides met (or
        the fetch was retired)."""
        with self._locked():
            front, back = self.counters[1], self.counters[2]
            if self.counters[0] != serial or front >= back:
                return None
            if from_front:
                self.counters[1] = front + 1
                return int(front)
            self.counters[2] = back - 1
            return int(back - 1)

    def taken_from_front(self, serial: int) -> int:
        with self._locked():
            return int(self.counters[1]) if self.counters[0] == serial else 0

    def retire(self, serial: int) -> None:
        with self._locked():
            if self.counters[0] == serial:
                self.counters[0] = serial + 1

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        # A timeout, not a deadlock, should a worker ever die holding the lock.
        if not self.lock.acquire(timeout=RESULT_TIMEOUT):
            raise TimeoutError("the parse-ahead claims stayed locked")
        try:
            yield
        finally:
            self.lock.release()


_worker_claims: _Claims | None = None  # in the worker: set when it starts


def _start_worker(claims: _Claims) -> None:
    global _worker_claims
    _worker_claims = claims
    _exit_with_parent()


def _exit_with_parent() -> None:
    """End this worker as soon as the process that spawned it dies, however it dies.

    A poller killed with SIGKILL runs no clean-up, so its executor never tells the worker
    to stop; the worker would idle for ever, and with it multiprocessing's resource tracker
    (which exits once every process holding its pipe is gone). `prctl(PR_SET_PDEATHSIG)`
    is not used: it fires when the parent *thread* that spawned the worker ends, and the
    executor may spawn from a short-lived thread. Instead a thread waits on the sentinel
    multiprocessing gives every spawned child: the read end of a pipe whose write end only
    the parent holds, so it reads end-of-file exactly when the parent is gone."""
    parent = multiprocessing.parent_process()
    if parent is None:  # pragma: no cover - a worker is always spawned
        return
    watcher = threading.Thread(
        target=_wait_for_parent, args=(parent.sentinel,), name="parent-watch", daemon=True
    )
    watcher.start()


def _wait_for_parent(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    # No clean-up to run: the worker holds only parse results nobody will collect.
    os._exit(0)


def parse_from_front(serial: int, slices: list[list[Job]]) -> dict[int, list[Outcome]]:
    """The worker's task for one fetch: parse slices from the first until it meets this
    process (or the fetch is retired); returns the outcomes of the slices it took."""
    assert _worker_claims is not None, "runs in a parse-ahead worker"
    parsed: dict[int, list[Outcome]] = {}
    while (number := _worker_claims.take_front(serial)) is not None:
        parsed[number] = parse_slice(slices[number])
    return parsed


# --- the pool -----------------------------------------------------------------------------


@dataclass
class _Pool:
    executor: ProcessPoolExecutor
    claims: _Claims
    processes: int
    pid: int  # the process that created it: a forked child must not use it
    warm: Future[int]  # answers when a worker has started
    # One fetch at a time shares the claims; a fetch in another thread meanwhile parses
    # everything itself, as without parse-ahead.
    in_use: threading.Lock = field(default_factory=threading.Lock)


_pool: _Pool | None = None
_pool_lock = threading.Lock()  # fetches may be ingested from several threads (`posventa run`)
_disabled_reason = ""  # set when a worker could not start: parse-ahead is off for good


def ready_pool() -> _Pool | None:
    """The pool to share a fetch with, or None: off, not started yet, or unable to start."""
    processes = configured_processes()
    if processes == 0 or _disabled_reason:
        return None
    with _pool_lock:
        pool = _current_pool(processes)
        if pool is None or not pool.warm.done():
            return None
        if pool.warm.cancelled() or pool.warm.exception() is not None:
            _disable(pool, pool.warm)
            return None
        return pool


def _current_pool(processes: int) -> _Pool | None:
    """The pool for this process and setting, created (and warming up) if needed."""
    global _pool
    if _pool is not None and _pool.pid != os.getpid():
        _pool = None  # inherited through a fork: its threads and pipes are the parent's
    if _pool is not None and _pool.processes != processes:
        _pool.executor.shutdown(wait=False, cancel_futures=True)
        _pool = None
    if _pool is None:
        _pool = _new_pool(processes)
    return _pool


def _new_pool(processes: int) -> _Pool | None:
    try:
        context = multiprocessing.get_context("spawn")
        claims = _Claims(context.Lock(), context.RawArray("q", 3))
        executor = ProcessPoolExecutor(
            max_workers=processes,
            mp_context=context,
            initializer=_start_worker,
            initargs=(claims,),
        )
        warm = executor.submit(_worker_started)
    except Exception as error:
        _disable(None, error)
        return None
    return _Pool(executor, claims, processes, os.getpid(), warm)


def _disable(pool: _Pool | None, cause: Future[int] | BaseException) -> None:
    global _disabled_reason, _pool
    if isinstance(cause, Future):
        cause = cause.exception() or RuntimeError("the warm-up task was cancelled")
    _disabled_reason = f"{type(cause).__name__}: {cause}"
    logger.warning("Parse-ahead is off: its worker could not start (%s)", _disabled_reason)
    if pool is not None:
        pool.executor.shutdown(wait=False, cancel_futures=True)
    _pool = None


def discard(pool: _Pool) -> None:
    """Drop a pool that failed (the next fetch starts a new one), stopping its workers: a
    worker that timed out may be stuck, and shutting down alone would wait for it."""
    global _pool
    with _pool_lock:
        if _pool is pool:
            _pool = None
    # ProcessPoolExecutor offers no public way to stop a busy worker before Python 3.14.
    for process in list((getattr(pool.executor, "_processes", None) or {}).values()):
        with contextlib.suppress(ValueError, OSError):  # already gone
            process.kill()
    pool.executor.shutdown(wait=False, cancel_futures=True)


def prepare() -> None:
    """Start the worker now, without waiting for it: a long-running poller calls this at
    start-up, so its first fetch (often the backlog of its downtime) finds the worker
    ready instead of parsing everything itself while the worker starts."""
    processes = configured_processes()
    if processes == 0 or _disabled_reason:
        return
    with _pool_lock:
        _current_pool(processes)


def warm_up(timeout: float = WARM_UP_TIMEOUT) -> int | None:
    """Start the pool now and wait until its worker answers; returns the worker's PID, or
    None when parse-ahead is off or the worker did not start."""
    processes = configured_processes()
    if processes == 0 or _disabled_reason:
        return None
    with _pool_lock:
        pool = _current_pool(processes)
    if pool is None:
        return None
    try:
        return pool.warm.result(timeout=timeout)
    except Exception:
        return None


def shutdown() -> None:
    """Stop the pool and forget it (a later fetch starts a new one)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None and pool.pid == os.getpid():
        pool.executor.shutdown(wait=True, cancel_futures=True)


# --- one fetch ----------------------------------------------------------------------------


class _Item(Protocol):
    """What parse-ahead reads of an `inbox.batch.InboundItem`."""

    @property
    def channel(self) -> str: ...
    @property
    def raw(self) -> Any: ...
    @property
    def metadata(self) -> dict[str, Any] | None: ...


@dataclass
class _Slice:
    jobs: list[Job]
    parsed_by: str = ""  # "pool" or "here", once parsed (what the tests look at)
    outcomes: list[Outcome] = field(default_factory=list)

    def parse_here(self) -> None:
        self.outcomes = parse_slice(self.jobs)
        self.parsed_by = "here"


class ParseAhead:
    """One fetch's parsing, shared between the worker and this process. Without a pool
    (off, too small a fetch, not started yet) it holds nothing: every row is parsed when
    `batch._Segment` needs it, as without parse-ahead."""

    def __init__(self, jobs: list[Job], pool: _Pool | None):
        self.jobs = jobs
        self.pool = pool
        self.slices = [_Slice(jobs[i : i + SLICE]) for i in range(0, len(jobs), SLICE)]
        self.futures: list[Future[dict[int, list[Outcome]]]] = []
        self.serial = 0
        self.failed = False
        self._shared = False
        self._closed = False
        self.index_of_row: dict[int, int] = {}  # raw row pk → index of the item it holds
        if pool is not None:
            self._hand_over(pool)

    def _hand_over(self, pool: _Pool) -> None:
        try:
            self.serial = pool.claims.open(len(self.slices))
            work = [piece.jobs for piece in self.slices]
            for _worker in range(pool.processes):
                self.futures.append(pool.executor.submit(parse_from_front, self.serial, work))
            self._let_the_worker_start(pool)
        except Exception as error:  # broken or shut down: parse here
            self.fail(error)

    def _let_the_worker_start(self, pool: _Pool) -> None:
        """Sleep in short steps until the worker has taken its first slice (~2 ms), at
        most `HAND_OVER_WAIT`. The executor's threads of this process pickle and send the
        task, and each needs the GIL: left to compete with this thread storing the rows,
        they got it only every 5 ms switch interval and the worker started ~15 ms late,
        most of the time `store_many` takes."""
        deadline = time.perf_counter() + HAND_OVER_WAIT
        while pool.claims.taken_from_front(self.serial) == 0 and time.perf_counter() < deadline:
            time.sleep(0.0002)

    def fail(self, error: BaseException) -> None:
        """The pool failed: whatever it has not returned is parsed here, without waiting."""
        if self.failed:
            return
        self.failed = True
        logger.warning(
            "Parse-ahead failed (%s: %s); parsing this fetch in this process",
            type(error).__name__,
            error,
        )
        if self.pool is not None:
            discard(self.pool)

    def match(self, rows: Sequence[InboundRaw]) -> None:
        """`rows[i]` is what `store_many` returned for item i. Keep the rows that hold
        exactly what item i was parsed from (the first such item, for a row stored twice)."""
        if self.pool is None:
            return
        for index, (row, job) in enumerate(zip(rows, self.jobs, strict=True)):
            if row.pk not in self.index_of_row and _holds(row, job):
                self.index_of_row[row.pk] = index

    def parsed(self, rows: Sequence[InboundRaw]) -> dict[int, Outcome]:
        """Raw row pk → parse result, for the rows of `rows` matched to an item. The
        first call parses the whole fetch (shared with the worker)."""
        wanted = [(row.pk, self.index_of_row.get(row.pk)) for row in rows]
        if not any(index is not None for _pk, index in wanted):
            return {}
        self._share()
        return {
            pk: self.slices[index // SLICE].outcomes[index % SLICE]
            for pk, index in wanted
            if index is not None
        }

    def _share(self) -> None:
        """Parse slices from the last until meeting the worker, then take its results."""
        if self._shared:
            return
        self._shared = True
        try:
            while not self.failed and (number := self._take_back()) is not None:
                self.slices[number].parse_here()
            if not self.failed:
                self._collect()
        finally:
            for piece in self.slices:
                if not piece.parsed_by:  # after a failure
                    piece.parse_here()
            self.close()

    def _take_back(self) -> int | None:
        assert self.pool is not None
        try:
            return self.pool.claims.take_back(self.serial)
        except Exception as error:
            self.fail(error)
            return None

    def _collect(self) -> None:
        assert self.pool is not None
        try:
            if self.pool.claims.taken_from_front(self.serial) == 0:
                return  # the worker took nothing (busy or slow): nothing to wait for
            answers = [future.result(timeout=RESULT_TIMEOUT) for future in self.futures]
        except Exception as error:  # a worker killed, a broken pool, a timeout...
            self.fail(error)
            return
        for results in answers:
            for number, outcomes in results.items():
                self.slices[number].outcomes, self.slices[number].parsed_by = outcomes, "pool"

    def close(self) -> None:
        """Retire the fetch: a task not started yet, or still going, takes no more."""
        if self.pool is None or self._closed:
            return
        self._closed = True
        if not self.failed:
            with contextlib.suppress(Exception):  # a failed pool is discarded anyway
                self.pool.claims.retire(self.serial)
        self.pool.in_use.release()

    def __enter__(self) -> ParseAhead:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def start(items: Sequence[_Item]) -> ParseAhead:
    """Hand the fetch's messages to the worker now, if it is worth it and possible. A
    payload that is not bytes offloads nothing: `store_many` refuses the whole fetch."""
    if len(items) < minimum_batch() or not all(_is_bytes(item.raw) for item in items):
        return ParseAhead([], None)
    pool = ready_pool()
    if pool is None or not pool.in_use.acquire(blocking=False):
        return ParseAhead([], None)
    return ParseAhead([_job(item) for item in items], pool)


def _is_bytes(value: object) -> bool:
    return isinstance(value, bytes | bytearray | memoryview)


def _job(item: _Item) -> Job:
    return item.channel, bytes(item.raw), normalise.json_safe(item.metadata or {})


def _holds(row: InboundRaw, job: Job) -> bool:
    """Whether parsing `row` (its channel, payload and metadata) parses exactly `job`."""
    channel, payload, metadata = job
    return (
        row.channel == channel
        and row.size == len(payload)
        and row.sha256 == hashlib.sha256(payload).hexdigest()
        and json.dumps(row.metadata) == json.dumps(metadata)
    )

"""Fewer runs of Python's cyclic garbage collector during allocation-heavy batch work.

    with fewer_collections():
        ...  # a chunk of inbound mail: hundreds of thousands of short-lived objects

CPython collects its youngest generation every 700 net allocations of container objects
(and an older one every tenth of those). A fetch of 200 e-mails allocates a few hundred
thousand: model instances, parsed messages, SQL parameters, almost none of them in a
reference cycle, and all freed by reference counting when the chunk ends. Each collection
still walks every young object, and every hundredth walks the whole heap, Django's
included: measured on bench/ingest_vs_helpdesk.py, about 6 % of ingestion time. Inside
the block the youngest generation is collected every `BATCH_THRESHOLD` allocations
instead: memory held by garbage that does form cycles grows by at most that many objects
before it is collected, as before, and the settings come back when the last block ends.

The thresholds are global to the process, so blocks in several threads share one change:
the first to enter raises them, the last to leave restores what it found.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

BATCH_THRESHOLD = 10_000

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def fewer_collections() -> Iterator[None]:
    _enter()
    try:
        yield
    finally:
        _leave()


def _enter() -> None:
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            youngest, *older = _saved
            if youngest:  # 0 means collection is off: leave it off
                gc.set_threshold(max(youngest, BATCH_THRESHOLD), *older)
        _depth += 1


def _leave() -> None:
    global _depth, _saved
    with _lock:
        _depth -= 1
        if _depth == 0 and _saved is not None:
            gc.set_threshold(*_saved)
            _saved = None

"""Attachment files: stored once by content, written ahead on threads when many arrive.

    files = AttachmentFiles()              # one per batch of messages (`inbox.batch`)
    files.start(parsed.attachments)        # the writing begins on a thread
    ...                                    # meanwhile: the rest of the batch is planned
    name = files.stored(item)              # the storage name, once the file is written

A file's name comes from its content (`models.attachment_storage_name`), so the same file
is written once however many messages carry it; a file already in storage is not written
again.

Why threads. Writing a file is mostly system calls (a new directory per file, create,
write, close), during which Python lets other threads run. Their cost is also the least
predictable part of ingestion: on the virtual disks Posventa was measured on, 400 small
files took from 45 ms to 300 ms from one run to the next, and a remote storage backend
answers in milliseconds per file. Started when a message is planned and collected when
its rows are written, the writes overlap the rest of the chunk's work instead of adding
to it. `POSVENTA_FILE_THREADS` (default 4) sets the threads; 0 writes every file in the
calling thread, when its row is built, as without this module.

Nothing else changes: the files are written before the transaction that records them
commits, exactly as before (a rolled-back chunk leaves its files behind, to be found by
content when the message is processed again), and an error writing one is raised where
its row is built.
"""

from __future__ import annotations

import hashlib
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from posventa.inbox.models import attachment_storage_name
from posventa.inbox.normalise import InboundAttachment

DEFAULT_THREADS = 4

_lock = threading.Lock()
_pool: tuple[int, ThreadPoolExecutor] | None = None  # (the process that made it, pool)


def configured_threads() -> int:
    return max(0, int(getattr(settings, "POSVENTA_FILE_THREADS", DEFAULT_THREADS)))


def filename(item: InboundAttachment) -> str:
    """The name the attachment is shown and stored under."""
    return item.filename or "attachment"


def store(name: str, data: bytes) -> str:
    """Write `data` under `name` unless storage holds it already; returns the name it is
    stored under (the storage may pick another when a different file took that one)."""
    if default_storage.exists(name):
        return name
    return default_storage.save(name, ContentFile(data))


class AttachmentFiles:
    """The files of one batch of messages: each distinct file written once, on a thread
    when `start`ed, else when its row needs it."""

    def __init__(self) -> None:
        # id(item) → (the item, kept so its id is not reused; SHA-256; storage name)
        self._names: dict[int, tuple[InboundAttachment, str, str]] = {}
        self._writes: dict[str, Future[str]] = {}  # storage name → its write

    def identity(self, item: InboundAttachment) -> tuple[str, str]:
        """(SHA-256 of the file, the name it is stored under)."""
        assert item.data is not None
        known = self._names.get(id(item))
        if known is None or known[0] is not item:
            sha = hashlib.sha256(item.data).hexdigest()
            name = attachment_storage_name(sha, filename(item))
            known = self._names[id(item)] = (item, sha, name)
        return known[1], known[2]

    def start(self, items: list[InboundAttachment], limit: int) -> None:
        """Begin writing the files of `items` that will be stored (data, within `limit`)."""
        pool = _executor()
        if pool is None:
            return
        for item in items:
            if item.data is None or item.size > limit:
                continue
            _sha, name = self.identity(item)
            if name not in self._writes:
                self._writes[name] = pool.submit(store, name, item.data)

    def stored(self, item: InboundAttachment) -> str:
        """The storage name of `item`'s file, written by now (here, if it was not started)."""
        assert item.data is not None
        _sha, name = self.identity(item)
        write = self._writes.get(name)
        if write is None:
            return store(name, item.data)
        return write.result()  # an error writing it is raised here


def _executor() -> ThreadPoolExecutor | None:
    """This process's writer threads, made on first use (a fork inherits none)."""
    global _pool
    threads = configured_threads()
    if threads == 0:
        return None
    with _lock:
        if _pool is None or _pool[0] != os.getpid():
            _pool = (os.getpid(), ThreadPoolExecutor(threads, thread_name_prefix="posventa-files"))
        return _pool[1]

"""Attachment files in batch ingestion: written ahead on threads, once per content, with
an error writing one ending where the message is processed alone (quarantine, nothing
lost)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage

from posventa.core.models import Site
from posventa.inbox.attachment_files import AttachmentFiles
from posventa.inbox.batch import InboundItem, ingest_many
from posventa.inbox.models import Attachment, InboundStatus
from posventa.inbox.normalise import InboundAttachment
from tests.inbox.factories import email_bytes

PHOTO = b"\xff\xd8\xff" + b"golpe en la puerta trasera" * 40
written_by: list[str] = []


class RecordingStorage(FileSystemStorage):
    """Notes which thread wrote each file."""

    def _save(self, name: str, content: Any) -> str:
        written_by.append(threading.current_thread().name)
        return super()._save(name, content)


class FullDiskStorage(FileSystemStorage):
    def _save(self, name: str, content: Any) -> str:
        raise OSError(28, "No space left on device")


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    written_by.clear()
    return Path(settings.MEDIA_ROOT)


def _use_storage(settings: Any, backend: type[FileSystemStorage]) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.{backend.__name__}"},
    }


def _emails(site: Site, count: int) -> list[InboundItem]:
    return [
        InboundItem(
            "email",
            email_bytes(
                from_=f"Cliente {n} <cliente{n}@example.net>",
                subject=f"Golpe {n}",
                attachments=[("golpe.jpg", "image/jpeg", PHOTO)],
            ),
            source="imap",
            site=site,
        )
        for n in range(count)
    ]


def test_a_file_several_messages_of_a_batch_carry_is_written_once_off_the_ingesting_thread(
    madrid: Site, media: Path, settings: Any
) -> None:
    _use_storage(settings, RecordingStorage)
    settings.POSVENTA_FILE_THREADS = 4
    items = _emails(madrid, 3)

    rows = ingest_many(items)

    assert [row.status for row in rows] == [InboundStatus.PROCESSED] * 3
    names = set(Attachment.objects.values_list("file", flat=True))
    assert len(names) == 1 and Attachment.objects.count() == 3
    (name,) = names
    assert (media / name).read_bytes() == PHOTO
    assert len(written_by) == 1 and written_by[0].startswith("posventa-files")


def test_without_threads_the_files_are_written_by_the_ingesting_thread(
    madrid: Site, media: Path, settings: Any
) -> None:
    _use_storage(settings, RecordingStorage)
    settings.POSVENTA_FILE_THREADS = 0
    items = _emails(madrid, 2)

    ingest_many(items)

    writer = threading.current_thread().name
    assert written_by == [writer]
    assert Attachment.objects.exclude(file="").count() == 2


def test_a_file_that_cannot_be_written_quarantines_its_message_and_loses_nothing(
    madrid: Site, media: Path, settings: Any
) -> None:
    _use_storage(settings, FullDiskStorage)
    settings.POSVENTA_FILE_THREADS = 4
    items = _emails(madrid, 2)

    rows = ingest_many(items)

    # The chunk fails where the file's row is built; each message is then processed alone.
    assert [row.status for row in rows] == [InboundStatus.QUARANTINED] * 2
    assert all("No space left on device" in row.reason for row in rows)
    assert all(bytes(row.payload()) == item.raw for row, item in zip(rows, items, strict=True))
    assert not Attachment.objects.exists()


def test_an_error_writing_ahead_is_raised_when_the_file_is_asked_for(
    media: Path, settings: Any
) -> None:
    _use_storage(settings, FullDiskStorage)
    settings.POSVENTA_FILE_THREADS = 2
    item = InboundAttachment("golpe.jpg", "image/jpeg", PHOTO, size=len(PHOTO))
    files = AttachmentFiles()

    files.start([item], limit=10 * len(PHOTO))

    with pytest.raises(OSError, match="No space left"):
        files.stored(item)


def test_a_file_over_the_limit_is_not_written_ahead(media: Path, settings: Any) -> None:
    _use_storage(settings, RecordingStorage)
    settings.POSVENTA_FILE_THREADS = 2
    item = InboundAttachment("golpe.jpg", "image/jpeg", PHOTO, size=len(PHOTO))

    AttachmentFiles().start([item], limit=len(PHOTO) - 1)

    assert written_by == [] and not (media / "attachments").exists()

"""IMAP poller: fetch new messages, store them through ingest, then mark them.

The order is what makes it safe:

1. FETCH with BODY.PEEK[], which does not set \\Seen: until we have stored a message, the
   mailbox looks untouched.
2. `ingest_many` stores the exact bytes of the whole FETCH (one commit), then processes
   them (`inbox.batch`).
3. Only then mark the message: \\Seen plus the mailbox's keyword ($Posventa), or move it to
   the configured folder.
4. Advance the cursor (UIDVALIDITY + last UID) in the database.

A crash between 2 and 4 means the message is fetched again next time; ingest recognises it
by its Message-ID (or, without one, by its digest) and stores nothing twice. The cursor
survives restarts; when the server renumbers the folder (new UIDVALIDITY) the poller
rescans, skipping what already carries the keyword.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

from imapclient import IMAPClient

from posventa.channels import actions as channel_actions
from posventa.channels.models import ImapMailbox, RefusedReason
from posventa.inbox.adapters import email_item, max_inbound_bytes
from posventa.inbox.batch import ingest_many

logger = logging.getLogger("posventa.inbox.imap")

SEEN = b"\\Seen"
ANY_KEYWORD = b"\\*"
# Bodies fetched in one round trip, at most: a batch of small messages is one FETCH, a big
# one is fetched alone so memory stays bounded by the message size limit. Each FETCH is
# then one `ingest_many` call, so a backlog is processed in chunks this size.
BATCH_BYTES = 8 * 1024 * 1024
BATCH_COUNT = 200
REFUSED_KEYWORD = "$PosventaRefused"
TIMEOUT_SECONDS = 60


def connect(mailbox: ImapMailbox) -> IMAPClient:
    client = IMAPClient(
        mailbox.host, port=mailbox.port, ssl=mailbox.use_ssl, timeout=TIMEOUT_SECONDS
    )
    client.login(mailbox.username, mailbox.secret())
    return client


def poll_mailbox(mailbox: ImapMailbox) -> int:
    """Store every new message of the mailbox; return how many were handed to ingest.

    Errors are recorded on the mailbox (last_error) and raised again for the caller to log.
    """
    client: IMAPClient | None = None
    try:
        client = connect(mailbox)
        count = _poll(client, mailbox)
    except Exception as error:
        channel_actions.record_poll_result(mailbox, error=f"{type(error).__name__}: {error}")
        raise
    finally:
        if client is not None:
            _logout(client)
    channel_actions.record_poll_result(mailbox)
    return count


def _logout(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # the connection may already be gone; nothing left to clean up
        logger.debug("IMAP logout failed", exc_info=True)


def _poll(client: IMAPClient, mailbox: ImapMailbox) -> int:
    selected = client.select_folder(mailbox.folder)
    uidvalidity = int(selected[b"UIDVALIDITY"])
    if mailbox.uidvalidity != uidvalidity:
        if mailbox.uidvalidity is not None:
            logger.warning(
                "Mailbox %s: UIDVALIDITY changed from %s to %s, rescanning",
                mailbox,
                mailbox.uidvalidity,
                uidvalidity,
            )
        channel_actions.reset_mailbox_cursor(mailbox, uidvalidity)
    use_keyword = ANY_KEYWORD in selected.get(b"PERMANENTFLAGS", ())
    if mailbox.move_to and not client.folder_exists(mailbox.move_to):
        client.create_folder(mailbox.move_to)
    uids = _new_uids(client, mailbox, use_keyword)
    if not uids:
        return 0
    sizes = {
        uid: int(item.get(b"RFC822.SIZE", 0))
        for uid, item in client.fetch(uids, ["RFC822.SIZE"]).items()
    }
    count = 0
    for batch in _batches([uid for uid in uids if uid in sizes], sizes):
        count += _store_batch(client, mailbox, batch, sizes, use_keyword)
    return count


def _new_uids(client: IMAPClient, mailbox: ImapMailbox, use_keyword: bool) -> list[int]:
    criteria: list[Any] = ["UID", f"{mailbox.last_uid + 1}:*"]
    if use_keyword:
        criteria += ["NOT", "KEYWORD", mailbox.processed_keyword, "NOT", "KEYWORD", REFUSED_KEYWORD]
    # "n:*" always matches the highest UID even when it is below n (RFC 3501 §6.4.8).
    return sorted(uid for uid in client.search(criteria) if uid > mailbox.last_uid)


def _batches(uids: Sequence[int], sizes: dict[int, int]) -> Iterator[list[int]]:
    batch: list[int] = []
    total = 0
    for uid in uids:
        size = sizes[uid]
        if batch and (total + size > BATCH_BYTES or len(batch) >= BATCH_COUNT):
            yield batch
            batch, total = [], 0
        batch.append(uid)
        total += size
    if batch:
        yield batch


def _store_batch(
    client: IMAPClient,
    mailbox: ImapMailbox,
    batch: list[int],
    sizes: dict[int, int],
    use_keyword: bool,
) -> int:
    limit = max_inbound_bytes()
    wanted = [uid for uid in batch if sizes[uid] <= limit]
    bodies = client.fetch(wanted, ["BODY.PEEK[]"]) if wanted else {}
    fetched = {uid: bodies.get(uid, {}).get(b"BODY[]") for uid in wanted}
    # The whole FETCH is stored in one commit and processed in one transaction
    # (`inbox.batch`): the same cases as one by one, at a fraction of the cost.
    ingest_many(
        [
            email_item(
                bytes(data),
                source="imap",
                site=mailbox.site,
                metadata={
                    "mailbox": mailbox.pk,
                    "folder": mailbox.folder,
                    "uid": uid,
                    "uidvalidity": mailbox.uidvalidity,
                },
            )
            for uid, data in fetched.items()
            if data is not None
        ]
    )
    count = 0
    for uid in batch:
        if sizes[uid] > limit:
            _refuse_too_large(client, mailbox, uid, sizes[uid], limit, use_keyword)
            continue
        if fetched.get(uid) is None:
            # Expunged by someone else between SEARCH and FETCH: nothing left to store.
            channel_actions.advance_mailbox_cursor(mailbox, uid, stored=False)
            continue
        _mark_stored(client, mailbox, uid, use_keyword)
        channel_actions.advance_mailbox_cursor(mailbox, uid, stored=True)
        count += 1
    return count


def _mark_stored(client: IMAPClient, mailbox: ImapMailbox, uid: int, use_keyword: bool) -> None:
    flags = [SEEN, mailbox.processed_keyword.encode()] if use_keyword else [SEEN]
    client.add_flags([uid], flags)
    if mailbox.move_to:
        _move(client, uid, mailbox.move_to)


def _move(client: IMAPClient, uid: int, folder: str) -> None:
    if client.has_capability("MOVE"):
        client.move([uid], folder)
        return
    # Without MOVE: copy, then delete this one message only (UID EXPUNGE needs UIDPLUS;
    # without it the original stays, flagged \Deleted, for the next expunge).
    client.copy([uid], folder)
    client.delete_messages([uid])
    if client.has_capability("UIDPLUS"):
        client.uid_expunge([uid])


def _refuse_too_large(
    client: IMAPClient, mailbox: ImapMailbox, uid: int, size: int, limit: int, use_keyword: bool
) -> None:
    """Leave an oversized message in the mailbox for a person, and say so once."""
    channel_actions.record_refused_request(
        "imap",
        RefusedReason.TOO_LARGE,
        site=mailbox.site,
        body_size=size,
        detail=f"Mailbox {mailbox}: UID {uid} is {size} bytes; the limit is {limit}. "
        "Left in the mailbox, not marked as seen.",
        url=f"imap://{mailbox.username}@{mailbox.host}:{mailbox.port}/{mailbox.folder};UID={uid}",
    )
    if use_keyword:
        client.add_flags([uid], [REFUSED_KEYWORD.encode()])
    channel_actions.advance_mailbox_cursor(mailbox, uid, stored=False)

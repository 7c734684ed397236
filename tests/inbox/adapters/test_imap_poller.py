"""The IMAP poller against a real Dovecot on loopback (see conftest.imap_server)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from imapclient import IMAPClient
from imapclient.exceptions import LoginError
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.channels.actions import add_imap_mailbox
from posventa.channels.models import ImapMailbox, RefusedReason, RefusedRequest
from posventa.core.models import Event, Site
from posventa.inbox.adapters import ingest_email
from posventa.inbox.adapters.imap import poll_mailbox
from posventa.inbox.models import InboundRaw
from tests.inbox.adapters.conftest import ImapServer
from tests.inbox.adapters.helpers import case_of, mail

KEYWORD = b"$Posventa"
SEEN = b"\\Seen"


@pytest.fixture
def mailbox(imap_server: ImapServer, madrid: Site) -> ImapMailbox:
    return add_imap_mailbox(
        madrid,
        name="Taller",
        host=imap_server.host,
        port=imap_server.port,
        use_ssl=False,
        username=imap_server.user,
        password=imap_server.password,
    )


@pytest.fixture
def imap(imap_server: ImapServer) -> IMAPClient:
    client = imap_server.client()
    client.select_folder("INBOX")
    yield client
    client.logout()


def append(client: IMAPClient, data: bytes, folder: str = "INBOX") -> int:
    answer = client.append(folder, data)
    # "[APPENDUID <uidvalidity> <uid>] Append completed."
    return int(answer.split(b"]")[0].split()[-1])


def flags_of(client: IMAPClient, uid: int, folder: str = "INBOX") -> set[bytes]:
    client.select_folder(folder)
    return set(client.get_flags([uid])[uid])


def test_it_stores_new_messages_exactly_then_marks_them(
    imap: IMAPClient, mailbox: ImapMailbox, madrid: Site
) -> None:
    first, second = mail(subject="Primera"), mail(subject="Segunda")
    uids = [append(imap, first), append(imap, second)]
    assert poll_mailbox(mailbox) == 2
    rows = list(InboundRaw.objects.order_by("id"))
    assert [row.payload() for row in rows] == [first, second]
    assert {(row.channel, row.source, row.site_id) for row in rows} == {
        ("email", "imap", madrid.pk)
    }
    assert case_of(rows[0]).site == madrid
    for uid in uids:
        assert {SEEN, KEYWORD} <= flags_of(imap, uid)
    mailbox.refresh_from_db()
    assert mailbox.last_uid == max(uids) and mailbox.uidvalidity
    assert mailbox.messages_stored == 2 and mailbox.last_polled_at and not mailbox.last_error


def test_a_restarted_poller_never_stores_a_message_twice(
    imap: IMAPClient, mailbox: ImapMailbox
) -> None:
    append(imap, mail(subject="Antes del reinicio"))
    assert poll_mailbox(mailbox) == 1
    # A new process: the mailbox row (and its cursor) comes fresh from the database.
    restarted = ImapMailbox.objects.get(pk=mailbox.pk)
    assert poll_mailbox(restarted) == 0
    append(imap, mail(subject="Después del reinicio"))
    assert poll_mailbox(ImapMailbox.objects.get(pk=mailbox.pk)) == 1
    assert InboundRaw.objects.count() == 2


@pytest.mark.parametrize("with_message_id", [True, False])
def test_a_crash_between_storing_and_marking_stores_nothing_twice(
    imap: IMAPClient, mailbox: ImapMailbox, madrid: Site, with_message_id: bool
) -> None:
    data = mail(with_message_id=with_message_id)
    uid = append(imap, data)
    # The state a crash leaves behind: stored, but neither marked nor past the cursor.
    ingest_email(data, source="imap", site=madrid)
    assert SEEN not in flags_of(imap, uid)
    assert poll_mailbox(mailbox) == 1
    assert InboundRaw.objects.count() == 1
    assert {SEEN, KEYWORD} <= flags_of(imap, uid)


def test_a_message_over_the_limit_is_left_unread_and_reported_once(
    imap: IMAPClient, mailbox: ImapMailbox, settings: SettingsWrapper
) -> None:
    settings.POSVENTA_INBOUND_MAX_BYTES = 3_000
    big = append(imap, mail(subject="Fotos", body="foto " * 2_000))
    small = append(imap, mail(subject="Pregunta corta"))
    assert poll_mailbox(mailbox) == 1
    assert InboundRaw.objects.get().payload().find(b"Pregunta corta") > 0
    assert SEEN not in flags_of(imap, big)
    assert {SEEN, KEYWORD} <= flags_of(imap, small)
    refused = RefusedRequest.objects.get()
    assert refused.reason == RefusedReason.TOO_LARGE and f"UID {big}" in refused.detail
    assert poll_mailbox(ImapMailbox.objects.get(pk=mailbox.pk)) == 0
    assert RefusedRequest.objects.count() == 1


def test_a_new_uidvalidity_rescans_without_duplicates(
    imap: IMAPClient, mailbox: ImapMailbox
) -> None:
    uid = append(imap, mail(subject="Antes de reconstruir"))
    assert poll_mailbox(mailbox) == 1
    # As after a server-side rebuild: other UIDs, and our keyword may be gone too.
    ImapMailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=1, last_uid=999)
    imap.remove_flags([uid], [KEYWORD, SEEN])
    assert poll_mailbox(ImapMailbox.objects.get(pk=mailbox.pk)) == 1
    assert InboundRaw.objects.count() == 1
    assert Event.objects.filter(verb="channels.imap_uidvalidity_changed").count() == 1
    mailbox.refresh_from_db()
    assert mailbox.last_uid == uid


def test_it_can_move_stored_messages_to_a_folder(imap: IMAPClient, mailbox: ImapMailbox) -> None:
    ImapMailbox.objects.filter(pk=mailbox.pk).update(move_to="Archivado")
    append(imap, mail(subject="Para archivar"))
    assert poll_mailbox(ImapMailbox.objects.get(pk=mailbox.pk)) == 1
    imap.select_folder("INBOX")
    assert imap.search(["ALL"]) == []
    imap.select_folder("Archivado")
    (moved,) = imap.search(["ALL"])
    assert {SEEN, KEYWORD} <= set(imap.get_flags([moved])[moved])
    assert InboundRaw.objects.count() == 1


def test_garbage_in_the_mailbox_is_stored_quarantined_and_marked(
    imap: IMAPClient, mailbox: ImapMailbox
) -> None:
    uid = append(imap, b"\x00\x01 nothing here looks like an e-mail\r\n")
    assert poll_mailbox(mailbox) == 1
    raw = InboundRaw.objects.get()
    assert raw.status == "quarantined" and raw.reason
    assert KEYWORD in flags_of(imap, uid)


def test_a_wrong_password_is_recorded_on_the_mailbox(imap_server: ImapServer, madrid: Site) -> None:
    broken = add_imap_mailbox(
        madrid,
        name="Roto",
        host=imap_server.host,
        port=imap_server.port,
        use_ssl=False,
        username=imap_server.user,
        password="wrong",
    )
    with pytest.raises(LoginError):
        poll_mailbox(broken)
    broken.refresh_from_db()
    assert "LoginError" in broken.last_error and broken.last_polled_at


def test_the_command_polls_every_mailbox_once_and_survives_a_broken_one(
    imap: IMAPClient, imap_server: ImapServer, mailbox: ImapMailbox, madrid: Site
) -> None:
    broken = add_imap_mailbox(
        madrid,
        name="Roto",
        host="127.0.0.1",
        port=1,
        use_ssl=False,
        username="nadie",
        password="x",
        folder="Otra",
    )
    append(imap, mail(subject="Por comando"))
    out, err = io.StringIO(), io.StringIO()
    call_command("imap_poll", "--once", stdout=out, stderr=err)
    assert "1 message(s) stored" in out.getvalue()
    assert "Roto" in err.getvalue()
    broken.refresh_from_db()
    assert broken.last_error and broken.last_polled_at
    assert InboundRaw.objects.count() == 1

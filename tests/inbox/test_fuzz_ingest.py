"""Fuzz: 10,000 generated inbound messages through `ingest` and `process_inbound`.

Random bytes, random and malformed headers, random MIME trees, real and bogus charsets and
transfer encodings, a few other channels. Every message must end processed, ignored or
quarantined with a reason; none may raise; none may be lost (its exact bytes are kept in a
row, and the row count grows by exactly the rows returned).

Batches of messages are drawn by hypothesis and processed in one test so that the 10,000
fit in about a minute on SQLite.
"""

from __future__ import annotations

import json
import os

import pytest
from django.db.models import Max
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posventa.core.models import Site
from posventa.inbox.actions import ingest
from posventa.inbox.models import InboundRaw, InboundStatus

BATCH = 100
# POSVENTA_FUZZ_BATCHES lowers the count for a quick local run; the default is the spec.
BATCHES = int(os.environ.get("POSVENTA_FUZZ_BATCHES", "100"))
SENDERS = [
    "Marta Gil <marta.gil@example.net>",
    "bruno@example.org",
    '"Öberg, Åsa" <asa.oberg@example.se>',
    "=?utf-8?b?Sm9zw6kgTHXDrXM=?= <jose.luis@example.com>",
    "MAILER-DAEMON@mx.example.net",
    "<>",
    "not an address",
    "",
    "@@@",
    "a@b@c",
]
CHARSETS = [
    "utf-8",
    "iso-8859-1",
    "windows-1252",
    "koi8-r",
    "shift_jis",
    "gb2312",
    "utf-16",
    "x-unknown-foo",
    "",
    "utf-8\x00",
    "unicode-1-1-utf-7",
    "big5",
    "euc-kr",
]
ENCODINGS = ["7bit", "8bit", "base64", "quoted-printable", "binary", "x-uuencode", "bogus", ""]
CONTENT_TYPES = [
    "text/plain",
    "text/html",
    "application/pdf",
    "image/jpeg",
    "message/rfc822",
    "message/delivery-status",
    "text/calendar",
    "application/octet-stream",
    "garbage",
]
HEADER_NAMES = [
    "Subject",
    "In-Reply-To",
    "References",
    "Auto-Submitted",
    "Precedence",
    "X-Autoreply",
    "Return-Path",
    "Reply-To",
    "Date",
    "To",
    "Cc",
    "Content-Disposition",
    "X-Weird",
    "Message-ID",
]
NASTY_TEXT = [
    "Revisión ñandú — «frenos»",
    "Återkommer om bromsvätska",
    "=?utf-8?q?Re=3A_cita?=",
    "=?x-unknown?b?////?=",
    "=?utf-8?b?",
    "Re: Re: Fwd: [MAD-2026-00001]",
    "<a@b> <c@d>",
    "auto-replied",
    "no",
    "bulk",
    "\u202eevil",
    "\x00\x01",
    " " * 40,
    "\u00ff" * 30,
    "",
]
# Headers from raw bytes (cheap to draw, every byte value) or from a list of nasty strings.
header_text = st.one_of(
    st.sampled_from(NASTY_TEXT),
    st.binary(max_size=60).map(
        lambda value: value.decode("latin-1").replace("\r", " ").replace("\n", " ")
    ),
)


@st.composite
def leaf_part(draw: st.DrawFn) -> bytes:
    content_type = draw(st.sampled_from(CONTENT_TYPES))
    charset = draw(st.sampled_from(CHARSETS))
    encoding = draw(st.sampled_from(ENCODINGS))
    body = draw(st.binary(max_size=300))
    headers = f'Content-Type: {content_type}; charset="{charset}"\r\n'
    if encoding:
        headers += f"Content-Transfer-Encoding: {encoding}\r\n"
    if draw(st.booleans()):
        headers += f'Content-Disposition: attachment; filename="{draw(header_text)}"\r\n'
    return headers.encode("utf-8", "replace") + b"\r\n" + body


@st.composite
def mime_tree(draw: st.DrawFn, depth: int = 0) -> bytes:
    if depth >= 2 or draw(st.integers(0, 2)) == 0:
        return draw(leaf_part())
    boundary = draw(st.sampled_from(["b1", "=_x", "", "a b", "--", "long" * 20]))
    subtype = draw(
        st.sampled_from(
            ["mixed", "alternative", "report; report-type=delivery-status", "related", "signed"]
        )
    )
    children = draw(st.lists(mime_tree(depth + 1), max_size=3))
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + child + b"\r\n" for child in children)
    if draw(st.booleans()):  # a closing boundary is optional in the wild
        body += b"--" + boundary.encode() + b"--\r\n"
    return f'Content-Type: multipart/{subtype}; boundary="{boundary}"\r\n\r\n'.encode() + body


@st.composite
def email_message(draw: st.DrawFn) -> bytes:
    lines = []
    if draw(st.integers(0, 9)) > 0:
        lines.append(f"From: {draw(st.sampled_from(SENDERS))}")
    if draw(st.booleans()):
        lines.append(f"Message-ID: <fuzz-{draw(st.integers(0, 10**9))}@example.net>")
    for _ in range(draw(st.integers(0, 4))):
        name = draw(st.sampled_from(HEADER_NAMES))
        lines.append(f"{name}: {draw(header_text)}")
    if draw(st.booleans()):
        lines.append("MIME-Version: 1.0")
    head = "\r\n".join(lines).encode("utf-8", "replace")
    return head + b"\r\n" + draw(mime_tree())


@st.composite
def other_channel(draw: st.DrawFn) -> tuple[str, bytes]:
    channel = draw(st.sampled_from(["sms", "whatsapp", "web_form", "portal_chat", "letter"]))
    if draw(st.booleans()):
        return channel, draw(st.binary(max_size=200))
    fields = draw(
        st.dictionaries(
            st.sampled_from(
                [
                    "From",
                    "Body",
                    "name",
                    "email",
                    "phone",
                    "message",
                    "department",
                    "preferred_channel",
                    "customer_id",
                    "MessageSid",
                    "NumMedia",
                ]
            ),
            st.one_of(header_text, st.sampled_from(["+34612345678", "ana@example.net", "7"])),
            max_size=6,
        )
    )
    if channel in ("sms", "whatsapp"):
        from urllib.parse import urlencode

        return channel, urlencode(fields).encode()
    return channel, json.dumps(fields).encode()


inbound = st.one_of(
    email_message().map(lambda raw: ("email", raw)),
    st.binary(max_size=500).map(lambda raw: ("email", raw)),
    other_channel(),
)
FINAL = {InboundStatus.PROCESSED, InboundStatus.IGNORED, InboundStatus.QUARANTINED}


@pytest.mark.slow
def test_it_never_raises_and_never_loses_a_message(madrid: Site) -> None:
    ingested: list[int] = []

    @settings(
        max_examples=BATCHES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(batch=st.lists(inbound, min_size=BATCH, max_size=BATCH))
    def run(batch: list[tuple[str, bytes]]) -> None:
        before = InboundRaw.objects.count()
        last_before = InboundRaw.objects.aggregate(last=Max("pk"))["last"] or 0
        returned: set[int] = set()
        for channel, raw in batch:
            metadata = {"site": "madrid"} if channel != "email" else None
            row = ingest(channel, raw, source="http", site=madrid, metadata=metadata)
            assert row.status in FINAL, (row.status, raw[:200])
            if row.status == InboundStatus.PROCESSED:
                assert row.message_id is not None
            else:
                assert row.reason.strip(), raw[:200]
            assert row.payload() == raw
            returned.add(row.pk)
        # Every new row is one we were handed back; redeliveries returned an older row.
        assert InboundRaw.objects.count() == before + len(
            {pk for pk in returned if pk > last_before}
        )
        ingested.append(len(batch))

    run()
    assert sum(ingested) >= BATCH * BATCHES
    statuses = set(InboundRaw.objects.values_list("status", flat=True))
    # Every outcome occurs: the generator reaches real cases, automatic mail and junk.
    assert statuses == FINAL

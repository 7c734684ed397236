"""What `normalise.parse("email", ...)` reads from raw e-mail bytes. Pure parsing: no database.

The messages are written out byte for byte, so each test shows exactly what arrived.
Names and addresses are invented.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posventa.inbox import normalise
from posventa.inbox.normalise import InboundMessage, ParseError

FROM = b"From: Lucia Ferrer <lucia.ferrer@example.net>"
TO = b"To: taller@madrid.example"


def email(*headers: bytes, body: bytes = b"Hola, quiero pedir cita.\r\n") -> bytes:
    """A message from its header lines (CRLF added) and its body."""
    return b"".join(line + b"\r\n" for line in headers) + b"\r\n" + body


def parse(raw: bytes, **metadata: object) -> InboundMessage:
    return normalise.parse("email", raw, dict(metadata))


# --- headers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "subject"),
    [
        (b"Subject: =?utf-8?q?Revisi=C3=B3n_de_los_30.000_km?=", "Revisión de los 30.000 km"),
        (b"Subject: =?ISO-8859-1?B?R2FyYW507WEgZGUgbGEgYmF0ZXLtYQ==?=", "Garantía de la batería"),
        (b"Subject: Re: =?utf-8?Q?Bromsv=C3=A4tska?= nu", "Re: Bromsvätska nu"),
        # White space between two encoded words is not part of the text (RFC 2047).
        (b"Subject: =?utf-8?q?Ruido_al_?= =?utf-8?q?fren=C3=A1r?=", "Ruido al frenár"),
        # RFC 6532: raw UTF-8 in a header.
        ("Subject: Cita para el sábado".encode(), "Cita para el sábado"),
    ],
)
def test_an_encoded_subject_is_decoded(header: bytes, subject: str) -> None:
    assert parse(email(FROM, TO, header)).subject == subject


def test_a_malformed_encoded_word_is_read_as_before_not_dropped() -> None:
    raw = email(FROM, TO, b"Subject: Presupuesto=?utf-8?q?_urgente?=")
    assert parse(raw).subject == "Presupuesto urgente"


def test_an_encoded_display_name_is_decoded() -> None:
    raw = email(b"From: =?utf-8?b?Sm9zw6kgTHXDrXM=?= <Jose.Luis@Example.com>", TO)
    message = parse(raw)
    assert message.from_name == "José Luís"
    assert message.from_address == "jose.luis@example.com"


def test_encoded_words_in_a_display_name_keep_their_spaces() -> None:
    raw = email(b"From: =?iso-8859-1?q?Zo=EB?= =?iso-8859-1?q?O=27Brien?= <zoe@example.ie>", TO)
    assert parse(raw).from_name == "Zoë O'Brien"


def test_a_quoted_display_name_keeps_its_comma() -> None:
    raw = email('From: "Öberg, Åsa" <asa.oberg@example.se>'.encode(), TO)
    message = parse(raw)
    assert (message.from_name, message.from_address) == ("Öberg, Åsa", "asa.oberg@example.se")


def test_a_folded_header_is_unfolded() -> None:
    raw = email(
        FROM,
        TO,
        b"Subject: Ruido al frenar\r\n\tdesde la semana\r\n   pasada",
        b"References: <a@example.net>\r\n <b@example.net>",
    )
    message = parse(raw)
    assert message.subject == "Ruido al frenar desde la semana pasada"
    assert message.references == ["<a@example.net>", "<b@example.net>"]


def test_the_subject_is_cut_to_500_characters() -> None:
    raw = email(FROM, TO, b"Subject: " + b"a" * 700)
    assert parse(raw).subject == "a" * 500


def test_message_ids_are_read_from_their_headers() -> None:
    raw = email(
        FROM,
        TO,
        b"Message-ID: <first@example.net>",
        b"In-Reply-To: <parent@example.net> (sent by a phone)",
    )
    message = parse(raw)
    assert message.message_id == "<first@example.net>"
    assert message.in_reply_to == "<parent@example.net>"


def test_references_are_kept_in_order_the_last_50_only() -> None:
    ids = [f"<r{number}@example.net>" for number in range(60)]
    raw = email(FROM, TO, b"References: " + " ".join(ids).encode())
    assert parse(raw).references == ids[10:]


# --- sender and recipient -----------------------------------------------------------------


def test_the_sender_address_is_lower_cased() -> None:
    raw = email(b"From: Ana <Ana.Gil+Taller@Example.NET>", TO)
    message = parse(raw)
    assert (message.from_name, message.from_address) == ("Ana", "ana.gil+taller@example.net")


def test_the_sender_header_stands_in_for_a_missing_from() -> None:
    raw = email(b"Sender: Iker <iker@example.org>", TO)
    assert parse(raw).from_address == "iker@example.org"


def test_a_message_without_from_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match=r"^No sender address could be read from the From"):
        parse(email(TO, b"Subject: Hola"))


def test_a_sender_that_is_no_address_is_a_parse_error_naming_it() -> None:
    with pytest.raises(ParseError) as raised:
        parse(email(b"From: not an address", TO))
    assert str(raised.value) == "The sender 'not an address' is not an e-mail address."


def test_an_empty_message_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match=r"^Empty e-mail"):
        parse(b" \r\n")


def test_garbage_bytes_are_a_parse_error() -> None:
    with pytest.raises(ParseError, match="sender"):
        parse(b"\x00\xff\xfe garbage \x00")


def test_the_envelope_recipient_wins_over_to() -> None:
    raw = email(FROM, b"To: Taller <taller@madrid.example>")
    assert parse(raw, envelope_to=["Recepcion@Goteborg.Example"]).to_address == (
        "recepcion@goteborg.example"
    )


def test_delivered_to_wins_over_to() -> None:
    raw = email(FROM, b"To: Taller <taller@madrid.example>", b"Delivered-To: buzon@madrid.example")
    assert parse(raw).to_address == "buzon@madrid.example"


def test_the_first_to_address_is_the_recipient() -> None:
    raw = email(FROM, b'To: "Taller, Madrid" <TALLER@madrid.example>, otro@example.org')
    assert parse(raw).to_address == "taller@madrid.example"


# --- body ---------------------------------------------------------------------------------

ALTERNATIVE = email(
    FROM,
    TO,
    b"MIME-Version: 1.0",
    b'Content-Type: multipart/alternative; boundary="alt"',
    body=(
        b"--alt\r\n"
        b'Content-Type: text/plain; charset="utf-8"\r\n'
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"El coche hace un chirrido al frenar, =C2=BFpueden mirarlo?\r\n"
        b"--alt\r\n"
        b"Content-Type: text/html; charset=iso-8859-1\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        b"PHA+RWwgY29jaGUgaGFjZSB1biBjaGlycmlkbyBhbCBmcmVuYXIsIL9wdWVkZW4gbWlyYXJsbz88L3A+\r\n"
        b"--alt--\r\n"
    ),
)


def test_a_text_and_html_message_gives_both() -> None:
    message = parse(ALTERNATIVE)
    assert message.text == "El coche hace un chirrido al frenar, ¿pueden mirarlo?"
    assert message.html == "<p>El coche hace un chirrido al frenar, ¿pueden mirarlo?</p>"
    assert message.attachments == []
    assert message.warnings == []


def test_an_attachment_with_an_rfc_2231_filename_is_read() -> None:
    raw = email(
        FROM,
        TO,
        b"MIME-Version: 1.0",
        b'Content-Type: multipart/mixed; boundary="mix"',
        body=(
            b"--mix\r\nContent-Type: text/plain\r\n\r\nAdjunto el presupuesto.\r\n"
            b"--mix\r\n"
            b"Content-Type: application/pdf\r\n"
            b"Content-Transfer-Encoding: base64\r\n"
            b"Content-Disposition: attachment;\r\n"
            b" filename*=utf-8''presupuesto%20revisi%C3%B3n.pdf\r\n\r\n"
            b"JVBERi0xLjQK\r\n"
            b"--mix--\r\n"
        ),
    )
    message = parse(raw)
    assert message.text == "Adjunto el presupuesto."
    [attachment] = message.attachments
    assert attachment.filename == "presupuesto revisión.pdf"
    assert attachment.content_type == "application/pdf"
    assert (attachment.data, attachment.size) == (b"%PDF-1.4\n", 9)


def test_an_encoded_word_filename_is_decoded_and_never_picks_a_directory() -> None:
    raw = email(
        FROM,
        TO,
        b'Content-Type: image/jpeg; name="=?utf-8?q?..=2F..=2Ffoto_ma=C3=B1ana.jpg?="',
        b"Content-Transfer-Encoding: base64",
        body=b"/9j/4A==\r\n",
    )
    [attachment] = parse(raw).attachments
    assert attachment.filename == "foto mañana.jpg"
    assert attachment.data == b"\xff\xd8\xff\xe0"


def test_a_nameless_non_text_part_gets_a_made_up_name() -> None:
    raw = email(FROM, TO, b"Content-Type: image/png", body=b"\x89PNG")
    [attachment] = parse(raw).attachments
    assert (attachment.filename, attachment.content_type) == ("attachment-1.png", "image/png")


def test_an_unknown_charset_gives_replacement_characters_and_a_warning() -> None:
    raw = email(
        FROM,
        TO,
        b'Content-Type: text/plain; charset="x-unknown-foo"',
        b"Content-Transfer-Encoding: 8bit",
        body=b"Hace un ruido raro \xe9 al frenar.\r\n",
    )
    message = parse(raw)
    assert message.text == "Hace un ruido raro \ufffd al frenar.\r\n"
    assert message.warnings == [
        "charset 'x-unknown-foo' unknown or wrong: decoded as UTF-8 with replacement characters"
    ]


def test_a_declared_charset_decodes_an_8bit_body() -> None:
    raw = email(
        FROM,
        TO,
        b"Content-Type: text/plain; charset=windows-1252",
        b"Content-Transfer-Encoding: 8bit",
        body=b"Son 120 \x80 \x96 \xbfvale?\r\n",
    )
    assert parse(raw).text == "Son 120 € \u2013 ¿vale?\r\n"  # \x96 is an en dash


def test_a_multipart_whose_boundary_never_closes_still_gives_its_text() -> None:
    raw = email(
        FROM,
        b'Content-Type: multipart/mixed; boundary="b1"',
        body=b"--b1\r\nContent-Type: text/plain\r\n\r\nNecesito presupuesto\r\n",
    )
    assert parse(raw).text == "Necesito presupuesto"


def test_nul_characters_become_replacement_characters() -> None:
    raw = email(FROM, TO, b"Subject: Hola\x00mundo", body=b"Cuerpo\x00con NUL")
    message = parse(raw)
    assert message.subject == "Hola\ufffdmundo"
    assert message.text == "Cuerpo\ufffdcon NUL"


# --- automatic messages -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (b"Auto-Submitted: auto-replied", "Auto-Submitted: auto-replied"),
        (b"Auto-Submitted: Auto-Generated", "Auto-Submitted: auto-generated"),
        (b"X-Autoreply: yes", "X-Autoreply header"),
        (b"X-Autorespond: Out of office", "X-Autorespond header"),
        (b"X-Auto-Response-Suppress: All", "X-Auto-Response-Suppress header"),
        (b"Precedence: bulk", "Precedence: bulk"),
        (b"Precedence: Junk", "Precedence: junk"),
        (b"Precedence: list", "Precedence: list"),
        (b"Precedence: auto_reply", "Precedence: auto_reply"),
        (b"Return-Path: <>", "Null return path (<>): a delivery report"),
    ],
)
def test_each_automatic_header_is_detected(header: bytes, reason: str) -> None:
    message = parse(email(FROM, TO, header))
    assert message.auto_submitted
    assert message.auto_reason == reason


@pytest.mark.parametrize("header", [b"Auto-Submitted: no", b"Precedence: first-class"])
def test_a_person_is_not_automatic(header: bytes) -> None:
    message = parse(email(FROM, TO, header))
    assert (message.auto_submitted, message.auto_reason) == (False, "")


@pytest.mark.parametrize(
    ("sender", "reason"),
    [
        (b"From: Mail Delivery System <MAILER-DAEMON@mx.example.net>", "Sent by MAILER-DAEMON"),
        (b"From: postmaster@example.net", "Sent by POSTMASTER"),
    ],
)
def test_a_system_sender_is_automatic(sender: bytes, reason: str) -> None:
    assert parse(email(sender, TO)).auto_reason == reason


def test_a_delivery_report_is_automatic() -> None:
    raw = email(
        b"From: Mail Delivery System <bounces@mx.example.net>",
        TO,
        b"MIME-Version: 1.0",
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="r"',
        body=(
            b"--r\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
            b"--r\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n--r--\r\n"
        ),
    )
    message = parse(raw)
    assert message.auto_reason == "multipart/report (delivery-status): a bounce or receipt"
    assert message.text == "The mail could not be delivered."


def test_an_automatic_message_without_a_sender_is_no_parse_error() -> None:
    message = parse(email(b"From: <>", TO, b"Auto-Submitted: auto-generated"))
    assert (message.from_address, message.auto_submitted) == ("", True)


def _message_id_from_whole_message(raw: bytes) -> str:
    headers = normalise.EMAIL_PARSER.parsebytes(raw, headersonly=True)
    return normalise._first_message_id(str(headers.get("Message-ID") or ""))


LINE_ENDS = st.sampled_from([b"\r\n", b"\n", b"\r"])
HEADER_LINES = st.sampled_from(
    [
        b"Subject: hola",
        b"Message-ID: <uno@example.net>",
        b"Message-ID:\r\n <plegado@example.net>",
        b"From: a@example.net",
        b"X-Rara sin dos puntos",
        b"Message-ID: <segundo@example.net>",
        b" continuaci\xc3\xb3n",
        b"",
        b"message-id:<minusculas@example.net>",
        b"Message-ID :<espacio@example.net>",
        b"Message-ID:\r\n\t<tab@example.net> (comentario)",
        b"\t<suelto@example.net>",
        b"From remitente@example.net Mon Mar  2 08:00:00 2026",
        b": sin nombre",
        b"Subject: caf\xe9",
        b"Message-ID:",
    ]
)


@settings(max_examples=1500, deadline=None)
@given(lines=st.lists(st.tuples(HEADER_LINES, LINE_ENDS), max_size=12))
def test_the_message_id_read_from_the_header_block_is_the_whole_messages(
    lines: list[tuple[bytes, bytes]],
) -> None:
    raw = b"".join(line + end for line, end in lines) + b"Message-ID: <cuerpo@example.net>\r\n"

    assert normalise.email_message_id(raw) == _message_id_from_whole_message(raw)

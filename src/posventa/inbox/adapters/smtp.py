"""Inbound SMTP listener (aiosmtpd): mail for our sites' addresses, stored before we say 250.

* RCPT TO: accepted only for an address a `channels.MailRoute` covers (550 otherwise), so
  the listener is never an open relay.
* SIZE / DATA: over the limit (POSVENTA_INBOUND_MAX_BYTES) the server answers 552; aiosmtpd
  enforces it while reading, so an oversized message is never held in memory whole.
* DATA: the bytes go to `ingest` in a worker thread (the database must not block the event
  loop that serves other connections); 250 is answered only once the raw row is stored. If
  storing fails we answer 451 and the sending server tries again later: the message is
  never both accepted and lost.

* STARTTLS: offered when the settings name a certificate and its key
  (POSVENTA_SMTP_TLS_CERT, POSVENTA_SMTP_TLS_KEY, PEM files), so the listener can face the
  internet as the MX; POSVENTA_SMTP_REQUIRE_TLS refuses MAIL before STARTTLS (530). A
  file that is missing or unreadable, or a certificate that does not match its key, stops
  the listener from starting with a message naming the setting and the file: an MX
  quietly downgraded to plain text is worse than one that does not start.

Run it with `manage.py smtp_listen --host 0.0.0.0 --port 2525` behind the MX, or as the MX
with a certificate. It accepts mail only for the routed addresses and asks for no
authentication (senders on the internet have none).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections

from posventa.channels.actions import route_for_address
from posventa.channels.models import MailRoute
from posventa.inbox.adapters import ingest_email, max_inbound_bytes
from posventa.inbox.models import InboundRaw

logger = logging.getLogger("posventa.inbox.smtp")

DEFAULT_WORKERS = 4


def _with_fresh_connection(function: Any, *args: Any) -> Any:
    """Run DB work in a pool thread, dropping connections that went stale or are too old."""
    close_old_connections()
    try:
        return function(*args)
    finally:
        close_old_connections()


def store_message(
    raw: bytes, rcpt_tos: list[str], mail_from: str, peer: str, helo: str, tls: bool = False
) -> InboundRaw:
    """Ingest one message for the site of its first routed recipient; `tls`: it came
    over STARTTLS (kept in the metadata)."""
    routes = [route for route in map(route_for_address, rcpt_tos) if route is not None]
    first: MailRoute | None = routes[0] if routes else None
    metadata: dict[str, Any] = {
        "envelope_from": mail_from,
        "envelope_to": rcpt_tos,
        "peer": peer,
        "helo": helo,
    }
    if tls:
        metadata["tls"] = True
    if first is not None and first.department:
        metadata["department"] = first.department
    if len({route.site_id for route in routes}) > 1:
        # One message is one case at one site; the other sites' staff see it through the
        # customer's history. Kept in the metadata so nobody wonders where it went.
        metadata["other_sites"] = sorted({route.site.slug for route in routes[1:]})
    return ingest_email(raw, source="smtp", site=first.site if first else None, metadata=metadata)


class SmtpIngestHandler:
    """aiosmtpd handler: RCPT allowlist from MailRoute, DATA stored through ingest."""

    def __init__(self, executor: Executor | None = None) -> None:
        self.executor = executor or ThreadPoolExecutor(
            max_workers=DEFAULT_WORKERS, thread_name_prefix="smtp-ingest"
        )

    async def _in_thread(self, function: Any, *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, _with_fresh_connection, function, *args)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        try:
            route = await self._in_thread(route_for_address, address)
        except Exception:
            logger.exception("Could not look up the route of %s", address)
            return "451 4.3.0 Temporary failure, try again later"
        if route is None:
            logger.info("SMTP: refused recipient %s from %s", address, session.peer)
            return f"550 5.1.1 <{address}>: no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw: bytes = envelope.original_content or b""
        if len(raw) > max_inbound_bytes():  # aiosmtpd checks too; belt and braces
            return "552 5.3.4 Message too big"
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)
        try:
            stored: InboundRaw = await self._in_thread(
                store_message,
                raw,
                list(envelope.rcpt_tos),
                envelope.mail_from or "",
                peer,
                session.host_name or "",
                session.ssl is not None,
            )
        except Exception:
            logger.exception("SMTP: could not store a message from %s", envelope.mail_from)
            return "451 4.3.0 Could not store the message, try again later"
        logger.info(
            "SMTP: stored inbound #%s (%s) from %s", stored.pk, stored.status, envelope.mail_from
        )
        return f"250 2.0.0 Stored as inbound #{stored.pk}"


def start_listener(host: str, port: int, *, handler: SmtpIngestHandler | None = None) -> Controller:
    """Start the listener in a background thread; call `.stop()` on the result to end it.
    Raises `ImproperlyConfigured` when the TLS settings cannot be used (see above)."""
    tls = tls_context()
    controller = Controller(
        handler or SmtpIngestHandler(),
        hostname=host,
        port=port,
        data_size_limit=max_inbound_bytes(),
        enable_SMTPUTF8=True,
        decode_data=False,
        tls_context=tls,
        require_starttls=tls is not None and require_tls(),
    )
    controller.start()
    return controller


def require_tls() -> bool:
    return bool(getattr(settings, "POSVENTA_SMTP_REQUIRE_TLS", False))


def tls_context() -> ssl.SSLContext | None:
    """The server-side TLS context for STARTTLS, None when no certificate is configured."""
    cert = str(getattr(settings, "POSVENTA_SMTP_TLS_CERT", "") or "")
    key = str(getattr(settings, "POSVENTA_SMTP_TLS_KEY", "") or "")
    if not cert and not key:
        if require_tls():
            raise ImproperlyConfigured(
                "POSVENTA_SMTP_REQUIRE_TLS is on but no certificate is configured: set "
                "POSVENTA_SMTP_TLS_CERT and POSVENTA_SMTP_TLS_KEY."
            )
        return None
    if not cert or not key:
        missing = "POSVENTA_SMTP_TLS_KEY" if cert else "POSVENTA_SMTP_TLS_CERT"
        raise ImproperlyConfigured(
            f"STARTTLS needs both a certificate and its key: {missing} is not set."
        )
    for name, path in (("POSVENTA_SMTP_TLS_CERT", cert), ("POSVENTA_SMTP_TLS_KEY", key)):
        _check_readable(name, path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(certfile=cert, keyfile=key)
    except (ssl.SSLError, OSError) as error:
        raise ImproperlyConfigured(
            f"Cannot use the STARTTLS certificate {cert} with the key {key}: {error}. Both "
            "must be PEM files, the key unencrypted and matching the certificate."
        ) from error
    return context


def _check_readable(name: str, path: str) -> None:
    try:
        with open(path, "rb") as file:
            file.read(1)
    except OSError as error:
        raise ImproperlyConfigured(f"{name}: cannot read {path} ({error.strerror}).") from error

"""Sending an attachment's file to a browser without letting it run there.

The file came from a customer (or anyone who can write to the workshop), so its content and
its declared type are whatever the sender chose. A file the browser could execute or render
as a page (HTML, SVG, XML, JavaScript, PDF with its scripts) would run with the
application's origin: it is sent as a download (`Content-Disposition: attachment`) with a
neutral type. Only a short allow-list of passive types is shown inline. Every response
says `nosniff` (the browser must not guess a type) and carries a sandboxing CSP, and the
file name is encoded as RFC 6266/5987 ask, stripped of anything that could split a header
or name a path.

Access is the caller's business (cases.views for staff, portal.views for the customer);
this module only builds the response. The media folder itself is never served.
"""

from __future__ import annotations

import unicodedata

from django.http import FileResponse, Http404

from posventa.inbox.models import Attachment

# Passive types a browser only displays. Everything else is downloaded.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "text/plain"})
DOWNLOAD_TYPE = "application/octet-stream"
# Attachment files live here (inbox.models.attachment_path); raw inbound payloads live
# elsewhere and are never served.
ATTACHMENT_PREFIX = "attachments/"
MAX_FILENAME = 150


def safe_filename(name: str) -> str:
    """The name without directories, control characters or quotes, never empty."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(
        char
        for char in unicodedata.normalize("NFC", base)
        if unicodedata.category(char)[0] != "C" and char not in '"'
    ).strip(" .")
    return kept[:MAX_FILENAME] or "attachment"


def media_type(attachment: Attachment) -> str:
    return attachment.content_type.split(";", 1)[0].strip().lower()


def shown_inline(attachment: Attachment) -> bool:
    return media_type(attachment) in INLINE_TYPES


def attachment_response(attachment: Attachment) -> FileResponse:
    """A streaming response with the attachment's file; 404 when there is no file (refused
    over the size limit, or kept by the provider)."""
    name = attachment.file.name if attachment.file else ""
    if not name or not name.startswith(ATTACHMENT_PREFIX) or attachment.refused:
        raise Http404("No stored file.")
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("The file is missing.") from error
    inline = shown_inline(attachment)
    content_type = media_type(attachment) if inline else DOWNLOAD_TYPE
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=safe_filename(attachment.filename),
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Even if a browser renders it, the file gets no scripts, no forms, no origin.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response

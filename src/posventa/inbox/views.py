"""The quarantine: inbound data we stored but could not turn into a case message.

Nothing is lost (DESIGN.md): a row stays here, with its reason, until a person retries it.
Rows are shown for the sites the user may see. A row that could not even be routed to a
site belongs to nobody's site, so only superusers see it (it may be another group's mail).
The raw payload is shown as an escaped, truncated text preview; it is never rendered.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import BinaryField, Q, QuerySet
from django.db.models.functions import Substr
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from posventa.core.access import visible_sites
from posventa.core.models import User
from posventa.inbox.actions import retry_quarantined
from posventa.inbox.models import InboundRaw, InboundStatus

PAGE_SIZE = 50
# Enough to recognise a message; the preview never loads a 25 MB payload into the page.
PREVIEW_BYTES = 4096
PREVIEW_CHARS = 1200


def staff(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def quarantine_for(user: User) -> QuerySet[InboundRaw]:
    rows = InboundRaw.objects.filter(status=InboundStatus.QUARANTINED)
    visible = Q(site__in=visible_sites(user))
    if user.is_superuser:
        visible |= Q(site__isnull=True)
    return rows.filter(visible)


def raw_for(user: User) -> QuerySet[InboundRaw]:
    """Any inbound row the user may act on (a retried row may have left the quarantine)."""
    visible = Q(site__in=visible_sites(user))
    if user.is_superuser:
        visible |= Q(site__isnull=True)
    return InboundRaw.objects.filter(visible)


def with_preview(rows: QuerySet[InboundRaw]) -> QuerySet[InboundRaw]:
    """Fetch only the first bytes of each payload, in the database."""
    return rows.defer("raw").annotate(
        head=Substr("raw", 1, PREVIEW_BYTES, output_field=BinaryField())
    )


def safe_preview(row: InboundRaw) -> str:
    """Readable text from the payload's first bytes: undecodable bytes and control
    characters replaced, truncated. Escaping is left to the template (autoescape)."""
    head = bytes(getattr(row, "head", None) or b"")
    if not head and row.raw_path:
        head = _file_head(row.raw_path)
    # Mail and HTTP payloads end lines with CRLF; a lone CR is a line end too.
    text = head.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    cleaned = "".join(
        char if char in "\n\t" or unicodedata.category(char)[0] != "C" else "\ufffd"
        for char in text
    )
    if len(cleaned) > PREVIEW_CHARS or row.size > len(head):
        return cleaned[:PREVIEW_CHARS].rstrip() + " …"
    return cleaned


def _file_head(relative: str) -> bytes:
    path = Path(settings.MEDIA_ROOT) / relative
    try:
        with path.open("rb") as handle:
            return handle.read(PREVIEW_BYTES)
    except OSError:
        # Shown instead of a preview; the row and its reason stay usable.
        return _("(The stored payload file is missing.)").encode()


@dataclass(frozen=True)
class QuarantineRow:
    raw: InboundRaw
    preview: str
    sender: str


def sender_of(row: InboundRaw) -> str:
    """Who it seems to come from, when the adapter recorded it (never parsed from raw)."""
    metadata = row.metadata if isinstance(row.metadata, dict) else {}
    for key in ("from", "From", "sender", "mail_from", "email", "phone"):
        value = metadata.get(key)
        if value:
            return str(value)[:200]
    return ""


@login_required
def quarantine(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    rows = with_preview(quarantine_for(user).select_related("site")).order_by("-received_at", "-pk")
    # The quarantine is small by nature (it is emptied by hand), so counting pages is fine.
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": [QuarantineRow(row, safe_preview(row), sender_of(row)) for row in page],
    }
    return render(request, "inbox/quarantine.html", context)


@login_required
@require_POST
def quarantine_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Process the row again and say what became of it."""
    user = staff(request)
    raw = get_object_or_404(raw_for(user), pk=pk)
    error = ""
    try:
        raw = retry_quarantined(raw, actor=user)
    except ValidationError as refused:
        error = " ".join(refused.messages)
    outcome = describe_outcome(raw, error)
    if getattr(request, "htmx", False):
        row = with_preview(InboundRaw.objects.filter(pk=raw.pk).select_related("site")).get()
        context = {
            "row": QuarantineRow(row, safe_preview(row), sender_of(row)),
            "outcome": outcome,
        }
        return render(request, "inbox/quarantine_row.html", context)
    level = messages.SUCCESS if outcome.ok else messages.ERROR
    messages.add_message(request, level, outcome.text)
    return redirect("inbox:quarantine")


@dataclass(frozen=True)
class Outcome:
    ok: bool
    text: str
    case_reference: str = ""


def describe_outcome(raw: InboundRaw, error: str = "") -> Outcome:
    if error:
        return Outcome(False, error)
    if raw.status == InboundStatus.PROCESSED:
        message = raw.message
        reference = message.case.reference if message is not None else ""
        text = (
            _("Processed: filed on case %(reference)s.") % {"reference": reference}
            if reference
            else _("Processed.")
        )
        return Outcome(True, text, reference)
    if raw.status == InboundStatus.IGNORED:
        return Outcome(True, _("Recognised as an automatic message and kept without a case."))
    return Outcome(False, _("Still quarantined: %(reason)s") % {"reason": raw.reason})

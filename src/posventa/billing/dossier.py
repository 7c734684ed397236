"""The dossier of a case for a consumer office or a court: one PDF timeline and one ZIP of
every message, letter, attachment and invoice on the case (seed 002: "prepare a dossier and
hand it in at the counter").

Read-only: it builds files from what the case holds and writes nothing. The PDF is rendered
by WeasyPrint (BSD-3-Clause) from `billing/dossier.html`, in the reader's language and the
site's time zone.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import weasyprint  # type: ignore[import-untyped]
from django.template.loader import render_to_string
from django.utils import timezone

from posventa.billing.models import CollectionAttempt, Hold, HoldScope, Invoice
from posventa.cases.models import Case
from posventa.core.events import timeline
from posventa.core.labels import describe_actor, describe_verb
from posventa.core.models import Event
from posventa.inbox.models import Message

SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Entry:
    at: str
    what: str
    who: str
    text: str


def case_invoices(case: Case) -> list[Invoice]:
    """The invoices a dispute is about: those its holds name, or all the customer's when a
    hold covers the whole account."""
    holds = Hold.objects.filter(case=case)
    if holds.filter(scope=HoldScope.ACCOUNT).exists():
        return list(
            Invoice.objects.filter(customer_id=case.customer_id).order_by("issued_on", "id")
        )
    return list(Invoice.objects.filter(holds__case=case).distinct().order_by("issued_on", "id"))


def case_messages(case: Case) -> list[Message]:
    return list(
        Message.objects.filter(case=case)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def _local(case: Case, moment: object) -> str:
    zone = ZoneInfo(case.site.timezone)
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M} {case.site.timezone}"  # type: ignore[attr-defined]


def timeline_entries(case: Case) -> list[Entry]:
    events: list[Event] = list(timeline(case).order_by("occurred_at", "id"))
    return [
        Entry(
            at=_local(case, event.occurred_at),
            what=describe_verb(event.verb),
            who=(
                (event.actor.get_full_name() or event.actor.get_username())
                if event.actor
                else describe_actor(event.actor_label)
            ),
            text=event.summary,
        )
        for event in events
    ]


def render_pdf(case: Case) -> bytes:
    messages = case_messages(case)
    context = {
        "case": case,
        "generated_at": _local(case, timezone.now()),
        "entries": timeline_entries(case),
        "messages": [
            {"message": message, "at": _local(case, message.created_at)} for message in messages
        ],
        "invoices": case_invoices(case),
        "holds": list(Hold.objects.filter(case=case).select_related("placed_by", "lifted_by")),
        "refusals": list(CollectionAttempt.objects.filter(hold__case=case).order_by("at", "id")),
    }
    html = render_to_string("billing/dossier.html", context)
    pdf: bytes = weasyprint.HTML(string=html).write_pdf()
    return pdf


def render_zip(case: Case) -> bytes:
    """timeline.pdf, messages/ (one .txt per message, .html beside it when there is one),
    attachments/, invoices.csv and refused_actions.csv."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{case.reference}/timeline.pdf", render_pdf(case))
        for position, message in enumerate(case_messages(case), start=1):
            stem = f"{case.reference}/messages/{position:03d}-{message.direction}-{message.channel}"
            archive.writestr(f"{stem}.txt", _message_text(case, message))
            if message.body_html:
                archive.writestr(f"{stem}.html", message.body_html)
            for attachment in message.attachments.all():
                if not attachment.file:
                    continue
                name = SAFE_NAME.sub("_", attachment.filename) or f"attachment-{attachment.pk}"
                with attachment.file.open("rb") as handle:
                    archive.writestr(
                        f"{case.reference}/attachments/{position:03d}-{name}", handle.read()
                    )
        archive.writestr(f"{case.reference}/invoices.csv", _invoices_csv(case_invoices(case)))
        archive.writestr(f"{case.reference}/refused_actions.csv", _refusals_csv(case))
    return buffer.getvalue()


def _message_text(case: Case, message: Message) -> str:
    author = message.author.get_full_name() if message.author else message.from_address
    return (
        f"Date: {_local(case, message.created_at)}\n"
        f"Direction: {message.direction}\nChannel: {message.channel}\nKind: {message.kind}\n"
        f"From: {author}\nTo: {message.to_address}\nSubject: {message.subject}\n\n"
        f"{message.body_text}\n"
    )


def _invoices_csv(invoices: list[Invoice]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["number", "date", "amount", "currency", "status", "account"])
    for invoice in invoices:
        writer.writerow(
            [
                invoice.number,
                invoice.issued_on.isoformat(),
                f"{invoice.amount}",
                invoice.currency,
                invoice.status,
                invoice.account,
            ]
        )
    return out.getvalue()


def _refusals_csv(case: Case) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["at", "action", "system", "refused"])
    for attempt in CollectionAttempt.objects.filter(hold__case=case).order_by("at", "id"):
        writer.writerow([_local(case, attempt.at), attempt.kind, attempt.system, attempt.refused])
    return out.getvalue()

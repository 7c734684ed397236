"""What a customer can do in the portal: write into a case, and ask for a fresh link.

    raw = post_chat_message(case, customer, "¿Está ya el coche?", nonce=form_nonce)
    sent = send_new_links("ines@example.org")

A chat message is inbound like any other: it goes through `inbox.actions.ingest` on the
"portal_chat" channel, stored raw first, then threaded into the case by its reference
(which the subject carries, as in an e-mail reply), so the clock rules apply the same way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from posventa.cases.models import Case
from posventa.core.events import record_event
from posventa.core.models import Site
from posventa.customers.actions import set_preferences
from posventa.customers.models import ContactKind, ContactPoint, Customer, contact_language
from posventa.customers.validation import normalise_email
from posventa.inbox.actions import ingest
from posventa.inbox.models import InboundRaw
from posventa.outbox.actions import send_to_customer
from posventa.outbox.html import html_with_link
from posventa.outbox.models import Notification
from posventa.portal.links import portal_url

MAX_MESSAGE_LENGTH = 10_000
NONCE_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# Languages the portal and its e-mails are translated into (settings.LANGUAGES).
PORTAL_LANGUAGES = {"en", "es", "sv"}


def post_chat_message(case: Case, customer: Customer, text: str, *, nonce: str = "") -> InboundRaw:
    """File what the customer typed in the portal on `case` (which must be theirs).

    `nonce` comes from the form the customer submitted: the same form sent twice (a double
    click, a refresh) is stored once, while a new message always gets a new row.
    """
    body = (text or "").strip()
    if not body:
        raise ValidationError({"message": _("Write a message first.")})
    if len(body) > MAX_MESSAGE_LENGTH:
        raise ValidationError(
            {
                "message": _("A message has at most %(max)d characters.")
                % {"max": MAX_MESSAGE_LENGTH}
            }
        )
    if case.customer_id != customer.pk:
        raise ValidationError({"case": _("This case belongs to someone else.")})
    fields = _chat_fields(case, customer, body)
    raw = json.dumps(fields, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return ingest(
        "portal_chat",
        raw,
        source="portal",
        site=case.site,
        dedupe_key=_dedupe_key(customer, nonce, raw),
        # What the signed link proved; kept with the raw row for whoever reads the quarantine.
        metadata={"customer_id": customer.pk, "case": case.reference},
    )


def _chat_fields(case: Case, customer: Customer, body: str) -> dict[str, Any]:
    """The JSON fields `inbox.normalise.parse_form` reads for portal chat."""
    fields: dict[str, Any] = {
        "name": customer.display_name,
        "message": body,
        # The reference in brackets threads the message into this case (inbox.threading).
        "subject": f"[{case.reference}]",
        "department": case.department,
        "site": case.site.slug,
        "preferred_channel": case.requested_reply_channel,
    }
    # The parser identifies the sender by address: give the one the customer is known by.
    for kind, field in ((ContactKind.EMAIL, "email"), (ContactKind.PHONE, "phone")):
        point = customer.contact_points.filter(kind=kind).order_by("-is_primary", "pk").first()
        if point is not None:
            fields[field] = point.value
            break
    return fields


def _dedupe_key(customer: Customer, nonce: str, raw: bytes) -> str:
    if not NONCE_RE.match(nonce or ""):
        return ""
    digest = hashlib.sha256(raw).hexdigest()[:16]
    return f"portal:{customer.pk}:{nonce}:{digest}"


def choose_language(customer: Customer, language: str) -> Customer:
    """The customer picked the language of their portal (and of what we send them)."""
    if language not in PORTAL_LANGUAGES:
        raise ValidationError({"language": _("Choose one of the languages offered.")})
    return set_preferences(customer, language=language, actor_label="customer")


def portal_language(customer: Customer) -> str:
    """The customer's language when we translate into it, else their site's: the site of
    their latest case, or the group's first site."""
    if (customer.language or "").split("-")[0].lower() in PORTAL_LANGUAGES:
        return contact_language(customer, None)
    return contact_language(customer, _sending_site(customer))


# --- fresh links --------------------------------------------------------------------------


def customers_with_email(email: str) -> list[Customer]:
    """Unmerged customers who have this e-mail address, in any group."""
    address = normalise_email(email)
    ids = ContactPoint.objects.filter(
        kind=ContactKind.EMAIL, value=address, customer__merged_into__isnull=True
    ).values("customer_id")
    return list(Customer.objects.filter(pk__in=ids).select_related("organisation").order_by("pk"))


def send_new_links(email: str, *, max_age: dt.timedelta) -> int:
    """E-mail a fresh portal link to every customer known by `email`; returns how many
    were sent now.

    The caller must answer the same whatever this returns, so the form cannot be used to
    find out who is a customer. At most one link per customer per hour is sent, so the form
    cannot be used to flood someone's inbox either.
    """
    address = normalise_email(email)
    sent = 0
    for customer in customers_with_email(address):
        site = _sending_site(customer)
        if site is None:
            continue
        sent += _send_link(customer, address, site, max_age)
    return sent


def _sending_site(customer: Customer) -> Site | None:
    latest = Case.objects.filter(customer=customer).select_related("site").first()
    if latest is not None:
        return latest.site
    return Site.objects.filter(organisation_id=customer.organisation_id).order_by("pk").first()


def _send_link(customer: Customer, address: str, site: Site, max_age: dt.timedelta) -> bool:
    dedupe_key = f"portal-link:{customer.pk}:{timezone.now():%Y%m%d%H}"
    if Notification.objects.filter(dedupe_key=dedupe_key).exists():
        return False
    with translation.override(portal_language(customer)):
        url = portal_url(customer)
        values = {
            "name": customer.display_name,
            "site": site.name,
            "url": url,
            "days": max(1, round(max_age.total_seconds() / 86400)),
        }
        subject = _("Your link to follow your cases at %(site)s") % values
        label = _("Open your cases at %(site)s") % values
        body = (
            _(
                "Hello %(name)s,\n\n"
                "Here is a new link to see your cases with %(site)s and write to us:\n\n"
                "%(url)s\n\n"
                "It works for %(days)d days. If you did not ask for it, you can ignore this "
                "message.\n\n"
                "This is an automatic message."
            )
            % values
        )
        html_body = html_with_link(body, url, label)
    with transaction.atomic():
        notification = send_to_customer(
            channel="email",
            to_address=address,
            subject=subject,
            body=body,
            html_body=html_body,
            site=site,
            related=customer,
            automatic=True,
            dedupe_key=dedupe_key,
        )
        record_event(
            "portal.link_sent",
            subject=customer,
            site=site,
            actor_label="portal",
            summary=address,
            data={"notification": notification.pk},
        )
    return True

"""The public contact form of a site: /in/form/<site>/.

The page shows the site's opening hours next to the form so nobody expects an answer at
3 a.m. A submission goes through `ingest(channel="web_form", source="form")` like any other
inbound message; the thank-you page gives the case reference when processing opened or
found a case, or the number of the stored submission when it did not (yet).

A hidden `submission_id` makes a double click or a browser resubmission the same message
(it is the dedupe key); a honeypot field keeps naive bots out of the cases, while what they
sent is still kept as a refused request.

Against floods (each post opens a case and acknowledges an address the sender chose):
* a hidden `started` field carries a signed timestamp of when the page was served; a post
  sooner than `POSVENTA_WEB_FORM_MIN_SECONDS` (3 s) after it, or without a genuine one, is
  refused, and the person gets the form back with their text and a fresh timestamp;
* posts are rate-limited per client IP (`web_form_ip`) and submissions per e-mail address
  and phone (`web_form_address`, see `core.ratelimit`): over a limit the form comes back
  with the text, a message saying when to try again, 429 and Retry-After.
Every refusal is kept as a refused request (admin), with what was sent.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

import phonenumbers
from django import forms
from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from posventa.cases.models import Department
from posventa.channels import actions as channel_actions
from posventa.channels.models import RefusedReason
from posventa.core import ratelimit, site_page
from posventa.core.forms import EmailAddressField
from posventa.core.models import Site
from posventa.inbox.actions import ingest
from posventa.inbox.adapters import record_refusal
from posventa.inbox.models import InboundRaw, InboundStatus

THANKS_SALT = "posventa.inbox.adapters.webform.thanks"
# Long enough to reload the page the next day, short enough that old links stop working.
THANKS_MAX_AGE = 7 * 24 * 3600
HONEYPOT_FIELD = "website"
STARTED_SALT = "posventa.inbox.adapters.webform.started"
DEFAULT_MIN_FILL_SECONDS = 3.0

REPLY_METHODS = [
    ("email", _("E-mail")),
    ("sms", _("SMS")),
    ("whatsapp", _("WhatsApp")),
    ("phone", _("Phone call")),
]
# Which contact field each reply method needs.
METHOD_NEEDS = {"email": "email", "sms": "phone", "whatsapp": "phone", "phone": "phone"}


def normalise_phone(value: str, region: str) -> str:
    """E.164 form of a phone number written the way people in `region` write it.

    Raises ValidationError naming what is wrong; used by every form that takes a phone.
    """
    try:
        number = phonenumbers.parse(value, region.upper() or None)
    except phonenumbers.NumberParseException as error:
        raise forms.ValidationError(
            _("'%(value)s' is not a phone number."),
            code="invalid_phone",
            params={"value": value},
        ) from error
    if not phonenumbers.is_valid_number(number):
        raise forms.ValidationError(
            _(
                "'%(value)s' is not a valid phone number (for abroad, start with + and the "
                "country code)."
            ),
            code="invalid_phone",
            params={"value": value},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200)
    email = EmailAddressField(label=_("E-mail"), required=False, max_length=320)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=32)
    department = forms.ChoiceField(
        label=_("About"), choices=Department.choices, initial=Department.SERVICE
    )
    preferred_channel = forms.ChoiceField(
        label=_("Please answer me by"), choices=REPLY_METHODS, initial="email"
    )
    message = forms.CharField(
        label=_("Your message"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8})
    )
    # Hidden from people with CSS; a bot filling every field fills this one too.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    submission_id = forms.UUIDField(widget=forms.HiddenInput)
    # When the page was served, signed (see `fill_time_problem`); checked by the view.
    started = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)

    def __init__(self, *args: Any, site: Site, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.site = site

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Tell us your name."), code="required")
        return name

    def clean_phone(self) -> str:
        value: str = self.cleaned_data.get("phone", "").strip()
        return normalise_phone(value, self.site.country) if value else ""

    def clean_message(self) -> str:
        message: str = self.cleaned_data["message"].strip()
        if not message:
            raise forms.ValidationError(_("Write your question or request."), code="required")
        return message

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        email, phone = data.get("email"), data.get("phone")
        if not email and not phone and "email" not in self.errors and "phone" not in self.errors:
            message = _("Give an e-mail address or a phone number so that we can answer you.")
            self.add_error("email", message)
            self.add_error("phone", message)
        method = data.get("preferred_channel")
        needed = METHOD_NEEDS.get(method or "")
        if needed and not data.get(needed) and needed not in self.errors:
            label = dict(REPLY_METHODS)[method or ""]
            self.add_error(
                needed,
                _("You asked to be answered by %(method)s: we need this to do it.")
                % {"method": label},
            )
        return data

    def payload(self) -> dict[str, Any]:
        """The JSON fields `inbox.normalise.parse_form` reads."""
        data = self.cleaned_data
        return {
            "id": str(data["submission_id"]),
            "site": self.site.slug,
            "name": data["name"],
            "email": data.get("email") or "",
            "phone": data.get("phone") or "",
            "department": data["department"],
            "preferred_channel": data["preferred_channel"],
            "message": data["message"],
        }


def submission_key(kind: str, submission_id: str, content: bytes) -> str:
    """The dedupe key of a form submission: its id plus a digest of what was sent.

    The same submission sent twice (double click, reload) is one message. The same form
    sent back edited (browser Back, then change the text) is a new message, not a
    Message-ID collision for the quarantine.
    """
    return f"{kind}:{submission_id}:{hashlib.sha256(content).hexdigest()[:16]}"


def opening_hours(site: Site) -> list[tuple[str, list[str]]]:
    """[("Monday", ["08:00-13:00", "14:00-19:00"]), ..., ("Sunday", [])] in local time, with
    an en dash between the times (the site page's own list)."""
    return [(day.name, day.intervals) for day in site_page.weekly_hours(site)]


def _site_context(site: Site) -> dict[str, Any]:
    return {"site": site, "hours": opening_hours(site)}


def started_token(at: float | None = None) -> str:
    """The signed moment the form was served, for its hidden `started` field."""
    return signing.dumps({"at": round(time.time() if at is None else at, 1)}, salt=STARTED_SALT)


def min_fill_seconds() -> float:
    return float(getattr(settings, "POSVENTA_WEB_FORM_MIN_SECONDS", DEFAULT_MIN_FILL_SECONDS))


def fill_time_problem(token: str, now: float | None = None) -> tuple[str, str]:
    """("", "") for a form filled in at a human pace; otherwise the refusal's reason and
    detail: no timestamp, a forged one, or sent sooner than `min_fill_seconds()`."""
    if not token:
        return RefusedReason.FORM_TOKEN, "The form's timestamp is missing."
    try:
        started = float(signing.loads(token, salt=STARTED_SALT)["at"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return RefusedReason.FORM_TOKEN, "The form's timestamp is forged."
    took = (time.time() if now is None else now) - started
    if took < min_fill_seconds():
        return RefusedReason.TOO_FAST, f"Sent {took:.1f} s after the page was served."
    return "", ""


def _blank_form(site: Site) -> ContactForm:
    return ContactForm(
        site=site, initial={"submission_id": uuid.uuid4(), "started": started_token()}
    )


def _form_again(
    request: HttpRequest, site: Site, message: str, *, status: int, retry_after: int = 0
) -> HttpResponse:
    """The posted form again, with the person's text, `message` at the top and a fresh
    timestamp: nothing they typed is lost, and sending again works."""
    data = request.POST.copy()
    data["started"] = started_token()
    form = ContactForm(data, site=site)
    form.is_valid()  # show what else needs fixing
    form.add_error(None, message)
    context = {**_site_context(site), "form": form}
    response = render(request, "inbox/adapters/web_form.html", context, status=status)
    return ratelimit.retry_after_header(response, retry_after) if retry_after else response


def _refuse_post(
    request: HttpRequest, site: Site, reason: str, detail: str, message: str, **kwargs: Any
) -> HttpResponse:
    record_refusal(
        request,
        "web_form",
        reason,
        site=site,
        detail=detail,
        body=json.dumps(request.POST.dict(), ensure_ascii=False).encode("utf-8"),
    )
    return _form_again(request, site, message, **kwargs)


def _limited(request: HttpRequest, site: Site, verdict: ratelimit.Verdict) -> HttpResponse:
    if verdict.name == "web_form_ip":
        why = gettext("We have received many messages from your connection in a short time.")
    else:
        why = gettext("We have already received several messages from this address recently.")
    message = " ".join(
        [
            why,
            ratelimit.try_again_message(verdict.retry_after),
            gettext("Your text is kept below: press Send again once that time has passed."),
        ]
    )
    return _refuse_post(
        request,
        site,
        RefusedReason.RATE_LIMITED,
        verdict.describe(),
        message,
        status=429,
        retry_after=verdict.retry_after,
    )


def in_visitor_language(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The page in the language the visitor's browser asks for, or, when it asks for none
    (or the language cookie is not set), in the site's language: a visitor of the Göteborg
    form without a preference reads Swedish, not the project's default English."""

    @wraps(view)
    def wrapper(request: HttpRequest, site_slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
        asked = request.META.get("HTTP_ACCEPT_LANGUAGE") or request.COOKIES.get(
            settings.LANGUAGE_COOKIE_NAME
        )
        if asked:
            return view(request, site_slug, *args, **kwargs)
        site = Site.objects.filter(slug=site_slug).first()
        with translation.override(site.language if site is not None else None):
            return view(request, site_slug, *args, **kwargs)

    return wrapper


@require_http_methods(["GET", "POST"])
@in_visitor_language
def web_form(request: HttpRequest, site_slug: str) -> HttpResponse:
    site = get_object_or_404(Site, slug=site_slug)
    if request.method != "POST":
        return render(
            request,
            "inbox/adapters/web_form.html",
            {**_site_context(site), "form": _blank_form(site)},
        )
    if request.POST.get(HONEYPOT_FIELD):
        channel_actions.record_refused_request(
            "web_form",
            RefusedReason.HONEYPOT,
            site=site,
            detail="The hidden field was filled in.",
            remote_addr=request.META.get("REMOTE_ADDR"),
            method="POST",
            url=request.build_absolute_uri(),
            headers=dict(request.headers),
            body=json.dumps(request.POST.dict()).encode("utf-8"),
        )
        # Same page as a real submission: a bot learns nothing from the answer.
        return HttpResponseRedirect(reverse("adapters:web_form_received", args=[site.slug]))
    verdict = ratelimit.hit("web_form_ip", ratelimit.client_ip(request))
    if verdict.limited:
        return _limited(request, site, verdict)
    reason, detail = fill_time_problem(request.POST.get("started", ""))
    if reason:
        message = gettext(
            "Please check your message and press Send again: it has not been sent yet."
        )
        return _refuse_post(request, site, reason, detail, message, status=400)
    form = ContactForm(request.POST, site=site)
    if not form.is_valid():
        return render(
            request,
            "inbox/adapters/web_form.html",
            {**_site_context(site), "form": form},
            status=400,
        )
    payload = form.payload()
    addresses = [value for value in (payload["email"], payload["phone"]) if value]
    limited = ratelimit.first_limited([("web_form_address", value) for value in addresses])
    if limited is not None:
        return _limited(request, site, limited)
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    raw = ingest(
        "web_form",
        body,
        source="form",
        site=site,
        dedupe_key=submission_key("form", payload["id"], body),
        metadata={"remote_addr": request.META.get("REMOTE_ADDR", "")},
    )
    token = signing.dumps(raw.pk, salt=THANKS_SALT)
    return HttpResponseRedirect(reverse("adapters:web_form_thanks", args=[site.slug, token]))


def case_reference(raw: InboundRaw) -> str:
    """The reference of the case a processed submission landed on, or ""."""
    if raw.status != InboundStatus.PROCESSED or raw.message is None:
        return ""
    return raw.message.case.reference


@require_http_methods(["GET"])
@in_visitor_language
def web_form_thanks(request: HttpRequest, site_slug: str, token: str = "") -> HttpResponse:
    site = get_object_or_404(Site, slug=site_slug)
    raw: InboundRaw | None = None
    if token:
        try:
            raw_id = signing.loads(token, salt=THANKS_SALT, max_age=THANKS_MAX_AGE)
        except signing.BadSignature:
            raw_id = None
        raw = (
            InboundRaw.objects.select_related("message__case").filter(pk=raw_id, site=site).first()
            if raw_id is not None
            else None
        )
    context = {**_site_context(site), "raw": raw, "reference": case_reference(raw) if raw else ""}
    return render(request, "inbox/adapters/web_form_thanks.html", context)

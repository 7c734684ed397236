"""The customer portal: no password, a signed link that expires.

    /portal/<token>/                       the customer's cases, across the group's sites
    /portal/<token>/cases/<reference>/     one case: the story so far and a chat box
    /portal/new-link/                      ask for a fresh link by e-mail

A forged or expired link gets a 403 page that offers a new link. A reference that is not
the customer's is a 404, whether or not it exists. Pages carry the token in their URL, so
they are never cached and never leak it in a Referer header.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from posventa.cases.models import ACTIVE_STATUSES, Case
from posventa.channels.models import RefusedReason
from posventa.core import ratelimit
from posventa.customers.models import Customer
from posventa.inbox.adapters import record_refusal
from posventa.inbox.models import InboundStatus
from posventa.portal import actions, story
from posventa.portal.forms import ChatForm, NewLinkForm
from posventa.portal.links import customer_from_token

DEFAULT_LINK_MAX_AGE = dt.timedelta(days=30)


def link_max_age() -> dt.timedelta:
    """How long a portal link works: `POSVENTA_PORTAL_LINK_MAX_AGE` (a timedelta or
    seconds), 30 days by default."""
    value = getattr(settings, "POSVENTA_PORTAL_LINK_MAX_AGE", DEFAULT_LINK_MAX_AGE)
    return value if isinstance(value, dt.timedelta) else dt.timedelta(seconds=int(value))


def _private(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _render(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    customer: Customer | None = None,
    status: int = 200,
) -> HttpResponse:
    language = customer.language if customer is not None else ""
    if language in actions.PORTAL_LANGUAGES:
        with translation.override(language):
            response = render(request, template, context, status=status)
    else:
        response = render(request, template, context, status=status)
    return _private(response)


def _invalid_link(request: HttpRequest) -> HttpResponse:
    return _render(request, "portal/link_invalid.html", {"form": NewLinkForm()}, status=403)


@require_http_methods(["GET"])
def home(request: HttpRequest, token: str) -> HttpResponse:
    customer = customer_from_token(token, max_age=link_max_age())
    if customer is None:
        return _invalid_link(request)
    cases = list(
        Case.objects.filter(customer=customer)
        .select_related("site", "owner")
        .order_by("-opened_at", "-id")
    )
    # Cases that still owe the customer something come first.
    cases.sort(key=lambda case: case.status not in ACTIVE_STATUSES)
    rows = [
        {
            "case": case,
            "status": story.status_words(case),
            "owner": story.owner_name(case),
            "updated": story.last_update(case),
        }
        for case in cases
    ]
    return _render(
        request,
        "portal/home.html",
        {"customer": customer, "token": token, "rows": rows},
        customer=customer,
    )


@require_http_methods(["GET", "POST"])
def case_detail(request: HttpRequest, token: str, reference: str) -> HttpResponse:
    customer = customer_from_token(token, max_age=link_max_age())
    if customer is None:
        return _invalid_link(request)
    case = get_object_or_404(
        Case.objects.select_related("site", "owner"), reference=reference, customer=customer
    )
    form = ChatForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            raw = actions.post_chat_message(
                case, customer, form.cleaned_data["message"], nonce=form.cleaned_data["nonce"]
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            return _after_chat(request, token, case, raw)
    context = {
        "customer": customer,
        "token": token,
        "case": case,
        "status": story.status_words(case),
        "owner": story.owner_name(case),
        "story": story.story(case),
        "form": form,
    }
    return _render(request, "portal/case.html", context, customer=customer)


def _after_chat(request: HttpRequest, token: str, case: Case, raw: Any) -> HttpResponse:
    filed_on = raw.message.case if raw.message is not None else None
    if (
        raw.status == InboundStatus.QUARANTINED
        or filed_on is None
        or filed_on.customer_id != case.customer_id
    ):
        # Stored (nothing is lost) but not yet on the case: staff file it by hand.
        messages.warning(
            request,
            _("We have received your message. Our team will add it to your case shortly."),
        )
        return redirect("portal:case", token=token, reference=case.reference)
    if filed_on.pk != case.pk:
        # The case was closed: the message opened a new case that follows on from it.
        messages.success(
            request,
            _("Your case was closed, so your message opened a new case: %(reference)s.")
            % {"reference": filed_on.reference},
        )
        return redirect("portal:case", token=token, reference=filed_on.reference)
    messages.success(request, _("Your message has been added to your case."))
    return redirect("portal:case", token=token, reference=case.reference)


@require_http_methods(["GET", "POST"])
def new_link(request: HttpRequest) -> HttpResponse:
    form = NewLinkForm(request.POST or None)
    if request.method == "POST":
        limited = ratelimit.hit("portal_link_ip", ratelimit.client_ip(request))
        if not limited.limited and form.is_valid():
            limited = ratelimit.hit("portal_link_address", form.cleaned_data["email"])
        if limited.limited:
            return _link_requests_limited(request, form, limited)
    if request.method == "POST" and form.is_valid():
        actions.send_new_links(form.cleaned_data["email"], max_age=link_max_age())
        # The same answer whether or not we know the address: the form must not reveal
        # who is a customer.
        return _render(request, "portal/new_link_sent.html", {"email": form.cleaned_data["email"]})
    return _render(request, "portal/new_link.html", {"form": form})


def _link_requests_limited(
    request: HttpRequest, form: NewLinkForm, verdict: ratelimit.Verdict
) -> HttpResponse:
    """The form again (their address in it) with when to try again; 429, recorded.

    The address limit answers the same whether or not the address is a customer's."""
    record_refusal(
        request,
        "portal_new_link",
        RefusedReason.RATE_LIMITED,
        site=None,
        detail=verdict.describe(),
    )
    form.is_valid()
    form.add_error(
        None,
        _("We have already sent several links in a short time.")
        + " "
        + ratelimit.try_again_message(verdict.retry_after),
    )
    response = _render(request, "portal/new_link.html", {"form": form}, status=429)
    return ratelimit.retry_after_header(response, verdict.retry_after)

"""The customer portal: no password, a signed link that expires.

    /portal/<token>/                       the customer's cases, across the group's sites
    /portal/<token>/cases/<reference>/     one case: the story so far and a chat box
    /portal/<token>/cases/<reference>/attachments/<id>/   a file the customer may see
    /portal/<token>/language/              POST: the customer picks their language
    /portal/new-link/                      ask for a fresh link by e-mail

A forged, expired or revoked ("sign out everywhere") link gets a 403 page that says so and
offers a new link. A reference that is not the customer's is a 404, whether or not it
exists. Pages carry the token in their URL, so they are never cached and never leak it in a
Referer header to another site. Every page is in the customer's language
(`actions.portal_language`: theirs, else their site's), which they can change.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from posventa.cases.models import ACTIVE_STATUSES, Case
from posventa.channels.models import RefusedReason
from posventa.complaints.forms import ComplaintForm
from posventa.core import ratelimit
from posventa.customers.models import Customer
from posventa.inbox.adapters import record_refusal
from posventa.inbox.downloads import attachment_response
from posventa.inbox.models import InboundStatus
from posventa.portal import actions, story
from posventa.portal.forms import ChatForm, LanguageForm, NewLinkForm
from posventa.portal.links import LinkProblem, check_token, link_max_age
from posventa.promises.portal import open_promises

CustomerView = Callable[..., HttpResponseBase]
AnyResponse = TypeVar("AnyResponse", bound=HttpResponseBase)


def _private(response: AnyResponse) -> AnyResponse:
    add_never_cache_headers(response)
    # same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" on the
    # page's own forms and CSRF refuses them; other sites still never see the token.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    return _private(render(request, template, context, status=status))


def _refused_link(request: HttpRequest, problem: LinkProblem) -> HttpResponse:
    context = {"form": NewLinkForm(), "revoked": problem == LinkProblem.REVOKED}
    return _render(request, "portal/link_invalid.html", context, status=403)


def customer_page(view: CustomerView) -> CustomerView:
    """Open the page for the customer the token names, in their language, or refuse the
    link. The view gets the customer after the request and the token."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponseBase:
        check = check_token(token, max_age=link_max_age())
        if check.customer is None:
            return _refused_link(request, check.problem or LinkProblem.INVALID)
        # The whole view in the customer's language: statuses and story lines are
        # translated when the view builds them, not only when the template renders.
        with translation.override(actions.portal_language(check.customer)):
            request.LANGUAGE_CODE = translation.get_language()
            return view(request, token, check.customer, *args, **kwargs)

    return wrapper


def _language_context(token: str) -> dict[str, Any]:
    """What the language switch in portal_base.html needs: each language in its own name."""
    return {
        "token": token,
        "languages": [
            (code, translation.get_language_info(code)["name_local"])
            for code, _name in settings.LANGUAGES
        ],
    }


@require_http_methods(["GET"])
@customer_page
def home(request: HttpRequest, token: str, customer: Customer) -> HttpResponse:
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
        {
            "customer": customer,
            "rows": rows,
            "portal_promises": open_promises(customer),
            **_language_context(token),
        },
    )


def _customer_case(customer: Customer, reference: str) -> Case:
    return get_object_or_404(
        Case.objects.select_related("site", "owner"), reference=reference, customer=customer
    )


@require_http_methods(["GET", "POST"])
@customer_page
def case_detail(
    request: HttpRequest, token: str, customer: Customer, reference: str
) -> HttpResponse:
    case = _customer_case(customer, reference)
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
        "case": case,
        "active": case.status in ACTIVE_STATUSES,
        "status": story.status_words(case),
        "owner": story.owner_name(case),
        "story": story.story(case),
        "portal_promises": open_promises(customer, case),
        "single_case": True,
        "form": form,
        "complaint_form": ComplaintForm(),
        **_language_context(token),
    }
    return _render(request, "portal/case.html", context)


@require_http_methods(["GET"])
@customer_page
def case_attachment(
    request: HttpRequest, token: str, customer: Customer, reference: str, attachment_id: int
) -> HttpResponseBase:
    """A file of a message the customer sees on their own case; a 404 for anything else
    (internal notes' files, other cases, raw inbound payloads, which are never served)."""
    case = _customer_case(customer, reference)
    attachment = get_object_or_404(story.visible_attachments(case), pk=attachment_id)
    return _private(attachment_response(attachment))


@require_http_methods(["POST"])
@customer_page
def choose_language(request: HttpRequest, token: str, customer: Customer) -> HttpResponse:
    form = LanguageForm(request.POST)
    if form.is_valid():
        actions.choose_language(customer, form.cleaned_data["language"])
    next_path = form.cleaned_data.get("next", "") if form.is_valid() else ""
    prefix = f"/portal/{token}/"
    # Only back to a page of this same link: never an open redirect.
    if next_path.startswith(prefix) and "//" not in next_path[1:]:
        return redirect(next_path)
    return redirect("portal:home", token=token)


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

"""The phone systems' webhooks (public URLs, authenticated per site):

    POST /in/phone/<site>/events/           generic JSON; X-Posventa-Signature:
                                            sha256=<hex HMAC-SHA256 of the body, keyed with
                                            the site's "Phone system (JSON webhook)" secret>
        202 {"id": <raw id>, "status": "processed" | "quarantined", "calls": [ids]}
    POST /in/phone/<site>/zammad/<token>/   Zammad Generic CTI (form fields or JSON); the
                                            token is the site's "Phone system (Zammad CTI)"
                                            secret, as Zammad puts its token in the URL
        200 {}
    POST /in/phone/<site>/twilio/           Twilio Voice status callback, X-Twilio-Signature
                                            with the site's Twilio auth token
        200 empty TwiML

A missing or wrong signature or token answers 403 and is kept in
`channels.RefusedRequest` with the reason. A request that passes is stored raw (committed)
before it is read; one that cannot be read is quarantined and still answered as received,
so the phone system does not retry it forever (a person looks at the quarantine).
Requests are counted per client IP and per endpoint before anything else is read.
"""

from __future__ import annotations

import hashlib
import hmac

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from posventa.channels import actions as channel_actions
from posventa.channels.models import RefusedReason, WebhookProvider
from posventa.core import ratelimit
from posventa.core.models import Site
from posventa.inbox.adapters import record_refusal
from posventa.inbox.adapters.http import EMPTY_TWIML, signature_is_valid
from posventa.telephony.actions import calls
from posventa.telephony.models import CallEventRaw, CallSource

SIGNATURE_HEADER = "X-Posventa-Signature"
TWILIO_SIGNATURE_HEADER = "X-Twilio-Signature"
MAX_BODY = 1024 * 1024


def body_signature(secret: str, body: bytes) -> str:
    """The value of X-Posventa-Signature for this body: "sha256=" + hex HMAC-SHA256."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _errors(field: str | None, message: str, status: int) -> JsonResponse:
    return JsonResponse({"errors": [{"field": field, "message": message}]}, status=status)


def _limited(request: HttpRequest, site_slug: str, endpoint: str) -> HttpResponse | None:
    client = ratelimit.client_ip(request)
    key = hashlib.sha256(f"{endpoint}:{site_slug}".encode()).hexdigest()
    verdict = ratelimit.first_limited([("webhook_ip", client), ("webhook_endpoint", key)])
    if verdict is None:
        return None
    record_refusal(
        request,
        endpoint,
        RefusedReason.RATE_LIMITED,
        site=Site.objects.filter(slug=site_slug).first(),
        detail=verdict.describe(),
    )
    message = _("Too many requests.") + " " + ratelimit.try_again_message(verdict.retry_after)
    return ratelimit.retry_after_header(_errors(None, message, 429), verdict.retry_after)


def _refused(
    request: HttpRequest,
    endpoint: str,
    reason: str,
    site: Site,
    body: bytes,
    *,
    field: str,
    message: str,
    status: int = 403,
) -> JsonResponse:
    record_refusal(request, endpoint, reason, site=site, detail=message, body=body)
    return _errors(field, message, status)


def _read_body(request: HttpRequest) -> bytes:
    return request.read(MAX_BODY + 1)


def _store_and_process(
    site: Site, source: str, request: HttpRequest, body: bytes
) -> tuple[CallEventRaw, list[int]]:
    raw = calls.store_raw(site, source, body, content_type=request.content_type or "")
    touched = calls.process_raw(raw)
    return raw, [call.pk for call in touched]


@csrf_exempt
@require_POST
def generic_events(request: HttpRequest, site_slug: str) -> HttpResponse:
    endpoint = "phone_events"
    limited = _limited(request, site_slug, endpoint)
    if limited is not None:
        return limited
    site = get_object_or_404(Site, slug=site_slug)
    body = _read_body(request)
    if len(body) > MAX_BODY:
        return _refused(
            request, endpoint, RefusedReason.TOO_LARGE, site, b"", field="body",
            message=_("The request is over %(limit)d bytes.") % {"limit": MAX_BODY}, status=413,
        )  # fmt: skip
    credential = channel_actions.webhook_credential(site, WebhookProvider.PHONE_WEBHOOK)
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if credential is None:
        return _refused(
            request, endpoint, RefusedReason.NOT_CONFIGURED, site, body, field=SIGNATURE_HEADER,
            message=_("This site does not receive phone events."),
        )  # fmt: skip
    if not signature:
        return _refused(
            request, endpoint, RefusedReason.MISSING_SIGNATURE, site, body,
            field=SIGNATURE_HEADER, message=_("The request is not signed."),
        )  # fmt: skip
    expected = body_signature(credential.auth_token, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        return _refused(
            request, endpoint, RefusedReason.BAD_SIGNATURE, site, body, field=SIGNATURE_HEADER,
            message=_("The signature does not match."),
        )  # fmt: skip
    raw, call_ids = _store_and_process(site, CallSource.GENERIC, request, body)
    return JsonResponse(
        {"id": raw.pk, "status": raw.status, "error": raw.error, "calls": call_ids}, status=202
    )


@csrf_exempt
@require_POST
def zammad_cti(request: HttpRequest, site_slug: str, token: str) -> HttpResponse:
    endpoint = "phone_zammad"
    limited = _limited(request, site_slug, endpoint)
    if limited is not None:
        return limited
    site = get_object_or_404(Site, slug=site_slug)
    body = _read_body(request)
    credential = channel_actions.webhook_credential(site, WebhookProvider.ZAMMAD_CTI)
    if credential is None:
        return _refused(
            request, endpoint, RefusedReason.NOT_CONFIGURED, site, body, field="token",
            message=_("This site does not receive phone events."),
        )  # fmt: skip
    if not hmac.compare_digest(credential.auth_token.encode(), token.encode()):
        return _refused(
            request, endpoint, RefusedReason.BAD_TOKEN, site, body, field="token",
            message=_("Unknown token."),
        )  # fmt: skip
    _store_and_process(site, CallSource.ZAMMAD_CTI, request, body)
    return JsonResponse({})


@csrf_exempt
@require_POST
def twilio_voice(request: HttpRequest, site_slug: str) -> HttpResponse:
    endpoint = "phone_twilio"
    limited = _limited(request, site_slug, endpoint)
    if limited is not None:
        return limited
    site = get_object_or_404(Site, slug=site_slug)
    body = request.body
    credential = channel_actions.webhook_credential(site, WebhookProvider.TWILIO)
    signature = request.headers.get(TWILIO_SIGNATURE_HEADER, "")
    if credential is None:
        reason, message = (
            RefusedReason.NOT_CONFIGURED,
            _("This site does not receive phone events."),
        )
    elif not signature:
        reason, message = RefusedReason.MISSING_SIGNATURE, _("The request is not signed.")
    elif not signature_is_valid(request, credential.auth_token, signature):
        reason, message = RefusedReason.BAD_SIGNATURE, _("The signature does not match.")
    else:
        _store_and_process(site, CallSource.TWILIO, request, body)
        return HttpResponse(EMPTY_TWIML, content_type="text/xml; charset=utf-8")
    record_refusal(request, endpoint, reason, site=site, detail=message, body=body)
    return HttpResponse(message, status=403, content_type="text/plain; charset=utf-8")

"""HTTP adapters: a raw e-mail endpoint and Twilio-compatible SMS/WhatsApp webhooks.

    POST /in/email/<site>/              Authorization: Bearer <token>, body message/rfc822
        202 {"id": <raw id>, "status": ...} once stored; 401 / 413 / 415 / 400 otherwise.
    POST /in/twilio/<site>/sms/         signed with X-Twilio-Signature
    POST /in/twilio/<site>/whatsapp/
        200 empty TwiML once stored; 403 on a missing or wrong signature.

Every endpoint counts requests per client IP (`webhook_ip`) and per endpoint
(`webhook_endpoint`: the site's raw e-mail endpoint with one bearer token, or a site's
Twilio channel) before it reads a byte, so a flood (a bad signature, a wrong token) costs
one counter update per request. Over a limit: 429 with Retry-After, JSON errors for the
raw e-mail endpoint, an empty body for Twilio; the limits are generous, a provider posts
from few addresses.

Whatever arrives is stored before we answer success; what is refused is kept in
`channels.RefusedRequest` and logged. Content that cannot be understood is still stored
and answered with success: the ingest layer quarantines it for a person to look at.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from posventa.channels import actions as channel_actions
from posventa.channels.models import RefusedReason, WebhookProvider
from posventa.core import ratelimit
from posventa.core.models import Site
from posventa.inbox.actions import ingest
from posventa.inbox.adapters import ingest_email, max_inbound_bytes, record_refusal

RFC822_TYPES = {"message/rfc822"}
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
SIGNATURE_HEADER = "HTTP_X_TWILIO_SIGNATURE"


# --- helpers shared by the endpoints ------------------------------------------------------


def _refuse(
    request: HttpRequest,
    endpoint: str,
    reason: str,
    status: int,
    message: str,
    *,
    site: Site | None,
    body: bytes = b"",
    body_size: int | None = None,
    detail: str = "",
    json: bool = True,
) -> HttpResponse:
    channel_actions.record_refused_request(
        endpoint,
        reason,
        site=site,
        detail=detail or message,
        remote_addr=request.META.get("REMOTE_ADDR"),
        method=request.method or "",
        url=request.build_absolute_uri(),
        headers=dict(request.headers),
        body=body,
        body_size=body_size,
    )
    if json:
        return JsonResponse({"error": message, "reason": reason}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _content_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _read_capped(request: HttpRequest, limit: int) -> bytes:
    """At most limit + 1 bytes of the body: one more than allowed proves it is too big.

    Reads the stream directly: `request.body` would refuse anything over Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), far below what an e-mail may weigh.
    """
    return request.read(limit + 1)


def _bearer_token(request: HttpRequest) -> str:
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def _over_limit(
    request: HttpRequest, site_slug: str, endpoint: str, credential: str, *, json: bool
) -> HttpResponse | None:
    """The 429 answer when this request is over a webhook limit, else None. Counted from
    the URL and headers alone, before the site, the body or the signature is looked at."""
    client = ratelimit.client_ip(request)
    endpoint_key = hashlib.sha256(f"{endpoint}:{site_slug}:{credential}".encode()).hexdigest()
    verdict = ratelimit.first_limited([("webhook_ip", client), ("webhook_endpoint", endpoint_key)])
    if verdict is None:
        return None
    record_refusal(
        request,
        endpoint,
        RefusedReason.RATE_LIMITED,
        site=Site.objects.filter(slug=site_slug).first(),
        detail=verdict.describe(),
        body_size=_content_length(request),
    )
    if json:
        message = _("Too many requests.") + " " + ratelimit.try_again_message(verdict.retry_after)
        response: HttpResponse = JsonResponse(
            {"errors": [{"field": None, "message": message}]}, status=429
        )
    else:
        response = HttpResponse(b"", status=429)
    return ratelimit.retry_after_header(response, verdict.retry_after)


# --- raw e-mail ---------------------------------------------------------------------------


@csrf_exempt
@require_POST
def raw_email(request: HttpRequest, site_slug: str) -> HttpResponse:
    """Store one RFC 5322 message for the site. The sender authenticates with a bearer token."""
    endpoint = "http_email"
    clear = _bearer_token(request)
    limited = _over_limit(request, site_slug, endpoint, clear, json=True)
    if limited is not None:
        return limited
    site = get_object_or_404(Site, slug=site_slug)
    limit = max_inbound_bytes()
    if channel_actions.authenticate_endpoint_token(site, clear) is None:
        reason = RefusedReason.BAD_TOKEN if clear else RefusedReason.MISSING_TOKEN
        response = _refuse(
            request,
            endpoint,
            reason,
            401,
            _("A valid bearer token for this site is required."),
            site=site,
            body=request.read(channel_actions.REFUSED_BODY_LIMIT),
            body_size=_content_length(request),
        )
        response["WWW-Authenticate"] = 'Bearer realm="posventa-inbound"'
        return response
    declared = _content_length(request)
    if declared > limit:
        # Refused before reading a byte: the client learns at once and we hold nothing.
        return _refuse(
            request,
            endpoint,
            RefusedReason.TOO_LARGE,
            413,
            _("The message is %(size)d bytes; the limit is %(limit)d bytes.")
            % {"size": declared, "limit": limit},
            site=site,
            body_size=declared,
        )
    content_type = request.content_type.lower() if request.content_type else ""
    if content_type not in RFC822_TYPES:
        return _refuse(
            request,
            endpoint,
            RefusedReason.UNSUPPORTED_TYPE,
            415,
            _("Send the message as Content-Type: message/rfc822 (got %(type)s).")
            % {"type": content_type or _("none")},
            site=site,
            body=request.read(channel_actions.REFUSED_BODY_LIMIT),
            body_size=declared,
        )
    data = _read_capped(request, limit)
    if len(data) > limit:
        return _refuse(
            request,
            endpoint,
            RefusedReason.TOO_LARGE,
            413,
            _("The message is over the limit of %(limit)d bytes.") % {"limit": limit},
            site=site,
            body_size=len(data),
        )
    if not data.strip():
        return _refuse(
            request,
            endpoint,
            RefusedReason.EMPTY,
            400,
            _("The body is empty: send the complete message."),
            site=site,
        )
    raw = ingest_email(
        data,
        source="http",
        site=site,
        metadata={"remote_addr": request.META.get("REMOTE_ADDR", "")},
    )
    return JsonResponse({"id": raw.pk, "status": raw.status}, status=202)


# --- Twilio-compatible webhooks -----------------------------------------------------------


def twilio_signature(auth_token: str, url: str, params: Mapping[str, Iterable[str]]) -> str:
    """X-Twilio-Signature: base64(HMAC-SHA1(auth token, URL + sorted name+value pairs)).

    Per Twilio's documented algorithm: the full URL Twilio called (query string included),
    then every POST parameter sorted by name (case-sensitive), each name immediately
    followed by its value, with no delimiters. A repeated name contributes each distinct
    value once, sorted, as Twilio's own validators do.
    """
    payload = url + "".join(
        name + value for name in sorted(params) for value in sorted(set(params[name]))
    )
    digest = hmac.new(auth_token.encode("utf-8"), payload.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(digest.digest()).decode("ascii")


def _url_variants(url: str) -> set[str]:
    """The URL as given, with and without its scheme's default port.

    Proxies and Twilio disagree about ":443"; Twilio's own validators accept both forms.
    """
    parts = urlsplit(url)
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if parts.username or default_port is None:
        return {url}
    bare = urlunsplit((parts.scheme, host, parts.path, parts.query, ""))
    with_port = urlunsplit(
        (parts.scheme, f"{host}:{parts.port or default_port}", parts.path, parts.query, "")
    )
    variants = {url, with_port}
    if parts.port in (None, default_port):
        variants.add(bare)
    return variants


def candidate_urls(request: HttpRequest) -> set[str]:
    """URLs Twilio may have signed: the one we were reached on, and the public SITE_URL one.

    Behind a TLS-terminating proxy the request may look like plain HTTP on an internal host;
    the public base URL in POSVENTA_SITE_URL is then what Twilio actually called.
    """
    urls = _url_variants(request.build_absolute_uri())
    site_url = getattr(settings, "SITE_URL", "")
    if site_url:
        urls |= _url_variants(site_url.rstrip("/") + request.get_full_path())
    return urls


def signature_is_valid(request: HttpRequest, auth_token: str, signature: str) -> bool:
    params = {name: request.POST.getlist(name) for name in request.POST}
    return any(
        hmac.compare_digest(twilio_signature(auth_token, url, params).encode(), signature.encode())
        for url in candidate_urls(request)
    )


def _twiml(status: int = 200) -> HttpResponse:
    return HttpResponse(EMPTY_TWIML, status=status, content_type="text/xml; charset=utf-8")


def _twilio_webhook(request: HttpRequest, site_slug: str, channel: str) -> HttpResponse:
    endpoint = f"twilio_{channel}"
    # A signature is per request: the endpoint itself is the key.
    limited = _over_limit(request, site_slug, endpoint, "", json=False)
    if limited is not None:
        return limited
    site = get_object_or_404(Site, slug=site_slug)
    try:
        body = request.body
        request.POST  # noqa: B018 - parse now so a malformed body is refused here
    except RequestDataTooBig:
        return _refuse(
            request,
            endpoint,
            RefusedReason.TOO_LARGE,
            413,
            _("The request is too large."),
            site=site,
            body_size=_content_length(request),
            json=False,
        )
    except SuspiciousOperation as error:
        return _refuse(
            request,
            endpoint,
            RefusedReason.MALFORMED,
            400,
            _("The request could not be read."),
            site=site,
            detail=str(error),
            json=False,
        )
    credential = channel_actions.webhook_credential(site, WebhookProvider.TWILIO)
    if credential is None:
        return _refuse(
            request,
            endpoint,
            RefusedReason.NOT_CONFIGURED,
            403,
            _("This site does not receive %(channel)s messages.") % {"channel": channel},
            site=site,
            body=body,
            json=False,
        )
    signature = request.META.get(SIGNATURE_HEADER, "")
    if not signature:
        return _refuse(
            request,
            endpoint,
            RefusedReason.MISSING_SIGNATURE,
            403,
            _("The request is not signed."),
            site=site,
            body=body,
            json=False,
        )
    if not signature_is_valid(request, credential.auth_token, signature):
        return _refuse(
            request,
            endpoint,
            RefusedReason.BAD_SIGNATURE,
            403,
            _("The signature does not match."),
            site=site,
            body=body,
            json=False,
            detail=f"signature {signature[:64]!r} checked against "
            f"{sorted(candidate_urls(request))}",
        )
    fields = {name: request.POST.get(name, "") for name in request.POST}
    ingest(
        channel,
        body,
        source="webhook",
        site=site,
        dedupe_key=fields.get("MessageSid") or fields.get("SmsMessageSid") or "",
        metadata=fields,
    )
    # Twilio only needs to know we have it: the answer to the customer comes from a person.
    return _twiml()


@csrf_exempt
@require_POST
def twilio_sms(request: HttpRequest, site_slug: str) -> HttpResponse:
    return _twilio_webhook(request, site_slug, "sms")


@csrf_exempt
@require_POST
def twilio_whatsapp(request: HttpRequest, site_slug: str) -> HttpResponse:
    return _twilio_webhook(request, site_slug, "whatsapp")

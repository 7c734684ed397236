"""One error shape for every failure: `{"errors": [{"field": "vin", "message": "..."}]}`.

Django `ValidationError`s raised by the actions and the request validation ninja does with
pydantic both end up here, so a client handles a single format and always learns which
field to fix. 404 is used for anything outside the token's reach: an object in another
group looks exactly like one that does not exist.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from posventa.core.errors import too_large_text

logger = logging.getLogger(__name__)

# Where ninja says a value came from; not part of the field name a client knows.
REQUEST_PARTS = {"body", "query", "path", "header", "cookie", "form", "file"}


def error_body(items: Iterable[tuple[str | None, str]]) -> dict[str, Any]:
    return {"errors": [{"field": field, "message": message} for field, message in items]}


def django_errors(error: DjangoValidationError) -> list[tuple[str | None, str]]:
    if not hasattr(error, "error_dict"):
        return [(None, message) for message in error.messages]
    return [
        (None if field == NON_FIELD_ERRORS else field, message)
        for field, messages in error.message_dict.items()
        for message in messages
    ]


def pydantic_field(loc: Iterable[Any]) -> str | None:
    """("body", "payload", "contact_points", 0, "value") → "contact_points.0.value"."""
    parts = [str(part) for part in loc]
    if parts and parts[0] in REQUEST_PARTS:
        source = parts.pop(0)
        # A JSON body arrives under the name of the view's parameter ("payload"); clients
        # never see that name, so it is dropped when a field follows it.
        if source == "body" and len(parts) > 1:
            parts.pop(0)
    return ".".join(parts) or None


def ninja_errors(error: NinjaValidationError) -> list[tuple[str | None, str]]:
    return [
        (pydantic_field(item.get("loc", ())), str(item.get("msg", ""))) for item in error.errors
    ]


def install_error_handlers(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, items: list[tuple[str | None, str]], status: int) -> Any:
        return api.create_response(request, error_body(items), status=status)

    @api.exception_handler(DjangoValidationError)
    def validation_failed(request: HttpRequest, error: DjangoValidationError) -> HttpResponse:
        return respond(request, django_errors(error), 422)  # type: ignore[no-any-return]

    @api.exception_handler(NinjaValidationError)
    def request_invalid(request: HttpRequest, error: NinjaValidationError) -> HttpResponse:
        return respond(request, ninja_errors(error), 422)  # type: ignore[no-any-return]

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
        message = _("Missing, unknown or revoked API token. Send “Authorization: Bearer <token>”.")
        response: HttpResponse = respond(request, [(None, message)], 401)
        response["WWW-Authenticate"] = 'Bearer realm="posventa"'
        return response

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, error: Http404) -> HttpResponse:
        return respond(request, [(None, _("Not found."))], 404)  # type: ignore[no-any-return]

    @api.exception_handler(ObjectDoesNotExist)
    def missing(request: HttpRequest, error: ObjectDoesNotExist) -> HttpResponse:
        return respond(request, [(None, _("Not found."))], 404)  # type: ignore[no-any-return]

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
        return respond(request, [(None, str(error))], error.status_code)  # type: ignore[no-any-return]

    @api.exception_handler(SuspiciousOperation)
    def refused_by_django(request: HttpRequest, error: SuspiciousOperation) -> HttpResponse:
        # Django's own refusals (a body over its size limits, too many fields, a bad
        # host): the client's fault, said in the one error shape, never a 500.
        limit_text = too_large_text(error)
        if limit_text is not None:
            return respond(request, [(None, limit_text)], 413)  # type: ignore[no-any-return]
        return respond(request, [(None, _("Bad request."))], 400)  # type: ignore[no-any-return]

    @api.exception_handler(Exception)
    def unexpected(request: HttpRequest, error: Exception) -> HttpResponse:
        # A bug, not bad input: logged with its traceback like Django's own 500s, and still
        # answered in the one error shape so a client never has to parse an HTML page.
        logger.error("Internal error in %s %s", request.method, request.path, exc_info=error)
        message = _("Internal error; it has been logged.")
        return respond(request, [(None, message)], 500)  # type: ignore[no-any-return]

"""Error pages a person can read: translated, styled, and saying what to do.

Django answers a request over its size limits (`DATA_UPLOAD_MAX_MEMORY_SIZE`,
`DATA_UPLOAD_MAX_NUMBER_FIELDS`, `DATA_UPLOAD_MAX_NUMBER_FILES`) with a bare "Bad Request
(400)". `bad_request` turns those into 413 Content Too Large, naming the limit; the API
gets the same in its JSON error shape. The 403, 404 and 500 pages are Django's own views
rendering the templates in `templates/`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.views import defaults

API_PREFIX = "/api/"


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: a size limit gets 413 and says which; anything else gets 400.html."""
    limit_text = too_large_text(exception)
    if limit_text is None:
        return defaults.bad_request(request, exception)
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"errors": [{"field": None, "message": limit_text}]}, status=413)
    page = loader.get_template("413.html").render({"limit_text": limit_text})
    return HttpResponse(page, status=413)


def too_large_text(exception: Exception) -> str | None:
    """The sentence naming the limit a request broke, or None when it broke none."""
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
        return _("The largest page or form the server accepts is %(limit)s.") % {
            "limit": filesizeformat(limit)
        }
    if isinstance(exception, TooManyFieldsSent):
        return _("A form may send at most %(count)d fields.") % {
            "count": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS or 0
        }
    if isinstance(exception, TooManyFilesSent):
        return _("A form may send at most %(count)d files.") % {
            "count": settings.DATA_UPLOAD_MAX_NUMBER_FILES or 0
        }
    return None

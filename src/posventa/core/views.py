from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST, require_safe

from posventa.core import heartbeat, site_page
from posventa.core.models import Site, User


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """For a load balancer or a monitor: 200 when the database answers and the task worker
    and the sweeper beat recently, 503 otherwise, with which check failed. No login, no
    personal data, one query (see posventa.core.heartbeat)."""
    status, body = heartbeat.report()
    return JsonResponse(body, status=status)


@require_POST
def set_my_language(request: HttpRequest) -> HttpResponse:
    """Store the language on the user, so it follows them to every device.

    Also set Django's language cookie: it is what the login page reads before anyone is
    logged in, and it keeps the choice when the user logs out.
    """
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        return HttpResponseBadRequest(_("Unknown language: %(language)s") % {"language": language})
    user = request.user
    if user.is_authenticated:
        assert isinstance(user, User)
        User.objects.filter(pk=user.pk).update(language=language)
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = redirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


@require_GET
def public_site(request: HttpRequest, site_slug: str) -> HttpResponse:
    """A site's public page: hours with the zone, closures coming up, how to reach it
    (phone, e-mail, address, the web form). No login; mobile first."""
    site = get_object_or_404(Site.objects.select_related("organisation"), slug=site_slug)
    return render(
        request,
        "public/site.html",
        {
            "site": site,
            "hours": site_page.weekly_hours(site),
            "closures": site_page.upcoming_closures(site),
            # Booking (INFO-BOOKING): the workshop's public page, by URL name (no import).
            "booking_url": reverse("workshop_public:book", args=[site.slug]),
        },
    )

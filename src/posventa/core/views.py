from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST, require_safe

from posventa.core import actions, heartbeat, hours, site_page
from posventa.core.access import MANAGER_ROLES, roles_at, visible_sites
from posventa.core.forms import CompetitorForm
from posventa.core.models import Competitor, Site, User


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


# --- opening hours compared (INFO-HOURS), for managers -----------------------------------


def _managed_site(request: HttpRequest, site_slug: str) -> tuple[User, Site]:
    """The site, if the user manages it: 404 outside their sites, 403 for staff of the site
    who are not managers (they may read the public page instead)."""
    user = request.user
    assert isinstance(user, User)
    site = get_object_or_404(visible_sites(user).select_related("organisation"), slug=site_slug)
    if not user.is_superuser and not roles_at(user, site) & set(MANAGER_ROLES):
        raise PermissionDenied
    return user, site


def _hours_page(
    request: HttpRequest,
    site: Site,
    *,
    form: CompetitorForm | None = None,
    editing: Competitor | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "core/hours.html",
        {
            "site": site,
            "comparison": hours.compare(site),
            "form": form or CompetitorForm(),
            "editing": editing,
        },
        status=status,
    )


def _put_errors(form: CompetitorForm, error: ValidationError) -> None:
    """The action's refusals on the form's fields ("hours" belongs to the whole week)."""
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
@require_GET
def hours_comparison(request: HttpRequest, site_slug: str) -> HttpResponse:
    _user, site = _managed_site(request, site_slug)
    editing = None
    if request.GET.get("edit", "").isdigit():
        editing = get_object_or_404(Competitor, site=site, pk=int(request.GET["edit"]))
    form = CompetitorForm.for_competitor(editing) if editing else None
    return _hours_page(request, site, form=form, editing=editing)


@login_required
@require_POST
def save_competitor(
    request: HttpRequest, site_slug: str, competitor_id: int | None = None
) -> HttpResponse:
    """Add a competitor, or change one (with `competitor_id`). A refusal shows the page
    again with what was typed and the error on its field (400)."""
    user, site = _managed_site(request, site_slug)
    editing = None
    if competitor_id is not None:
        editing = get_object_or_404(Competitor, site=site, pk=competitor_id)
    form = CompetitorForm(request.POST)
    if form.is_valid():
        fields = {"name": form.cleaned_data["name"], "intervals": form.intervals()}
        try:
            if editing is None:
                actions.add_competitor(site, actor=user, **fields)
            else:
                actions.change_competitor(editing, actor=user, **fields)
        except ValidationError as error:
            _put_errors(form, error)
        else:
            messages.success(request, _("Competitor hours saved."))
            return redirect("core:hours", site_slug=site.slug)
    return _hours_page(request, site, form=form, editing=editing, status=400)


@login_required
@require_POST
def remove_competitor(request: HttpRequest, site_slug: str, competitor_id: int) -> HttpResponse:
    user, site = _managed_site(request, site_slug)
    actions.remove_competitor(
        get_object_or_404(Competitor, site=site, pk=competitor_id), actor=user
    )
    messages.success(request, _("Competitor removed."))
    return redirect("core:hours", site_slug=site.slug)

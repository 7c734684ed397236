"""The public booking pages of a site (INFO-BOOKING): no account, phones first.

`/s/<site>/book/` books (flow.py); the signed links of the confirmation change or cancel
the appointment; a waiting-list link takes a freed time. A link that is forged, another
site's, used or expired shows a page saying which, with status 410 or 404, and changes
nothing.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from posventa.cases.forms import apply_errors
from posventa.core.calendars import calendar_for_site
from posventa.core.models import Site
from posventa.workshop import booking_steps, flow, links, slots
from posventa.workshop.actions import appointments, waiting_list
from posventa.workshop.forms import CancelForm, RescheduleForm
from posventa.workshop.models import BookedVia

PROBLEM_STATUS = {
    links.LinkProblem.INVALID: 404,
    links.LinkProblem.EXPIRED: 410,
    links.LinkProblem.USED: 410,
}


def _site(site_slug: str) -> Site:
    return get_object_or_404(Site.objects.select_related("organisation"), slug=site_slug)


@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, site_slug: str) -> HttpResponse:
    site = _site(site_slug)
    outcome = flow.handle(request, site, via=BookedVia.ONLINE, actor=None)
    if outcome.appointment is not None:
        token = links.appointment_token(outcome.appointment, links.Purpose.RESCHEDULE)
        return redirect("workshop_public:booked", site.slug, token)
    if outcome.kept is not None:
        return redirect("workshop_public:kept", site.slug)
    status = 400 if outcome.form.is_bound and outcome.form.errors else 200
    return render(
        request,
        "workshop/public_book.html",
        {
            "site": site,
            "form": outcome.form,
            "slots_by_day": outcome.slots_by_day,
            "searched": outcome.searched,
            **booking_steps.page_context(site, request.POST if request.method == "POST" else None),
        },
        status=status,
    )


def _link_problem(request: HttpRequest, site: Site, problem: links.LinkProblem) -> HttpResponse:
    return render(
        request,
        "workshop/public_link_problem.html",
        {"site": site, "problem": problem.value},
        status=PROBLEM_STATUS[problem],
    )


def booked(request: HttpRequest, site_slug: str, token: str) -> HttpResponse:
    """The confirmation page (reached with the appointment's change link)."""
    site = _site(site_slug)
    check = links.check_appointment_token(token, links.Purpose.RESCHEDULE, site)
    if check.appointment is None:
        assert check.problem is not None
        return _link_problem(request, site, check.problem)
    return render(
        request,
        "workshop/public_booked.html",
        {
            "site": site,
            "appointment": check.appointment,
            "change_url": reverse("workshop_public:reschedule", args=[site.slug, token]),
            "cancel_url": links.appointment_url(check.appointment, links.Purpose.CANCEL),
        },
    )


def kept(request: HttpRequest, site_slug: str) -> HttpResponse:
    return render(request, "workshop/public_kept.html", {"site": _site(site_slug)})


@require_http_methods(["GET", "POST"])
def reschedule(request: HttpRequest, site_slug: str, token: str) -> HttpResponse:
    site = _site(site_slug)
    check = links.check_appointment_token(token, links.Purpose.RESCHEDULE, site)
    if check.appointment is None:
        assert check.problem is not None
        return _link_problem(request, site, check.problem)
    appointment = check.appointment
    form = RescheduleForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid() and request.POST.get("action") == "move":
        try:
            moved = appointments.reschedule_appointment(
                appointment, starts_at=form.cleaned_data.get("starts_at"), online=True
            )
        except ValidationError as error:
            apply_errors(form, error)
            status = 400
        else:
            token = links.appointment_token(moved, links.Purpose.RESCHEDULE)
            return redirect("workshop_public:booked", site.slug, token)
    first_day = form.cleaned_data.get("first_day") if form.is_bound and form.is_valid() else None
    found = appointments.find_slots(
        site,
        list(appointment.types.all()),
        online=True,
        first_day=first_day,
        days=14,
        exclude=appointment,
    )
    return render(
        request,
        "workshop/public_reschedule.html",
        {
            "site": site,
            "appointment": appointment,
            "form": form,
            "slots_by_day": slots.slots_by_day(found, calendar_for_site(site).timezone),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, site_slug: str, token: str) -> HttpResponse:
    site = _site(site_slug)
    check = links.check_appointment_token(token, links.Purpose.CANCEL, site)
    if check.appointment is None:
        assert check.problem is not None
        return _link_problem(request, site, check.problem)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and request.POST.get("action") == "cancel":
        appointments.cancel_appointment(check.appointment, reason=form.cleaned_data["reason"])
        return render(request, "workshop/public_cancelled.html", {"site": site})
    return render(
        request,
        "workshop/public_cancel.html",
        {"site": site, "appointment": check.appointment, "form": form},
    )


@require_http_methods(["GET", "POST"])
def offer(request: HttpRequest, site_slug: str, token: str) -> HttpResponse:
    site = _site(site_slug)
    check = links.check_offer_token(token, site)
    if check.offer is None:
        assert check.problem is not None
        return _link_problem(request, site, check.problem)
    error = ""
    if request.method == "POST" and request.POST.get("action") == "take":
        try:
            made = waiting_list.accept_offer(check.offer)
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            token = links.appointment_token(made, links.Purpose.RESCHEDULE)
            return redirect("workshop_public:booked", site.slug, token)
    return render(
        request,
        "workshop/public_offer.html",
        {"site": site, "offer": check.offer, "error": error},
        status=409 if error else 200,
    )

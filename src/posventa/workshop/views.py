"""Staff pages: the day's appointments, booking for a customer (from a case, a call or the
customer page: the links prefill them), an appointment's page with its buttons, and the
booking requests to call back (FOLLOWUP-REBOOK).

Everything is looked up within the viewer's sites (`core.access.visible_sites`): another
site's appointment, case, call or customer is a 404. Each POST calls one action; a refusal
shows the page again with status 400 and the error on its field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from posventa.cases.forms import apply_errors
from posventa.cases.models import Case
from posventa.cases.views import staff
from posventa.core.access import visible_sites
from posventa.core.calendars import calendar_for_site
from posventa.core.models import Event, Site, User
from posventa.customers.models import Customer
from posventa.customers.visibility import visible_customers, visible_vehicles
from posventa.telephony.models import Call
from posventa.workshop import booking_steps, flow
from posventa.workshop.actions import appointments, requests
from posventa.workshop.forms import AttemptForm, CancelForm, OutcomeForm
from posventa.workshop.models import Appointment, BookedVia, BookingRequest, RequestStatus


def _sites(user: User) -> QuerySet[Site]:
    return visible_sites(user).order_by("name")


def _appointment(user: User, pk: int) -> Appointment:
    return get_object_or_404(
        Appointment.objects.select_related(
            "site", "technician", "bay", "customer", "vehicle", "case"
        ),
        pk=pk,
        site__in=_sites(user),
    )


def _request(user: User, pk: int) -> BookingRequest:
    return get_object_or_404(
        BookingRequest.objects.select_related("site", "customer"), pk=pk, site__in=_sites(user)
    )


@login_required
def appointments_list(request: HttpRequest) -> HttpResponse:
    """One site's appointments of one local day (today by default)."""
    user = staff(request)
    sites = list(_sites(user))
    if not sites:
        raise Http404
    site = next((s for s in sites if str(s.pk) == request.GET.get("site")), sites[0])
    tz = calendar_for_site(site).timezone
    try:
        day = dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = timezone.now().astimezone(tz).date()
    low = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    rows = (
        Appointment.objects.filter(
            site=site, starts_at__gte=low, starts_at__lt=low + dt.timedelta(days=1)
        )
        .select_related("technician", "bay")
        .prefetch_related("types")
        .order_by("starts_at", "pk")
    )
    return render(
        request,
        "workshop/appointments.html",
        {
            "site": site,
            "sites": sites,
            "day": day,
            "previous": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1),
            "appointments": rows,
            "site_tz": site.timezone,
        },
    )


def _links_from(user: User, params: Any) -> tuple[Site | None, dict[str, Any], dict[str, Any]]:
    """The site, the records to link and the form's prefill from ?site= &case= &call=
    &customer= &vehicle=; each looked up within the viewer's reach (else 404)."""
    sites = _sites(user)
    links: dict[str, Any] = {}
    initial: dict[str, Any] = {}
    site: Site | None = None
    if params.get("case"):
        case = get_object_or_404(
            Case.objects.select_related("customer", "vehicle"),
            reference=params["case"],
            site__in=sites,
        )
        links["case"], site = case, case.site
        links["customer"] = case.customer
        if case.vehicle_id:
            links["vehicle"] = case.vehicle
    if params.get("call") and str(params["call"]).isdigit():
        call = get_object_or_404(
            Call.objects.select_related("customer"), pk=int(params["call"]), site__in=sites
        )
        links["call"], site = call, site or call.site
        if call.customer_id and "customer" not in links:
            links["customer"] = call.customer
        initial.setdefault("contact_phone", call.caller)
        initial.setdefault("preferred_method", "phone")
    if params.get("customer") and str(params["customer"]).isdigit():
        links["customer"] = get_object_or_404(visible_customers(user), pk=int(params["customer"]))
    if params.get("vehicle_id") and str(params["vehicle_id"]).isdigit():
        links["vehicle"] = get_object_or_404(visible_vehicles(user), pk=int(params["vehicle_id"]))
    if site is None and params.get("site"):
        site = (
            get_object_or_404(sites, pk=params["site"]) if str(params["site"]).isdigit() else None
        )
    customer: Customer | None = links.get("customer")
    if customer is not None:
        initial.update(_customer_prefill(customer))
    if links.get("vehicle") is not None:
        initial["vehicle"] = links["vehicle"].plate or links["vehicle"].vin
    return site, links, initial


def _customer_prefill(customer: Customer) -> dict[str, str]:
    points = {
        point.kind: point.value for point in customer.contact_points.order_by("-is_primary", "pk")
    }
    prefill = {"contact_name": customer.display_name}
    if "email" in points:
        prefill["contact_email"] = points["email"]
    if "phone" in points or "whatsapp" in points:
        prefill["contact_phone"] = points.get("phone") or points["whatsapp"]
    if customer.preferred_channel in ("email", "sms", "whatsapp", "phone"):
        prefill["preferred_method"] = customer.preferred_channel
    return prefill


@login_required
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest) -> HttpResponse:
    """Book for a customer; from a case (?case=REF), a call (?call=ID) or the customer page
    (?customer=ID), which link the appointment and prefill the contact."""
    user = staff(request)
    params = request.POST if request.method == "POST" else request.GET
    site, links, initial = _links_from(user, params)
    sites = list(_sites(user))
    if site is None:
        if not sites:
            raise Http404
        site = sites[0]
    outcome = flow.handle(
        request, site, via=BookedVia.STAFF, actor=user, links=links, initial=initial
    )
    if outcome.appointment is not None:
        messages.success(request, _("Appointment booked."))
        return redirect(outcome.appointment.get_absolute_url())
    if outcome.kept is not None:
        messages.success(request, _("Request kept: it is on the call-back list."))
        return redirect(outcome.kept.get_absolute_url())
    status = 400 if outcome.form.is_bound and outcome.form.errors else 200
    return render(
        request,
        "workshop/book.html",
        {
            "site": site,
            "sites": sites,
            "form": outcome.form,
            "slots_by_day": outcome.slots_by_day,
            "searched": outcome.searched,
            "links": links,
            "site_tz": site.timezone,
            **booking_steps.page_context(site, request.POST if request.method == "POST" else None),
        },
        status=status,
    )


def _timeline(subject: Appointment | BookingRequest) -> QuerySet[Event]:
    return Event.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=str(subject.pk)
    ).order_by("occurred_at", "pk")


def _appointment_page(
    request: HttpRequest, appointment: Appointment, status: int = 200, **forms: Any
) -> HttpResponse:
    events = _timeline(appointment)
    return render(
        request,
        "workshop/appointment.html",
        {
            "appointment": appointment,
            "site": appointment.site,
            "site_tz": appointment.site.timezone,
            "events": events,
            "cancel_form": forms.get("cancel_form") or CancelForm(),
            "errors": forms.get("errors", []),
            "can_no_show": appointment.is_open and appointment.starts_at <= timezone.now(),
        },
        status=status,
    )


@login_required
def appointment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _appointment_page(request, _appointment(staff(request), pk))


def _perform(
    request: HttpRequest, appointment: Appointment, act: Callable[[], object], done: str
) -> HttpResponse:
    try:
        act()
    except ValidationError as error:
        return _appointment_page(request, appointment, status=400, errors=error.messages)
    messages.success(request, done)
    return redirect(appointment.get_absolute_url())


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    appointment = _appointment(user, pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _appointment_page(request, appointment, status=400, cancel_form=form)
    return _perform(
        request,
        appointment,
        lambda: appointments.cancel_appointment(
            appointment, actor=user, reason=form.cleaned_data["reason"]
        ),
        _("Appointment cancelled; the customer is told."),
    )


@login_required
@require_POST
def no_show(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    appointment = _appointment(user, pk)
    return _perform(
        request,
        appointment,
        lambda: appointments.record_no_show(appointment, actor=user),
        _("No-show recorded: the customer is on the call-back list."),
    )


@login_required
@require_POST
def arrived(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    appointment = _appointment(user, pk)
    return _perform(
        request,
        appointment,
        lambda: appointments.record_arrival(appointment, actor=user),
        _("Arrival recorded."),
    )


@login_required
def requests_list(request: HttpRequest) -> HttpResponse:
    """Open booking requests at the viewer's sites, oldest first."""
    user = staff(request)
    rows = (
        BookingRequest.objects.filter(site__in=_sites(user), status=RequestStatus.OPEN)
        .select_related("site")
        .order_by("created_at", "pk")[:200]
    )
    return render(request, "workshop/requests.html", {"requests": rows})


def _request_page(
    request: HttpRequest,
    booking_request: BookingRequest,
    status: int = 200,
    **forms: django_forms.Form,
) -> HttpResponse:
    events = _timeline(booking_request)
    return render(
        request,
        "workshop/request.html",
        {
            "booking_request": booking_request,
            "site_tz": booking_request.site.timezone,
            "events": events,
            "attempt_form": forms.get("attempt_form") or AttemptForm(),
            "outcome_form": forms.get("outcome_form") or OutcomeForm(),
        },
        status=status,
    )


@login_required
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    return _request_page(request, _request(staff(request), request_id))


@login_required
@require_POST
def request_attempt(request: HttpRequest, request_id: int) -> HttpResponse:
    user = staff(request)
    booking_request = _request(user, request_id)
    form = AttemptForm(request.POST)
    if form.is_valid():
        try:
            requests.record_attempt(
                booking_request,
                reached=form.cleaned_data["reached"],
                actor=user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Attempt recorded."))
            return redirect(booking_request.get_absolute_url())
    return _request_page(request, booking_request, status=400, attempt_form=form)


@login_required
@require_POST
def request_outcome(request: HttpRequest, request_id: int) -> HttpResponse:
    user = staff(request)
    booking_request = _request(user, request_id)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            requests.record_outcome(
                booking_request,
                outcome=form.cleaned_data["outcome"],
                actor=user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Outcome recorded."))
            return redirect(booking_request.get_absolute_url())
    return _request_page(request, booking_request, status=400, outcome_form=form)

"""Staff page per vehicle: "what does this car need?", its service history, and the forms
that record maintenance done and the vehicle's fuel and model year. A vehicle outside the
staff member's reach (`customers.visibility.visible_vehicles`) is a 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from posventa.advisor import actions, advice, schedule
from posventa.advisor.forms import AdviceForm, DescribeForm, ServiceForm
from posventa.advisor.models import ServiceRecord
from posventa.cases.forms import apply_errors
from posventa.cases.views import staff
from posventa.customers.models import Vehicle
from posventa.customers.visibility import visible_vehicles


def _vehicle(request: HttpRequest, vehicle_id: int) -> Vehicle:
    scope = visible_vehicles(staff(request)).select_related("organisation", "owner")
    return get_object_or_404(scope, pk=vehicle_id)


def _rules(vehicle: Vehicle) -> list[schedule.Rule]:
    return schedule.rules_for(
        advice.rules_of(vehicle.organisation_id),
        make=vehicle.make,
        model=vehicle.model,
        fuel=vehicle.fuel or advice.ASSUMED_FUEL,
    )


def _page(
    request: HttpRequest,
    vehicle: Vehicle,
    *,
    service_form: ServiceForm | None = None,
    describe_form: DescribeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    question = AdviceForm(request.GET or None)
    km, severe = None, False
    if question.is_valid():
        km, severe = question.cleaned_data["km"], question.cleaned_data["severe"]
    today = timezone.localdate()
    result = advice.advise(vehicle, today=today, km=km, severe=severe)
    context: dict[str, Any] = {
        "vehicle": vehicle,
        "advice": result,
        "km_text": advice.km_text(result.km) if result.km is not None else "",
        "question": question,
        "history": ServiceRecord.objects.filter(vehicle=vehicle)
        .select_related("recorded_by")
        .order_by("-done_on", "-pk"),
        "labels": {rule.code: rule.label() for rule in advice.rules_of(vehicle.organisation_id)},
        "service_form": service_form
        or ServiceForm(rules=_rules(vehicle), initial={"done_on": today}),
        "describe_form": describe_form
        or DescribeForm(initial={"fuel": vehicle.fuel, "model_year": vehicle.model_year}),
    }
    return render(request, "advisor/vehicle.html", context, status=status)


@login_required
def vehicle_advice(request: HttpRequest, vehicle_id: int) -> HttpResponse:
    return _page(request, _vehicle(request, vehicle_id))


def _perform(
    request: HttpRequest,
    vehicle: Vehicle,
    form: ServiceForm | DescribeForm,
    act: Callable[[dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """Bind, act, redirect with `done`; or the page again (400) with the errors on the
    fields and what was typed."""
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except ValidationError as refusal:
            apply_errors(form, refusal)
        else:
            messages.success(request, done)
            return redirect("advisor:vehicle", vehicle_id=vehicle.pk)
    if isinstance(form, ServiceForm):
        return _page(request, vehicle, service_form=form, status=400)
    return _page(request, vehicle, describe_form=form, status=400)


@login_required
@require_POST
def record_service(request: HttpRequest, vehicle_id: int) -> HttpResponse:
    vehicle = _vehicle(request, vehicle_id)

    def act(data: dict[str, Any]) -> object:
        return actions.record_service(
            vehicle,
            done_on=data["done_on"],
            items=data["items"],
            km=data["km"],
            correction=data["correction"],
            note=data["note"],
            actor=staff(request),
        )

    form = ServiceForm(request.POST, rules=_rules(vehicle))
    return _perform(request, vehicle, form, act, _("Maintenance recorded."))


@login_required
@require_POST
def describe_vehicle(request: HttpRequest, vehicle_id: int) -> HttpResponse:
    vehicle = _vehicle(request, vehicle_id)

    def act(data: dict[str, Any]) -> object:
        return actions.describe_vehicle(
            vehicle, fuel=data["fuel"], model_year=data["model_year"], actor=staff(request)
        )

    return _perform(request, vehicle, DescribeForm(request.POST), act, _("Vehicle details saved."))

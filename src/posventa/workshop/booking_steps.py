"""Extension points of the booking page for apps above the workshop.

Two steps are built in parallel by other apps and plug in here once merged: alternative
transport (app `transport`: a loaner, the shuttle... booked with the appointment) and
"what does my car need?" (app `advisor`: suggests the services for the vehicle). The
workshop imports neither: each registers a `BookingStep` in its AppConfig.ready().

* `template` is included in the booking form (public and staff pages), after the services
  (`where="services"`) or after the time (`where="slot"`), with the step's `context`.
* `context(site, data)` gets the form's posted data (None on the first view) and returns
  names for the template; the advisor can read `data["vehicle"]` and propose `types`.
* `after_booking(appointment, data)` runs inside the booking's transaction, after the
  appointment is saved: raise ValidationError naming a field of the step's template to
  refuse the whole booking (the page shows the error and keeps what was typed), or return
  a line for the confirmation page ("Loaner car booked.") or "".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from posventa.core.models import Site
from posventa.workshop.models import Appointment

StepContext = Callable[[Site, Mapping[str, Any] | None], dict[str, Any]]
AfterBooking = Callable[[Appointment, Mapping[str, Any]], str]


@dataclass(frozen=True)
class BookingStep:
    name: str
    template: str
    where: str  # "services" or "slot"
    context: StepContext
    after_booking: AfterBooking


_steps: dict[str, BookingStep] = {}


def register(step: BookingStep) -> None:
    _steps[step.name] = step


def unregister(name: str) -> None:
    _steps.pop(name, None)


def steps(where: str | None = None) -> list[BookingStep]:
    return [step for step in _steps.values() if where is None or step.where == where]


def page_context(site: Site, data: Mapping[str, Any] | None) -> dict[str, Any]:
    context: dict[str, Any] = {
        "service_steps": steps("services"),
        "slot_steps": steps("slot"),
    }
    for step in steps():
        context.update(step.context(site, data))
    return context


def after_booking(appointment: Appointment, data: Mapping[str, Any]) -> list[str]:
    lines = [step.after_booking(appointment, data) for step in steps()]
    return [line for line in lines if line]

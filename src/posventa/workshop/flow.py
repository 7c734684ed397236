"""The booking form's three buttons, for the public page and the staff page alike:

* "Find a time": the slots for the chosen services from the chosen day (14 days);
* "Book": the action books the time picked, or the page comes back with the refusal on
  its field and everything typed kept (a slot just taken shows the fresh slots);
* "Keep my request": no time fits, so the wish and contact become a booking request.

On the public page, a contact typed with "Find a time" keeps a draft request in the
visitor's session; if they leave without booking, housekeeping opens it (FOLLOWUP-REBOOK).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import translation

from posventa.cases.forms import apply_errors
from posventa.core.calendars import calendar_for_site
from posventa.core.models import Site, User
from posventa.workshop import booking_steps, capacity, slots
from posventa.workshop.actions import appointments, requests
from posventa.workshop.actions._common import Contact
from posventa.workshop.forms import BookingForm
from posventa.workshop.models import Appointment, BookingRequest, RequestSource, RequestStatus

SEARCH_DAYS = 14
DRAFT_KEY = "workshop-draft-{site}"


@dataclass
class Outcome:
    """What the page shows next: the form again (with slots), or where to go."""

    form: BookingForm
    slots_by_day: dict[Any, list[slots.Slot]] = field(default_factory=dict)
    searched: bool = False
    appointment: Appointment | None = None
    kept: BookingRequest | None = None
    lines: list[str] = field(default_factory=list)


def contact_of(data: Mapping[str, Any]) -> Contact:
    return Contact(
        name=data.get("contact_name") or "",
        email=data.get("contact_email") or "",
        phone=data.get("contact_phone") or "",
        preferred_method=data.get("preferred_method") or "email",
        language=(translation.get_language() or "en").split("-")[0],
    )


def _search(site: Site, form: BookingForm, *, online: bool) -> dict[Any, list[slots.Slot]]:
    chosen = form.chosen_types()
    if not chosen:
        return {}
    found = appointments.find_slots(
        site,
        chosen,
        online=online,
        first_day=form.cleaned_data.get("first_day"),
        days=SEARCH_DAYS,
    )
    return slots.slots_by_day(found, calendar_for_site(site).timezone)


def handle(
    request: HttpRequest,
    site: Site,
    *,
    via: str,
    actor: User | None,
    links: Mapping[str, Any] | None = None,
    initial: Mapping[str, Any] | None = None,
) -> Outcome:
    """Run the button pressed on a POSTed booking form (or build the empty form)."""
    online = actor is None
    offered = capacity.types_for(site, online_only=online)
    if request.method != "POST":
        return Outcome(BookingForm(offered=offered, initial=dict(initial or {})))
    form = BookingForm(request.POST, offered=offered)
    action = request.POST.get("action", "find")
    if not form.is_valid():
        return Outcome(form)
    if online:
        _keep_draft(request, site, form)
    if action == "keep":
        return _keep(request, site, form, actor, links or {})
    found = _search(site, form, online=online)
    if action != "book":
        return Outcome(form, found, searched=True)
    return _book(request, site, form, via=via, actor=actor, links=links or {}, found=found)


def _book(
    request: HttpRequest,
    site: Site,
    form: BookingForm,
    *,
    via: str,
    actor: User | None,
    links: Mapping[str, Any],
    found: dict[Any, list[slots.Slot]],
) -> Outcome:
    data = form.cleaned_data
    lines: list[str] = []
    try:
        appointment = appointments.book_appointment(
            site,
            wish=appointments.Wish(
                types=form.chosen_types(),
                starts_at=data.get("starts_at"),
                unsure=bool(data.get("unsure")),
                notes=data.get("notes") or "",
                vehicle_text=data.get("vehicle") or "",
                odometer_km=data.get("odometer"),
            ),
            contact=contact_of(data),
            via=via,
            actor=actor,
            after=lambda made: lines.extend(booking_steps.after_booking(made, request.POST)),
            **links,
        )
    except ValidationError as error:
        apply_errors(form, error)
        return Outcome(form, found, searched=True)
    request.session.pop(DRAFT_KEY.format(site=site.pk), None)
    return Outcome(form, appointment=appointment, lines=lines)


def _keep(
    request: HttpRequest,
    site: Site,
    form: BookingForm,
    actor: User | None,
    links: Mapping[str, Any],
) -> Outcome:
    data = form.cleaned_data
    codes = [row.code for row in form.chosen_types()]
    wish = ", ".join(row.display_name() for row in form.chosen_types())
    if data.get("notes"):
        wish = f"{wish}\n{data['notes']}".strip()
    source = RequestSource.CALL if links.get("call") else RequestSource.NO_SLOT
    draft = _draft(request, site)
    try:
        if draft is not None:
            # The draft of this visit becomes the request: one person, one row.
            kept = requests.open_request(draft, source=source, wish=wish, actor=actor)
        else:
            kept = requests.keep_request(
                site,
                source=source,
                contact=contact_of(data),
                wish=wish,
                type_codes=codes,
                vehicle_text=data.get("vehicle") or "",
                customer=links.get("customer"),
                call=links.get("call"),
                actor=actor,
            )
    except ValidationError as error:
        apply_errors(form, error)
        return Outcome(form, _search(site, form, online=actor is None), searched=True)
    request.session.pop(DRAFT_KEY.format(site=site.pk), None)
    return Outcome(form, kept=kept)


def _draft(request: HttpRequest, site: Site) -> BookingRequest | None:
    key = DRAFT_KEY.format(site=site.pk)
    return BookingRequest.objects.filter(
        pk=request.session.get(key) or 0, site=site, status=RequestStatus.DRAFT
    ).first()


def _keep_draft(request: HttpRequest, site: Site, form: BookingForm) -> None:
    """Remember who typed a contact, so leaving the page does not lose them."""
    if not form.has_contact():
        return
    data = form.cleaned_data
    contact = contact_of(data)
    codes = [row.code for row in form.chosen_types()]
    draft = _draft(request, site)
    try:
        if draft is not None:
            requests.update_draft(
                draft,
                contact=contact,
                wish=data.get("notes") or "",
                type_codes=codes,
                vehicle_text=data.get("vehicle") or "",
            )
            return
        draft = requests.keep_request(
            site,
            source=RequestSource.LEFT_PAGE,
            contact=contact,
            wish=data.get("notes") or "",
            type_codes=codes,
            vehicle_text=data.get("vehicle") or "",
            draft=True,
        )
    except ValidationError:
        return  # not yet a usable contact (a half-typed address): nothing to keep yet
    request.session[DRAFT_KEY.format(site=site.pk)] = draft.pk

"""The transport desk for staff: one page per site and day (`board.py` reads it), and one
POST per action. A refusal shows the page again, status 400, with what was typed and the
error on its field. A site outside the user's sites, or an object of one, is a 404."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from posventa.core.access import visible_sites
from posventa.core.models import Site, User
from posventa.core.site_page import local_today
from posventa.transport import actions
from posventa.transport.board import build_board
from posventa.transport.forms import (
    CloseUnmetForm,
    DayForm,
    HandOverForm,
    ReleaseForm,
    ReturnForm,
)
from posventa.transport.models import LoanerTrip, Reservation, UnmetTransport

# The bound form that was refused: (which form, the row's id, the form).
Refused = tuple[str, int, forms.Form]


def _staff(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _mine(request: HttpRequest, rows: QuerySet[Any], pk: int) -> Any:
    """A row of one of the user's sites, else 404."""
    return get_object_or_404(rows.filter(site__in=visible_sites(_staff(request))), pk=pk)


def _day_bounds(site: Site, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = ZoneInfo(site.timezone)
    start = dt.datetime.combine(day, dt.time(0), tzinfo=zone)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=zone)


def _row_form(refused: Refused | None, name: str, pk: int) -> forms.Form | None:
    """The refused form, if it was this row's, so the row shows what was typed."""
    if refused is not None and refused[0] == name and refused[1] == pk:
        return refused[2]
    return None


def _board_page(
    request: HttpRequest,
    site: Site,
    day: dt.date,
    *,
    day_form: DayForm | None = None,
    refused: Refused | None = None,
    status: int = 200,
) -> HttpResponse:
    start, end = _day_bounds(site, day)
    board = build_board(site, day, start=start, end=end)
    return render(
        request,
        "transport/board.html",
        {
            "site": site,
            "board": board,
            "day_form": day_form or DayForm(initial={"day": day}),
            "previous_day": day - dt.timedelta(days=1),
            "page_errors": _row_form(refused, "accept", refused[1]) if refused else None,
            "next_day": day + dt.timedelta(days=1),
            "reservation_rows": [
                (
                    reservation,
                    _row_form(refused, "hand_over", reservation.pk)
                    or HandOverForm(site_id=site.pk, prefix=f"out{reservation.pk}"),
                    _row_form(refused, "release", reservation.pk)
                    or ReleaseForm(prefix=f"rel{reservation.pk}"),
                )
                for reservation in board.reservations
            ],
            "trip_rows": [
                (trip, _row_form(refused, "return", trip.pk) or ReturnForm(prefix=f"in{trip.pk}"))
                for trip in board.trips_out
            ],
            "unmet_rows": [
                (
                    unmet,
                    _row_form(refused, "close_unmet", unmet.pk)
                    or CloseUnmetForm(prefix=f"unmet{unmet.pk}"),
                )
                for unmet in board.unmet
            ],
        },
        status=status,
    )


@login_required
@require_GET
def board(request: HttpRequest, site_slug: str) -> HttpResponse:
    site = get_object_or_404(visible_sites(_staff(request)), slug=site_slug)
    if "day" not in request.GET:
        return _board_page(request, site, local_today(site))
    day_form = DayForm(request.GET)
    if not day_form.is_valid():
        return _board_page(request, site, local_today(site), day_form=day_form, status=400)
    return _board_page(request, site, day_form.cleaned_data["day"])


def _perform(
    request: HttpRequest,
    site: Site,
    day: dt.date,
    refused_as: tuple[str, int],
    form: forms.Form,
    act: Callable[[dict[str, Any]], str],
) -> HttpResponse:
    """Bind, act, and go back to the day; or show the day again with the refusal."""
    if form.is_valid():
        try:
            text = act(form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, text)
            return redirect(reverse("transport:board", args=[site.slug]) + f"?day={day:%Y-%m-%d}")
    return _board_page(request, site, day, refused=(*refused_as, form), status=400)


def _apply_errors(form: forms.Form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
@require_POST
def hand_over(request: HttpRequest, reservation_id: int) -> HttpResponse:
    reservation: Reservation = _mine(
        request, Reservation.objects.select_related("site", "option"), reservation_id
    )
    form = HandOverForm(request.POST, site_id=reservation.site_id, prefix=f"out{reservation.pk}")

    def act(data: dict[str, Any]) -> str:
        trip = actions.hand_over_loaner(
            reservation, data["car"], odometer_km=data["odometer_km"],
            fuel_eighths=data["fuel_eighths"], actor=_staff(request),
        )  # fmt: skip
        return _("%(plate)s handed over.") % {"plate": trip.car.plate}

    return _perform(
        request, reservation.site, reservation.day, ("hand_over", reservation.pk), form, act
    )


@login_required
@require_POST
def return_loaner(request: HttpRequest, trip_id: int) -> HttpResponse:
    trips = LoanerTrip.objects.select_related("car", "reservation__site")
    trip: LoanerTrip = get_object_or_404(
        trips.filter(reservation__site__in=visible_sites(_staff(request))), pk=trip_id
    )
    form = ReturnForm(request.POST, prefix=f"in{trip.pk}")

    def act(data: dict[str, Any]) -> str:
        actions.return_loaner(
            trip, odometer_km=data["odometer_km"], fuel_eighths=data["fuel_eighths"],
            actor=_staff(request),
        )  # fmt: skip
        return _("%(plate)s is back.") % {"plate": trip.car.plate}

    site = trip.reservation.site
    return _perform(request, site, trip.out_at.astimezone(ZoneInfo(site.timezone)).date(),
                    ("return", trip.pk), form, act)  # fmt: skip


@login_required
@require_POST
def release(request: HttpRequest, reservation_id: int) -> HttpResponse:
    reservation: Reservation = _mine(
        request, Reservation.objects.select_related("site"), reservation_id
    )
    form = ReleaseForm(request.POST, prefix=f"rel{reservation.pk}")

    def act(data: dict[str, Any]) -> str:
        actions.release(reservation, actor=_staff(request), reason=data["reason"])
        return _("Reservation released.")

    return _perform(
        request, reservation.site, reservation.day, ("release", reservation.pk), form, act
    )


@login_required
@require_POST
def close_unmet(request: HttpRequest, unmet_id: int) -> HttpResponse:
    unmet: UnmetTransport = _mine(request, UnmetTransport.objects.select_related("site"), unmet_id)
    form = CloseUnmetForm(request.POST, prefix=f"unmet{unmet.pk}")

    def act(data: dict[str, Any]) -> str:
        actions.close_unmet(unmet, status=data["status"], note=data["note"], actor=_staff(request))
        return _("Request closed.")

    return _perform(request, unmet.site, unmet.day, ("close_unmet", unmet.pk), form, act)


@login_required
@require_POST
def accept_alternative(request: HttpRequest, unmet_id: int) -> HttpResponse:
    unmet: UnmetTransport = _mine(
        request, UnmetTransport.objects.select_related("site", "offered_option"), unmet_id
    )
    form = forms.Form(request.POST)

    def act(data: dict[str, Any]) -> str:
        outcome = actions.accept_alternative(unmet, actor=_staff(request))
        if outcome.reservation is None:
            raise ValidationError(_("The alternative is no longer free; a new request is open."))
        return _("Alternative reserved.")

    return _perform(request, unmet.site, unmet.day, ("accept", unmet.pk), form, act)

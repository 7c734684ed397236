"""Admin: configuring a site's transport (options, shuttle runs, loaner cars) through the
actions, so each addition leaves its event; reservations, trips and unmet requests are a
read-only record (they change at the desk, through the actions)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from posventa.core.admin import ReadOnlyAdmin, actor_of
from posventa.transport import actions
from posventa.transport.models import (
    LoanerCar,
    LoanerTrip,
    Reservation,
    ShuttleRun,
    TransportOption,
    UnmetTransport,
)

if TYPE_CHECKING:
    ModelAdmin = admin.ModelAdmin[Any]
else:
    ModelAdmin = admin.ModelAdmin


@admin.register(TransportOption)
class TransportOptionAdmin(ModelAdmin):
    list_display = ["name", "site", "kind", "daily_total", "online_share", "active"]
    list_filter = ["site", "kind", "active"]

    def save_model(
        self, request: HttpRequest, obj: TransportOption, form: ModelForm[Any], change: bool
    ) -> None:
        actor = actor_of(request)
        if change:
            actions.change_option(
                obj, daily_total=obj.daily_total, online_share=obj.online_share,
                active=obj.active, actor=actor,
            )  # fmt: skip
            return
        saved = actions.create_option(
            obj.site, kind=obj.kind, name=obj.name, daily_total=obj.daily_total,
            online_share=obj.online_share, actor=actor,
        )  # fmt: skip
        obj.pk = saved.pk


@admin.register(ShuttleRun)
class ShuttleRunAdmin(ModelAdmin):
    list_display = ["option", "departs_at", "seats", "destination", "active"]
    list_filter = ["option__site", "active"]

    def save_model(
        self, request: HttpRequest, obj: ShuttleRun, form: ModelForm[Any], change: bool
    ) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        saved = actions.add_shuttle_run(
            obj.option, departs_at=obj.departs_at, seats=obj.seats,
            destination=obj.destination, actor=actor_of(request),
        )  # fmt: skip
        obj.pk = saved.pk


@admin.register(LoanerCar)
class LoanerCarAdmin(ModelAdmin):
    """Odometer and fuel are read-only once the car exists: they change at hand-over and
    return (`transport.actions`), so a lower odometer can never be typed in here."""

    list_display = ["plate", "model", "site", "status", "odometer_km", "fuel_eighths"]
    list_filter = ["site", "status"]
    search_fields = ["plate", "model"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["odometer_km", "fuel_eighths", "status"] if obj is not None else []

    def save_model(
        self, request: HttpRequest, obj: LoanerCar, form: ModelForm[Any], change: bool
    ) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        saved = actions.add_loaner(
            obj.site, plate=obj.plate, model=obj.model, odometer_km=obj.odometer_km,
            fuel_eighths=obj.fuel_eighths, actor=actor_of(request),
        )  # fmt: skip
        obj.pk = saved.pk


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    list_display = ["option", "day", "online", "customer", "booking_ref", "status"]
    list_filter = ["site", "status", "online"]


@admin.register(LoanerTrip)
class LoanerTripAdmin(ReadOnlyAdmin):
    list_display = ["car", "out_at", "out_odometer_km", "in_at", "in_odometer_km"]


@admin.register(UnmetTransport)
class UnmetTransportAdmin(ReadOnlyAdmin):
    list_display = ["kind", "day", "site", "customer", "status", "offered_option", "offered_day"]
    list_filter = ["site", "status", "kind"]

"""Alternative transport while the car is in the workshop (INFO-TRANSPORT, seed 000).

A site offers options: loaner cars, a shuttle with seats per run, a rental voucher, a taxi.
Each option has a per-day total and a share of it held for online booking. A reservation
takes one unit of an option on one day; a loaner reservation is handed a car at the desk
(odometer and fuel out) and the car comes back (odometer and fuel in). A request that cannot
be met becomes an `UnmetTransport` with an INFO-TRANSPORT clock, so it is never lost.
State changes go through `posventa.transport.actions`; reads through `availability`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from posventa.core.models import Site

# Fuel is read off the gauge in eighths (0 = empty, 8 = full), as a desk does.
FULL_TANK = 8


class TransportKind(models.TextChoices):
    LOANER = "loaner", _("Loaner car")
    SHUTTLE = "shuttle", _("Shuttle")
    RENTAL_VOUCHER = "rental_voucher", _("Rental voucher")
    TAXI = "taxi", _("Taxi")


class TransportOption(models.Model):
    """One kind of transport a site offers, with how many it can give per day.

    `online_share` of `daily_total` is held for online booking: online bookings take only
    from it and staff bookings only from the rest, so a busy phone line cannot empty the web
    page's share, nor the web the desk's. A loaner option also never gives more than the
    loaner cars in service.
    """

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", db_index=False)
    kind = models.CharField(_("kind"), max_length=16, choices=TransportKind.choices)
    name = models.CharField(_("name"), max_length=120)
    daily_total = models.PositiveSmallIntegerField(_("per day"))
    online_share = models.PositiveSmallIntegerField(
        _("held for online booking"), default=0, help_text=_("Of the per-day total.")
    )
    active = models.BooleanField(_("offered"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["site", "kind", "name"]
        verbose_name = _("transport option")
        verbose_name_plural = _("transport options")
        constraints = [
            models.CheckConstraint(
                condition=Q(online_share__lte=F("daily_total")), name="transport_share_in_total"
            ),
            models.UniqueConstraint(fields=["site", "name"], name="transport_option_name"),
        ]

    def __str__(self) -> str:
        return self.name


class LoanerStatus(models.TextChoices):
    AVAILABLE = "available", pgettext_lazy("loaner status", "At the site")
    OUT = "out", pgettext_lazy("loaner status", "Out with a customer")
    OUT_OF_SERVICE = "out_of_service", pgettext_lazy("loaner status", "Out of service")


class LoanerCar(models.Model):
    """A car lent to customers. Its odometer and fuel are those read when it last came back."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", db_index=False)
    plate = models.CharField(_("plate"), max_length=16)
    model = models.CharField(_("model"), max_length=120)
    status = models.CharField(
        _("status"), max_length=16, choices=LoanerStatus.choices, default=LoanerStatus.AVAILABLE
    )
    odometer_km = models.PositiveIntegerField(_("odometer (km)"))
    fuel_eighths = models.PositiveSmallIntegerField(_("fuel (eighths)"), default=FULL_TANK)

    class Meta:
        ordering = ["site", "plate"]
        verbose_name = _("loaner car")
        verbose_name_plural = _("loaner cars")
        constraints = [
            models.UniqueConstraint(fields=["site", "plate"], name="loaner_plate"),
            models.CheckConstraint(condition=Q(fuel_eighths__lte=FULL_TANK), name="loaner_fuel"),
        ]

    def __str__(self) -> str:
        return f"{self.plate} · {self.model}"


class ShuttleRun(models.Model):
    """A shuttle departure at a time of day (the site's local time), with its seats."""

    option = models.ForeignKey(TransportOption, on_delete=models.CASCADE, related_name="runs")
    departs_at = models.TimeField(_("departs"))
    seats = models.PositiveSmallIntegerField(_("seats"))
    destination = models.CharField(_("destination"), max_length=120, blank=True)
    active = models.BooleanField(_("runs"), default=True)

    class Meta:
        ordering = ["option", "departs_at"]
        verbose_name = _("shuttle run")
        verbose_name_plural = _("shuttle runs")

    def __str__(self) -> str:
        return f"{self.departs_at:%H:%M} {self.destination}".strip()


class ReservationStatus(models.TextChoices):
    HELD = "held", pgettext_lazy("transport reservation", "Reserved")
    RELEASED = "released", pgettext_lazy("transport reservation", "Released")


class Reservation(models.Model):
    """One unit of an option on one day, for a customer (usually with an appointment)."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", db_index=False)
    # Neither key is indexed alone: transport_reservation_day and _site start with them.
    option = models.ForeignKey(
        TransportOption, on_delete=models.PROTECT, related_name="reservations", db_index=False
    )
    day = models.DateField(_("day"))
    online = models.BooleanField(_("booked online"))
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    run = models.ForeignKey(
        ShuttleRun, on_delete=models.PROTECT, related_name="reservations", null=True, blank=True
    )
    # What the reservation is for, as the caller names it (the workshop's appointment).
    booking_ref = models.CharField(_("booking"), max_length=64, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    status = models.CharField(
        max_length=16, choices=ReservationStatus.choices, default=ReservationStatus.HELD
    )
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["day", "option", "created_at", "id"]
        indexes = [
            models.Index(fields=["option", "day"], name="transport_reservation_day"),
            models.Index(fields=["site", "day"], name="transport_reservation_site"),
        ]

    def __str__(self) -> str:
        return f"{self.option} {self.day:%Y-%m-%d}"

    @property
    def is_held(self) -> bool:
        return self.status == ReservationStatus.HELD


class LoanerTrip(models.Model):
    """A loaner car out with the customer of a reservation, and back."""

    reservation = models.OneToOneField(Reservation, on_delete=models.PROTECT, related_name="trip")
    car = models.ForeignKey(LoanerCar, on_delete=models.PROTECT, related_name="trips")
    out_at = models.DateTimeField(_("handed over"))
    out_odometer_km = models.PositiveIntegerField(_("odometer out (km)"))
    out_fuel_eighths = models.PositiveSmallIntegerField(_("fuel out (eighths)"))
    in_at = models.DateTimeField(_("returned"), null=True, blank=True)
    in_odometer_km = models.PositiveIntegerField(_("odometer in (km)"), null=True, blank=True)
    in_fuel_eighths = models.PositiveSmallIntegerField(
        _("fuel in (eighths)"), null=True, blank=True
    )

    class Meta:
        ordering = ["out_at", "id"]
        constraints = [
            # A car is out on one trip at a time, whatever the desk does.
            models.UniqueConstraint(
                fields=["car"], condition=Q(in_at__isnull=True), name="loaner_one_open_trip"
            ),
            models.CheckConstraint(
                condition=Q(in_odometer_km__isnull=True)
                | Q(in_odometer_km__gte=F("out_odometer_km")),
                name="loaner_odometer_not_lower",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.car} {self.out_at:%Y-%m-%d}"

    @property
    def is_out(self) -> bool:
        return self.in_at is None

    @property
    def distance_km(self) -> int | None:
        return None if self.in_odometer_km is None else self.in_odometer_km - self.out_odometer_km


class UnmetStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("unmet transport", "To arrange")
    ARRANGED = "arranged", pgettext_lazy("unmet transport", "Arranged")
    DECLINED = "declined", pgettext_lazy("unmet transport", "Customer declined")
    WITHDRAWN = "withdrawn", pgettext_lazy("unmet transport", "Withdrawn")


class UnmetTransport(models.Model):
    """A transport request nobody could meet, with the alternative offered.

    It runs an INFO-TRANSPORT clock (1 business day) until staff arrange something or the
    customer declines, so it escalates like every other obligation (seed 000: the customer
    who is turned away goes elsewhere).
    """

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", db_index=False)
    option = models.ForeignKey(
        TransportOption, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    kind = models.CharField(_("wanted"), max_length=16, choices=TransportKind.choices)
    day = models.DateField(_("day"))
    online = models.BooleanField(_("asked online"))
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    booking_ref = models.CharField(_("booking"), max_length=64, blank=True)
    reason = models.CharField(_("why"), max_length=300)
    offered_option = models.ForeignKey(
        TransportOption, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    offered_day = models.DateField(_("offered day"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=UnmetStatus.choices, default=UnmetStatus.OPEN
    )
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    resolution = models.CharField(_("what was done"), max_length=300, blank=True)
    reservation = models.ForeignKey(
        Reservation, on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["site", "day"], name="transport_unmet_site_day"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.day:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.status == UnmetStatus.OPEN

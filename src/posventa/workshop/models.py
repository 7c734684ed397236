"""Workshop capacity and appointments (INFO-BOOKING), and the requests nobody may forget
(FOLLOWUP-REBOOK). Repair orders (issue 13) will join an appointment through a foreign key
of their own: an appointment is what was booked, a repair order what was done.

Capacity is the site's bays and technicians (staff with the technician role, their hours,
absences and certifications live in core); what is bookable is computed, never stored: the
slot search (`slots.py`) reads the windows and the existing appointments of a range.
`CapacityDay` holds no capacity figure either: it is the row a booking locks, so two people
booking one site's day take turns and the second one sees the first one's appointment.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from signature_pad.fields import SignaturePadField  # type: ignore[import-untyped]

from posventa.cases.models import Case
from posventa.core.models import Organisation, Site
from posventa.customers.models import Channel, Customer, Vehicle
from posventa.telephony.models import Call
from posventa.workshop.estimates import LineKind
from posventa.workshop.order_states import ACTIVE_STATES, HoldReason, OrderState


class ServiceBay(models.Model):
    """A lift or work place: an appointment type that needs a bay holds one for its length."""

    # Not indexed alone: the unique constraint below starts with it.
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="bays", db_index=False)
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["site", "name"]
        unique_together = [("site", "name")]
        verbose_name = _("service bay")
        verbose_name_plural = _("service bays")

    def __str__(self) -> str:
        return f"{self.site} / {self.name}"


class AppointmentType(models.Model):
    """What a customer can book: oil service, brake fluid, 30,000 km inspection...

    `code` is stable (the API, the advisor and the demo name types by it); `names` holds the
    name in each language ({"es": "Cambio de aceite"}), `name` is the fallback. A type with
    no site is offered at every site of the organisation; a site's own type of the same code
    replaces it there.
    """

    # Not indexed alone: the unique constraint below starts with it.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="appointment_types", db_index=False
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="appointment_types",
        help_text=_("Empty: offered at every site of the group."),
    )
    code = models.SlugField(_("code"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    names = models.JSONField(
        _("names by language"), default=dict, blank=True, help_text=_('E.g. {"es": "Frenos"}.')
    )
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(5), MaxValueValidator(24 * 60)]
    )
    skill = models.SlugField(
        _("required certification"),
        max_length=64,
        blank=True,
        help_text=_("A certification code the technician must hold; empty: anyone."),
    )
    needs_bay = models.BooleanField(_("needs a bay"), default=True)
    daily_limit = models.PositiveIntegerField(
        _("per-day limit"), null=True, blank=True, help_text=_("Empty: no limit of its own.")
    )
    online = models.BooleanField(_("bookable online"), default=True)
    # The type booked for "I don't know what I need": a diagnosis, usually.
    for_unsure = models.BooleanField(
        _("for customers who don't know what they need"), default=False
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["organisation", "name"]
        verbose_name = _("appointment type")
        verbose_name_plural = _("appointment types")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "site", "code"], name="appointment_type_code_per_site"
            ),
            models.UniqueConstraint(
                fields=["organisation", "code"],
                condition=Q(site__isnull=True),
                name="appointment_type_code_group_wide",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name()

    def display_name(self, language: str | None = None) -> str:
        language = (language or get_language() or "en").split("-")[0]
        return str(self.names.get(language) or self.name)


class BookingPolicy(models.Model):
    """A site's booking rules. A site without a row books with the defaults below."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="booking_policy")
    online_share_percent = models.PositiveSmallIntegerField(
        _("share of capacity bookable online (%)"),
        default=60,
        validators=[MaxValueValidator(100)],
        help_text=_("Online bookings may fill this share of each day's technician time."),
    )
    daily_limit = models.PositiveIntegerField(
        _("appointments per day"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    slot_minutes = models.PositiveSmallIntegerField(
        _("start times every (minutes)"),
        default=15,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
    )
    min_notice_minutes = models.PositiveIntegerField(
        _("minimum notice (minutes)"), default=120, help_text=_("For online bookings.")
    )
    horizon_days = models.PositiveSmallIntegerField(
        _("bookable days ahead"), default=60, validators=[MinValueValidator(1)]
    )
    reminder_hours = models.PositiveSmallIntegerField(
        _("reminder (hours before)"), default=24, help_text=_("0: no reminder.")
    )

    class Meta:
        verbose_name = _("booking policy")
        verbose_name_plural = _("booking policies")

    def __str__(self) -> str:
        return str(self.site)


class CapacityDay(models.Model):
    """The lock of one site's local day: every booking, move and cancellation on the day
    updates this row first, inside its transaction (see actions/appointments.py)."""

    # Not indexed alone: the unique constraint below starts with it.
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    changes = models.PositiveIntegerField(default=0)

    class Meta:
        unique_together = [("site", "day")]

    def __str__(self) -> str:
        return f"{self.site} {self.day}"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    ARRIVED = "arrived", _("Arrived")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


# Appointments that hold their technician and bay.
HOLDING = (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)


class BookedVia(models.TextChoices):
    ONLINE = "online", _("Booking page")
    STAFF = "staff", _("Staff")
    API = "api", _("API")
    WAITING_LIST = "waiting_list", _("Waiting list offer")


class Appointment(models.Model):
    """A booked time at a site, with the technician (and bay) it holds.

    The contact fields are what the customer gave when booking, so a confirmation can go
    out before (or without) a customer record; `customer` links it once known.
    """

    # Not indexed alone: the (site, starts_at) index starts with it.
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="appointments", db_index=False
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    vehicle_text = models.CharField(_("plate or VIN"), max_length=40, blank=True)
    odometer_km = models.PositiveIntegerField(_("odometer (km)"), null=True, blank=True)
    case = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="appointments"
    )
    call = models.ForeignKey(
        Call, on_delete=models.SET_NULL, null=True, blank=True, related_name="appointments"
    )
    types = models.ManyToManyField(AppointmentType, related_name="appointments")
    unsure = models.BooleanField(_("doesn't know what is needed"), default=False)
    notes = models.TextField(_("what the customer said"), blank=True)
    # Not indexed alone: the (technician, starts_at) index starts with it.
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="appointments_as_technician",
        db_index=False,
    )
    bay = models.ForeignKey(
        ServiceBay, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.BOOKED,
    )
    booked_via = models.CharField(_("booked via"), max_length=16, choices=BookedVia.choices)
    contact_name = models.CharField(_("name"), max_length=200)
    contact_email = models.EmailField(_("e-mail"), blank=True)
    contact_phone = models.CharField(_("phone"), max_length=32, blank=True)
    preferred_method = models.CharField(
        _("preferred contact method"), max_length=16, choices=Channel.choices
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    created_at = models.DateTimeField(auto_now_add=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appointments_booked",
    )
    reminder_due_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    no_show_at = models.DateTimeField(null=True, blank=True)
    # Bumped when the appointment moves or ends: every link sent before stops working.
    link_generation = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        indexes = [
            models.Index(fields=["site", "starts_at"], name="appointment_site_starts"),
            models.Index(fields=["technician", "starts_at"], name="appointment_tech_starts"),
            models.Index(
                fields=["reminder_due_at"],
                condition=Q(reminder_sent_at__isnull=True, status="booked"),
                name="appointment_reminder_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="appointment_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact_name} {self.starts_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("workshop:appointment", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == AppointmentStatus.BOOKED


class RequestSource(models.TextChoices):
    NO_SLOT = "no_slot", _("No time fitted")
    LEFT_PAGE = "left_page", _("Left the booking page")
    CALL = "call", _("Call ended without a booking")
    NO_SHOW = "no_show", _("Did not come to the appointment")
    STAFF = "staff", _("Recorded by staff")


class RequestStatus(models.TextChoices):
    # Someone typed a contact on the booking page and may still book: a request only once
    # they leave (the sweeper's housekeeping opens it after POSVENTA_BOOKING_ABANDON_MINUTES).
    DRAFT = "draft", _("Still on the booking page")
    OPEN = "open", _("To contact")
    BOOKED = "booked", _("Booked")
    DECLINED = "declined", _("Declined")
    UNREACHABLE = "unreachable", _("Unreachable")


class BookingRequest(models.Model):
    """Someone who wanted an appointment and has none yet (FOLLOWUP-REBOOK): the wish and
    the contact, kept until the outcome (booked, declined, unreachable) is recorded."""

    # Not indexed alone: the (site, status, created_at) index starts with it.
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="booking_requests", db_index=False
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="booking_requests"
    )
    source = models.CharField(_("why"), max_length=16, choices=RequestSource.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    wish = models.TextField(_("what they wanted"), blank=True)
    type_codes = models.JSONField(default=list, blank=True)
    vehicle_text = models.CharField(_("plate or VIN"), max_length=40, blank=True)
    contact_name = models.CharField(_("name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("e-mail"), blank=True)
    contact_phone = models.CharField(_("phone"), max_length=32, blank=True)
    preferred_method = models.CharField(
        _("preferred contact method"), max_length=16, choices=Channel.choices
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    # On the waiting list: offered freed slots, oldest request first.
    waiting = models.BooleanField(_("on the waiting list"), default=True)
    call = models.ForeignKey(
        Call, on_delete=models.SET_NULL, null=True, blank=True, related_name="booking_requests"
    )
    missed_appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="booking_requests",
    )
    attempts = models.PositiveSmallIntegerField(_("contact attempts"), default=0)
    created_at = models.DateTimeField(_("created"))
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome_note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("booking request")
        verbose_name_plural = _("booking requests")
        indexes = [
            models.Index(fields=["site", "status", "created_at"], name="booking_request_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_name or self.contact_phone or self.contact_email} ({self.site})"

    def get_absolute_url(self) -> str:
        return reverse("workshop:request", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.OPEN


class SlotOffer(models.Model):
    """A freed time offered to a waiting request; its link books it if still free."""

    request = models.ForeignKey(BookingRequest, on_delete=models.CASCADE, related_name="offers")
    starts_at = models.DateTimeField()
    type_codes = models.JSONField(default=list)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.request} @ {self.starts_at:%Y-%m-%d %H:%M}"


# --- repair orders (issue 13): what was done, from write-up to delivery -------------------


class PayType(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    WARRANTY = "warranty", _("Warranty")
    INTERNAL = "internal", _("Internal")
    SERVICE_CONTRACT = "service_contract", _("Service contract")


class OrderCounter(models.Model):
    """The last repair-order number a site handed out; the row a new order locks."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="+")
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.site}: {self.last}"


class RepairOrder(models.Model):
    """One visit of one vehicle: its concerns, jobs, approvals, quality check and delivery.

    The state moves only through `actions.orders.move` and the rules of `order_states`; a
    comeback (the same concern again) points at the order it repeats.
    """

    # Not indexed alone: the (site, state) index and the unique number start with it.
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="repair_orders", db_index=False
    )
    number = models.PositiveIntegerField(_("number"))
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="repair_orders")
    # Not indexed alone: the (vehicle, opened_at) index starts with it.
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, related_name="repair_orders", db_index=False
    )
    appointment = models.OneToOneField(
        Appointment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="repair_order",
    )
    case = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="repair_orders"
    )
    state = models.CharField(_("state"), max_length=16, choices=OrderState.choices)
    hold_reason = models.CharField(
        _("waiting for"), max_length=16, choices=HoldReason.choices, blank=True
    )
    pay_type = models.CharField(
        _("pay type"), max_length=16, choices=PayType.choices, default=PayType.CUSTOMER
    )
    odometer_in = models.PositiveIntegerField(_("odometer in (km)"))
    odometer_out = models.PositiveIntegerField(_("odometer out (km)"), null=True, blank=True)
    tag = models.CharField(_("tag number"), max_length=20, blank=True)
    promised_at = models.DateTimeField(_("promised for"), null=True, blank=True)
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="repair_orders_advised"
    )
    opened_at = models.DateTimeField(_("opened"))
    completed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(_("why cancelled"), blank=True)
    comeback_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="comebacks"
    )
    comeback_reason = models.CharField(max_length=32, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("repair order")
        verbose_name_plural = _("repair orders")
        constraints = [
            models.UniqueConstraint(fields=["site", "number"], name="repair_order_number"),
        ]
        indexes = [
            models.Index(fields=["site", "state"], name="repair_order_site_state"),
            models.Index(fields=["vehicle", "opened_at"], name="repair_order_vehicle"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"RO-{self.site.slug.upper()[:6]}-{self.number}"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES


class Concern(models.Model):
    """What the customer said is wrong, in their own words; the primary one comes first."""

    order = models.ForeignKey(RepairOrder, on_delete=models.CASCADE, related_name="concerns")
    text = models.TextField(_("the customer's words"))
    primary = models.BooleanField(_("primary concern"), default=False)
    position = models.PositiveSmallIntegerField(default=0)
    system = models.SlugField(_("system"), max_length=32, blank=True)

    class Meta:
        ordering = ["order", "-primary", "position", "id"]

    def __str__(self) -> str:
        return self.text[:80]


class Decision(models.TextChoices):
    PENDING = "pending", _("Waiting for the customer")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


class DecidedVia(models.TextChoices):
    PHONE = "phone", _("By phone")
    IN_PERSON = "in_person", _("In person")
    LINK = "link", _("Through the approval link")


class Job(models.Model):
    """One piece of work on an order: the concern it answers, the operation, who does it,
    whether the customer approved it, and the cause and correction found."""

    order = models.ForeignKey(RepairOrder, on_delete=models.CASCADE, related_name="jobs")
    concern = models.ForeignKey(
        Concern, on_delete=models.SET_NULL, null=True, blank=True, related_name="jobs"
    )
    title = models.CharField(_("job"), max_length=200)
    operation_code = models.SlugField(_("operation code"), max_length=32, blank=True)
    flat_rate_hours = models.DecimalField(
        _("flat-rate hours"), max_digits=6, decimal_places=2, default=0
    )
    skill = models.SlugField(_("certification needed"), max_length=64, blank=True)
    road_test = models.BooleanField(_("needs a road test"), default=False)
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="workshop_jobs",
    )
    # A manager gave the job to a technician without the certification, and said why.
    override_reason = models.TextField(blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decision = models.CharField(
        _("customer's decision"), max_length=16, choices=Decision.choices, default=Decision.PENDING
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_via = models.CharField(max_length=16, choices=DecidedVia.choices, blank=True)
    decided_by = models.CharField(_("who decided"), max_length=200, blank=True)
    decline_reason = models.TextField(_("why declined"), blank=True)
    cause = models.TextField(_("cause"), blank=True)
    correction = models.TextField(_("correction"), blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    # A job the inspection recommended (a red or yellow item), priced for the customer.
    recommended_for = models.ForeignKey(
        "InspectionItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="jobs"
    )

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.title


class JobLine(models.Model):
    """Labour, a part or a fee on a job, priced as the estimate shows it."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("kind"), max_length=8, choices=LineKind.choices)
    description = models.CharField(_("description"), max_length=200)
    quantity = models.DecimalField(_("quantity"), max_digits=8, decimal_places=2)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    tax_rate = models.DecimalField(_("tax rate"), max_digits=5, decimal_places=4)
    discount = models.DecimalField(_("discount"), max_digits=12, decimal_places=2, default=0)
    part_eta = models.DateField(_("part expected"), null=True, blank=True)

    class Meta:
        ordering = ["job", "id"]

    def __str__(self) -> str:
        return self.description


class QualityCheck(models.Model):
    """The check before delivery, by someone other than the repairing technician."""

    order = models.ForeignKey(RepairOrder, on_delete=models.CASCADE, related_name="checks")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField()
    passed = models.BooleanField(_("passed"))
    road_tested = models.BooleanField(_("road tested"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["order", "checked_at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id}: {'passed' if self.passed else 'failed'}"


class ItemStatus(models.TextChoices):
    GREEN = "green", _("Good")
    YELLOW = "yellow", _("Needs attention soon")
    RED = "red", _("Needs attention now")
    # Carried forward from the last visit and not looked at yet: the technician confirms or
    # updates it instead of starting blank.
    UNCHECKED = "unchecked", _("To confirm")


class InspectionItem(models.Model):
    """One point of the inspection (REPAIR-INSPECT): a colour, a measurement, a note."""

    # Not indexed alone: the unique (order, code) starts with it.
    order = models.ForeignKey(
        RepairOrder, on_delete=models.CASCADE, related_name="inspection", db_index=False
    )
    code = models.SlugField(_("item"), max_length=64)  # "tyre-front-left", "pads-front"
    name = models.CharField(_("item"), max_length=200)
    status = models.CharField(_("result"), max_length=16, choices=ItemStatus.choices)
    measurement = models.DecimalField(
        _("measurement"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    unit = models.CharField(_("unit"), max_length=16, blank=True)  # "mm", "%", "V"
    note = models.TextField(_("note"), blank=True)
    carried_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "code"], name="inspection_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.status}"


class TroubleCodeReading(models.Model):
    """A diagnostic trouble code read from the car, validated (SAE J2012) and explained."""

    # Not indexed alone: the unique (order, code) starts with it.
    order = models.ForeignKey(
        RepairOrder, on_delete=models.CASCADE, related_name="trouble_codes", db_index=False
    )
    code = models.CharField(_("trouble code"), max_length=5)
    explanation = models.CharField(_("meaning"), max_length=300)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    read_at = models.DateTimeField()

    class Meta:
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["order", "code"], name="trouble_code_once"),
        ]

    def __str__(self) -> str:
        return self.code


class TroubleCodeDescription(models.Model):
    """A site's own meaning of a trouble code, loaded from CSV; read before the starter table."""

    # Not indexed alone: the unique (site, code) starts with it.
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+", db_index=False)
    code = models.CharField(max_length=5)
    texts = models.JSONField()  # language -> description

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "code"], name="trouble_code_description"),
        ]

    def __str__(self) -> str:
        return self.code


class CampaignKind(models.TextChoices):
    RECALL = "recall", _("Recall")
    CAMPAIGN = "campaign", _("Service campaign")
    SOFTWARE = "software", _("Software update")


class CampaignCheck(models.Model):
    """A recall, service campaign or software update checked for the car, and its outcome."""

    order = models.ForeignKey(RepairOrder, on_delete=models.CASCADE, related_name="campaigns")
    kind = models.CharField(_("kind"), max_length=16, choices=CampaignKind.choices)
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    pending = models.BooleanField(_("pending for this car"))
    done = models.BooleanField(_("done on this visit"), default=False)
    note = models.TextField(_("note"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    checked_at = models.DateTimeField()

    class Meta:
        ordering = ["order", "checked_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference}".strip()


class EstimateVersion(models.Model):
    """One version of what the customer is asked to approve: jobs, lines, totals and the
    completion time as they stood, frozen (CONSULT-APPROVAL, CONSULT-VARIATION)."""

    # Not indexed alone: the unique (order, number) starts with it.
    order = models.ForeignKey(
        RepairOrder, on_delete=models.CASCADE, related_name="estimates", db_index=False
    )
    number = models.PositiveSmallIntegerField()
    snapshot = models.JSONField()  # the jobs and lines as shown to the customer
    total = models.DecimalField(max_digits=14, decimal_places=2)
    completion_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("why a new version"), max_length=300, blank=True)
    needs_approval = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "number"]
        constraints = [
            models.UniqueConstraint(fields=["order", "number"], name="estimate_version_once"),
        ]

    def __str__(self) -> str:
        return f"{self.order} v{self.number}"


class PartStatus(models.TextChoices):
    ORDERED = "ordered", _("Ordered")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", _("Cancelled")


class PartOrder(models.Model):
    """A special-order part for a job: supplier, expected arrival and status (CONSULT-PARTS)."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="part_orders")
    line = models.ForeignKey(
        JobLine, on_delete=models.SET_NULL, null=True, blank=True, related_name="part_orders"
    )
    description = models.CharField(_("part"), max_length=200)
    supplier = models.CharField(_("supplier"), max_length=200)
    reference = models.CharField(_("supplier's reference"), max_length=64, blank=True)
    eta = models.DateField(_("expected"))
    status = models.CharField(
        _("status"), max_length=16, choices=PartStatus.choices, default=PartStatus.ORDERED
    )
    ordered_at = models.DateTimeField()
    received_at = models.DateTimeField(null=True, blank=True)
    customer_told_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["eta", "id"]

    def __str__(self) -> str:
        return f"{self.description} ({self.supplier})"


class SurveyVia(models.TextChoices):
    LINK = "link", _("Through the survey link")
    CALL = "call", _("On a call with staff")


class FollowUpSurvey(models.Model):
    """The short survey after delivery (FOLLOWUP-2D): a few answers, a 0 to 10
    recommendation score, and any concern, which becomes a case for the service manager."""

    order = models.OneToOneField(RepairOrder, on_delete=models.CASCADE, related_name="survey")
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    via = models.CharField(max_length=8, choices=SurveyVia.choices, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1 to 5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    recommend = models.PositiveSmallIntegerField(
        _("would recommend us (0 to 10)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )
    fixed_first_time = models.BooleanField(_("fixed the first time"), null=True, blank=True)
    ready_when_promised = models.BooleanField(_("ready when promised"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    concern = models.TextField(_("a concern to follow up"), blank=True)
    concern_case = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-answered_at", "id"]

    def __str__(self) -> str:
        return f"{self.order}: {self.recommend}"


class TimeEntry(models.Model):
    """A technician clocked on a job, and off again (`ended_at` empty while on it)."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="time_entries")
    # Not indexed alone: the open-entry constraint and index start with it.
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job", "started_at", "id"]
        indexes = [models.Index(fields=["technician", "started_at"], name="time_entry_tech")]
        constraints = [
            # One job at a time: a technician on two jobs at once is a mistake to refuse.
            models.UniqueConstraint(
                fields=["technician"],
                condition=Q(ended_at__isnull=True),
                name="time_entry_one_open",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="time_entry_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.technician_id} on {self.job_id}"


class WriteUp(models.Model):
    """The check-in of one repair order, on the tablet (WRITEUP-*): when it started against
    the appointment or arrival, the needs confirmed and the inspection permitted, the
    walk-around, the contact verified, the maintenance offered, and the customer's
    signature (or their approval by link)."""

    order = models.OneToOneField(RepairOrder, on_delete=models.CASCADE, related_name="write_up")
    # The appointment time, or the arrival when later: what WRITEUP-PROMPT measures from.
    due_from = models.DateTimeField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    inspection_permitted = models.BooleanField(_("inspection permitted"), null=True, blank=True)
    walkaround = models.JSONField(_("walk-around"), default=dict)  # item -> {"ok", "note"}
    walkaround_at = models.DateTimeField(null=True, blank=True)
    contact_verified_at = models.DateTimeField(null=True, blank=True)
    contact_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    maintenance = models.JSONField(_("maintenance offered"), default=list)
    signature = SignaturePadField(_("customer's signature"), blank=True, max_size_kb=200)
    signed_at = models.DateTimeField(null=True, blank=True)
    approve_by_link = models.BooleanField(_("the customer approves by link"), default=False)

    def __str__(self) -> str:
        return f"{self.order} write-up"


def walkaround_photo_path(photo: WalkaroundPhoto, filename: str) -> str:
    return f"walkaround/{photo.write_up.order_id}/{filename}"


class WalkaroundPhoto(models.Model):
    write_up = models.ForeignKey(WriteUp, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to=walkaround_photo_path)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    note = models.CharField(_("note"), max_length=200, blank=True)
    taken_at = models.DateTimeField()

    class Meta:
        ordering = ["write_up", "taken_at", "id"]

    def __str__(self) -> str:
        return str(self.image.name)


class PaymentMethod(models.TextChoices):
    CARD = "card", _("Card")
    CASH = "cash", _("Cash")
    TRANSFER = "transfer", _("Bank transfer")
    ACCOUNT = "account", _("Invoice to the customer's account")
    NO_CHARGE = "no_charge", _("No charge (warranty, contract or internal)")


class PickUp(models.TextChoices):
    COUNTER = "counter", _("Handed over at the counter")
    KEY_DROP = "key_drop", _("After-hours key drop")
    DELIVERED = "delivered", _("Taken to the customer")


class NextVisitOutcome(models.TextChoices):
    BOOKED = "booked", _("Booked")
    LATER = "later", _("Will book later")
    DECLINED = "declined", _("Declined")


class Delivery(models.Model):
    """How the car went back (DELIVERY-*): what was explained, payment and pick-up, the
    service record sent, and the next visit offered with its outcome."""

    order = models.OneToOneField(RepairOrder, on_delete=models.CASCADE, related_name="delivery")
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    explained = models.JSONField(_("explained"), default=list)  # "work", "costs", "inspection"
    payment_method = models.CharField(_("payment"), max_length=16, choices=PaymentMethod.choices)
    pick_up = models.CharField(_("pick-up"), max_length=16, choices=PickUp.choices)
    record_sent_to = models.CharField(_("service record sent to"), max_length=254, blank=True)
    next_visit_offer = models.CharField(_("next visit offered"), max_length=300, blank=True)
    next_visit_outcome = models.CharField(
        _("outcome of the offer"), max_length=16, choices=NextVisitOutcome.choices
    )
    next_appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.order} delivery"

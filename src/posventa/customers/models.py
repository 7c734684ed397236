"""Customers, how to reach them, what they agreed to, and their vehicles.

A customer belongs to an organisation (the dealer group), not to a site: the same person
brings the car to Madrid and writes to Göteborg, and both sites must see one story.

Change these rows through `customers.actions`, which writes the timeline events.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from posventa.core.models import Organisation, Site
from posventa.customers.validation import (
    normalise_email,
    normalise_phone,
    normalise_plate,
    normalise_vin,
    search_key,
)


class Channel(models.TextChoices):
    """Ways to reach a customer: preferred contact method and consent are per channel."""

    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    PHONE = "phone", _("Phone call")
    LETTER = "letter", _("Letter")
    PORTAL = "portal", _("Customer portal")


class ContactKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    WHATSAPP = "whatsapp", _("WhatsApp")


# Which contact point kind a channel uses. Letters and the portal need no contact point.
CHANNEL_CONTACT_KIND: dict[str, str] = {
    Channel.EMAIL: ContactKind.EMAIL,
    Channel.SMS: ContactKind.PHONE,
    Channel.PHONE: ContactKind.PHONE,
    Channel.WHATSAPP: ContactKind.WHATSAPP,
}
PHONE_LIKE_KINDS = (ContactKind.PHONE, ContactKind.WHATSAPP)


class Customer(models.Model):
    # Not indexed alone: the (organisation, display_name) index starts with it.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="customers", db_index=False
    )
    display_name = models.CharField(_("name"), max_length=200)
    # Casefolded, without accents: "fernandez" and "FERNÁNDEZ" find "Fernández" on every
    # database (SQLite's LIKE only folds ASCII case). Kept in step by save().
    name_key = models.CharField(max_length=200, blank=True, editable=False, db_index=True)
    language = models.CharField(
        _("language"), max_length=16, blank=True, help_text=_("For example es, sv or en.")
    )
    preferred_channel = models.CharField(
        _("preferred contact method"),
        max_length=16,
        choices=Channel.choices,
        default=Channel.EMAIL,
    )
    # A merged customer stays as a row pointing at the survivor, so every event, case and
    # message that names it keeps its meaning.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_customers",
        verbose_name=_("merged into"),
    )
    merged_at = models.DateTimeField(_("merged at"), null=True, blank=True)
    # Set when an inbound contact matched several customers: staff decide whether to merge.
    needs_review = models.BooleanField(_("needs review"), default=False)
    # Where the record was created by hand (staff, the API): that site's staff see the
    # customer before any case exists (customers.visibility). Empty for inbound contacts,
    # whose case already ties them to a site.
    first_site = models.ForeignKey(
        Site,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created at site"),
    )
    # Portal links carry the generation they were signed with; "sign out everywhere"
    # (customers.actions.revoke_portal_links) bumps it, so every earlier link stops working.
    # db_default too: bulk loads written in SQL (bench/) need not name it.
    portal_link_generation = models.PositiveIntegerField(
        _("portal link generation"), default=0, db_default=0, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["display_name", "pk"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [models.Index(fields=["organisation", "display_name"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("pk")), name="customer_not_merged_into_itself"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_key = search_key(self.display_name)[:200]
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "display_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_key"}
        super().save(*args, **kwargs)

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None


def contact_language(customer: Customer, site: Site | None) -> str:
    """The language to write to the customer in: theirs when Posventa is translated into
    it ("es-mx" counts as "es"), else their site's, else the project's default."""
    language = (customer.language or "").split("-")[0].lower()
    if language in {code for code, _name in settings.LANGUAGES}:
        return language
    return site.language if site is not None else settings.LANGUAGE_CODE


class ContactPoint(models.Model):
    """An e-mail address or phone number of a customer, normalised for matching.

    Not unique per organisation on purpose: a family shares a landline, and a fleet manager
    writes for several drivers. Matching several customers is handled as ambiguity.
    """

    # Not indexed alone: contact_lookup starts with it.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="contact_points")
    kind = models.CharField(_("kind"), max_length=16, choices=ContactKind.choices)
    # E-mail lowercased; phone and WhatsApp in E.164.
    value = models.CharField(_("value"), max_length=254)
    is_primary = models.BooleanField(_("primary"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "-is_primary", "pk"]
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        indexes = [models.Index(fields=["organisation", "kind", "value"], name="contact_lookup")]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "kind"],
                condition=Q(is_primary=True),
                name="contact_one_primary_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"

    def clean(self) -> None:
        # Admin edits go through the same normalisation as the actions.
        if self.kind == ContactKind.EMAIL:
            self.value = normalise_email(self.value, field="value")
        elif self.kind in PHONE_LIKE_KINDS:
            self.value = normalise_phone(self.value, self._default_region(), field="value")

    def _default_region(self) -> str:
        """National numbers typed in the admin are read with the group's first site country."""
        try:
            organisation_id = self.organisation_id or self.customer.organisation_id
        except Customer.DoesNotExist:
            return "ES"
        country = (
            Site.objects.filter(organisation_id=organisation_id)
            .order_by("pk")
            .values_list("country", flat=True)
            .first()
        )
        return country or "ES"


class ConsentRecord(models.Model):
    """One grant or withdrawal of permission to use a channel. Append-only.

    The current consent for a channel is the latest record. With no record, transactional
    messages (replies, appointment and repair updates) are allowed: the customer asked for
    the service. Marketing must check for an explicit grant instead.
    """

    # Not indexed alone: an index or unique constraint below starts with it.
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="consents", db_index=False
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    granted = models.BooleanField(_("granted"))
    at = models.DateTimeField(_("at"), db_index=True)
    # Where the customer said it: "portal", "sms STOP", "phone call", "write-up form"...
    source = models.CharField(_("source"), max_length=100)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        indexes = [models.Index(fields=["customer", "channel", "at"])]

    def __str__(self) -> str:
        state = _("granted") if self.granted else _("withdrawn")
        return f"{self.get_channel_display()} {state} {self.at:%Y-%m-%d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("Consent history is append-only.")
        super().save(*args, **kwargs)


class FuelType(models.TextChoices):
    """What the vehicle runs on: the maintenance advisor's rules differ (no oil in an
    electric car, a particulate filter in a diesel)."""

    PETROL = "petrol", _("Petrol")
    DIESEL = "diesel", _("Diesel")
    HYBRID = "hybrid", _("Hybrid")
    PLUG_IN_HYBRID = "plug-in-hybrid", _("Plug-in hybrid")
    ELECTRIC = "electric", _("Electric")
    GAS = "gas", _("Gas (LPG/CNG)")


class Vehicle(models.Model):
    # Not indexed alone: an index or unique constraint below starts with it.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="vehicles", db_index=False
    )
    vin = models.CharField(_("VIN"), max_length=17)
    # What the check digit told us (see validation.VinCheck).
    vin_check = models.CharField(_("VIN check"), max_length=16, editable=False)
    plate = models.CharField(_("number plate"), max_length=20, blank=True)
    # Uppercase letters and digits only: the key plate searches use.
    plate_normalised = models.CharField(max_length=20, blank=True, editable=False)
    make = models.CharField(_("make"), max_length=60, blank=True)
    model = models.CharField(_("model"), max_length=100, blank=True)
    first_registration = models.DateField(_("first registration"), null=True, blank=True)
    # Blank/unknown on vehicles registered before the advisor asked (VIN decoding or the
    # customer tell us later); the advisor says which of them it is missing.
    model_year = models.PositiveSmallIntegerField(_("model year"), null=True, blank=True)
    fuel = models.CharField(_("fuel"), max_length=20, choices=FuelType.choices, blank=True)
    owner = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vehicles",
        verbose_name=_("current owner"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plate_normalised", "vin"]
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        indexes = [models.Index(fields=["organisation", "plate_normalised"])]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "vin"], name="vehicle_vin_unique"),
        ]

    def __str__(self) -> str:
        label = " ".join(part for part in (self.make, self.model) if part)
        return f"{self.plate or self.vin} {label}".strip()

    def clean(self) -> None:
        self.vin, check = normalise_vin(self.vin)
        self.vin_check = check.value
        self.plate_normalised = normalise_plate(self.plate)
        if self.owner is not None and self.owner.organisation_id != self.organisation_id:
            raise ValidationError({"owner": _("The owner belongs to another organisation.")})


class VehicleOwnership(models.Model):
    """Who owned a vehicle and when. The open row (no `until`) is the current owner."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="ownerships")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="ownerships")
    since = models.DateTimeField(_("since"))
    until = models.DateTimeField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ["vehicle", "since", "pk"]
        verbose_name = _("vehicle ownership")
        verbose_name_plural = _("vehicle ownerships")
        constraints = [
            models.UniqueConstraint(
                fields=["vehicle"],
                condition=Q(until__isnull=True),
                name="vehicle_one_current_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} — {self.vehicle}"


class OdometerReading(models.Model):
    # Not indexed alone: an index or unique constraint below starts with it.
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, related_name="odometer", db_index=False
    )
    km = models.PositiveIntegerField(_("kilometres"))
    read_at = models.DateTimeField(_("read at"))
    # "write-up", "customer", "telematics", "import"...
    source = models.CharField(_("source"), max_length=100, blank=True)
    # A correction may be lower than the reading before it (a typo, a replaced cluster).
    correction = models.BooleanField(_("correction"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["vehicle", "read_at", "pk"]
        verbose_name = _("odometer reading")
        verbose_name_plural = _("odometer readings")
        indexes = [models.Index(fields=["vehicle", "read_at"])]

    def __str__(self) -> str:
        return f"{self.km} km @ {self.read_at:%Y-%m-%d}"

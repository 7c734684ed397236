"""Organisations, sites, staff roles, and the append-only event log (audit + timelines)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from posventa.core.calendars import validate_holiday_region
from posventa.core.validators import validate_country_code, validate_timezone_name

# The country's language, for the languages of settings.LANGUAGES. A customer whose own
# language is unknown is written to in their site's language.
SPANISH_SPEAKING: tuple[str, ...] = ("ES", "MX", "AR", "CO", "CL", "PE", "VE", "EC", "GT", "CU")
SPANISH_SPEAKING += ("BO", "DO", "HN", "PY", "SV", "NI", "CR", "PA", "UY", "GQ")
COUNTRY_LANGUAGES = {**dict.fromkeys(SPANISH_SPEAKING, "es"), "SE": "sv", "AX": "sv"}


class User(AbstractUser):
    """A staff member. Customers are not users: they reach the portal with signed links."""

    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Organisation(models.Model):
    """A dealer group: the tenant. Every site belongs to exactly one."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(unique=True)
    # Off: a site's staff see only the customers who dealt with one of their sites
    # (customers.visibility). On: every site of the group sees every customer of the group.
    share_customers_across_sites = models.BooleanField(
        _("share customers across sites"),
        default=False,
        help_text=_(
            "When on, staff of every site see all the group's customers. When off, they see "
            "the customers who have dealt with one of their sites."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    """A dealership or workshop with its own calendar, timezone and targets."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="sites")
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(unique=True)
    timezone = models.CharField(_("timezone"), max_length=64, validators=[validate_timezone_name])
    country = models.CharField(
        _("country"),
        max_length=2,
        validators=[validate_country_code],
        help_text=_("ISO 3166-1 alpha-2 code; public holidays come from it."),
    )
    subdivision = models.CharField(
        _("subdivision"),
        max_length=10,
        blank=True,
        help_text=_("Optional holidays subdivision, e.g. MD for Madrid."),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    address = models.TextField(_("address"), blank=True)
    # Bumped on every change to hours, closures or holiday overrides so that cached calendars
    # are rebuilt and open clocks know their due_at must be recomputed.
    calendar_version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def language(self) -> str:
        """The language customers of this site most likely read: the country's, among the
        languages Posventa is translated into, English otherwise."""
        return COUNTRY_LANGUAGES.get(self.country.upper(), settings.LANGUAGE_CODE)

    def clean(self) -> None:
        if self.subdivision:
            validate_holiday_region(self.country, self.subdivision)


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OpeningInterval(models.Model):
    """One open interval of a weekday, in the site's local wall-clock time.

    A day may have several (split shifts, lunch). `end` empty means "until midnight".
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="opening_intervals")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("opens"))
    end = models.TimeField(_("closes"), null=True, blank=True, help_text=_("Empty = midnight."))

    class Meta:
        ordering = ["site", "weekday", "start"]

    def __str__(self) -> str:
        end = self.end.strftime("%H:%M") if self.end else "24:00"
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{end}"


class SiteClosure(models.Model):
    """Whole local days on which a site is closed beyond public holidays."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="closures")
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["site", "start_date"]

    def __str__(self) -> str:
        return f"{self.start_date} to {self.end_date} {self.reason}".strip()

    def clean(self) -> None:
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The last day is before the first day.")})


class HolidayOverride(models.Model):
    """A public holiday on which this site opens anyway (normal weekly hours apply)."""

    # Not indexed alone: an index or unique constraint below starts with it.
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="holiday_overrides", db_index=False
    )
    date = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        unique_together = [("site", "date")]

    def __str__(self) -> str:
        return f"{self.date} {self.note}".strip()


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    SERVICE_ADVISOR = "service_advisor", _("Service advisor")
    TECHNICIAN = "technician", _("Technician")
    PARTS = "parts", _("Parts")
    TEAM_LEAD = "team_lead", _("Team lead")
    SERVICE_MANAGER = "service_manager", _("Service manager")
    SITE_MANAGER = "site_manager", _("Site manager")
    ADMIN = "admin", _("Administrator")


class Membership(models.Model):
    """A role a user holds at one site, or across the whole group when `site` is empty."""

    # Not indexed alone: an index or unique constraint below starts with it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        db_index=False,
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "site", "role"], name="membership_unique_role"
            ),
        ]

    def __str__(self) -> str:
        where = self.site.name if self.site else _("whole group")
        return f"{self.user} — {self.get_role_display()} @ {where}"

    def clean(self) -> None:
        if self.site is not None and self.site.organisation_id != self.organisation_id:
            raise ValidationError({"site": _("The site belongs to another organisation.")})


class Certification(models.Model):
    """A technician's training, matched against what a job requires (REPAIR-TECH)."""

    # Not indexed alone: an index or unique constraint below starts with it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="certifications",
        db_index=False,
    )
    code = models.SlugField(_("code"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        unique_together = [("user", "code")]

    def __str__(self) -> str:
        return self.name


class ShiftInterval(models.Model):
    """One interval a staff member works at a site on a weekday, in the site's local time.

    Someone with no intervals at a site works the site's opening hours there: most sites
    never enter shifts, and routing and capacity still need to know who is on duty.
    """

    # Not indexed alone: an index or unique constraint below starts with it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="shift_intervals",
        db_index=False,
    )
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="shift_intervals")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("starts"))
    end = models.TimeField(_("ends"), null=True, blank=True, help_text=_("Empty = midnight."))

    class Meta:
        ordering = ["user", "site", "weekday", "start"]
        indexes = [models.Index(fields=["user", "site"], name="shift_user_site")]
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")

    def __str__(self) -> str:
        end = self.end.strftime("%H:%M") if self.end else "24:00"
        return f"{self.user} {self.get_weekday_display()} {self.start:%H:%M}-{end}"


class Absence(models.Model):
    """A span (UTC instants) in which a staff member does not work: leave, sickness, training."""

    # Not indexed alone: an index or unique constraint below starts with it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="absences",
        db_index=False,
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "starts_at"]
        indexes = [models.Index(fields=["user", "ends_at"], name="absence_user_ends")]
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="absence_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.starts_at:%Y-%m-%d %H:%M} to {self.ends_at:%Y-%m-%d %H:%M}"


class Team(models.Model):
    """A queue of people at a site, e.g. the service reception or the parts desk."""

    # Not indexed alone: an index or unique constraint below starts with it.
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="teams", db_index=False)
    name = models.CharField(_("name"), max_length=100)
    department = models.CharField(_("department"), max_length=32, blank=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="teams_led",
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True)

    class Meta:
        unique_together = [("site", "name")]

    def __str__(self) -> str:
        return f"{self.site} / {self.name}"


class AppendOnlyQuerySet(models.QuerySet["Event"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("The event log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("The event log is append-only.")


class Event(models.Model):
    """Who did what, when, to what: the audit log and every timeline, in one append-only table.

    A subject's timeline is its events in order. Rows are never updated or deleted; on
    PostgreSQL a trigger enforces that even for raw SQL.
    """

    occurred_at = models.DateTimeField(db_index=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, related_name="+"
    )
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # For actors that are not users: "system", "sweeper", "customer", an adapter name...
    actor_label = models.CharField(max_length=100, blank=True)
    # Not indexed: events are read by subject (and time), never by verb alone.
    verb = models.CharField(max_length=64)
    # Not indexed alone: the (subject_type, subject_id, occurred_at) index starts with it.
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, related_name="+", db_index=False
    )
    subject_id = models.CharField(max_length=64, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    summary = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    # Internal events (notes, clock escalations) are never shown to the customer.
    internal = models.BooleanField(default=True)

    objects: ClassVar[AppendOnlyQuerySet] = AppendOnlyQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.verb}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("The event log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("The event log is append-only.")


class Heartbeat(models.Model):
    """The last time a background loop (the task worker, the sweeper) proved it was alive.

    One row per loop name, overwritten in place (an upsert), so the table never grows and
    /healthz reads it with one query. `every_s` is how often the loop promised to beat, so
    a monitor can tell late from stale without knowing how each process was started.
    """

    name = models.CharField(max_length=40, unique=True)
    beat_at = models.DateTimeField()
    every_s = models.FloatField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class RateLimitCounter(models.Model):
    """How many requests one client made in one window of one limit (`core.ratelimit`).

    A counter, not a history: what was refused is kept by whoever refused it (the
    adapters' refused requests, the login's access logs). In the database rather than a
    cache because the web processes, the worker and the sweeper share nothing else, on
    SQLite as on PostgreSQL. `client` is a digest, so counters hold no address or IP.
    """

    scope = models.CharField(max_length=40)
    client = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)
    # Housekeeping deletes spent windows by this.
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "client", "window_start"], name="rate_limit_window_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.client[:8]}… {self.hits} since {self.window_start:%H:%M:%S}"


class Competitor(models.Model):
    """A local competitor of a site, with the weekly hours a manager entered (INFO-HOURS).

    Compared with the site's own hours on the manager's hours page (`core.hours`). The
    hours are the site's local wall-clock time: a competitor is in the same town.
    """

    # Not indexed alone: competitor_site_name starts with it.
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="competitors", db_index=False
    )
    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["site", "name"]
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="competitor_site_name"),
        ]

    def __str__(self) -> str:
        return self.name


class CompetitorHours(models.Model):
    """One open interval of a competitor's weekday. `end` empty means "until midnight"."""

    competitor = models.ForeignKey(Competitor, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("opens"))
    end = models.TimeField(_("closes"), null=True, blank=True)

    class Meta:
        ordering = ["competitor", "weekday", "start"]
        verbose_name = _("competitor hours")
        verbose_name_plural = _("competitor hours")

    def __str__(self) -> str:
        end = self.end.strftime("%H:%M") if self.end else "24:00"
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{end}"

"""The standards catalogue as data, per-site targets, and the obligation clocks.

A clock is started by an event (a customer message, a missed call, a delivery...), satisfied
by another, and its deadline is measured on the site's business calendar or 24/7. The
sweeper acts on `next_action_at`: the earliest of the warning, the breach and the next
escalation that has not happened yet.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from posventa.core.models import Site
from posventa.core.validators import validate_non_negative_seconds


def validate_warn_ratio(value: Decimal) -> None:
    if value is not None and not Decimal(0) < value <= Decimal(1):
        raise ValidationError(
            _("The warning ratio must be above 0 and at most 1."), code="invalid_ratio"
        )


class CalendarKind(models.TextChoices):
    BUSINESS = "business", _("Business hours")
    ALWAYS = "24/7", _("24/7")


class Standard(models.Model):
    """One entry of the standards catalogue (DESIGN.md). Synced from clocks.catalogue."""

    code = models.CharField(max_length=40, primary_key=True)
    category = models.CharField(_("category"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    rule = models.TextField(_("rule"))
    # Empty for standards measured as checklists rather than deadlines (e.g. INFO-HOURS).
    default_target_seconds = models.PositiveIntegerField(
        null=True, blank=True, validators=[validate_non_negative_seconds]
    )
    # When set, the default target is this many of the site's business days and
    # default_target_seconds only shows a nominal value (8-hour days); see clocks.catalogue.
    default_target_business_days = models.PositiveSmallIntegerField(null=True, blank=True)
    calendar_kind = models.CharField(
        max_length=16, choices=CalendarKind.choices, default=CalendarKind.BUSINESS
    )
    # Whether "waiting on the customer" stops this clock (a reply clock does; a callback
    # promise made to the customer does not).
    pausable = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.code


class SiteStandard(models.Model):
    """A site's override of one standard's target or calendar."""

    # Not indexed alone: an index or unique constraint below starts with it.
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="standard_overrides", db_index=False
    )
    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="+")
    target_seconds = models.PositiveIntegerField(
        null=True, blank=True, validators=[validate_non_negative_seconds]
    )
    calendar_kind = models.CharField(max_length=16, choices=CalendarKind.choices, blank=True)
    enabled = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "standard"], name="site_standard_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.site} / {self.standard_id}"


class EscalationPolicy(models.Model):
    """A site's escalation ladder: warn the owner, then the manager, then the site manager."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="escalation_policy")
    # The owner is warned when this share of the target has elapsed (0 < ratio <= 1).
    warn_at_ratio = models.DecimalField(
        max_digits=4, decimal_places=3, default=Decimal("0.75"), validators=[validate_warn_ratio]
    )
    # Business seconds after the breach before the site manager is told.
    site_manager_after_seconds = models.PositiveIntegerField(
        default=4 * 3600, validators=[validate_non_negative_seconds]
    )

    def __str__(self) -> str:
        return str(self.site)


class LadderRecipient(models.TextChoices):
    OWNER = "owner", _("The owner")
    TEAM_LEAD = "team_lead", _("The team leads")
    SERVICE_MANAGER = "service_manager", _("The service managers")
    SITE_MANAGER = "site_manager", _("The site managers")
    PERSON = "person", _("A named person")


class LadderChannel(models.TextChoices):
    """How a step reaches people: their e-mail, or an SMS to their phone."""

    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class EscalationStep(models.Model):
    """Who one rung of a site's ladder tells, and by which channel (issue 11, item 3).

    A step is for one standard, or for every standard the site has no step for (standard
    empty). A rung with no step of its own uses the built-in ladder (clocks/sweeper.py).
    """

    # Not indexed alone: the index below starts with it.
    policy = models.ForeignKey(
        EscalationPolicy, on_delete=models.CASCADE, related_name="steps", db_index=False
    )
    standard = models.ForeignKey(
        Standard, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    level = models.PositiveSmallIntegerField(_("step"))  # an EscalationLevel above NONE
    recipient = models.CharField(_("who"), max_length=16, choices=LadderRecipient.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    channel = models.CharField(
        _("channel"), max_length=8, choices=LadderChannel.choices, default=LadderChannel.EMAIL
    )

    class Meta:
        ordering = ["level", "id"]
        indexes = [models.Index(fields=["policy", "standard", "level"], name="escalation_step")]

    def __str__(self) -> str:
        return f"{self.policy} {self.standard_id or '*'} L{self.level}: {self.recipient}"


class ClockState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    SATISFIED = "satisfied", _("Satisfied")
    CANCELLED = "cancelled", _("Cancelled")


class EscalationLevel(models.IntegerChoices):
    NONE = 0, _("None")
    WARNED = 1, _("Owner warned")
    BREACHED = 2, _("Breached: manager told")
    SITE_MANAGER = 3, _("Site manager told")


OPEN_STATES = (ClockState.RUNNING, ClockState.PAUSED)


class Clock(models.Model):
    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="clocks")
    # Three keys are not indexed alone: the index named beside each starts with them.
    site = models.ForeignKey(  # clock_report
        Site, on_delete=models.PROTECT, related_name="clocks", db_index=False
    )
    subject_type = models.ForeignKey(  # clock_subject
        ContentType, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    subject_id = models.CharField(max_length=64)
    subject = GenericForeignKey("subject_type", "subject_id")
    owner = models.ForeignKey(  # clock_owner_state
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="clocks",
        db_index=False,
    )
    label = models.CharField(max_length=300, blank=True)

    state = models.CharField(max_length=16, choices=ClockState.choices, default=ClockState.RUNNING)
    started_at = models.DateTimeField()
    # The target and calendar in force, refreshed when the site's policy changes.
    target_seconds = models.PositiveIntegerField()
    calendar_kind = models.CharField(max_length=16, choices=CalendarKind.choices)
    # True when the starter passed its own target or deadline (a promise): a site policy
    # change then leaves this clock's target and calendar alone.
    target_overridden = models.BooleanField(default=False)
    warn_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)  # empty while paused
    next_action_at = models.DateTimeField(null=True, blank=True)

    satisfied_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)  # permanent once set
    escalation_level = models.PositiveSmallIntegerField(
        choices=EscalationLevel.choices, default=EscalationLevel.NONE
    )
    # Filled when the clock closes so reports never recompute history.
    business_seconds = models.BigIntegerField(null=True, blank=True)
    delta_seconds = models.BigIntegerField(null=True, blank=True)  # business_seconds - target

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # The sweeper's only query: open clocks whose next action is due.
            models.Index(
                fields=["next_action_at"],
                name="clock_next_action_open",
                condition=Q(state="running") & Q(next_action_at__isnull=False),
            ),
            # Queues and the waiting list walk running clocks by deadline (keyset on id).
            models.Index(
                fields=["due_at", "id"],
                name="clock_running_due",
                condition=Q(state="running") & Q(due_at__isnull=False),
            ),
            # The waiting list's last pages: subjects whose clocks are all paused, oldest
            # first (a paused clock has no deadline, so clock_running_due leaves it out).
            models.Index(
                fields=["started_at", "id"],
                name="clock_paused_started",
                condition=Q(state="paused"),
            ),
            # The waiting list's overdue and paused counts for some sites: without these,
            # PostgreSQL intersects clock_report and clock_running_due bitmaps over every
            # overdue clock (35-70 ms at 1M open clocks); with them, a short range per site.
            models.Index(
                fields=["site", "due_at"],
                name="clock_running_site_due",
                condition=Q(state="running"),
            ),
            models.Index(
                fields=["site", "started_at"],
                name="clock_paused_site",
                condition=Q(state="paused"),
            ),
            # "Owner: me" on the waiting list walks one person's running clocks by deadline
            # instead of sorting all of them (an agent may own a few thousand).
            models.Index(
                fields=["owner", "due_at", "id"],
                name="clock_running_owner_due",
                condition=Q(state="running"),
            ),
            # "Standard: X" likewise walks one standard's running clocks by deadline; over
            # clock_running_due it stepped past every other standard's clocks first (19,000
            # of them before the 50 INFO-WRITTEN ones of page 1, at 1M open clocks).
            models.Index(
                fields=["standard", "due_at", "id"],
                name="clock_running_standard_due",
                condition=Q(state="running") & Q(due_at__isnull=False),
            ),
            # ...and its paused clocks by age, for the paused count and the last pages.
            models.Index(
                fields=["standard", "started_at", "id"],
                name="clock_paused_standard",
                condition=Q(state="paused"),
            ),
            models.Index(fields=["subject_type", "subject_id"], name="clock_subject"),
            models.Index(fields=["site", "standard", "started_at"], name="clock_report"),
            models.Index(fields=["owner", "state"], name="clock_owner_state"),
        ]
        constraints = [
            # One open clock per standard and subject: a repeat contact finds the running
            # clock instead of starting a second one (and two racing starters cannot both
            # insert).
            models.UniqueConstraint(
                fields=["standard", "subject_type", "subject_id"],
                condition=Q(state__in=["running", "paused"]),
                name="clock_one_open_per_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.standard_id} #{self.pk} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_breached(self) -> bool:
        return self.breached_at is not None


class ClockPause(models.Model):
    """One interval during which a clock did not count (e.g. waiting on the customer)."""

    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="pauses")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} - {self.ended_at or '...'}"

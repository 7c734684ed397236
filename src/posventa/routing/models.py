"""Who a new case goes to: a site's routing rule per department, and staff marked away.

Every case has an owner within minutes (issue 11, item 2; CASE-ONE-STORY). A site chooses
per department how an unowned case finds its owner: round robin among the agents on duty,
the agent on duty with the fewest open cases, or one named owner. Who is on duty comes from
their working hours, absences and the site's calendar (`core.staffing`); someone marked
away is never chosen. A case routing cannot place starts CASE-OWNER, a clock that escalates
like any other when nobody takes the case (default 15 business minutes, the site's target).

Away is kept here and not on core's User: it is routing's notion (a person at their desk
but not taking new cases), recorded with who set it and when, and it must not need a core
migration.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from posventa.cases.models import Department
from posventa.core.models import Site, Team


class RoutingMode(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round robin among the agents on duty")
    FEWEST_OPEN = "fewest_open", _("The agent on duty with the fewest open cases")
    NAMED_OWNER = "named_owner", _("A named owner")


class RoutingRule(models.Model):
    """How one site routes the new cases of one department."""

    # Not indexed alone: the unique constraint below starts with it.
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="routing_rules", db_index=False
    )
    department = models.CharField(_("department"), max_length=16, choices=Department.choices)
    mode = models.CharField(_("rule"), max_length=16, choices=RoutingMode.choices)
    # Whose turn it is, among whom: the team's members, else the site's agents.
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
    )
    named_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("named owner"),
    )
    # Round robin's pointer: the next case goes to the first candidate after this person.
    last_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["site", "department"], name="routing_rule_one_per_department"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} / {self.department}: {self.mode}"


class AwayPeriod(models.Model):
    """A stretch during which a person takes no new cases. Open while `ended_at` is empty;
    kept afterwards, so who was away when (and who said so) stays on record."""

    # Not indexed alone: the partial unique constraint below starts with it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="away_periods",
        db_index=False,
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(ended_at__isnull=True), name="away_one_open_per_user"
            ),
        ]
        indexes = [models.Index(fields=["user", "started_at"], name="away_user_started")]

    def __str__(self) -> str:
        return f"{self.user} away since {self.started_at:%Y-%m-%d %H:%M}"

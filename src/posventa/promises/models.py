"""Promises made to a customer (PROMISE-KEPT, seed 001): "a technician will get back to you".

A promise names what was promised, on which case, who made it, who must keep it (a person,
or a team such as the workshop), by when, and on which channel the customer will be
contacted. Each open promise runs its own PROMISE-KEPT clock with the promise's deadline, so
a promise nobody keeps escalates like every other obligation. State changes go through
`posventa.promises.actions`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from posventa.cases.models import Case, ReplyChannel
from posventa.core.models import Site, Team
from posventa.promises import detection


class PromiseStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("promise status", "Open")
    KEPT = "kept", pgettext_lazy("promise status", "Kept")
    CANCELLED = "cancelled", pgettext_lazy("promise status", "Cancelled")


class PromiseAct(models.TextChoices):
    """What the owner must do; also what keeps the promise (see `actions.keeps`)."""

    CALL = detection.CALL, pgettext_lazy("promised act", "Call")
    CONTACT = detection.CONTACT, pgettext_lazy("promised act", "Contact")
    WRITE = detection.WRITE, pgettext_lazy("promised act", "Write")
    SEND = detection.SEND, pgettext_lazy("promised act", "Send")
    VISIT = detection.VISIT, pgettext_lazy("promised act", "Visit")
    CHECK = detection.CHECK, pgettext_lazy("promised act", "Check and answer")


class PromiseSource(models.TextChoices):
    COMPOSER = "composer", _("Proposed by the composer")
    STAFF = "staff", _("Entered by staff")
    API = "api", _("Through the API")


class Promise(models.Model):
    """One promise to a customer, kept only by its owner's own contact with them."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", db_index=False)
    # Not indexed alone: promise_case_status starts with it.
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="promises", db_index=False
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="promises", db_index=False
    )
    what = models.CharField(_("what was promised"), max_length=500)
    act = models.CharField(_("act"), max_length=16, choices=PromiseAct.choices)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    made_at = models.DateTimeField(_("made"))
    # Exactly one of the two: a person, or a team (a department's queue) any of whose
    # members may keep it.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="promises_owned",
        db_index=False,
    )
    owner_team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="promises"
    )
    deadline = models.DateTimeField(_("deadline"))
    channel = models.CharField(_("contact by"), max_length=16, choices=ReplyChannel.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=PromiseStatus.choices, default=PromiseStatus.OPEN
    )
    source = models.CharField(max_length=16, choices=PromiseSource.choices)
    # The sentence the composer read it from, and the reply that carried it.
    sentence = models.CharField(max_length=500, blank=True)
    made_in = models.ForeignKey(
        "inbox.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kept_at = models.DateTimeField(null=True, blank=True)
    kept_by_message = models.ForeignKey(
        "inbox.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)
    renegotiations = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["deadline", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__isnull=False, owner_team__isnull=True)
                | Q(owner__isnull=True, owner_team__isnull=False),
                name="promise_one_owner",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "status"], name="promise_case_status"),
            # The portal's "who will contact you, by when".
            models.Index(
                fields=["customer", "deadline"],
                name="promise_customer_open",
                condition=Q(status="open"),
            ),
            models.Index(
                fields=["owner", "status"], name="promise_owner_status", condition=Q(status="open")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.what[:60]}"

    def get_absolute_url(self) -> str:
        return self.case.get_absolute_url() + f"#promise-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == PromiseStatus.OPEN

    @property
    def owner_label(self) -> str:
        """Who will contact the customer, as the customer may read it: a first name, or the
        team's name (never a username or an e-mail address)."""
        if self.owner_id is not None and self.owner is not None:
            return self.owner.get_short_name() or self.owner.get_full_name() or str(self.owner)
        return self.owner_team.name if self.owner_team is not None else ""

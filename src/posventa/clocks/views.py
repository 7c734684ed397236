"""Waiting on us: every open obligation the user may see, most urgent first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from posventa.clocks.models import OPEN_STATES, Clock, ClockState, Standard
from posventa.core.access import visible_sites
from posventa.core.models import Site, User

PAGE_SIZE = 50


class Urgency:
    BREACHED = "breached"
    WARNED = "warned"
    ON_TIME = "on_time"
    PAUSED = "paused"


class StandardChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        # Titles are stored in English and translated on display (see clocks.catalogue).
        return f"{obj.code} · {gettext(obj.title)}"


class WaitingFilterForm(forms.Form):
    site = forms.ModelChoiceField(
        queryset=Site.objects.none(), required=False, label=_("Site"), empty_label=_("All sites")
    )
    standard = StandardChoiceField(
        queryset=Standard.objects.all(),
        required=False,
        label=_("Standard"),
        empty_label=_("All standards"),
        to_field_name="code",
    )
    owner = forms.ChoiceField(
        choices=[("all", _("Everyone")), ("me", _("Me"))], required=False, label=_("Owner")
    )
    breached = forms.BooleanField(required=False, label=_("Breached only"))

    def __init__(self, data: Any, *, user: User) -> None:
        super().__init__(data)
        # Offering only visible sites means a foreign site id is refused by name ("site"),
        # never silently shown.
        site_field = self.fields["site"]
        assert isinstance(site_field, forms.ModelChoiceField)
        site_field.queryset = visible_sites(user).order_by("name")


@dataclass(frozen=True)
class WaitingRow:
    clock: Clock
    urgency: str
    # Real seconds until the deadline (negative once late); None while paused, because a
    # paused clock has no deadline until it resumes.
    seconds_left: float | None
    subject_label: str
    subject_url: str


def open_clocks_for(user: User) -> QuerySet[Clock]:
    """Open clocks on the user's sites, ordered by real time left, paused ones last.

    Ordering by due_at is ordering by (due_at - now): business-hours and 24/7 clocks sort
    together because due_at is already a real instant.
    """
    return (
        Clock.objects.filter(state__in=OPEN_STATES, site__in=visible_sites(user))
        .select_related("standard", "site", "owner", "subject_type")
        # One query per subject type for the page, not one per row.
        .prefetch_related("subject")
        .order_by(F("due_at").asc(nulls_last=True), "started_at", "pk")
    )


def apply_filters(
    clocks: QuerySet[Clock], filters: dict[str, Any], *, user: User, now: dt.datetime
) -> QuerySet[Clock]:
    if filters.get("site"):
        clocks = clocks.filter(site=filters["site"])
    if filters.get("standard"):
        clocks = clocks.filter(standard=filters["standard"])
    if filters.get("owner") == "me":
        clocks = clocks.filter(owner=user)
    if filters.get("breached"):
        # The sweeper may not have marked a just-missed deadline yet; it is breached anyway.
        clocks = clocks.filter(breach_condition(now))
    return clocks


def breach_condition(now: dt.datetime) -> Q:
    return Q(breached_at__isnull=False) | Q(state=ClockState.RUNNING, due_at__lte=now)


def urgency_of(clock: Clock, now: dt.datetime) -> str:
    if clock.breached_at is not None or (
        clock.state == ClockState.RUNNING and clock.due_at is not None and clock.due_at <= now
    ):
        return Urgency.BREACHED
    if clock.state == ClockState.PAUSED:
        return Urgency.PAUSED
    if clock.warn_at is not None and clock.warn_at <= now:
        return Urgency.WARNED
    return Urgency.ON_TIME


def describe_subject(clock: Clock) -> tuple[str, str]:
    """What the clock is about, and a link to it when the subject has a page."""
    subject = clock.subject
    label = clock.label or (str(subject) if subject is not None else "")
    get_url = getattr(subject, "get_absolute_url", None)
    return label or "—", get_url() if callable(get_url) else ""


def build_rows(clocks: list[Clock], now: dt.datetime) -> list[WaitingRow]:
    rows = []
    for clock in clocks:
        label, url = describe_subject(clock)
        seconds_left = (
            (clock.due_at - now).total_seconds()
            if clock.state == ClockState.RUNNING and clock.due_at is not None
            else None
        )
        rows.append(WaitingRow(clock, urgency_of(clock, now), seconds_left, label, url))
    return rows


def summarise(clocks: QuerySet[Clock], now: dt.datetime) -> dict[str, int]:
    return clocks.aggregate(
        total=Count("pk"),
        breached=Count("pk", filter=breach_condition(now)),
        warned=Count(
            "pk",
            filter=Q(
                state=ClockState.RUNNING, warn_at__lte=now, due_at__gt=now, breached_at__isnull=True
            ),
        ),
        paused=Count("pk", filter=Q(state=ClockState.PAUSED)),
    )


@login_required
def waiting(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    now = timezone.now()
    form = WaitingFilterForm(request.GET or None, user=user)
    filters: dict[str, Any] = {}
    if form.is_bound:
        # An invalid filter is reported next to its field; the valid ones still apply.
        form.is_valid()
        filters = form.cleaned_data
    clocks = apply_filters(open_clocks_for(user), filters, user=user, now=now)
    page: Page[Clock] = Paginator(clocks, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "rows": build_rows(list(page.object_list), now),
        "summary": summarise(clocks.order_by(), now),
        "now": now,
        "query_without_page": _query_without_page(request),
    }
    partial = bool(getattr(request, "htmx", False))
    template = "clocks/_waiting_table.html" if partial else "clocks/waiting.html"
    return render(request, template, context)


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()

"""Waiting on us (the staff home page) and the page of a subject no other app shows."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from posventa.clocks import actions
from posventa.clocks.models import OPEN_STATES, Clock, Standard
from posventa.clocks.subjects import present
from posventa.clocks.waiting import (
    PAGE_SIZE,
    Cursor,
    Filters,
    obligation,
    viewer_zone,
    waiting_page,
)
from posventa.core.access import visible_sites
from posventa.core.forms import QuickSelect
from posventa.core.models import Site, Team, User

__all__ = ["PAGE_SIZE", "WaitingFilterForm", "subject", "waiting"]

FILTER_FIELDS = ("site", "standard", "owner", "team", "breached")
# The last filters a person chose, so coming back to the home page keeps them.
SESSION_KEY = "waiting_filters"


class StandardChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        # Titles are stored in English and translated on display (see clocks.catalogue).
        return f"{obj.code} · {gettext(obj.title)}"


class TeamChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} · {obj.site.name}"


class WaitingFilterForm(forms.Form):
    site = forms.ModelChoiceField(
        queryset=Site.objects.none(),
        required=False,
        label=_("Site"),
        empty_label=_("All sites"),
        widget=QuickSelect,
    )
    standard = StandardChoiceField(
        queryset=Standard.objects.all(),
        required=False,
        label=_("Standard"),
        empty_label=_("All standards"),
        to_field_name="code",
        widget=QuickSelect,
    )
    owner = forms.ChoiceField(required=False, label=_("Owner"), widget=QuickSelect)
    team = TeamChoiceField(
        queryset=Team.objects.none(),
        required=False,
        label=_("Team"),
        empty_label=_("All teams"),
        widget=QuickSelect,
    )
    breached = forms.BooleanField(required=False, label=_("Breached only"))

    def __init__(self, data: Any, *, user: User, sites: list[Site]) -> None:
        super().__init__(data)
        # Offering only visible sites (and their teams and people) means a foreign id is
        # refused by name ("site"), never silently shown.
        site_ids = [site.pk for site in sites]
        site_field = self.fields["site"]
        assert isinstance(site_field, forms.ModelChoiceField)
        site_field.queryset = Site.objects.filter(pk__in=site_ids).order_by("name")
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ModelChoiceField)
        team_field.queryset = (
            Team.objects.filter(site_id__in=site_ids)
            .select_related("site")
            .only("pk", "name", "site__name")  # the label; a group has dozens of teams
            .order_by("name", "pk")
        )
        owner_field = self.fields["owner"]
        assert isinstance(owner_field, forms.ChoiceField)
        owner_field.choices = [
            ("all", _("Everyone")),
            ("me", _("Me")),
            ("none", _("Nobody yet")),
            *((str(person.pk), str(person)) for person in self.people(data, sites)),
        ]

    @staticmethod
    def people(data: Any, sites: list[Site]) -> QuerySet[User]:
        """The people offered as owners: those of the chosen site, or of the only site.

        A group-wide list would be every agent of every site (hundreds of options rendered
        on every refresh); a group manager picks a site first, then a person. A person
        chosen before is always offered, as long as they work at a visible site.
        """
        chosen_site = str((data or {}).get("site") or "")
        narrowed = [site for site in sites if str(site.pk) == chosen_site] or (
            sites if len(sites) == 1 else []
        )
        people = staff_of(narrowed)
        chosen_owner = str((data or {}).get("owner") or "")
        if chosen_owner.isdigit():
            people = people | staff_of(sites).filter(pk=int(chosen_owner))
        return people

    def filters(self) -> Filters:
        """The valid filters; an invalid one is reported on its field and ignored."""
        if not self.is_bound:
            return Filters()
        self.is_valid()
        data = self.cleaned_data
        return Filters(
            site=data.get("site"),
            standard=data.get("standard"),
            owner=data.get("owner") or "all",
            team=data.get("team"),
            breached=bool(data.get("breached")),
        )


def staff_of(sites: list[Site]) -> QuerySet[User]:
    """People who work at any of the sites, site roles or group roles."""
    site_ids = [site.pk for site in sites]
    organisation_ids = {site.organisation_id for site in sites}
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(memberships__site_id__in=site_ids)
            | Q(
                memberships__site__isnull=True,
                memberships__organisation_id__in=organisation_ids,
            )
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def remembered_filters(request: HttpRequest) -> QueryDict | None:
    """The query string to show: the one asked for, or the remembered one.

    Choosing filters remembers them in the session; a bare visit to the page brings them
    back (through a redirect, so the address bar and a reload show them too). `?reset=1`
    forgets them.
    """
    query = request.GET
    if query.get("reset"):
        request.session.pop(SESSION_KEY, None)
        return None
    chosen = QueryDict(mutable=True)
    for name in FILTER_FIELDS:
        if name in query:
            chosen.setlist(name, query.getlist(name))
    if chosen:
        request.session[SESSION_KEY] = chosen.urlencode()
        return chosen
    return None


@login_required
def waiting(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    chosen = remembered_filters(request)
    if chosen is None and not request.GET and request.session.get(SESSION_KEY):
        return redirect(f"{request.path}?{request.session[SESSION_KEY]}")
    now = timezone.now()
    sites = list(visible_sites(user).order_by("pk"))
    form = WaitingFilterForm(chosen, user=user, sites=sites)
    cursor = Cursor.decode(request.GET.get("after"))
    zone = viewer_zone(user, sites)
    page = waiting_page(user, form.filters(), sites=sites, cursor=cursor, now=now, zone=zone)
    context = {
        "form": form,
        "page": page,
        "rows": page.rows,
        "summary": page.summary,
        "now": now,
        "viewer_zone": zone.key if zone else "UTC",
        "filter_query": chosen.urlencode() if chosen else "",
    }
    partial = bool(getattr(request, "htmx", False))
    template = "clocks/_waiting_table.html" if partial else "clocks/waiting.html"
    return render(request, template, context)


# --- a subject's own page ---------------------------------------------------------------


def subject_clocks(user: User, type_id: int, subject_id: str) -> list[Clock]:
    """The subject's open clocks on the user's sites; 404 when there are none to see."""
    try:
        ContentType.objects.get_for_id(type_id)
    except ContentType.DoesNotExist:
        raise Http404 from None
    clocks = list(
        Clock.objects.filter(
            subject_type_id=type_id,
            subject_id=subject_id,
            state__in=OPEN_STATES,
            site__in=visible_sites(user),
        )
        .select_related("standard", "site", "owner")
        .order_by("due_at", "started_at", "pk")
    )
    if not clocks:
        raise Http404
    return clocks


@login_required
def subject(request: HttpRequest, type_id: int, subject_id: str) -> HttpResponse:
    """Where a subject without a page of its own is acted on: its open obligations, each
    can be marked as kept (satisfied) here."""
    user = request.user
    assert isinstance(user, User)
    clocks = subject_clocks(user, type_id, subject_id)
    if request.method == "POST":
        chosen = next((c for c in clocks if str(c.pk) == request.POST.get("clock")), None)
        if chosen is None:
            raise Http404
        try:
            actions.satisfy_clock(chosen, actor=user, reason=gettext("Marked as kept"))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, gettext("Marked as kept."))
        return redirect(request.path)
    now = timezone.now()
    key = (type_id, subject_id)
    card = present([key], {key: next((c.label for c in clocks if c.label), "")})[key]
    zone = viewer_zone(user, list(visible_sites(user)))
    context = {
        "card": card,
        "obligations": [obligation(clock, now) for clock in clocks],
        "zone": zone.key if zone else "",
    }
    return render(request, "clocks/subject.html", context)

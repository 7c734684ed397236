"""The compliance page: how each standard is kept, per site, over a period."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from posventa.core.access import visible_sites
from posventa.core.models import Site, User
from posventa.reports.metrics import compliance_by_standard, overall_compliance

DEFAULT_PERIOD_DAYS = 30


class PeriodForm(forms.Form):
    """A period of whole UTC days, both ends included."""

    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    site = forms.ModelChoiceField(
        queryset=Site.objects.none(), required=False, label=_("Site"), empty_label=_("All sites")
    )

    def __init__(self, data: Any, *, user: User, today: dt.date) -> None:
        defaults = {"start": today - dt.timedelta(days=DEFAULT_PERIOD_DAYS), "end": today}
        # Missing dates fall back to the default period instead of being an error.
        merged = {**{k: v.isoformat() for k, v in defaults.items()}, **_non_empty(data)}
        super().__init__(merged)
        site_field = self.fields["site"]
        assert isinstance(site_field, forms.ModelChoiceField)
        site_field.queryset = visible_sites(user).order_by("name")
        self.defaults = defaults

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end date is before the start date."))
        return cleaned

    def period(self) -> tuple[dt.date, dt.date]:
        """The chosen period, or the default one while either date has an error."""
        self.is_valid()
        if "start" in self.errors or "end" in self.errors:
            return self.defaults["start"], self.defaults["end"]
        return self.cleaned_data["start"], self.cleaned_data["end"]

    def chosen_site(self) -> Site | None:
        """A valid site choice still applies when a date is wrong, and vice versa."""
        self.is_valid()
        site: Site | None = self.cleaned_data.get("site")
        return site


def _non_empty(data: Any) -> dict[str, str]:
    return {key: value for key, value in (data or {}).items() if value}


def utc_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)


@login_required
def compliance(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    now = timezone.now()
    form = PeriodForm(request.GET, user=user, today=now.date())
    start, end = form.period()
    sites = visible_sites(user)
    chosen_site = form.chosen_site()
    if chosen_site is not None:
        sites = sites.filter(pk=chosen_site.pk)
    report = compliance_by_standard(
        sites, utc_midnight(start), utc_midnight(end + dt.timedelta(days=1)), now=now
    )
    context = {
        "form": form,
        "report": report,
        "overall": overall_compliance(report),
        "start": start,
        "end": end,
    }
    return render(request, "reports/compliance.html", context)

"""The compliance page (per standard and site, per person, the trend) and its drill-down to
the clocks behind any figure; both export CSV."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from posventa.clocks.models import Clock, Standard
from posventa.clocks.subjects import present
from posventa.core.access import visible_sites
from posventa.core.models import Site, User
from posventa.reports.holds import RefusalReport, refusal_report
from posventa.reports.holds import kinds as refusal_kinds
from posventa.reports.metrics import (
    OUTCOMES,
    ComplianceFigures,
    StandardCompliance,
    clocks_behind,
    clocks_in_period,
    compliance_by_person,
    compliance_by_standard,
    overall_compliance,
    trend,
)
from posventa.reports.phone import PhoneReport, phone_report
from posventa.reports.trend_chart import trend_svg

DEFAULT_PERIOD_DAYS = 30
DRILL_PAGE_SIZE = 50


class StandardChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} · {gettext(obj.title)}"


class PeriodForm(forms.Form):
    """A period of each site's local days, both ends included, and optional narrowing."""

    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
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

    def chosen_standard(self) -> Standard | None:
        self.is_valid()
        standard: Standard | None = self.cleaned_data.get("standard")
        return standard


def _non_empty(data: Any) -> dict[str, str]:
    return {key: value for key, value in (data or {}).items() if value}


@dataclass
class Scope:
    """What a request asks about: the period, the visible sites (narrowed) and the clocks."""

    form: PeriodForm
    start: dt.date
    end: dt.date
    sites: list[Site]
    standard: Standard | None
    clocks: QuerySet[Clock]
    now: dt.datetime

    def query(self, **extra: Any) -> str:
        """The query string of this scope plus `extra`, for drill-down and export links."""
        query = QueryDict(mutable=True)
        query["start"], query["end"] = self.start.isoformat(), self.end.isoformat()
        site = self.form.chosen_site()
        if site is not None:
            query["site"] = str(site.pk)
        if self.standard is not None:
            query["standard"] = self.standard.code
        for key, value in extra.items():
            query[key] = "none" if value is None else str(value)
        return query.urlencode()


def scope_of(request: HttpRequest) -> Scope:
    user = request.user
    assert isinstance(user, User)
    now = timezone.now()
    form = PeriodForm(request.GET, user=user, today=now.date())
    start, end = form.period()
    sites = list(visible_sites(user).order_by("pk"))
    chosen_site = form.chosen_site()
    if chosen_site is not None:
        sites = [site for site in sites if site.pk == chosen_site.pk]
    if form.is_bound and "site" in form.errors and request.GET.get("site"):
        sites = []  # a site one may not see shows nothing, never everything
    standard = form.chosen_standard()
    clocks = clocks_in_period(sites, start, end)
    if standard is not None:
        clocks = clocks.filter(standard_id=standard.pk)
    return Scope(form, start, end, sites, standard, clocks, now)


# --- the compliance page --------------------------------------------------------------


@login_required
def compliance(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    scope = scope_of(request)
    report = compliance_by_standard(
        scope.sites, scope.start, scope.end, now=scope.now, clocks=scope.clocks
    )
    by_person = compliance_by_person(scope.sites, scope.clocks, now=scope.now)
    refusals = None
    if scope.standard is None or scope.standard.pk == "HOLD-DISPUTE":
        refusals = refusal_report(scope.sites, scope.start, scope.end)
    if request.GET.get("format") == "csv":
        return csv_response("compliance", compliance_csv_rows(report, by_person, refusals))
    narrow = None if scope.standard is None else _standard_q(scope.standard)
    points = trend(scope.sites, scope.end, now=scope.now, narrow=narrow)
    chart = trend_svg(
        points,
        title=gettext("% met per week"),
        label=gettext("%% met per week over the last %(weeks)d weeks, up to %(end)s")
        % {"weeks": len(points), "end": scope.end.isoformat()},
    )
    context = {
        "form": scope.form,
        "report": report,
        "by_person": by_person,
        "overall": overall_compliance(report),
        "start": scope.start,
        "end": scope.end,
        "trend": points,
        "chart": chart,
        "scope_query": scope.query(),
        "refusals": refusals,
        "refusal_kinds": refusal_kinds(),
    }
    if scope.standard is None or scope.standard.pk == "INFO-PHONE":
        phone = phone_report(scope.sites, scope.start, scope.end, now=scope.now)
        context.update(phone=phone, phone_groups=phone_groups(phone))
    return render(request, "reports/compliance.html", context)


def phone_groups(phone: PhoneReport) -> list[tuple[str, str, list[Any]]]:
    """The INFO-PHONE table's row groups, titled, with the empty ones left out."""
    groups = [
        (gettext("Per site"), "site", phone.by_site),
        (gettext("Per department"), "department", phone.by_department),
        (gettext("Per answering agent"), "agent", phone.by_agent),
    ]
    return [group for group in groups if group[2]]


def _standard_q(standard: Standard) -> Q:
    return Q(standard_id=standard.pk)


def compliance_csv_rows(
    report: list[StandardCompliance],
    by_person: list[StandardCompliance],
    refusals: RefusalReport | None = None,
) -> Iterator[list[Any]]:
    yield [
        "standard", "by", "name", "started", "met", "breached", "open", "cancelled",
        "percent_met", "median", "p90", "duration_unit",
    ]  # fmt: skip
    for by, items in (("site", report), ("person", by_person)):
        for item in items:
            for row in item.sites:
                yield [item.standard_code, by, row.name, *_figure_cells(row.figures)]
            if by == "site":
                yield [item.standard_code, "site", "", *_figure_cells(item.total)]
    if refusals is not None:
        yield from refusal_csv_rows(refusals)


def refusal_csv_rows(refusals: RefusalReport) -> Iterator[list[Any]]:
    """HOLD-DISPUTE's refused actions after the clock figures: their own columns, named."""
    kinds = [value for value, _label in refusal_kinds()]
    yield ["standard", "by", "name", "refused", *kinds]
    for by, rows in (("site", refusals.by_site), ("person", refusals.by_person)):
        for row in rows:
            cells = [row.by_kind.get(kind, 0) for kind in kinds]
            yield ["HOLD-DISPUTE", by, row.name, row.refused, *cells]


def _figure_cells(figures: ComplianceFigures) -> list[Any]:
    def rounded(value: float | None) -> str:
        return "" if value is None else f"{value:.2f}"

    return [
        figures.started,
        figures.met,
        figures.breached,
        figures.open,
        figures.cancelled,
        rounded(figures.percent_met),
        rounded(figures.median),
        rounded(figures.p90),
        figures.unit,
    ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(name: str, rows: Iterable[list[Any]]) -> StreamingHttpResponse:
    """Rows streamed as they are read, so a large drill-down never sits in memory."""
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


# --- the drill-down -------------------------------------------------------------------


def drilled_clocks(request: HttpRequest, scope: Scope) -> tuple[QuerySet[Clock], str]:
    """The clocks behind one figure: the scope, one owner if asked, one outcome."""
    outcome = request.GET.get("outcome", "started")
    if outcome not in OUTCOMES:
        outcome = "started"
    clocks = scope.clocks
    owner = request.GET.get("owner", "")
    if owner == "none":
        clocks = clocks.filter(owner__isnull=True)
    elif owner.isdigit():
        clocks = clocks.filter(owner_id=int(owner))
    return clocks_behind(clocks, outcome, scope.now), outcome


@login_required
def drill_down(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    scope = scope_of(request)
    clocks, outcome = drilled_clocks(request, scope)
    clocks = clocks.select_related("standard", "site", "owner").order_by("started_at", "pk")
    if request.GET.get("format") == "csv":
        return csv_response(f"clocks-{outcome}", drill_csv_rows(clocks))
    page = Paginator(clocks, DRILL_PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    keys = [(clock.subject_type_id, clock.subject_id) for clock in items]
    cards = present(keys, {key: clock.label for key, clock in zip(keys, items, strict=True)})
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    context = {
        "form": scope.form,
        "page": page,
        "rows": [(clock, cards[key]) for clock, key in zip(items, keys, strict=True)],
        "outcome": outcome,
        "outcome_label": OUTCOME_LABELS[outcome],
        "start": scope.start,
        "end": scope.end,
        "query": query.urlencode(),
        "back_query": scope.query(),
    }
    return render(request, "reports/clocks.html", context)


OUTCOME_LABELS = {
    "started": _("Started"),
    "met": _("Met"),
    "breached": _("Breached"),
    "open": _("Still open"),
    "cancelled": _("Cancelled"),
    "timed": _("Satisfied (timed)"),
}


def drill_csv_rows(clocks: QuerySet[Clock]) -> Iterator[list[Any]]:
    yield [
        "clock", "standard", "site", "owner", "label", "state", "started_at", "satisfied_at",
        "breached_at", "business_seconds", "delta_seconds",
    ]  # fmt: skip
    for clock in clocks.iterator(chunk_size=2000):
        yield [
            clock.pk,
            clock.standard_id,
            clock.site.name,
            str(clock.owner) if clock.owner else "",
            clock.label,
            clock.state,
            _iso(clock.started_at),
            _iso(clock.satisfied_at),
            _iso(clock.breached_at),
            "" if clock.business_seconds is None else clock.business_seconds,
            "" if clock.delta_seconds is None else clock.delta_seconds,
        ]


def _iso(value: dt.datetime | None) -> str:
    return "" if value is None else value.isoformat()

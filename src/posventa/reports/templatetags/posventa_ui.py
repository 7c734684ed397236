"""Template helpers shared by every staff page (the nav bar, durations)."""

from __future__ import annotations

from typing import Any

from django import template
from django.db import models
from django.http import QueryDict
from django.urls import NoReverseMatch, reverse

from posventa.core.events import timeline
from posventa.core.models import Event
from posventa.reports.formatting import describe_verb, format_duration, format_figure_duration

register = template.Library()


@register.simple_tag
def url_if_exists(name: str, *args: Any) -> str:
    """The URL of `name`, or "" while the app that provides it has not landed yet.

    The nav bar grows by itself as the cases, customers and inbox apps add their pages.
    """
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


@register.filter
def duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return format_duration(seconds)


@register.filter
def figure_duration(value: float | None, unit: str) -> str:
    """A report's median or percentile in its standard's unit (business days or time)."""
    if value is None:
        return ""
    return format_figure_duration(value, unit)


@register.simple_tag(takes_context=True)
def drill_url(context: Any, outcome: str, **narrow: Any) -> str:
    """The drill-down of one figure: this page's period and filters, narrowed further."""
    query = QueryDict(context.get("scope_query", ""), mutable=True)
    for key, value in narrow.items():
        if value == "":
            continue  # not narrowed by this key (e.g. the "All sites" row)
        query[key] = "none" if value is None else str(value)  # None: nobody owned it
    query["outcome"] = outcome
    return f"{reverse('reports:clocks')}?{query.urlencode()}"


@register.inclusion_tag("includes/timeline.html")
def show_timeline(subject: models.Model, include_internal: bool = True) -> dict[str, Any]:
    """Render a subject's timeline; customer-facing pages pass include_internal=False."""
    events = timeline(subject).select_related("site")
    if not include_internal:
        events = events.filter(internal=False)
    return {"events": list(events), "show_internal_badge": include_internal}


@register.filter
def event_label(event: Event) -> str:
    return describe_verb(event.verb)

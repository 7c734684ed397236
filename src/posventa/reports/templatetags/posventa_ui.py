"""Template helpers shared by every staff page (the nav bar, durations)."""

from __future__ import annotations

from typing import Any

from django import template
from django.db import models
from django.http import QueryDict
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from posventa.clocks.display import clock_state as state_of_clock
from posventa.clocks.display import describe_target
from posventa.clocks.models import Clock
from posventa.core import access
from posventa.core.events import timeline
from posventa.core.formatting import format_duration, format_figure_duration
from posventa.core.labels import describe_actor, describe_source, describe_verb
from posventa.core.models import Event

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


@register.filter
def actor_name(event: Event) -> str:
    """Who did it: the person, or the automatic process by its human name."""
    if event.actor_id is not None:
        return str(event.actor)
    return describe_actor(event.actor_label)


@register.inclusion_tag("includes/clock_state.html")
def clock_state(clock: Clock, now: Any = None) -> dict[str, Any]:
    """One badge per clock: met, met late, breached, running, paused or cancelled.

    Every page that shows a clock's state uses this tag, so a clock met late never reads
    "Breached" on one line and "Satisfied" on the next."""
    state = state_of_clock(clock, now)
    return {"key": state.key, "label": state.label}


@register.filter
def clock_target(clock: Clock) -> str:
    """The clock's target in the unit its standard was set in ("2 business days")."""
    return describe_target(clock)


@register.filter
def language_label(code: str) -> str:
    """A language code as its name in the reader's language ("sv" → "Swedish"); an
    unknown code is shown as stored rather than hidden."""
    if not code:
        return ""
    try:
        return str(translation.get_language_info(code)["name_translated"])
    except KeyError:
        return code


@register.simple_tag(takes_context=True)
def viewer_timezone(context: dict[str, Any]) -> str:
    """The reader's timezone (their site's), for times not tied to one site."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return access.viewer_timezone(user) if user is not None else "UTC"


@register.filter
def source_label(source: str) -> str:
    """Where a reading or consent came from, in the reader's language when it is a code."""
    return describe_source(source)


@register.simple_tag(takes_context=True)
def staff_sites(context: dict[str, Any]) -> list[Any]:
    """The sites the reader works for, for the footer's links to each site's public page,
    web form and letter registration (otherwise reachable only by knowing the slug)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    return list(access.visible_sites(user).order_by("name").only("name", "slug"))

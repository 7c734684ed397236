"""How one obligation reads in a list: its standard and its time left, or "Paused".

A tag and not an included template because the waiting list shows one beside every row's
lead (up to a few hundred a page): an include per badge cost a fifth of the page's time.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from posventa.clocks.waiting import Obligation, Urgency
from posventa.core.formatting import format_duration

register = template.Library()


@register.simple_tag
def obligation_badge(item: Obligation) -> SafeString:
    standard = item.clock.standard
    return format_html(
        '<span class="obligation {}" data-standard="{}" title="{}">'
        '<span class="code">{}</span> {}</span>',
        item.urgency,
        standard.code,
        gettext(standard.title),
        standard.code,
        time_left(item),
    )


@register.simple_tag
def time_left(item: Obligation) -> SafeString:
    """The time left, or "Paused" (with "breached" when it was late before it paused)."""
    if item.seconds_left is None:
        paused = format_html('<span class="time-left paused">{}</span>', gettext("Paused"))
        if item.urgency != Urgency.BREACHED:
            return paused
        return format_html('{} <span class="badge danger">{}</span>', paused, gettext("breached"))
    return format_html(
        '<span class="time-left {}">{}</span>', item.urgency, format_duration(item.seconds_left)
    )

"""Durations as staff read them: "-1 h 20 min" when late (with a true minus sign, U+2212),
"35 min" when not.

Shared by the waiting list and the compliance page so both speak the same way.
"""

from __future__ import annotations

import math

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# A real minus sign, not a hyphen: it lines up with digits and reads as a number.
MINUS = "\u2212"


def format_duration(seconds: float) -> str:
    """Render a signed duration with its two most significant units.

    Late (negative) durations round *up* to the minute, so a clock breached a few seconds
    ago already reads "-1 min" and is never mistaken for one with time left.
    """
    negative = seconds < 0
    magnitude = abs(seconds)
    total_minutes = math.ceil(magnitude / 60) if negative else int(magnitude // 60)
    days, remainder = divmod(total_minutes, 24 * 60)
    hours, minutes = divmod(remainder, 60)
    if days:
        text = _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    elif hours:
        text = _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    else:
        text = _("%(minutes)d min") % {"minutes": minutes}
    return f"{MINUS}{text}" if negative and total_minutes else text


def format_figure_duration(value: float, unit: str) -> str:
    """A report's duration in its standard's unit: "1.4 business days", or "1 h 12 min"."""
    if unit == "business_days":
        # Under a day, a tenth of a day (an hour or so) is too coarse: "0.0" would hide it.
        places = 1 if value >= 1 else 2
        days = round(value, places)
        return ngettext(
            "%(days)s business day", "%(days)s business days", 1 if days == 1 else 2
        ) % {"days": number_format(days, places)}
    return format_duration(value)

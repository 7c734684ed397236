"""The answer to "what should I book?" in words a customer reads: the suggested reply the
agent edits in the case composer (and, later, the booking page's summary). Texts come out
in the active language: call inside `translation.override(customer's language)`."""

from __future__ import annotations

from django.utils.translation import gettext as _

from posventa.advisor.advice import Advice, km_text
from posventa.advisor.distance import KmSource


def vehicle_name(make: str, model: str, plate: str) -> str:
    name = " ".join(part for part in (make, model) if part) or _("your car")
    return f"{name} ({plate})" if plate else name


def reply_text(advice: Advice, *, customer_name: str, vehicle: str) -> str:
    """Greeting, what is due with the reason for each, and what to book."""
    lines = [_("Hello %(name)s,") % {"name": customer_name}, ""]
    if advice.km is not None:
        approximately = advice.km_source in (KmSource.ESTIMATED, KmSource.DEFAULT)
        template = (
            _("For your %(vehicle)s at about %(km)s km:")
            if approximately
            else _("For your %(vehicle)s at %(km)s km:")
        )
        lines.append(template % {"vehicle": vehicle, "km": km_text(advice.km)})
    else:
        lines.append(_("For your %(vehicle)s:") % {"vehicle": vehicle})
    to_book = advice.to_book
    if to_book:
        lines += [f"- {item.reason}" for item in to_book]
        names = [name for _code, name in advice.appointments]
        lines += [
            "",
            _("We suggest booking: %(appointments)s.") % {"appointments": ", ".join(names)},
        ]
        if len(names) > 1:
            lines.append(_("They can all be done in one visit."))
    else:
        lines.append(_("Nothing is due now."))
        if advice.items:
            lines.append(_("Next: %(reason)s") % {"reason": advice.items[0].reason})
    lines += ["", _("Would you like us to book it for you?")]
    return "\n".join(lines)

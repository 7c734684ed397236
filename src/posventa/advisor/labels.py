"""What a person reads for the maintenance item and appointment type codes of the generic
schedule. A dealership's file may add codes of its own; it then gives their labels in
English, Spanish and Swedish in the file itself (`schedule.Rule.labels`)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

ITEM_LABELS: dict[str, Promise] = {
    "oil-service": gettext_lazy("Engine oil and oil filter"),
    "cabin-filter": gettext_lazy("Cabin (pollen) filter"),
    "inspection-30k": gettext_lazy("Inspection service"),
    "brake-fluid": gettext_lazy("Brake fluid"),
    "air-filter": gettext_lazy("Engine air filter"),
    "spark-plugs": gettext_lazy("Spark plugs"),
    "fuel-filter": gettext_lazy("Diesel fuel filter"),
    "coolant": gettext_lazy("Coolant"),
    "timing-belt": gettext_lazy("Timing belt"),
    "high-voltage-check": gettext_lazy("High-voltage battery check"),
}

# The workshop app's appointment types carry the same codes.
APPOINTMENT_LABELS: dict[str, Promise] = {
    "oil-service": gettext_lazy("Oil service"),
    "inspection-30k": gettext_lazy("30,000 km inspection service"),
    "brake-fluid": gettext_lazy("Brake fluid change"),
    "timing-belt": gettext_lazy("Timing belt replacement"),
}


def appointment_label(code: str) -> str:
    """The appointment type's name in the active language (its code when we have none)."""
    label = APPOINTMENT_LABELS.get(code)
    return str(label) if label is not None else code

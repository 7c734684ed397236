"""The labels `core.labels.VERB_LABELS` shows for workshop events, marked here too so the
workshop catalogue carries their translations (as promises/verbs.py does)."""

from django.utils.translation import gettext_noop

WORKSHOP_VERBS = {
    "appointment.booked": gettext_noop("Appointment booked"),
    "appointment.rescheduled": gettext_noop("Appointment moved"),
    "appointment.cancelled": gettext_noop("Appointment cancelled"),
    "appointment.arrived": gettext_noop("Customer arrived for the appointment"),
    "appointment.no_show": gettext_noop("Customer did not come"),
    "appointment.reminded": gettext_noop("Appointment reminder sent"),
    "booking_request.opened": gettext_noop("Booking request: to contact again"),
    "booking_request.attempted": gettext_noop("Contact attempt about a booking"),
    "booking_request.booked": gettext_noop("Booking request: booked"),
    "booking_request.declined": gettext_noop("Booking request: declined"),
    "booking_request.unreachable": gettext_noop("Booking request: unreachable"),
}

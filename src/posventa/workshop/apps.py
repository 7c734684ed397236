from django.apps import AppConfig


class WorkshopConfig(AppConfig):
    name = "posventa.workshop"
    label = "workshop"
    verbose_name = "Workshop"

    def ready(self) -> None:
        # Receivers (telephony's call_ended), the waiting list's presenters, and the
        # customers an appointment makes visible to its site's staff.
        from posventa.cases import composer
        from posventa.clocks import subjects
        from posventa.customers.visibility import register_site_link
        from posventa.workshop import case_panel, receivers  # noqa: F401
        from posventa.workshop.models import Appointment, BookingRequest
        from posventa.workshop.presenters import present_appointments, present_requests

        composer.register(case_panel.EXTENSION)
        subjects.register(Appointment, present_appointments)
        subjects.register(BookingRequest, present_requests)
        register_site_link(
            "appointments",
            lambda site_ids: Appointment.objects.filter(
                site_id__in=site_ids, customer__isnull=False
            ).values("customer_id"),
            vehicles=lambda site_ids: Appointment.objects.filter(
                site_id__in=site_ids, vehicle__isnull=False
            ).values("vehicle_id"),
        )

from django.apps import AppConfig


class TransportConfig(AppConfig):
    name = "posventa.transport"
    label = "transport"

    def ready(self) -> None:
        from posventa.clocks import subjects
        from posventa.transport.models import UnmetTransport
        from posventa.transport.subjects import present_unmet

        # The waiting list shows an unmet transport request with its customer and day.
        subjects.register(UnmetTransport, present_unmet)

from django.apps import AppConfig


class TelephonyConfig(AppConfig):
    name = "posventa.telephony"
    label = "telephony"

    def ready(self) -> None:
        from posventa.clocks import subjects
        from posventa.telephony.board import present_callbacks
        from posventa.telephony.models import Callback

        # The waiting list shows a callback with its number and customer, linked to the
        # site's phone board, where the call button is.
        subjects.register(Callback, present_callbacks)

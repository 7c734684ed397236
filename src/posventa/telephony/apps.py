from django.apps import AppConfig


class TelephonyConfig(AppConfig):
    name = "posventa.telephony"
    label = "telephony"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from posventa.clocks import subjects
        from posventa.customers.visibility import register_site_link
        from posventa.inbox.models import Message
        from posventa.telephony import receivers
        from posventa.telephony.board import present_callbacks
        from posventa.telephony.models import Callback

        # A call logged on a case page becomes a call logged by hand.
        post_save.connect(
            receivers.call_log_saved, sender=Message, dispatch_uid="telephony.call_log_saved"
        )
        # A caller is the business of the site they called: a new contact made from an
        # unknown number is visible (and can be merged) there.
        register_site_link("telephony", receivers.customers_with_calls_at)
        # The waiting list shows a callback with its number and customer, linked to the
        # site's phone board, where the call button is.
        subjects.register(Callback, present_callbacks)

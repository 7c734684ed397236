from django.apps import AppConfig


class TelephonyConfig(AppConfig):
    name = "posventa.telephony"
    label = "telephony"

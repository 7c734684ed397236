from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "posventa.channels"
    label = "channels"
    verbose_name = "Inbound channels"

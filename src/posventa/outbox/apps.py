from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "posventa.outbox"
    label = "outbox"
    verbose_name = "Outbound notifications"

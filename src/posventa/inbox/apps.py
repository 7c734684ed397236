from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "posventa.inbox"
    label = "inbox"

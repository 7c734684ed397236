from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "posventa.portal"
    label = "portal"

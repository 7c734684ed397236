from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Registered after the domain apps: it may import all of them, none imports it."""

    name = "posventa.demo"
    label = "demo"
    verbose_name = "Demo and all-in-one run"

from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "posventa.billing"
    label = "billing"

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "posventa.portal"
    label = "portal"

    def ready(self) -> None:
        # The domain asks posventa.customers.links for a customer's link and never imports
        # the portal; here the portal tells it how its links are built.
        from posventa.customers import links as customer_links
        from posventa.portal import links

        customer_links.set_portal_link_builder(links.portal_url)

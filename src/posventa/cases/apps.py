from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "posventa.cases"
    label = "cases"

    def ready(self) -> None:
        # Connect the customer-merge receiver.
        from posventa.cases import customer_links, receivers  # noqa: F401
        from posventa.customers.visibility import register_site_link

        # A case at a site, open or closed, makes its customer (and its vehicle) that
        # site's business.
        register_site_link(
            "cases",
            customer_links.customers_with_cases_at,
            vehicles=customer_links.vehicles_with_cases_at,
        )

from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "posventa.cases"
    label = "cases"

    def ready(self) -> None:
        # Connect the customer-merge receiver.
        from posventa.cases import customer_links, receivers  # noqa: F401
        from posventa.cases.models import Case
        from posventa.cases.subjects import present_cases
        from posventa.clocks import subjects
        from posventa.customers.visibility import register_site_link

        # A case at a site, open or closed, makes its customer (and its vehicle) that
        # site's business.
        register_site_link(
            "cases",
            customer_links.customers_with_cases_at,
            vehicles=customer_links.vehicles_with_cases_at,
        )
        # The waiting list shows a case with its customer and subject, linked to its page.
        subjects.register(Case, present_cases)

"""What cases tell `customers.visibility`: which customers and vehicles dealt with a site.

Both are uncorrelated subqueries on the case's (site, ...) indexes, run once per query.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from posventa.cases.models import Case


def customers_with_cases_at(site_ids: list[int]) -> QuerySet[Case, Any]:
    return Case.objects.filter(site_id__in=site_ids).values("customer_id")


def vehicles_with_cases_at(site_ids: list[int]) -> QuerySet[Case, Any]:
    return Case.objects.filter(site_id__in=site_ids, vehicle__isnull=False).values("vehicle_id")

"""References are quotable, unique, and safe under concurrency."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from django.db import connection

from posventa.cases.actions import next_reference, reference_prefix
from posventa.cases.models import CaseSequence
from posventa.core import actions as core_actions
from posventa.core.models import Site


def test_a_reference_is_site_prefix_year_and_sequence(madrid: Site) -> None:
    at = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
    assert next_reference(madrid, at) == "MAD-2026-00001"
    assert next_reference(madrid, at) == "MAD-2026-00002"
    assert next_reference(madrid, at.replace(year=2027)) == "MAD-2027-00001"


def test_the_year_is_the_sites_local_year(madrid: Site) -> None:
    new_year_in_madrid = dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)
    assert next_reference(madrid, new_year_in_madrid).startswith("MAD-2027-")


def test_two_sites_with_the_same_prefix_never_share_a_reference(madrid: Site) -> None:
    other = core_actions.create_site(
        madrid.organisation,
        name="Madrid Norte",
        slug="mad-norte",
        timezone="Europe/Madrid",
        country="ES",
    )
    at = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    assert reference_prefix(other) == reference_prefix(madrid) == "MAD"
    assert next_reference(madrid, at) != next_reference(other, at)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_cases_get_distinct_references(madrid: Site) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    at = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    results: list[str] = []
    errors: list[BaseException] = []

    def mint() -> None:
        try:
            for _ in range(10):
                results.append(next_reference(madrid, at))
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=mint) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(results) == len(set(results)) == 40
    assert all(re.fullmatch(r"MAD-2026-\d{5}", reference) for reference in results)
    assert CaseSequence.objects.get(prefix="MAD", year=2026).last == 40

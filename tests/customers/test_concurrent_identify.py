"""Two first messages from one new address, processed at once, create one customer."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from posventa.core.models import Organisation
from posventa.customers import actions
from posventa.customers.models import Customer


# SQLite runs write transactions one at a time (IMMEDIATE mode), so the race only exists on
# PostgreSQL, where identify_customer takes an advisory lock on (organisation, address).
@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_racing_first_contacts_from_one_address_create_one_customer(
    group: Organisation,
) -> None:
    workers = 6
    barrier = threading.Barrier(workers)
    created: list[bool] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def first_contact() -> None:
        try:
            barrier.wait()
            result = actions.identify_customer(
                group, channel="whatsapp", address="whatsapp:+34612000111"
            )
            with lock:
                created.append(result.created)
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first_contact) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(created) == [False] * (workers - 1) + [True]
    customer = Customer.objects.get(organisation=group)
    assert not customer.needs_review

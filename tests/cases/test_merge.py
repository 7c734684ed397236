"""Merging two customer records moves the duplicate's cases and messages to the survivor."""

from __future__ import annotations

from posventa.cases.models import Case
from posventa.core.events import timeline
from posventa.core.models import Site, User
from posventa.customers.actions import merge_customers
from posventa.inbox.models import Message
from tests.inbox.factories import case_of, receive_email


def test_a_merge_repoints_cases_and_messages(madrid: Site, manager: User) -> None:
    first = case_of(receive_email(madrid, subject="Frenos"))
    second = case_of(
        receive_email(madrid, from_="L. Ferrer <lferrer@example.org>", subject="Frenos otra vez")
    )
    survivor, duplicate = first.customer, second.customer
    assert survivor != duplicate
    merge_customers(survivor, duplicate, actor=manager)
    assert set(Case.objects.filter(customer=survivor)) == {first, second}
    assert not Message.objects.filter(customer=duplicate).exists()
    assert "case.customer_merged" in [event.verb for event in timeline(second)]

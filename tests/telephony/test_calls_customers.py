"""The caller's number finds the customer; an unknown one becomes a contact staff can
merge; the call goes on the timeline of the customer's open case; a number phonenumbers
cannot read is kept as given and flagged."""

from __future__ import annotations

from django.test import Client

from posventa.cases.models import Case
from posventa.core.events import timeline
from posventa.core.models import Site
from posventa.customers import actions as customer_actions
from posventa.customers.models import Customer
from posventa.telephony.models import Call
from tests.telephony.conftest import event, post_events


def test_a_known_callers_call_goes_on_their_open_case(
    client: Client, phone_site: Site, email_case: Case
) -> None:
    customer_actions.add_contact_point(email_case.customer, "phone", "600 000 123")
    post_events(client, [event("ringing", 0), event("answered", 5), event("hung_up", 65)])
    call = Call.objects.get()
    assert call.customer == email_case.customer and call.case == email_case
    received = timeline(email_case).get(verb="call.received")
    assert received.data["call"] == call.pk and received.data["meets_info_phone"] is True


def test_an_unknown_caller_becomes_a_new_contact_visible_at_the_site(
    client: Client, phone_site: Site, agent: object
) -> None:
    post_events(client, [event("ringing", 0), event("hung_up", 30, cause="noAnswer")])
    customer = Call.objects.get().customer
    assert customer is not None and customer.contact_points.get().value == "+34600000123"
    client.force_login(agent)  # type: ignore[arg-type]
    assert client.get(f"/customers/{customer.pk}/").status_code == 200


def test_a_number_shared_by_two_customers_makes_one_to_review(
    client: Client, phone_site: Site
) -> None:
    for name in ("Ana Inventada", "Luis Inventado"):
        customer_actions.create_customer(
            phone_site.organisation, display_name=name, contact_points=[("phone", "+34600000123")]
        )
    post_events(client, [event("ringing", 0), event("hung_up", 10)])
    assert Call.objects.get().customer.needs_review  # type: ignore[union-attr]


def test_an_unreadable_number_is_kept_and_flagged(client: Client, phone_site: Site) -> None:
    post_events(client, [event("ringing", 0, caller="ext. 12#"), event("hung_up", 10)])
    call = Call.objects.get()
    assert call.caller_raw == "ext. 12#" and call.caller == "" and call.caller_unparsed
    assert call.customer is None and Customer.objects.count() == 0


def test_an_outbound_call_finds_the_customer_it_called_but_makes_nobody(
    client: Client, phone_site: Site
) -> None:
    post_events(
        client,
        [
            event("ringing", 0, direction="outbound", caller="+34910000001", called="+34600000777"),
            event("hung_up", 10, direction="outbound", cause="busy"),
        ],
    )
    call = Call.objects.get()
    assert call.status == "busy" and call.called == "+34600000777" and call.customer is None
    assert Customer.objects.count() == 0

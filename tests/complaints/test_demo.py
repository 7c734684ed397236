"""The demo group has one registered complaint per site, handed to the group's service
manager in the complaints department, acknowledgement still owed."""

from __future__ import annotations

import pytest

from posventa.clocks.models import ClockState
from posventa.complaints.models import Category, Complaint
from posventa.demo.loader import load_demo
from tests.cases.helpers import clock

pytestmark = pytest.mark.django_db


def test_each_demo_site_has_a_complaint_with_the_customers_words() -> None:
    world = load_demo()
    assert world is not None
    for site in world.sites.values():
        complaint = Complaint.objects.get(case__site=site)
        assert complaint.category == Category.CLEANLINESS and complaint.desired_outcome
        assert complaint.misrouted_department == ""
        handover = complaint.case.transfers.get()
        assert complaint.case.owner == handover.to_owner and handover.note
        assert clock(complaint.case, "COMPLAINT-ACK").state == ClockState.RUNNING
        assert clock(complaint.case, "COMPLAINT-ACK").owner == complaint.case.owner

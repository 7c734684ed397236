"""Complaint acknowledgement and closing times reach the compliance figures per site and
person like every standard's: they are clocks (issue 11, item 6)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from posventa.clocks.models import Clock
from posventa.complaints import actions
from posventa.complaints.models import Complaint
from posventa.core.models import Site, User
from posventa.reports.metrics import compliance_by_person, compliance_by_standard


def test_acknowledged_and_closed_complaints_are_counted_per_site_and_person(
    madrid: Site, complaint: Complaint, agent: User
) -> None:
    actions.acknowledge_complaint(complaint, actor=agent)
    actions.record_agreement(complaint, source="portal")
    actions.close_complaint(complaint, actor=agent)
    today = timezone.localdate()
    report = {
        row.standard_code: row
        for row in compliance_by_standard([madrid], today - dt.timedelta(days=1), today)
    }
    for code in ("COMPLAINT-ACK", "COMPLAINT-OPEN"):
        assert report[code].total.met == 1 and report[code].total.breached == 0
        assert report[code].sites[0].key == madrid.pk
    clocks_ = Clock.objects.filter(site=madrid, standard__code__startswith="COMPLAINT-")
    people = {
        row.standard_code: row
        for row in compliance_by_person([madrid], clocks_, now=timezone.now())
    }
    assert people["COMPLAINT-ACK"].sites[0].key == agent.pk

"""HOLD-DISPUTE on the compliance page: actions refused on held accounts, per site and per
person who owns the dispute, on the page and in the CSV (issue 11, item 6)."""

from __future__ import annotations

import csv
import io

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from posventa.billing import actions
from posventa.cases.models import Case
from posventa.core.models import Site, User
from posventa.reports.holds import refusal_report
from tests.billing.conftest import customer, dispute

__all__ = ["customer", "dispute"]  # the billing fixtures, shared


def refuse(case: Case, kind: str, actor: User) -> None:
    attempt = actions.request_collection_action(case.customer, kind=kind, actor=actor)
    assert attempt.refused


def test_refusals_are_counted_per_site_and_per_dispute_owner(
    madrid: Site, dispute: Case, agent: User, manager: User
) -> None:
    actions.place_hold(dispute, actor=agent, reason="Terminales a coste cero")
    for kind in ("cut_off", "cut_off", "legal_referral"):
        refuse(dispute, kind, manager)
    today = timezone.localdate()
    report = refusal_report([madrid], today, today)
    assert [(row.name, row.refused, row.by_kind) for row in report.by_site] == [
        (madrid.name, 3, {"cut_off": 2, "legal_referral": 1})
    ]
    assert [(row.key, row.refused) for row in report.by_person] == [(agent.pk, 3)]


def test_an_allowed_action_is_not_a_refusal(madrid: Site, dispute: Case, manager: User) -> None:
    attempt = actions.request_collection_action(dispute.customer, kind="collection", actor=manager)
    assert not attempt.refused
    today = timezone.localdate()
    assert refusal_report([madrid], today, today).total == 0


def test_the_compliance_page_and_csv_show_the_refusals(
    client: Client, madrid: Site, dispute: Case, agent: User, manager: User
) -> None:
    actions.place_hold(dispute, actor=agent, reason="Terminales a coste cero")
    refuse(dispute, "dunning_letter", manager)
    client.force_login(manager)
    page = client.get(reverse("reports:compliance"))
    body = page.content.decode()
    assert page.status_code == 200 and 'id="hold-refusals"' in body
    assert f'data-refusals-person="{agent.pk}"' in body
    exported = client.get(reverse("reports:compliance"), {"format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode())))
    refused = [row for row in rows if row[:2] == ["HOLD-DISPUTE", "person"]]
    assert refused == [["HOLD-DISPUTE", "person", str(agent), "1", "0", "0", "1", "0"]]


def test_another_sites_refusals_stay_out(
    client: Client, madrid: Site, dispute: Case, agent: User, manager: User, outsider: User
) -> None:
    actions.place_hold(dispute, actor=agent, reason="Terminales a coste cero")
    refuse(dispute, "cut_off", manager)
    client.force_login(outsider)
    body = client.get(reverse("reports:compliance")).content.decode()
    assert "data-refusals-site" not in body

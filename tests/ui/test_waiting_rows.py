"""Waiting on us shows one row per subject: its most urgent obligation first, the others
beside it, the customer and the subject, a link to where it is acted on, local times."""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from posventa.cases import actions as cases
from posventa.cases.models import CaseStatus
from posventa.clocks.models import Clock
from posventa.core.models import Site, User
from tests.ui.helpers import make_clock, open_email_case

H = dt.timedelta(hours=1)


def rows(client: Client, user: User, **query: str):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client.get(reverse("clocks:waiting"), query).context["rows"]


def test_a_case_with_three_clocks_is_one_row_led_by_the_most_urgent(
    client: Client, agent: User, madrid: Site
) -> None:
    case = open_email_case(
        madrid, customer="Nerea Ortega", subject="Ruido al frenar", arrived=timezone.now() - H
    )
    clocks = {c.standard_id: c for c in Clock.objects.filter(subject_id=str(case.pk))}

    [row] = rows(client, agent)

    assert row.clock == clocks["INFO-WEB"]  # one business hour beats two days and five
    assert [o.clock.standard_id for o in row.others] == ["INFO-WRITTEN", "INFO-COMPLETE"]
    assert all(o.seconds_left is not None for o in row.others)
    assert (row.subject.title, row.subject.customer) == ("Ruido al frenar", "Nerea Ortega")
    assert row.subject.url == reverse("cases:detail", args=[case.reference])


def test_rows_of_cases_and_other_subjects_sort_by_their_lead_clock(
    client: Client, agent: User, madrid: Site
) -> None:
    now = timezone.now()
    case = open_email_case(madrid, customer="Iker Soler", subject="Cita ITV", arrived=now - H)
    web_due = Clock.objects.get(subject_id=str(case.pk), standard_id="INFO-WEB").due_at
    assert web_due is not None
    sooner = make_clock(
        "PROMISE-KEPT", madrid, due_at=web_due - H, label="Llamar con el diagnóstico"
    )
    later = make_clock("PROMISE-KEPT", madrid, due_at=web_due + H, label="Pieza pedida")

    found = rows(client, agent)

    assert [row.subject.title for row in found] == [
        "Llamar con el diagnóstico",
        "Cita ITV",
        "Pieza pedida",
    ]
    assert [row.clock.pk for row in found][0::2] == [sooner.pk, later.pk]


def test_a_subject_nobody_presents_links_to_its_obligations_page(
    client: Client, agent: User, madrid: Site
) -> None:
    promise = make_clock("PROMISE-KEPT", madrid, due_at=timezone.now() + H, label="Llamar")

    [row] = rows(client, agent)

    expected = reverse("clocks:subject", args=[promise.subject_type_id, promise.subject_id])
    assert row.subject.url == expected
    assert client.get(expected).status_code == 200


def test_the_filters_choose_the_clocks_and_the_lead_among_them(
    client: Client, agent: User, madrid: Site
) -> None:
    open_email_case(madrid, customer="Alba Campos", subject="Factura", arrived=timezone.now() - H)

    [row] = rows(client, agent, standard="INFO-COMPLETE")

    assert row.clock.standard_id == "INFO-COMPLETE" and row.others == []


def test_times_are_in_the_viewers_site_zone_with_the_zone_named(
    client: Client, agent: User, outsider: User, madrid: Site, goteborg: Site
) -> None:
    due = dt.datetime(2031, 7, 1, 10, 30, tzinfo=dt.UTC)
    make_clock("PROMISE-KEPT", madrid, due_at=due, label="Madrid")
    client.force_login(agent)

    html = client.get(reverse("clocks:waiting")).content.decode()

    assert "Tue 1 Jul, 12:30 CEST" in html  # Madrid in summer is UTC+2
    assert "UTC" not in html.split('class="muted updated"')[1].split("</span>")[0]


def test_a_group_user_reads_each_clock_in_its_sites_zone(
    client: Client, group_admin: User, madrid: Site, goteborg: Site
) -> None:
    winter = dt.datetime(2031, 1, 15, 9, 0, tzinfo=dt.UTC)
    make_clock("PROMISE-KEPT", madrid, due_at=winter, label="Madrid")
    make_clock("PROMISE-KEPT", goteborg, due_at=winter + H, label="Göteborg")
    client.force_login(group_admin)

    html = client.get(reverse("clocks:waiting")).content.decode()

    assert "Wed 15 Jan, 10:00 CET" in html
    assert "Wed 15 Jan, 11:00 CET" in html
    assert "UTC" in html.split('class="muted updated"')[1].split("</span>")[0]


def test_a_page_of_cases_costs_the_same_queries_for_one_row_as_for_twelve(
    client: Client, agent: User, madrid: Site
) -> None:
    client.force_login(agent)
    now = timezone.now()
    open_email_case(madrid, customer="Bruno Arias", subject="Caso 0", arrived=now - H)
    make_clock("PROMISE-KEPT", madrid, due_at=now + H)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("clocks:waiting"))
    for number in range(1, 12):
        open_email_case(madrid, customer=f"Cliente {number}", subject=f"Caso {number}", arrived=now)
        make_clock("PROMISE-KEPT", madrid, due_at=now + number * H)

    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("clocks:waiting"))

    assert len(response.context["rows"]) == 24
    assert len(many.captured_queries) == len(few.captured_queries)


def test_an_outsider_gets_404_on_another_sites_subject_page(
    client: Client, outsider: User, madrid: Site
) -> None:
    promise = make_clock("PROMISE-KEPT", madrid, due_at=timezone.now() + H)
    client.force_login(outsider)

    response = client.get(
        reverse("clocks:subject", args=[promise.subject_type_id, promise.subject_id])
    )

    assert response.status_code == 404


def test_a_promise_is_marked_as_kept_on_its_subject_page(
    client: Client, agent: User, madrid: Site
) -> None:
    promise = make_clock(
        "PROMISE-KEPT", madrid, due_at=timezone.now() + H, started_at=timezone.now() - H
    )
    url = reverse("clocks:subject", args=[promise.subject_type_id, promise.subject_id])
    client.force_login(agent)

    response = client.post(url, {"clock": promise.pk})

    promise.refresh_from_db()
    assert response.status_code == 302
    assert promise.state == "satisfied" and promise.business_seconds is not None
    assert rows(client, agent) == []


def test_an_unknown_subject_type_is_404(client: Client, agent: User) -> None:
    client.force_login(agent)
    missing = ContentType.objects.order_by("-pk").first().pk + 100  # type: ignore[union-attr]

    assert client.get(reverse("clocks:subject", args=[missing, "1"])).status_code == 404


def test_a_case_waiting_on_the_customer_is_one_paused_row_after_the_running_ones(
    client: Client, agent: User, madrid: Site
) -> None:
    now = timezone.now()
    waiting = open_email_case(madrid, customer="Greta Nyberg", subject="Fotos", arrived=now - H)
    cases.set_case_status(waiting, CaseStatus.WAITING_CUSTOMER, actor=agent)
    running = open_email_case(madrid, customer="Hugo Arias", subject="Frenos", arrived=now)
    paused_clocks = Clock.objects.filter(subject_id=str(waiting.pk), state="paused").count()

    found = rows(client, agent)

    assert paused_clocks >= 2
    assert [row.subject.title for row in found] == ["Frenos", "Fotos"]
    assert found[0].subject.url == reverse("cases:detail", args=[running.reference])
    assert found[1].lead.urgency == "paused" and len(found[1].others) == paused_clocks - 1

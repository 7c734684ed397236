"""The page shell: login/logout, navigation that grows with the apps, the portal frame,
and the reusable timeline."""

from __future__ import annotations

import datetime as dt

from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from posventa.core.events import record_event
from posventa.core.formatting import format_duration
from posventa.core.models import Site, User
from tests.conftest import make_user


def render(source: str, **context: object) -> str:
    return Template("{% load posventa_ui %}" + source).render(Context(context))


def test_it_logs_in_through_the_form_and_lands_on_the_waiting_list(
    client: Client, agent: User
) -> None:
    response = client.post(
        reverse("login"), {"username": "alba", "password": "test-password-123"}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("clocks:waiting")
    assert "<h1>Waiting on us</h1>" in response.content.decode()


def test_a_wrong_password_is_refused_and_the_username_kept(client: Client, agent: User) -> None:
    response = client.post(reverse("login"), {"username": "alba", "password": "nope"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="alba"' in html
    assert 'class="error"' in html


def test_it_logs_out_with_a_post_form(client: Client, agent: User) -> None:
    client.force_login(agent)
    html = client.get(reverse("clocks:waiting")).content.decode()
    assert f'<form method="post" action="{reverse("logout")}">' in html

    client.post(reverse("logout"))

    assert client.get(reverse("clocks:waiting")).status_code == 302


def test_the_nav_shows_admin_only_to_staff(client: Client, agent: User) -> None:
    client.force_login(agent)
    assert reverse("admin:index") not in client.get(reverse("clocks:waiting")).content.decode()

    agent.is_staff = True
    agent.save()

    assert reverse("admin:index") in client.get(reverse("clocks:waiting")).content.decode()


def test_the_nav_links_apps_whose_pages_exist_and_skips_those_that_do_not() -> None:
    assert render('{% url_if_exists "clocks:waiting" as url %}[{{ url }}]') == "[/waiting/]"
    assert render('{% url_if_exists "nowhere:missing" as url %}[{{ url }}]') == "[]"


def test_the_portal_frame_has_no_staff_navigation(rf: RequestFactory) -> None:
    html = Template(
        '{% extends "portal_base.html" %}{% block title %}Case{% endblock %}'
        "{% block content %}<p>Your car is ready.</p>{% endblock %}"
    ).render(Context({"request": rf.get("/portal/x/")}))

    assert "<title>Case</title>" in html
    assert "<p>Your car is ready.</p>" in html
    assert "Waiting on us" not in html and "Log out" not in html


def test_durations_read_like_a_person_would_say_them() -> None:
    assert format_duration(35 * 60 + 20) == "35 min"
    assert format_duration(-(80 * 60 + 30)) == "\u22121 h 21 min"
    assert format_duration(-5) == "\u22121 min"
    assert format_duration(2 * 86400 + 3 * 3600 + 59) == "2 d 3 h"
    assert format_duration(0) == "0 min"
    with translation.override("sv"):
        assert format_duration(3 * 3600 + 5 * 60) == "3 tim 5 min"


def test_the_timeline_include_shows_a_subjects_events_in_the_site_timezone(
    madrid: Site, agent: User
) -> None:
    record_event(
        "clock.breached",
        subject=agent,
        site=madrid,
        summary="INFO-WEB late",
        occurred_at=dt.datetime(2026, 7, 1, 10, 0, tzinfo=dt.UTC),
    )
    record_event(
        "case.replied",
        subject=agent,
        site=madrid,
        actor=agent,
        internal=False,
        summary="Answered by e-mail",
        occurred_at=dt.datetime(2026, 7, 1, 11, 0, tzinfo=dt.UTC),
    )

    staff_view = render("{% show_timeline subject %}", subject=agent)
    customer_view = render("{% show_timeline subject include_internal=False %}", subject=agent)

    assert staff_view.index("Deadline missed") < staff_view.index("Reply sent")
    assert "12:00" in staff_view  # 10:00 UTC is noon in Madrid in summer
    assert "INFO-WEB late" in staff_view and "Answered by e-mail" in staff_view
    assert "Deadline missed" not in customer_view
    assert "Answered by e-mail" in customer_view


def test_the_timeline_says_so_when_nothing_happened(db: None) -> None:
    quiet = make_user("quiet")

    with translation.override("es"):
        assert "Todavía no ha pasado nada." in render("{% show_timeline s %}", s=quiet)

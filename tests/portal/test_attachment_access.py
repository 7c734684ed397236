"""Opening an attachment: staff by the sites they see, the customer through their own
link and only for what the portal shows them; files that could run in a browser are
always downloaded, never rendered."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.test import Client
from django.urls import reverse

from posventa.cases.models import Case
from posventa.core.models import Site, User
from posventa.customers.models import Customer
from posventa.inbox.actions import ingest
from posventa.inbox.models import Attachment, MessageKind
from tests.portal.conftest import CARMEN, case_path

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
HTML = b"<html><body><script>fetch('/api/customers')</script></body></html>"


def mail(site: Site, subject: str, files: list[tuple[str, str, bytes]], **headers: str) -> Case:
    message = EmailMessage()
    message["From"] = f"Carmen Rius <{CARMEN}>"
    message["To"] = "taller@example.invalid"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="example.net")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("Adjunto las fotos del golpe.")
    for filename, content_type, payload in files:
        maintype, subtype = content_type.split("/")
        message.add_attachment(payload, maintype=maintype, subtype=subtype, filename=filename)
    raw = ingest("email", bytes(message), source="imap", site=site)
    assert raw.message is not None, raw.reason
    return raw.message.case


@pytest.fixture
def photo_case(madrid: Site) -> Case:
    return mail(
        madrid,
        "Golpe en la puerta",
        [
            ("puerta trasera ñ.png", "image/png", PNG),
            ("dibujo.svg", "image/svg+xml", SVG),
            ('..\\..\\factura "final"\t.html', "text/html", HTML),
        ],
    )


def attachment(case: Case, suffix: str) -> Attachment:
    return Attachment.objects.get(message__case=case, filename__endswith=suffix)


def staff_url(case: Case, item: Attachment) -> str:
    return reverse("cases:attachment", args=[case.reference, item.pk])


def portal_url(customer: Customer, case: Case, item: Attachment) -> str:
    return f"{case_path(customer, case)}attachments/{item.pk}/"


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def body(response: object) -> bytes:
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_the_case_page_links_each_file_to_the_checked_download(
    agent: User, photo_case: Case
) -> None:
    page = logged_in(agent).get(reverse("cases:detail", args=[photo_case.reference]))
    item = attachment(photo_case, ".png")
    assert staff_url(photo_case, item) in page.content.decode()
    assert "/media/" not in page.content.decode()


def test_an_agent_of_the_site_opens_a_photo_inline(agent: User, photo_case: Case) -> None:
    item = attachment(photo_case, ".png")
    response = logged_in(agent).get(staff_url(photo_case, item))
    assert response.status_code == 200
    assert body(response) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert "filename*=utf-8''puerta%20trasera%20%C3%B1.png" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("suffix", [".svg", ".html"])
def test_svg_and_html_are_downloaded_never_rendered(
    agent: User, photo_case: Case, suffix: str
) -> None:
    item = attachment(photo_case, suffix)
    response = logged_in(agent).get(staff_url(photo_case, item))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_file_name_loses_its_path_quotes_and_control_characters(
    agent: User, photo_case: Case
) -> None:
    item = attachment(photo_case, ".html")
    response = logged_in(agent).get(staff_url(photo_case, item))
    assert response["Content-Disposition"] == 'attachment; filename="factura final.html"'


def test_staff_of_another_site_get_404(outsider: User, photo_case: Case) -> None:
    item = attachment(photo_case, ".png")
    assert logged_in(outsider).get(staff_url(photo_case, item)).status_code == 404


def test_a_file_of_another_case_is_not_reachable_through_this_one(
    agent: User, photo_case: Case, madrid: Site
) -> None:
    other = mail(madrid, "Otra cosa", [("otra.png", "image/png", PNG)])
    foreign = attachment(other, "otra.png")
    assert logged_in(agent).get(staff_url(photo_case, foreign)).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client: Client, photo_case: Case) -> None:
    item = attachment(photo_case, ".png")
    response = client.get(staff_url(photo_case, item))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_customer_opens_their_own_files_through_their_link(
    client: Client, photo_case: Case
) -> None:
    customer = photo_case.customer
    path = case_path(customer, photo_case)
    page = client.get(path).content.decode()
    png = attachment(photo_case, ".png")
    assert f'href="{path}attachments/{png.pk}/"' in page
    response = client.get(f"{path}attachments/{png.pk}/")
    assert response.status_code == 200
    assert body(response) == PNG
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    svg = client.get(portal_url(customer, photo_case, attachment(photo_case, ".svg")))
    assert svg["Content-Disposition"].startswith("attachment")


def test_another_customers_link_gets_404(
    client: Client, photo_case: Case, jonas_case: Case
) -> None:
    jonas = jonas_case.customer
    item = attachment(photo_case, ".png")
    assert client.get(portal_url(jonas, photo_case, item)).status_code == 404
    # Nor through the other customer's own case.
    assert client.get(portal_url(jonas, jonas_case, item)).status_code == 404


def test_files_of_automatic_mail_are_not_shown_in_the_portal(
    client: Client, agent: User, photo_case: Case, madrid: Site
) -> None:
    mail(
        madrid,
        f"Fuera de la oficina [{photo_case.reference}]",
        [("firma.png", "image/png", PNG)],
        Auto_Submitted="auto-replied",
    )
    item = attachment(photo_case, "firma.png")
    assert item.message.kind == MessageKind.AUTOMATIC_INBOUND
    customer = photo_case.customer
    assert client.get(portal_url(customer, photo_case, item)).status_code == 404
    assert "firma.png" not in client.get(case_path(customer, photo_case)).content.decode()
    # Staff see it on the case.
    assert logged_in(agent).get(staff_url(photo_case, item)).status_code == 200


def test_a_forged_link_opens_no_file(client: Client, photo_case: Case) -> None:
    item = attachment(photo_case, ".png")
    path = f"/portal/{photo_case.customer.pk}:forged:sig/cases/{photo_case.reference}/"
    assert client.get(f"{path}attachments/{item.pk}/").status_code == 403

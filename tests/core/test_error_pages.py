"""Error pages a person can read, in their language: 400, 403, 404, 413 and 500, styled
like the rest of the product; a request over a size limit says what the limit is."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.utils import translation
from django.views import defaults
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.api.actions import create_api_token
from posventa.core.models import Site, User

HEADINGS = {
    404: {
        "en": "This page does not exist",
        "es": "Esta página no existe",
        "sv": "Sidan finns inte",
    },
    413: {
        "en": "What you sent is too large",
        "es": "Lo que ha enviado es demasiado grande",
        "sv": "Det du skickade är för stort",
    },
}
# filesizeformat joins number and unit with a no-break space.
LIMITS = {"en": "10.0\xa0KB", "es": "10,0\xa0KB", "sv": "10,0\xa0kB"}


@pytest.mark.parametrize("language", ["en", "es", "sv"])
def test_a_missing_page_says_so_in_the_reader_s_language(db: None, language: str) -> None:
    response = Client().get("/no-such-page/", HTTP_ACCEPT_LANGUAGE=language)
    page = response.content.decode()
    assert response.status_code == 404
    assert HEADINGS[404][language] in page
    assert f'lang="{language}"' in page and "posventa/app.css" in page


def test_a_missing_page_follows_the_staff_member_s_own_language(db: None, agent: User) -> None:
    User.objects.filter(pk=agent.pk).update(language="sv")
    client = Client()
    client.force_login(agent)
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 404 and HEADINGS[404]["sv"] in response.content.decode()


@pytest.mark.parametrize("language", ["en", "es", "sv"])
def test_a_page_over_the_size_limit_gets_a_translated_page_naming_the_limit(
    db: None, settings: SettingsWrapper, language: str
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024
    response = Client().post(
        "/login/", {"username": "x" * 20_000, "password": "y"}, HTTP_ACCEPT_LANGUAGE=language
    )
    page = response.content.decode()
    assert response.status_code == 413
    assert HEADINGS[413][language] in page
    assert LIMITS[language] in page
    assert "Bad Request" not in page


def test_a_form_with_too_many_fields_is_told_the_number(
    db: None, settings: SettingsWrapper
) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    fields = {f"field{number}": "x" for number in range(60)}
    response = Client().post("/login/", fields, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 413
    assert "Un formulario puede enviar como máximo 50 campos." in response.content.decode()


def test_the_api_gets_the_size_limit_in_its_json_error_shape(
    settings: SettingsWrapper, madrid: Site, agent: User
) -> None:
    token = create_api_token(agent, "tests", sites=[madrid]).plaintext
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024
    response = Client().post(
        "/api/cases",
        json.dumps({"subject": "x" * 20_000}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 413
    assert response.json() == {
        "errors": [
            {"field": None, "message": "The largest page or form the server accepts is 10.0\xa0KB."}
        ]
    }


def test_a_request_the_server_cannot_read_gets_the_translated_400_page(db: None) -> None:
    response = Client().get("/login/", HTTP_HOST="unknown.invalid", HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code == 400
    assert "Begäran kunde inte förstås" in response.content.decode()


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("en", "You are not allowed to do this"),
        ("es", "No tiene permiso para hacer esto"),
        ("sv", "Du har inte behörighet att göra detta"),
    ],
)
def test_a_refusal_gets_the_translated_403_page(db: None, language: str, heading: str) -> None:
    request = RequestFactory().get("/somewhere/")
    with translation.override(language):
        response = defaults.permission_denied(request, PermissionDenied())
    assert response.status_code == 403 and heading in response.content.decode()


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("en", "Something went wrong on our side"),
        ("es", "Algo ha fallado por nuestra parte"),
        ("sv", "Något gick fel hos oss"),
    ],
)
def test_a_server_error_gets_the_translated_500_page(language: str, heading: str) -> None:
    # Rendered without the request or the database, as Django renders it after a crash.
    with translation.override(language):
        response = defaults.server_error(RequestFactory().get("/"))
    assert response.status_code == 500 and heading in response.content.decode()

"""Each person reads the UI in their own language: English, Spanish or Swedish."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from posventa.core.models import User
from tests.conftest import make_user

NAV_STRINGS = ["Waiting on us", "Compliance", "Log out", "Time left", "Breached only"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Waiting on us"), ("es", "Pendiente de nosotros"), ("sv", "Väntar på oss")],
)
def test_each_user_sees_the_waiting_list_in_their_language(
    client: Client, db: None, language: str, expected: str
) -> None:
    client.force_login(make_user(f"user-{language}", language=language))

    html = client.get(reverse("clocks:waiting")).content.decode()

    assert f'<html lang="{language}">' in html
    assert f"<h1>{expected}</h1>" in html


def test_the_users_choice_beats_the_browsers(client: Client, outsider: User) -> None:
    client.force_login(outsider)

    html = client.get(reverse("clocks:waiting"), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "Väntar på oss" in html


def test_choosing_a_language_is_stored_on_the_user(client: Client, agent: User) -> None:
    client.force_login(agent)

    response = client.post(reverse("core:set_language"), {"language": "sv", "next": "/compliance/"})

    assert response.status_code == 302
    assert response["Location"] == "/compliance/"
    agent.refresh_from_db()
    assert agent.language == "sv"
    assert "Efterlevnad" in client.get(reverse("reports:compliance")).content.decode()


def test_an_unknown_language_is_refused_by_name(client: Client, agent: User) -> None:
    client.force_login(agent)

    response = client.post(reverse("core:set_language"), {"language": "xx"})

    assert response.status_code == 400
    assert "xx" in response.content.decode()
    agent.refresh_from_db()
    assert agent.language == "en"


def test_the_login_page_follows_the_language_chosen_before_logging_in(
    client: Client, db: None
) -> None:
    response = client.post(reverse("core:set_language"), {"language": "es", "next": "/login/"})

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert "Iniciar sesión" in client.get(reverse("login")).content.decode()


def test_it_never_redirects_to_another_host(client: Client, agent: User) -> None:
    client.force_login(agent)

    response = client.post(
        reverse("core:set_language"), {"language": "es", "next": "https://evil.example/"}
    )

    assert response["Location"] == "/"


@pytest.mark.parametrize("language", ["es", "sv"])
def test_the_main_ui_strings_are_translated(language: str) -> None:
    with translation.override(language):
        untranslated = [text for text in NAV_STRINGS if translation.gettext(text) == text]
    assert untranslated == []


def catalogues(*languages: str) -> list[Path]:
    """Every catalogue of the project and of its apps, for these languages."""
    root = Path(settings.BASE_DIR)
    found = sorted(root.glob("**/locale/*/LC_MESSAGES/django.po"))
    return [path for path in found if path.parts[-3] in languages]


def catalogue_id(path: Path) -> str:
    return str(path.relative_to(Path(settings.BASE_DIR)).parent.parent)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt) not installed")
@pytest.mark.parametrize("source", catalogues("es", "sv"), ids=catalogue_id)
def test_every_message_in_every_catalogue_is_translated(source: Path) -> None:
    """`msgfmt -c` also checks the header: a catalogue whose header says three plural forms
    while its messages have two shows those messages in English."""
    result = subprocess.run(
        ["msgfmt", "--statistics", "-c", "-o", "/dev/null", str(source)],
        capture_output=True,
        text=True,
        env={"LC_ALL": "C"},
    )
    stats = result.stderr
    assert result.returncode == 0, stats
    assert "untranslated" not in stats and "fuzzy" not in stats, stats


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt) not installed")
@pytest.mark.parametrize("source", catalogues("en", "es", "sv"), ids=catalogue_id)
def test_the_committed_compiled_catalogues_match_their_sources(
    source: Path, tmp_path: Path
) -> None:
    """The .mo files are committed (no build step on install); they must not go stale."""
    fresh = tmp_path / "django.mo"

    subprocess.run(["msgfmt", "--check-format", "-o", str(fresh), str(source)], check=True)

    assert fresh.read_bytes() == source.with_suffix(".mo").read_bytes()

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.cases.models import Case
from posventa.core.models import Site
from posventa.inbox.actions import ingest
from tests.inbox.factories import case_of, form_body, receive_email


@pytest.fixture(autouse=True)
def media_root(settings: SettingsWrapper, tmp_path: Path) -> Path:
    """Attachments and big raw payloads go to a throw-away directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def email_case(madrid: Site) -> Case:
    """A case opened by a customer's e-mail to Madrid, acknowledged automatically."""
    return case_of(receive_email(madrid, subject="Revisión de los 30.000 km"))


@pytest.fixture
def form_case(madrid: Site) -> Case:
    """A web-form inquiry whose author asked to be answered by e-mail."""
    return case_of(ingest("web_form", form_body(), source="form", site=madrid))

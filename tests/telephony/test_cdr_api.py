"""CDR upload through the API (multipart, real token), and calls read back with their
facts; another site's token reaches nothing."""

from __future__ import annotations

import io
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.api.actions import create_api_token
from posventa.core.models import Site, User
from posventa.telephony.models import Call
from tests.telephony.cdr_files import cdr_line


@pytest.fixture(autouse=True)
def data_dir(settings: SettingsWrapper, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


def upload(client: Client, token: str, site: str, text: bytes) -> Any:
    file = io.BytesIO(text)
    file.name = "Master.csv"
    return client.post(
        "/api/cdr-imports",
        {"site": site, "file": file},
        headers={"Authorization": f"Bearer {token}"},
    )


def test_an_upload_imports_the_file_and_reports_bad_lines(
    client: Client, madrid: Site, agent: User
) -> None:
    token = create_api_token(agent, "pbx", sites=[madrid]).plaintext
    text = (cdr_line(uniqueid="a") + '"short","line"\n' + cdr_line(uniqueid="b")).encode()
    response = upload(client, token, "madrid", text)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["rows_imported"], body["rows_bad"]) == (2, 1)
    assert body["errors"] == [
        {
            "line_number": 2,
            "reason": "Expected 16 to 21 columns, found 2.",
            "raw_line": '"short","line"',
        }
    ]
    again = upload(client, token, "madrid", text).json()
    assert (again["rows_imported"], again["rows_already_known"]) == (0, 2)
    fetched = client.get(
        f"/api/cdr-imports/{body['id']}", headers={"Authorization": f"Bearer {token}"}
    )
    assert fetched.json()["sha256"] == body["sha256"]

    calls = client.get("/api/calls?site=madrid", headers={"Authorization": f"Bearer {token}"})
    items = calls.json()["items"]
    assert len(items) == 2 and items[0]["meets_info_phone"] is True and items[0]["rings"] == 2


def test_an_upload_names_an_unknown_site(client: Client, madrid: Site, outsider: User) -> None:
    token = create_api_token(outsider, "pbx", sites=[]).plaintext
    response = upload(client, token, "madrid", cdr_line().encode())
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "site"
    assert not Call.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_upload_over_real_http(live_server: Any, madrid: Site, agent: User) -> None:
    token = create_api_token(agent, "pbx", sites=[madrid]).plaintext
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="site"\r\n\r\nmadrid\r\n'.encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="Master.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode()
        + cdr_line().encode()
        + b"\r\n",
        f"--{boundary}--\r\n".encode(),
    ]
    request = urllib.request.Request(
        f"{live_server.url}/api/cdr-imports",
        data=b"".join(parts),
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
    assert Call.objects.get().site == madrid


def test_a_time_filter_with_any_offset_is_read_in_utc_and_a_naive_one_is_refused(
    client: Client, madrid: Site, agent: User
) -> None:
    token = create_api_token(agent, "pbx", sites=[madrid]).plaintext
    auth = {"Authorization": f"Bearer {token}"}
    # An offset PostgreSQL refuses to parse (beyond ±15:59) answered 500 before.
    far = client.get("/api/calls", {"since": "7369-06-03T05:21:54-20:08"}, headers=auth)
    assert far.status_code == 200
    assert far.json()["items"] == []
    naive = client.get("/api/calls", {"since": "2026-12-03T09:00:00"}, headers=auth)
    assert naive.status_code == 422
    assert naive.json()["errors"][0]["field"].endswith("since")

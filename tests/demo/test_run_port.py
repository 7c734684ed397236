"""`make run` and `posventa run` check their port before any work and say how to pick
another; the links in mails follow the address the server listens on."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.demo.management.commands.run import follow_the_served_address
from posventa.demo.ports import bind_error, port_problem
from tests.demo.test_cli import cli_env

ROOT = Path(__file__).resolve().parents[2]
POSVENTA = Path(sys.executable).with_name("posventa")


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def test_a_free_port_has_no_problem() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert port_problem("127.0.0.1", port) is None


def test_a_taken_port_is_named_with_a_free_one_to_use_instead(taken_port: int) -> None:
    problem = port_problem("127.0.0.1", taken_port)
    assert problem is not None and f"Port {taken_port} on 127.0.0.1 is already in use" in problem
    suggested = int(problem.split("make run PORT=")[1].split()[0])
    assert suggested > taken_port and bind_error("127.0.0.1", suggested) is None
    assert f"posventa run --port {suggested}" in problem


def test_posventa_run_stops_before_migrating_when_its_port_is_taken(
    taken_port: int, tmp_path: Path
) -> None:
    env = cli_env(tmp_path)
    result = subprocess.run(
        [str(POSVENTA), "run", "--port", str(taken_port)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert f"Port {taken_port} on 127.0.0.1 is already in use" in result.stderr
    assert "make run PORT=" in result.stderr
    assert "Traceback" not in result.stderr and "Migrating" not in result.stdout
    assert not (tmp_path / "data" / "posventa.sqlite3").exists()


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_checks_the_port_before_installing_anything(
    taken_port: int, tmp_path: Path
) -> None:
    # A copy of what `make run` needs for its first step, so a broken check cannot
    # install a virtualenv into the working tree.
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / "src/posventa/demo").mkdir(parents=True)
    shutil.copy(ROOT / "src/posventa/demo/ports.py", tmp_path / "src/posventa/demo/ports.py")
    result = subprocess.run(
        ["make", "run", f"PORT={taken_port}", f"PYTHON={sys.executable}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert f"Port {taken_port} on 127.0.0.1 is already in use" in result.stderr
    assert "make run PORT=" in result.stderr
    assert not (tmp_path / ".venv").exists()


def test_links_follow_the_address_served_on(
    settings: SettingsWrapper, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POSVENTA_SITE_URL", raising=False)
    monkeypatch.delenv("POSVENTA_ALLOWED_HOSTS", raising=False)
    follow_the_served_address("192.0.2.10", 8123)
    assert settings.SITE_URL == "http://192.0.2.10:8123"
    assert "192.0.2.10" in settings.ALLOWED_HOSTS


def test_a_configured_site_url_wins_over_the_served_address(
    settings: SettingsWrapper, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSVENTA_SITE_URL", "https://service.example")
    settings.SITE_URL = "https://service.example"
    follow_the_served_address("127.0.0.1", 8123)
    assert settings.SITE_URL == "https://service.example"

"""The secret key: generated once per data directory, private to its owner, shared by every
process, and never the published demo key."""

from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from posventa import secret_key
from posventa.settings import env_duration
from tests.demo.test_cli import cli_env, posventa

GOOD_KEY = "a-configured-key-" + "x7Qp2Lm9" * 6


def test_a_key_is_generated_once_readable_by_its_owner_only_and_reused(tmp_path: Path) -> None:
    first = secret_key.resolve(tmp_path / "var", configured=None, debug=False)
    stored = tmp_path / "var" / secret_key.FILE_NAME
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert len(first) >= secret_key.MIN_LENGTH
    assert secret_key.resolve(tmp_path / "var", configured=None, debug=False) == first
    assert stored.read_text().strip() == first
    # No temporary file is left behind.
    assert [path.name for path in stored.parent.iterdir()] == [secret_key.FILE_NAME]


def test_each_data_directory_gets_its_own_key(tmp_path: Path) -> None:
    one = secret_key.resolve(tmp_path / "one", configured=None, debug=False)
    two = secret_key.resolve(tmp_path / "two", configured=None, debug=False)
    assert one != two


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from posventa import secret_key; "
        "print(secret_key.resolve(Path(sys.argv[1]), configured=None, debug=False))"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path / "var")],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    keys = {process.communicate(timeout=60)[0].strip() for process in processes}
    assert len(keys) == 1
    assert keys == {(tmp_path / "var" / secret_key.FILE_NAME).read_text().strip()}


def test_a_configured_key_wins_over_the_stored_one(tmp_path: Path) -> None:
    secret_key.resolve(tmp_path, configured=None, debug=False)
    assert secret_key.resolve(tmp_path, configured=GOOD_KEY, debug=False) == GOOD_KEY


@pytest.mark.parametrize("debug", [False, True])
def test_the_published_demo_key_is_refused_even_in_debug(tmp_path: Path, debug: bool) -> None:
    with pytest.raises(ImproperlyConfigured, match="demo key published"):
        secret_key.resolve(tmp_path, configured="posventa-insecure-demo-key-change-me", debug=debug)


@pytest.mark.parametrize("key", ["short-key", "a" * 80])
def test_a_short_or_regular_key_is_refused(tmp_path: Path, key: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="too short or too regular"):
        secret_key.resolve(tmp_path, configured=key, debug=False)


def test_without_a_place_to_keep_a_key_the_server_refuses_and_says_why(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    with pytest.raises(ImproperlyConfigured, match="POSVENTA_SECRET_KEY is not set"):
        secret_key.resolve(blocker / "var", configured=None, debug=False)


def test_in_debug_a_key_that_cannot_be_kept_lives_for_the_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    key = secret_key.resolve(blocker / "var", configured=None, debug=True)
    assert len(key) >= secret_key.MIN_LENGTH
    assert "for this process only" in capsys.readouterr().err


def test_a_stored_key_others_can_read_is_refused(tmp_path: Path) -> None:
    secret_key.resolve(tmp_path, configured=None, debug=False)
    (tmp_path / secret_key.FILE_NAME).chmod(0o644)
    with pytest.raises(ImproperlyConfigured, match="chmod 600"):
        secret_key.resolve(tmp_path, configured=None, debug=False)


def _without_key(env: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in env.items() if key != "POSVENTA_SECRET_KEY"}


def test_the_first_posventa_command_generates_the_key_in_the_data_directory(
    tmp_path: Path,
) -> None:
    env = _without_key(cli_env(tmp_path))
    done = posventa("manage", "check", env=env)
    assert done.returncode == 0, done.stderr
    stored = Path(env["POSVENTA_DATA_DIR"]) / secret_key.FILE_NAME
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600


def test_a_posventa_command_with_the_published_key_refuses_to_start(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    env["POSVENTA_SECRET_KEY"] = "posventa-insecure-demo-key-change-me"
    done = posventa("manage", "check", env=env)
    assert done.returncode != 0
    assert "demo key published" in done.stderr


PRODUCTION = {
    "POSVENTA_HTTPS": "1",
    "POSVENTA_ALLOWED_HOSTS": "service.example.com",
    "POSVENTA_SITE_URL": "https://service.example.com",
    "POSVENTA_CSRF_TRUSTED_ORIGINS": "https://service.example.com",
    "POSVENTA_DEBUG": "0",
}


def test_the_deploy_check_is_clean_with_the_documented_production_settings(
    tmp_path: Path,
) -> None:
    env = {**_without_key(cli_env(tmp_path)), **PRODUCTION}
    # Set by the browser tests for their own process; never in a deployment.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    done = posventa("manage", "check", "--deploy", "--fail-level", "WARNING", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WARNINGS" not in done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_the_portal_link_age_comes_from_the_environment(tmp_path: Path) -> None:
    env = {**cli_env(tmp_path), "POSVENTA_PORTAL_LINK_MAX_AGE": "2h"}
    code = "from django.conf import settings; print(settings.POSVENTA_PORTAL_LINK_MAX_AGE)"
    done = posventa("manage", "shell", "-c", code, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "2:00:00"
    env["POSVENTA_PORTAL_LINK_MAX_AGE"] = "soon"
    refused = posventa("manage", "shell", "-c", code, env=env)
    assert refused.returncode != 0
    assert "POSVENTA_PORTAL_LINK_MAX_AGE='soon'" in refused.stderr


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("", 30 * 86400), ("3600", 3600), ("90m", 5400), ("12h", 43200), ("7d", 7 * 86400)],
)
def test_durations_are_read_in_seconds_or_with_a_unit(
    monkeypatch: pytest.MonkeyPatch, value: str, seconds: int
) -> None:
    monkeypatch.setenv("POSVENTA_TEST_DURATION", value)
    default = dt.timedelta(days=30)
    assert env_duration("POSVENTA_TEST_DURATION", default).total_seconds() == seconds


def test_a_negative_duration_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSVENTA_TEST_DURATION", "-5")
    with pytest.raises(ImproperlyConfigured, match="positive"):
        env_duration("POSVENTA_TEST_DURATION", dt.timedelta(days=1))


def test_the_test_suite_signs_with_its_own_key() -> None:
    assert os.environ["POSVENTA_SECRET_KEY"] == settings.SECRET_KEY
    assert settings.SECRET_KEY not in secret_key.PUBLISHED_KEYS

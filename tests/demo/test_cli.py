"""The `posventa` console script, including a real `posventa run` on a free port."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from posventa.cli import main
from posventa.demo.loader import DEMO_PASSWORD

POSVENTA = Path(sys.executable).with_name("posventa")
START_TIMEOUT = 120


def test_it_prints_usage_without_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert "posventa run" in capsys.readouterr().out


def test_it_refuses_an_unknown_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fly"]) == 2
    assert "unknown command 'fly'" in capsys.readouterr().err


def cli_env(tmp_path: Path) -> dict[str, str]:
    """A private SQLite database under tmp_path, whatever database the test run uses.

    The CLI runs as a real process: Django commands close every database connection when
    they finish, which an in-process test transaction would not survive.
    """
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["POSVENTA_DATA_DIR"] = str(tmp_path / "data")
    # The product's settings, as an installed `posventa` reads them (the suite's own
    # tests.settings only adds a test key, which the environment still carries).
    env["DJANGO_SETTINGS_MODULE"] = "posventa.settings"
    return env


def posventa(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(POSVENTA), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_subcommands_pass_through_to_management_commands(tmp_path: Path) -> None:
    env = cli_env(tmp_path)

    migrate = posventa("manage", "migrate", "--verbosity", "0", env=env)
    first = posventa("demo", env=env)
    second = posventa("demo", env=env)
    sweep = posventa("sweep", "--once", env=env)
    check = posventa("manage", "check", env=env)

    assert migrate.returncode == 0, migrate.stderr
    assert "Demo dealer group loaded" in first.stdout, first.stderr
    assert "demo-manager / posventa-demo" in first.stdout
    assert "already loaded" in second.stdout
    # The demo's overdue clocks are escalated by the first sweep.
    assert re.search(r"Escalated [1-9]\d* steps", sweep.stdout), sweep.stdout + sweep.stderr
    assert "no issues" in check.stdout


def test_a_failing_command_reports_its_error(tmp_path: Path) -> None:
    result = posventa("manage", "no-such-command", env=cli_env(tmp_path))

    assert result.returncode != 0
    assert "Unknown command: 'no-such-command'" in result.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_http(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"posventa run exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    pytest.fail(f"{url} did not answer within {START_TIMEOUT}s:\n{log.read_text()}")


def log_in(base: str, username: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/login/").read()
    token = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
    form = urllib.parse.urlencode(
        {
            "username": username,
            "password": DEMO_PASSWORD,
            "csrfmiddlewaretoken": token,
        }
    ).encode()
    request = urllib.request.Request(f"{base}/login/", data=form, headers={"Referer": base})
    opener.open(request).read()
    return opener


def test_run_serves_the_demo_with_worker_and_sweeper_and_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = cli_env(tmp_path)
    env.update(POSVENTA_CSRF_TRUSTED_ORIGINS=base, POSVENTA_LOG="INFO")
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(POSVENTA), "run", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_http(f"{base}/login/", process, log)
        page = log_in(base, "demo-manager").open(f"{base}/waiting/").read().decode()
        # The sweeper escalates the demo's overdue clocks, which queues e-mail to their
        # owners; the task worker thread delivers it (file backend) in the same process.
        sent_mail = tmp_path / "data" / "sent-mail"
        deadline = time.monotonic() + 60
        while not (sent_mail.exists() and any(sent_mail.iterdir())):
            if time.monotonic() > deadline:
                pytest.fail(f"no e-mail delivered by the worker thread:\n{log.read_text()}")
            time.sleep(0.5)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            exit_code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    output = log.read_text()
    assert f"Posventa is running at {base}/" in output
    assert re.search(r"demo-manager\s+service manager", output)
    assert f"password for all: {DEMO_PASSWORD}" in output
    assert "Sweeper started" in output
    assert 'class="time-left breached"' in page
    assert exit_code == 0
    assert "Stopped." in output
    assert (tmp_path / "data" / "posventa.sqlite3").exists()

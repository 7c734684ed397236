"""A real IMAP server for the poller tests: Dovecot, started per test on a free loopback port.

Dovecot runs with a throw-away configuration: plaintext login on 127.0.0.1 without TLS,
one user from a passwd-file, Maildir storage, and its runtime, state and log files in a
temporary directory. As root, Dovecot refuses to run its login and mail processes as root,
so they run as the `dovenull` and `dovecot` system users the Debian package creates; as
another user everything runs as that user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from imapclient import IMAPClient

from tests.inbox.adapters.helpers import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
IMAP_USER = "taller"
IMAP_PASSWORD = "clave-de-prueba-123"
START_TIMEOUT = 20.0


@dataclass
class ImapServer:
    host: str
    port: int
    user: str
    password: str
    root: Path

    def client(self) -> IMAPClient:
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=30)
        client.login(self.user, self.password)
        return client

    def log(self) -> str:
        path = self.root / "log" / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _accounts() -> tuple[str, str, int, int, str]:
    """(login user, internal user, mail uid, mail gid, internal group) for this machine."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid())
        return me.pw_name, me.pw_name, me.pw_uid, me.pw_gid, ""
    try:
        internal = pwd.getpwnam("dovecot")
        pwd.getpwnam("dovenull")
    except KeyError:
        pytest.skip("running as root, but the dovecot/dovenull system users do not exist")
    return "dovenull", "dovecot", internal.pw_uid, internal.pw_gid, "dovecot"


def _config(root: Path, port: int, login_user: str, internal_user: str, internal_group: str) -> str:
    group_line = f"default_internal_group = {internal_group}\n" if internal_group else ""
    return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/log/dovecot.log
info_log_path = {root}/log/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
{group_line}first_valid_uid = 1
mail_location = maildir:{root}/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = {root}/passwd
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


def _wait_for_greeting(port: int, process: subprocess.Popen[bytes], root: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode(errors="replace") if process.stdout else ""
            pytest.fail(f"dovecot exited with {process.returncode}: {output}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as probe:
                if probe.recv(200).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.1)
    log = root / "log" / "dovecot.log"
    pytest.fail(
        "dovecot did not answer in time: "
        + (log.read_text(errors="replace") if log.exists() else "")
    )


@pytest.fixture
def imap_server() -> Iterator[ImapServer]:
    if not os.path.exists(DOVECOT):
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    login_user, internal_user, uid, gid, internal_group = _accounts()
    # Not pytest's tmp_path: that is private to the test user, and the mail processes may
    # run as the dovecot user, who must reach the Maildir.
    root = Path(tempfile.mkdtemp(prefix="posventa-dovecot-"))
    root.chmod(0o755)
    for name in ("run", "state", "log", "Maildir", "home"):
        (root / name).mkdir()
    for name in ("Maildir", "home"):
        os.chown(root / name, uid, gid)
    (root / "passwd").write_text(
        f"{IMAP_USER}:{{PLAIN}}{IMAP_PASSWORD}:{uid}:{gid}::{root}/home::\n"
    )
    port = free_port()
    conf = root / "dovecot.conf"
    conf.write_text(_config(root, port, login_user, internal_user, internal_group))
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        _wait_for_greeting(port, process, root)
        yield ImapServer("127.0.0.1", port, IMAP_USER, IMAP_PASSWORD, root)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()
        shutil.rmtree(root, ignore_errors=True)

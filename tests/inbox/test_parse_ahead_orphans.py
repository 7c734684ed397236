"""A parse-ahead worker ends with the process that started it, however that process ends.

The IMAP poller (`manage.py imap_poll`) starts the worker at start-up (`parse_ahead.prepare`).
Killed with SIGKILL it runs no clean-up: these tests start a real process that starts the
worker the same way, kill it, and look in /proc for what it left behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")

POLLER_LIKE = """
import sys, time, django
django.setup()
from posventa.inbox import parse_ahead
parse_ahead.prepare()  # what imap_poll does at start-up
print(parse_ahead.warm_up(timeout=60), flush=True)
time.sleep(600)
"""


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text.rsplit(")", 1)[1].split()  # the command name may hold spaces
    return fields[0], int(fields[1])


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None and stat[1] == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")  # a zombie has ended


def _start_poller_like(tmp_path: Path) -> tuple[subprocess.Popen[str], int]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "posventa.settings",
        "PYTHONPATH": os.pathsep.join(sys.path),
        "POSVENTA_DATA_DIR": str(tmp_path),
        "POSVENTA_PARSE_PROCESSES": "1",
    }
    poller = subprocess.Popen(
        [sys.executable, "-c", POLLER_LIKE], env=env, stdout=subprocess.PIPE, text=True
    )
    assert poller.stdout is not None
    worker = int(poller.stdout.readline().strip() or 0)
    assert worker, "the parse-ahead worker did not start"
    return poller, worker


def _wait_until_gone(pids: set[int], seconds: float) -> set[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = {pid for pid in pids if _alive(pid)}
        if not left:
            return set()
        time.sleep(0.05)
    return {pid for pid in pids if _alive(pid)}


def test_killing_the_poller_with_sigkill_leaves_no_process_behind(tmp_path: Path) -> None:
    poller, worker = _start_poller_like(tmp_path)
    try:
        children = _children(poller.pid)
        # The worker, and multiprocessing's resource tracker (spawning starts it).
        assert worker in children and len(children) == 2, children

        os.kill(poller.pid, signal.SIGKILL)
        poller.wait(timeout=10)

        assert _wait_until_gone(children, seconds=5.0) == set()
    finally:
        if poller.poll() is None:
            poller.kill()
            poller.wait()
        for pid in _children(poller.pid):  # pragma: no cover - only when the test fails
            os.kill(pid, signal.SIGKILL)


def test_a_poller_that_lives_on_keeps_its_worker_until_it_ends(tmp_path: Path) -> None:
    poller, worker = _start_poller_like(tmp_path)
    try:
        time.sleep(1.0)  # the watcher must not mistake anything else for its parent's end
        assert _alive(worker) and worker in _children(poller.pid)
    finally:
        poller.terminate()
        poller.wait(timeout=10)
    assert _wait_until_gone({worker}, seconds=5.0) == set()

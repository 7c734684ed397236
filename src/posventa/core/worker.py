"""The django-tasks database worker, with a heartbeat for /healthz.

Why a subclass that beats when its loop reads `running`: django_tasks_db's Worker.run is
one `while self.running:` loop with no hook of its own. Its task_started/task_finished
signals fire only around tasks, so an idle (healthy) worker would look dead; a side thread
would keep beating while the loop is stuck. The loop reads `running` once per pass (and
once more before it sleeps), so beating there (throttled) proves the loop itself turns.
A task that runs longer than the stale threshold shows the worker as stale meanwhile,
which is what a monitor should see: nothing else is being delivered.
"""

from __future__ import annotations

from typing import Any

from django_tasks_db.management.commands.db_worker import Worker

from posventa.core.heartbeat import WORKER, Throttled, heartbeat_seconds


class HeartbeatWorker(Worker):  # type: ignore[misc]
    def __init__(self, **kwargs: Any) -> None:
        self._running = True
        interval = float(kwargs.get("interval") or 0)
        self._beat = Throttled(WORKER, every=max(interval, heartbeat_seconds()))
        super().__init__(**kwargs)

    @property
    def running(self) -> bool:
        if self._running:
            self._beat()
        return self._running

    @running.setter
    def running(self, value: bool) -> None:
        self._running = value

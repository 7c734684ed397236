"""`worker` (what `posventa worker` runs): django_tasks_db's `db_worker` with a heartbeat.

Same arguments as `db_worker`; only the Worker class differs (see posventa.core.worker),
so the worker shows in /healthz. Plain `db_worker` still works but records no heartbeat.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from posventa.core.worker import HeartbeatWorker


class Command(db_worker.Command):  # type: ignore[misc]
    def handle(self, *args: Any, **options: Any) -> None:
        # django_tasks_db's handle() builds its Worker inline; this is the same steps with
        # HeartbeatWorker instead.
        self.configure_logging(options["verbosity"])
        reload, batch = options["reload"], options["batch"]
        if reload and batch:
            db_worker.logger.warning(
                "Warning: --reload and --batch cannot be specified together. Disabling autoreload."
            )
            reload = False
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = HeartbeatWorker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=batch,
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the reloader's child handles signals
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()

"""`manage.py db_worker`: django-tasks-db's command, running parley.jobs' worker.

It takes this name so that no worker without heartbeats and retries can be started by
mistake: one would have its jobs put back (run twice at once) by the others. The
options are django-tasks-db's (`--help`); `--queue-name '*'` runs every queue.
"""

import os
from typing import Any

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from parley.jobs.worker import ParleyWorker


class Command(db_worker.Command):
    help = "Run a background job worker (docs/jobs.md)"

    def handle(self, *, verbosity: int, reload: bool, **options: Any) -> None:
        self.configure_logging(verbosity)
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ParleyWorker(
            queue_names=queue_names,
            excluded_queue_names=excluded,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
        )
        if reload and not options["batch"]:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # in the reloaded child only
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()

"""The files' background job: the sweep of orphan uploads (parley.files.actions.delete_orphans).

Each upload enqueues a sweep for when it would be an orphan (FILES_ORPHAN_SECONDS after
it, in the queue of docs/jobs.md), so no scheduler is needed: one sweep deletes every
orphan due by then, and the later ones find nothing left to do. `manage.py
delete_orphan_files` runs the same sweep by hand or from cron.
"""

from parley.files.actions import delete_orphans
from parley.jobs.queue import job


@job(max_attempts=5)
def sweep_orphans() -> int:
    """Delete the orphan uploads due by now; how many."""
    return delete_orphans()

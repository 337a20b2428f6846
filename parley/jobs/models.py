"""The workers that are alive: each says so every JOBS_HEARTBEAT_SECONDS (worker.py)."""

from django.db import models


class WorkerHeartbeat(models.Model):
    """A db_worker process, while it runs. A job it claimed whose worker has not beaten
    for JOBS_LEASE_SECONDS is put back (worker.recover_lost_jobs); the row goes when the
    worker stops cleanly, or once stale."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    seen_at = models.DateTimeField(db_index=True)
    started_at = models.DateTimeField()
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.host}:{self.pid})"


class PruneMarker(models.Model):
    """When the retention prune (retention.py) was last claimed: one row, so that however
    many workers run, one of them enqueues the prune job once per JOBS_PRUNE_INTERVAL_SECONDS
    (the claim is a conditional UPDATE of this row, which only one writer wins)."""

    claimed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"pruned at {self.claimed_at:%Y-%m-%d %H:%M:%S}"

from django.contrib import admin

from parley.jobs.models import WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin[WorkerHeartbeat]):
    list_display = ("worker_id", "host", "pid", "started_at", "seen_at")
    readonly_fields = list_display

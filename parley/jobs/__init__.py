"""Background jobs: work that runs after a request and survives a restart (docs/jobs.md).

Django's Tasks API (the django-tasks backport of Django 6.0's django.tasks) with its jobs
in the database (django-tasks-db), plus what that worker lacks: retries with exponential
backoff up to a maximum of attempts, and the jobs of a worker that died run again.
queue.py is what callers use (job, enqueue_on_commit, GiveUp); worker.py is the worker.
"""

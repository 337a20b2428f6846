"""Test database housekeeping for the end of a socket test run."""

from django.db import connection


def end_other_sessions() -> None:
    """End every other session on the test database, so that it can be dropped.

    Socket tests run database work in executor threads whose connections outlive the
    test (each thread keeps its own); PostgreSQL and MariaDB refuse to drop a database
    that is still in use.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        elif connection.vendor == "mysql":
            cursor.execute(
                "SELECT id FROM information_schema.processlist "
                "WHERE db = DATABASE() AND id <> CONNECTION_ID()"
            )
            for (session_id,) in cursor.fetchall():
                cursor.execute(f"KILL {int(session_id)}")

"""The production switch: refuses to start half-configured, passes Django's deploy checks.
PostgreSQL's connections bind parameters on the server and prepare repeated statements."""

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from channels.db import database_sync_to_async
from django.db import connection

from parley.accounts.models import User
from parley.calls.models import Ring
from parley.calls.selectors import calls_ringing_for
from parley.core import db_async

ROOT = Path(__file__).resolve().parents[3]
GOOD_KEY = "k3y-" + "x9Qz_7pL" * 8


# Left out of the environment a command inherits: each test sets what it needs.
UNSET = {
    "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "ALLOWED_HOSTS", "PARLEY_ENV", "DEBUG",
    "DATABASE_PREPARE_THRESHOLD",
}  # fmt: skip


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in UNSET}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", PARLEY_ENV="production", ALLOWED_HOSTS="chat.example.org")

    assert result.returncode != 0
    assert "PARLEY_ENV=production needs SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = manage("check", PARLEY_ENV="production", SECRET_KEY=GOOD_KEY)

    assert result.returncode != 0
    assert "PARLEY_ENV=production needs ALLOWED_HOSTS" in result.stderr


def test_production_passes_the_deploy_checks():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING",
        PARLEY_ENV="production", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="chat.example.org",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_unknown_parley_env_is_refused():
    result = manage("check", PARLEY_ENV="staging")

    assert result.returncode != 0
    assert "PARLEY_ENV must be one of development, production, test" in result.stderr


@pytest.mark.django_db
def test_security_headers(client):
    response = client.get("/login/")

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


# --- PostgreSQL's prepared statements ------------------------------------------------


def database_options(url: str, **env: str) -> dict[str, object]:
    """The default database's OPTIONS as the settings build them for `url` (no connection)."""
    show = "import json; from django.conf import settings; "
    show += "print(json.dumps(settings.DATABASES['default']['OPTIONS']))"
    result = manage("shell", "-v", "0", "-c", show, DATABASE_URL=url, **env)
    assert result.returncode == 0, result.stderr
    options: dict[str, object] = json.loads(result.stdout)
    return options


def test_postgresql_binds_on_the_server_and_prepares_after_five_runs():
    options = database_options("postgres://parley@db.example.org:5432/parley")

    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 5


def test_a_prepare_threshold_of_zero_turns_preparing_off():
    options = database_options(
        "postgres://parley@db.example.org/parley", DATABASE_PREPARE_THRESHOLD="0"
    )

    # psycopg's None is "never prepare" (its 0 would prepare every statement at once).
    assert options["prepare_threshold"] is None
    assert options["server_side_binding"] is True


def test_other_databases_get_no_postgresql_options():
    options = database_options("sqlite:////tmp/parley-settings-check.sqlite3")

    assert "prepare_threshold" not in options and "server_side_binding" not in options


on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="prepared statements are psycopg's, on PostgreSQL only",
)
PREPARED = "SELECT statement FROM pg_prepared_statements WHERE NOT from_sql"


@on_postgresql
@pytest.mark.django_db
def test_a_repeated_read_is_prepared_on_postgresql(alice):
    # Every socket's connect runs this read; from the sixth run on the connection it is
    # a prepared statement, which PostgreSQL neither parses nor plans again.
    answers = [calls_ringing_for([alice.pk]) for _ in range(6)]

    assert answers == [{alice.pk: []}] * 6
    with connection.cursor() as cursor:
        cursor.execute(PREPARED)
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert any(Ring._meta.db_table in statement for statement in prepared), prepared


@on_postgresql
@pytest.mark.django_db(transaction=True)
async def test_the_event_loops_connection_prepares_as_djangos_do(alice):
    """The loop's own connection (the one that stores sends) takes the same OPTIONS."""
    read = f"SELECT username FROM {User._meta.db_table} WHERE id = %s"  # noqa: S608
    try:
        answers = [await db_async.fetchall(read, [alice.pk]) for _ in range(6)]
        prepared = [statement for (statement,) in await db_async.fetchall(PREPARED, [])]
    finally:
        await db_async.close()

    assert answers == [[("alice",)]] * 6
    assert read.replace("%s", "$1") in prepared, prepared


@database_sync_to_async
def ddl(sql: str) -> None:
    """A statement on Django's connection (another than the loop's)."""
    with connection.cursor() as cursor:
        cursor.execute(sql)


@on_postgresql
@pytest.mark.django_db(transaction=True)
async def test_the_loops_connection_recovers_when_a_migration_changes_a_prepared_result():
    """PostgreSQL refuses a prepared statement whose result columns changed type ("cached
    plan must not change result type"); the loop's connection is then replaced, so only
    the statement that met the change fails."""
    await ddl("CREATE TABLE prepared_probe (id integer, name varchar(10))")
    await ddl("INSERT INTO prepared_probe VALUES (1, 'one')")
    read = "SELECT id, name FROM prepared_probe WHERE id = %s"
    try:
        for _ in range(6):
            assert await db_async.fetchall(read, [1]) == [(1, "one")]
        await ddl("ALTER TABLE prepared_probe ALTER COLUMN name TYPE varchar(20)")

        with pytest.raises(psycopg.errors.FeatureNotSupported):
            await db_async.fetchall(read, [1])
        assert await db_async.fetchall(read, [1]) == [(1, "one")]
    finally:
        await db_async.close()
        await ddl("DROP TABLE prepared_probe")

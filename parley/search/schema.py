"""The search index on messaging_message, per database; used by the migrations.

- PostgreSQL: a STORED generated tsvector column (english) with a GIN index, and a
  pg_trgm GIN index on UPPER(body) for substring matches (Django's icontains).
- SQLite: an FTS5 external-content table over messaging_message, kept in step by
  triggers on INSERT, DELETE and UPDATE OF body.
- MariaDB/MySQL: an InnoDB FULLTEXT index on body.

Each index follows ordinary ORM inserts, saves, updates and deletes: an edit is found by
its new text at once. SQLite drops a table's triggers when Django rebuilds the table (as
it does for many AddField/AlterField), so repair_after_migrate puts them back and
rebuilds the FTS table after every `migrate`. A change to this DDL needs a new migration
that calls uninstall() and then install() again.
"""

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "messaging_message"
PG_CONFIG = "english"  # the text search configuration of the generated column
FTS_TABLE = "search_message_fts"
MYSQL_INDEX = "search_message_body_ft"

# The names below are spelled out in the SQL (no string formatting of SQL anywhere).
_POSTGRESQL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "ALTER TABLE messaging_message ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, body)) STORED",
    "CREATE INDEX IF NOT EXISTS search_message_vector_idx ON messaging_message "
    "USING gin (search_vector)",
    # Django's icontains is UPPER(body) LIKE UPPER(%s): this index serves it.
    "CREATE INDEX IF NOT EXISTS search_message_body_trgm_idx ON messaging_message "
    "USING gin (UPPER(body) gin_trgm_ops)",
]
# A GIN index gathers new entries in a pending list and merges it into the index when it
# passes gin_pending_list_limit (4 MB by default): the INSERT that crosses it does all of
# that merging, and every message in flight waits behind that send statement
# (bench/README.md). A small list (the limit is in kB) spreads the same work over many
# inserts. Applied to existing indexes by migration 0002.
_POSTGRESQL_TUNING = [
    "ALTER INDEX IF EXISTS search_message_vector_idx SET (gin_pending_list_limit = 256)",
    "ALTER INDEX IF EXISTS search_message_body_trgm_idx SET (gin_pending_list_limit = 256)",
]
_POSTGRESQL += _POSTGRESQL_TUNING
_POSTGRESQL_UNDO = [
    "DROP INDEX IF EXISTS search_message_body_trgm_idx",
    "DROP INDEX IF EXISTS search_message_vector_idx",
    "ALTER TABLE messaging_message DROP COLUMN IF EXISTS search_vector",
]

_SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_message_fts USING fts5(body, "
    "content='messaging_message', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')"
)
_SQLITE_TRIGGERS = {
    "search_message_ai": """
        CREATE TRIGGER IF NOT EXISTS search_message_ai AFTER INSERT ON messaging_message BEGIN
            INSERT INTO search_message_fts(rowid, body) VALUES (new.id, new.body);
        END""",
    "search_message_ad": """
        CREATE TRIGGER IF NOT EXISTS search_message_ad AFTER DELETE ON messaging_message BEGIN
            INSERT INTO search_message_fts(search_message_fts, rowid, body)
                VALUES ('delete', old.id, old.body);
        END""",
    "search_message_au": """
        CREATE TRIGGER IF NOT EXISTS search_message_au AFTER UPDATE OF body ON messaging_message
        BEGIN
            INSERT INTO search_message_fts(search_message_fts, rowid, body)
                VALUES ('delete', old.id, old.body);
            INSERT INTO search_message_fts(rowid, body) VALUES (new.id, new.body);
        END""",
}
_SQLITE_REBUILD = "INSERT INTO search_message_fts(search_message_fts) VALUES ('rebuild')"
_SQLITE_DROP = "DROP TABLE IF EXISTS search_message_fts"

# ALGORITHM=COPY: MariaDB 10.11 re-adding the index in place (after a migration back)
# leaves out the rows written since the first one was built; a copy indexes them all.
_MYSQL_ADD = (
    "ALTER TABLE messaging_message ADD FULLTEXT INDEX search_message_body_ft (body), ALGORITHM=COPY"
)
_MYSQL_DROP = "ALTER TABLE messaging_message DROP INDEX search_message_body_ft"


def _mysql_has_index(cursor: Any) -> bool:
    cursor.execute(
        "SELECT 1 FROM information_schema.statistics "
        "WHERE table_schema = DATABASE() AND table_name = %s AND index_name = %s",
        [TABLE, MYSQL_INDEX],
    )
    return cursor.fetchone() is not None


def install(connection: BaseDatabaseWrapper) -> None:
    """Create the search index for `connection`'s database (idempotent)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for statement in _POSTGRESQL:
                cursor.execute(statement)
        elif connection.vendor == "sqlite":
            cursor.execute(_SQLITE_TABLE)
            for statement in _SQLITE_TRIGGERS.values():
                cursor.execute(statement)
            cursor.execute(_SQLITE_REBUILD)
        elif connection.vendor == "mysql" and not _mysql_has_index(cursor):
            cursor.execute(_MYSQL_ADD)


def tune(connection: BaseDatabaseWrapper) -> None:
    """Set the PostgreSQL indexes' storage parameters (see _POSTGRESQL_TUNING)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for statement in _POSTGRESQL_TUNING:
                cursor.execute(statement)


def uninstall(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for statement in _POSTGRESQL_UNDO:
                cursor.execute(statement)
        elif connection.vendor == "sqlite":
            for name in _SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(_SQLITE_DROP)
        elif connection.vendor == "mysql" and _mysql_has_index(cursor):
            cursor.execute(_MYSQL_DROP)


def repair(connection: BaseDatabaseWrapper) -> bool:
    """Put back SQLite triggers that a table rebuild dropped, and reindex. True if it did.

    Does nothing where the search index is not installed (before the migration, or
    after migrating it back) and on other databases, whose indexes survive ALTER TABLE.
    """
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT type, name FROM sqlite_master WHERE name = %s OR tbl_name = %s",
            [FTS_TABLE, TABLE],
        )
        present = {name for _type, name in cursor.fetchall()}
        if FTS_TABLE not in present or present.issuperset(_SQLITE_TRIGGERS):
            return False
        for statement in _SQLITE_TRIGGERS.values():
            cursor.execute(statement)
        cursor.execute(_SQLITE_REBUILD)
    return True


def repair_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """post_migrate receiver (sent at the end of every migrate and flush): see repair()."""
    from django.db import connections

    repair(connections[using])

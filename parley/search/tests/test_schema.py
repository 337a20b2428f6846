"""The search index follows every way messages change, and survives migrations."""

import pytest
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection

from parley.messaging.models import Message
from parley.search.schema import repair
from parley.search.tests.conftest import found, say

pytestmark = pytest.mark.django_db(transaction=True)


def test_queryset_updates_and_deletes_are_followed(chat, alice, bob):
    kept = say(alice, chat, "alpha version")
    gone = say(alice, chat, "alpha bravo")

    Message.objects.filter(pk=kept.pk).update(body="charlie version")
    Message.objects.filter(pk=gone.pk).delete()

    assert found(bob, "alpha") == []
    assert found(bob, "charlie") == ["charlie version"]


def test_existing_messages_are_indexed_when_the_index_is_installed(chat, alice, bob):
    say(alice, chat, "written before search existed")

    call_command("migrate", "search", "zero", verbosity=0)
    call_command("migrate", "search", verbosity=0)

    assert found(bob, "existed") == ["written before search existed"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="only SQLite rebuilds tables")
def test_sqlite_triggers_come_back_after_django_rebuilds_the_table(chat, alice, bob):
    say(alice, chat, "before the rebuild")
    with connection.schema_editor() as editor:
        editor._remake_table(Message)  # type: ignore[attr-defined]  # as AddField often does
    say(alice, chat, "after the rebuild")
    assert found(bob, "rebuild") == ["before the rebuild"]  # the triggers went with the table

    emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)  # end of migrate

    assert sorted(found(bob, "rebuild")) == ["after the rebuild", "before the rebuild"]
    assert repair(connection) is False  # nothing left to repair
    say(alice, chat, "and later")
    assert found(bob, "later") == ["and later"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="GIN indexes are PostgreSQL's")
def test_postgresql_gin_indexes_merge_their_pending_lists_in_small_steps(db):
    """Not in one 4 MB merge that stalls a send statement every few seconds."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class WHERE relname IN "
            "('search_message_vector_idx', 'search_message_body_trgm_idx') ORDER BY relname"
        )
        options = cursor.fetchall()
    assert options == [
        ("search_message_body_trgm_idx", ["gin_pending_list_limit=256"]),
        ("search_message_vector_idx", ["gin_pending_list_limit=256"]),
    ]

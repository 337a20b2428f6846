"""Create, migrate and fill the benchmark database; write the manifest the load generator reads.

Run with DJANGO_SETTINGS_MODULE=bench.settings and DATABASE_URL set (bench.run does this):

    python -m bench.seed --manifest var/bench/manifest-sqlite.json --users 2000

Every user is in exactly one room of --room-size members (rooms are made with
check_create_room, the other members are bulk-inserted with their Participant rows, exactly as
check_join_room would leave them); the first --dm-pairs pairs of users are made friends through
parley.accounts.actions.friends and exchange a first direct message, which creates their
direct conversation. A database that already holds this seed (same manifest, same user
count) is reused; otherwise it is dropped and rebuilt. Only databases whose name contains
"bench" are ever created or dropped.
"""

import argparse
import json
import os
import secrets
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

BENCH_PASSWORD = "bench-Password-2718"  # noqa: S105 - a known password for seeded users
FORBIDDEN_DATABASES = {"test", "test_test", "postgres", "template0", "template1"}


@dataclass
class Manifest:
    seed_id: str
    database: str
    password: str
    users: list[tuple[int, str]] = field(default_factory=list)
    # One entry per room: its default chat (conversation) and member user ids.
    rooms: list[dict[str, Any]] = field(default_factory=list)
    # One entry per direct pair: the conversation and the two user ids.
    dms: list[dict[str, Any]] = field(default_factory=list)
    params: dict[str, int] = field(default_factory=dict)


def _database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _check_name(url: str) -> None:
    name = _database_name(url)
    if url.startswith("sqlite"):
        if "bench" not in Path(name).name:
            raise SystemExit(
                f"Refusing to use SQLite file {name!r}: its name must contain 'bench'."
            )
        return
    if name in FORBIDDEN_DATABASES or name.startswith("test") or "bench" not in name:
        raise SystemExit(f"Refusing to use database {name!r}: its name must contain 'bench'.")


def _drop_and_create(url: str) -> None:
    """A new empty database (SQLite: delete the file; PostgreSQL: DROP/CREATE)."""
    _check_name(url)
    name = _database_name(url)
    if url.startswith("sqlite"):
        path = Path("/" + name) if url.startswith("sqlite:////") else Path(name)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    if not url.startswith(("postgres", "postgresql", "pgsql")):
        raise SystemExit("bench.seed creates SQLite and PostgreSQL databases only.")
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    admin_url = parts._replace(scheme="postgresql", path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _load_manifest(path: Path) -> Manifest | None:
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    data["users"] = [tuple(u) for u in data["users"]]
    return Manifest(**data)


def _reusable(manifest: Manifest | None, url: str, params: dict[str, int]) -> bool:
    """The database still holds exactly the seed that `manifest` describes."""
    if manifest is None or manifest.database != url or manifest.params != params:
        return False
    from django.db import DatabaseError

    from parley.accounts.models import User

    try:
        first = User.objects.filter(username=manifest.users[0][1]).values_list("pk", flat=True)
        return User.objects.count() == len(manifest.users) and list(first) == [manifest.users[0][0]]
    except DatabaseError:
        return False


def _seed(url: str, params: dict[str, int]) -> Manifest:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from parley.accounts.actions.friends import check_send_friend_request
    from parley.accounts.models import User
    from parley.messaging.actions.rooms import check_create_room
    from parley.messaging.actions.send import check_send_message
    from parley.messaging.models import Participant, RoomMember

    n_users, room_size, n_pairs = params["users"], params["room_size"], params["dm_pairs"]
    seed_id = secrets.token_hex(4)
    manifest = Manifest(seed_id=seed_id, database=url, password=BENCH_PASSWORD, params=params)
    encoded = make_password(BENCH_PASSWORD)  # one hash for all: a benchmark, not a vault
    started = time.monotonic()
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(
                    username=f"bench{i:05d}",
                    email=f"bench{i:05d}@bench.invalid",
                    display_name=f"Bench User {i}",
                    password=encoded,
                )
                for i in range(n_users)
            ],
            batch_size=1000,
        )
    if users[0].pk is None:  # backends that return no ids from bulk inserts
        users = list(User.objects.filter(username__startswith="bench").order_by("pk"))
    manifest.users = [(u.pk, u.username) for u in users]
    print(f"  {n_users} users in {time.monotonic() - started:.1f}s", flush=True)

    started = time.monotonic()
    for r in range(n_users // room_size):
        members = users[r * room_size : (r + 1) * room_size]
        room = check_create_room(members[0], title=f"Bench room {r:03d}")
        chat = room.chats.get()
        with transaction.atomic():
            RoomMember.objects.bulk_create([RoomMember(room=room, user=u) for u in members[1:]])
            Participant.objects.bulk_create(
                [Participant(conversation=chat, user=u) for u in members[1:]]
            )
        manifest.rooms.append(
            {"room": room.pk, "conversation": chat.pk, "members": [u.pk for u in members]}
        )
    print(f"  {len(manifest.rooms)} rooms in {time.monotonic() - started:.1f}s", flush=True)

    started = time.monotonic()
    for i in range(min(n_pairs, n_users // 2)):
        a, b = users[2 * i], users[2 * i + 1]
        check_send_friend_request(a, b)
        check_send_friend_request(b, a)  # the reverse request accepts the first
        result = check_send_message(a, client_id=f"seed-{i}", body="Hello!", to_user_id=b.pk)
        manifest.dms.append({"conversation": result.message.conversation_id, "users": [a.pk, b.pk]})
    print(f"  {len(manifest.dms)} direct pairs in {time.monotonic() - started:.1f}s", flush=True)
    return manifest


def _analyze() -> None:
    """Give the planner the statistics a database in use has. Right after the bulk inserts
    it has none (autovacuum comes later): PostgreSQL then guessed 156 users for 2,000 and
    scanned them all in every connect's people query (bench/README.md, session 10)."""
    from django.db import connection

    statement = {"postgresql": "ANALYZE", "sqlite": "ANALYZE"}.get(connection.vendor)
    with connection.cursor() as cursor:
        if statement:
            cursor.execute(statement)
        elif connection.vendor == "mysql":
            tables = ", ".join(
                connection.ops.quote_name(t) for t in connection.introspection.table_names()
            )
            cursor.execute(f"ANALYZE TABLE {tables}")
            cursor.fetchall()


def _migrations_pending() -> bool:
    """True when the code has migrations the seeded database lacks: rebuild it then."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", type=Path, required=True)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--room-size", type=int, default=50)
    parser.add_argument("--dm-pairs", type=int, default=100)
    parser.add_argument("--fresh", action="store_true", help="drop and rebuild even if reusable")
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        raise SystemExit("Set DATABASE_URL (bench.run does).")
    _check_name(url)
    params = {"users": args.users, "room_size": args.room_size, "dm_pairs": args.dm_pairs}

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from django.core.management import call_command

    manifest = _load_manifest(args.manifest)
    if not args.fresh and _reusable(manifest, url, params) and not _migrations_pending():
        print(f"Reusing the seeded database ({len(manifest.users)} users).")  # type: ignore[union-attr]
        return 0
    from django.db import connections

    connections.close_all()
    print(f"Building the benchmark database {url}")
    _drop_and_create(url)
    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    print(f"  migrated in {time.monotonic() - started:.1f}s", flush=True)
    manifest = _seed(url, params)
    _analyze()
    args.manifest.parent.mkdir(parents=True, exist_ok=True)
    args.manifest.write_text(json.dumps(asdict(manifest)))
    connections.close_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())

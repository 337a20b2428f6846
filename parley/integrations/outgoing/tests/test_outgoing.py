"""Outgoing webhooks end to end: a real HTTP receiver on loopback, the jobs run as a
worker runs them (run_due_jobs), and what the receiver, the chat and the log show."""

import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from parley.accounts.actions.bots import check_create_bot
from parley.accounts.models import User
from parley.core.testing.jobs import run_due_jobs
from parley.integrations.models import OutgoingDelivery
from parley.integrations.outgoing.actions import check_set_bot_endpoint
from parley.integrations.outgoing.client import Refused, check_address
from parley.integrations.outgoing.jobs import deliver_to_bot
from parley.messaging.actions.rooms import check_join_room
from parley.messaging.actions.send import check_send_message
from parley.messaging.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


class Receiver:
    """An HTTP server on 127.0.0.1 that records each request and answers as told."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        self.answer: bytes = b""
        self.headers: dict[str, str] = {}
        self.hold: threading.Event | None = None  # set: answer; unset: keep the client waiting
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                if receiver.hold is not None:
                    receiver.hold.wait(timeout=10)
                self.send_response(receiver.status)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(receiver.answer)))
                self.end_headers()
                self.wfile.write(receiver.answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def reply(self, data: object) -> None:
        self.answer = json.dumps(data).encode()
        self.headers = {"Content-Type": "application/json"}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    server.thread.start()
    yield server
    if server.hold is not None:
        server.hold.set()
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def loopback_allowed(settings: Any) -> None:
    settings.OUTGOING_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]


def make_bot(owner: User, url: str, username: str = "helper-bot") -> tuple[User, str]:
    bot = check_create_bot(owner, username=username, display_name="Helper")
    bot, secret = check_set_bot_endpoint(owner, bot.pk, url)
    assert secret is not None
    return bot, secret


def verified(request: dict[str, Any], secret: str) -> dict[str, Any]:
    """What a receiver does (docs/integrations.md): check the signature, then read."""
    timestamp = request["headers"]["X-Parley-Timestamp"]
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + request["body"], hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(request["headers"]["X-Parley-Signature"], f"sha256={expected}")
    event: dict[str, Any] = json.loads(request["body"])
    return event


def log_of(bot: User) -> list[tuple[int, int | None, str, bool]]:
    rows = OutgoingDelivery.objects.filter(bot=bot).order_by("pk")
    return [(d.attempt, d.status_code, d.error, d.reply_posted) for d in rows]


def bot_messages(bot: User) -> list[str]:
    return list(Message.objects.filter(sender=bot).values_list("body", flat=True))


def test_a_mention_is_posted_signed_and_the_reply_comes_back(
    loopback_allowed, receiver, room, chat, alice, bob
):
    bot, secret = make_bot(alice, receiver.url())
    check_join_room(bot, room)
    receiver.reply({"text": "On it, @bob."})
    sent = check_send_message(
        bob, client_id="m1", body="@helper-bot deploy please", conversation_id=chat.pk
    ).message

    run_due_jobs()

    [request] = receiver.requests
    assert request["path"] == "/hook"
    assert request["headers"]["Content-Type"] == "application/json"
    event = verified(request, secret)
    assert event["type"] == "message"
    assert event["id"] == f"{sent.pk}-{bot.pk}"
    assert event["bot"]["username"] == "helper-bot" and event["bot"]["bot"] is True
    assert event["message"]["id"] == sent.pk
    assert event["message"]["body"] == "@helper-bot deploy please"
    assert event["message"]["mentions"] == [bot.pk]
    assert event["conversation"] == {"id": chat.pk, "kind": "chat", "title": chat.title}
    assert event["sender"]["username"] == "bob"
    assert event["url"] == f"http://localhost:8000/chat/{chat.pk}/?at={sent.seq}"
    assert bot_messages(bot) == ["On it, @bob."]
    assert log_of(bot) == [(1, 200, "", True)]


def test_a_direct_message_to_the_bot_is_posted(loopback_allowed, receiver, alice):
    bot, secret = make_bot(alice, receiver.url())
    receiver.reply({"content": "Hello, Alice."})
    sent = check_send_message(alice, client_id="d1", body="hi there", to_user_id=bot.pk).message
    # Further messages go to the conversation by id (the batch statement's path elsewhere).
    check_send_message(alice, client_id="d2", body="again", conversation_id=sent.conversation_id)

    run_due_jobs()

    events = [verified(r, secret) for r in receiver.requests]
    assert [e["message"]["body"] for e in events] == ["hi there", "again"]
    assert {e["conversation"]["kind"] for e in events} == {"direct"}
    assert bot_messages(bot) == ["Hello, Alice.", "Hello, Alice."]


def test_messages_of_no_bot_with_an_endpoint_enqueue_nothing(room, chat, alice, bob):
    bot = check_create_bot(alice, username="quiet-bot", display_name="")
    check_join_room(bot, room)
    check_send_message(bob, client_id="n1", body="@alice @quiet-bot hi", conversation_id=chat.pk)
    check_send_message(bob, client_id="n2", body="hello", to_user_id=alice.pk)
    check_send_message(alice, client_id="n3", body="hello bot", to_user_id=bot.pk)
    assert not DBTaskResult.objects.exists()


def test_the_reply_is_posted_once_when_the_job_runs_again(loopback_allowed, receiver, alice):
    bot, _ = make_bot(alice, receiver.url())
    receiver.reply({"text": "Done."})
    sent = check_send_message(alice, client_id="r1", body="do it", to_user_id=bot.pk).message
    run_due_jobs()
    # A retry, or a worker lost after the reply was posted: the job runs once more.
    deliver_to_bot.call(bot_id=bot.pk, message_id=sent.pk)

    assert len(receiver.requests) == 2  # the event is delivered at least once…
    assert bot_messages(bot) == ["Done."]  # …and the reply is posted once
    assert log_of(bot) == [(1, 200, "", True), (2, 200, "", True)]


def test_an_endpoint_that_is_down_is_retried_then_fails(loopback_allowed, alice):
    with socket.socket() as unused:  # a port nothing listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    bot, _ = make_bot(alice, f"http://127.0.0.1:{port}/hook")
    check_send_message(alice, client_id="x1", body="anyone?", to_user_id=bot.pk)

    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(5):
            run_due_jobs()
            clock.shift(timedelta(hours=1))
    log = log_of(bot)
    assert [attempt for attempt, *_ in log] == [1, 2, 3, 4, 5]
    assert all(status is None and error.startswith("Not reached") for _, status, error, _ in log)
    assert DBTaskResult.objects.get().status == TaskResultStatus.FAILED


def test_a_server_error_is_retried_and_the_next_attempt_succeeds(loopback_allowed, receiver, alice):
    bot, _ = make_bot(alice, receiver.url())
    receiver.status = 503
    check_send_message(alice, client_id="s1", body="hello", to_user_id=bot.pk)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        run_due_jobs()
        receiver.status = 200
        receiver.reply({"text": "Back."})
        clock.shift(timedelta(minutes=1))
        run_due_jobs()
    assert log_of(bot) == [(1, 503, "Answered 503.", False), (2, 200, "", True)]
    assert bot_messages(bot) == ["Back."]


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1",
     "0.0.0.0", "224.0.0.1",  # noqa: S104 (an address to check, not to bind) "240.0.0.1", "::1", "fe80::1", "fc00::1", "fd00:ec2::254",
     "::ffff:127.0.0.1", "::ffff:10.0.0.1", "ff02::1", "::"],
)  # fmt: skip
def test_addresses_that_are_not_public_are_refused(address):
    with pytest.raises(Refused):
        check_address(address)


def test_public_addresses_and_allowed_networks_pass(settings):
    assert check_address("93.184.215.14") == "93.184.215.14"
    assert check_address("2606:4700::1111") == "2606:4700::1111"
    settings.OUTGOING_WEBHOOK_ALLOWED_NETWORKS = ["10.1.0.0/16"]
    assert check_address("10.1.2.3") == "10.1.2.3"
    with pytest.raises(Refused):
        check_address("10.2.0.1")


@pytest.mark.parametrize(
    "url",
    ["http://10.0.0.1/hook", "http://169.254.169.254/latest/meta-data/", "http://[::1]:{port}/",
     "http://localhost:{port}/hook", "http://127.0.0.1:{port}/hook"],
)  # fmt: skip
def test_private_endpoints_are_refused_and_nothing_is_sent(receiver, alice, url):
    bot, _ = make_bot(alice, url.format(port=receiver.port))
    check_send_message(alice, client_id="p1", body="hello", to_user_id=bot.pk)
    run_due_jobs()
    [(attempt, status, error, posted)] = log_of(bot)  # refused at once: no retry
    assert (attempt, status, posted) == (1, None, False)
    assert "is not a public address" in error
    assert receiver.requests == []
    assert DBTaskResult.objects.get().status == TaskResultStatus.FAILED


def test_redirects_are_not_followed(settings, receiver, alice):
    inside = Receiver()  # where the redirect points
    inside.thread.start()
    try:
        settings.OUTGOING_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
        receiver.status = 307
        receiver.headers = {"Location": inside.url(host="127.0.0.2")}
        bot, _ = make_bot(alice, receiver.url())
        check_send_message(alice, client_id="rd", body="hello", to_user_id=bot.pk)
        run_due_jobs()
    finally:
        inside.server.shutdown()
        inside.server.server_close()
    assert len(receiver.requests) == 1
    assert inside.requests == []
    assert log_of(bot) == [(1, 307, "A redirect: Parley does not follow them.", False)]


def test_a_slow_endpoint_times_out_and_is_retried(settings, loopback_allowed, receiver, alice):
    settings.OUTGOING_WEBHOOK_TIMEOUT_SECONDS = 0.3
    receiver.hold = threading.Event()
    bot, _ = make_bot(alice, receiver.url())
    check_send_message(alice, client_id="t1", body="hello", to_user_id=bot.pk)
    run_due_jobs()
    receiver.hold.set()
    assert log_of(bot) == [(1, None, "Timed out.", False)]
    job = DBTaskResult.objects.get()
    assert job.status == TaskResultStatus.READY and job.run_after > timezone.now()
    assert bot_messages(bot) == []


def test_a_bot_is_not_notified_of_its_own_messages_nor_of_other_bots(
    loopback_allowed, receiver, room, chat, alice
):
    bot, _ = make_bot(alice, receiver.url())
    other, _ = make_bot(alice, receiver.url(), username="other-bot")
    check_join_room(bot, room)
    check_join_room(other, room)
    check_send_message(
        bot, client_id="b1", body="@other-bot @helper-bot hi", conversation_id=chat.pk
    )
    check_send_message(bot, client_id="b2", body="hi", to_user_id=alice.pk)
    run_due_jobs()
    assert receiver.requests == []


def test_the_send_path_pays_only_for_names_that_end_in_bot(room, chat, alice, bob):
    """A mention of a person, or a direct message to a person or to a bot without an
    endpoint, costs no query more than before; a mentioned "-bot" costs one indexed one."""
    bot = check_create_bot(alice, username="quiet-bot", display_name="")
    check_join_room(bot, room)
    check_send_message(alice, client_id="w1", body="@bob warm", conversation_id=chat.pk)
    dm = check_send_message(alice, client_id="w2", body="warm", to_user_id=bot.pk).message

    def count(client_id: str, body: str, conversation_id: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            check_send_message(
                alice, client_id=client_id, body=body, conversation_id=conversation_id
            )
        return len(queries)

    person = count("c1", "@bob look", chat.pk)
    assert count("c2", "@quiet-bot look", chat.pk) == person + 1
    assert count("c3", "plain", dm.conversation_id) == count("c4", "plain", chat.pk)
